"""When a drafted fact holds and whether it happened, from its own sentence's cues.

The cue table is /work/shared/reference/time-and-status.md (docs/mappings.md says the same):
"currently", "now", "to date" -> present; "since 2014" -> from 2014 (to publication, for a
running total); "will", "is to", "plans to" -> future, planned; "is scheduled for March 2024"
-> that date, scheduled; "several years ago", "recently", simple past -> past; a printed date
-> that date at its precision; "for a year" / "after a year of service" -> a duration. Nothing
is narrowed beyond the text: a day and month with no year take the publication's year only
when the article is dated and says "this year" or prints no other year.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from peacekg.inputs.seeds import Article
from peacekg.mapping.coverage import Sentence

from .dates import FoundDate, find_dates
from .lexicon import NUMBER_WORDS

CLAUSE_BREAK = re.compile(r",\s+(?:where|which|who|whose|with|paving|while)\b|\bthat\b|;|\s[–—]\s")
PLAN = (
    r"will|shall|is to|are to|plans? to|planned|plans|is expected to|are expected to|"
    r"intends? to|upcoming|would"
)
"""Words of a plan: they make a fact future and planned here, and keep a page's sentence from
dating the page (`publication.NOT_PAST`)."""
FUTURE = re.compile(
    rf"\b(?:{PLAN}|to be (?:sent|deployed|dispatched|concluded|signed))\b", re.IGNORECASE
)
SCHEDULED = re.compile(r"\b(?:is|are|was|were) scheduled (?:for|in|on)\b", re.IGNORECASE)
PRESENT = re.compile(
    r"\b(?:currently|now|to date|at present|presently|at the moment|is serving|are serving|"
    r"is underway|are underway)\b",
    re.IGNORECASE,
)
PAST = re.compile(
    r"\b(?:(?i:ago|recently|earlier|previously|formerly|was|were|had|did|took|began|sent|lost)|"
    r"[a-z]{2,}ed)\b"
)
FROM_TO = re.compile(r"\bfrom\s+\S+(?:\s\S+){0,2}?\s+(?:to|until|till)\s+\S+(?:\s\d{4})?")
SINCE = re.compile(r"\bsince\s+$", re.IGNORECASE)
SINCE_THEN = re.compile(
    r"\b(?:during this time|over this period|since then|in that time)\b", re.IGNORECASE
)
DURATION = re.compile(
    r"\b(?:for|after|during|over the course of)\s+"
    r"(?:(?:a|an|one)\s+year|(?:the\s+)?(?P<n>\d+|[a-z]+)\s+years)\b",
    re.IGNORECASE,
)
THIS_YEAR = re.compile(r"^\s+of\s+this\s+year\b", re.IGNORECASE)


@dataclass(frozen=True)
class Time:
    """A fact's `when:` and `status:`, and the words they were read from."""

    when: object
    status: str | None
    cue: str


def segments(sentence: Sentence) -> list[tuple[int, int]]:
    """The sentence's parts between relative clauses, "that" and dashes (text offsets)."""
    cuts = [0, *(m.start() for m in CLAUSE_BREAK.finditer(sentence.text)), len(sentence.text)]
    return [(sentence.start + a, sentence.start + b) for a, b in itertools.pairwise(cuts)]


def clause(sentence: Sentence, offset: int) -> tuple[int, str]:
    """The part of a sentence around `offset`: "139 … have been sent to the Golan Heights,
    where … they will carry out tasks" is past, not future."""
    for start, end in segments(sentence):
        if start <= offset < end or end == sentence.end:
            return start, sentence.text[start - sentence.start : end - sentence.start]
    return sentence.start, sentence.text


def dates_in(article: Article, start: int, end: int) -> list[tuple[FoundDate, str]]:
    """The dates printed between two offsets, each with its value as `when:` writes it; a day
    with no year takes the publication's year only when nothing else says otherwise."""
    text = article.text
    found = find_dates(text[start:end])
    with_year = any(d.year is not None for d in found)
    values = []
    for d in found:
        if d.year is not None:
            values.append((d, d.value))
        elif article.published is not None and (
            THIS_YEAR.match(text[start + d.end : start + d.end + 20]) or not with_year
        ):
            year = article.published.year
            if (d.month, d.day) > (article.published.month, article.published.day):
                continue  # after publication in its year: which year is not said
            values.append((d, f"{year}{d.value[1:]}"))
    return [(_shifted(d, start), v) for d, v in values]


def _shifted(d: FoundDate, by: int) -> FoundDate:
    return FoundDate(d.text, d.start + by, d.end + by, d.line, d.year, d.month, d.day)


def since(article: Article, d: FoundDate) -> bool:
    """Whether "since" stands just before the date (the fact starts then)."""
    return bool(SINCE.search(article.text[max(0, d.start - 12) : d.start]))


def duration(words: str) -> str | None:
    """ "for a year" -> P1Y, "during the five years" -> P5Y."""
    m = DURATION.search(words)
    if not m:
        return None
    n = m.group("n")
    count = 1 if n is None else int(n) if n.isdigit() else NUMBER_WORDS.get(n.lower())
    return f"P{count}Y" if count else None


def timing(
    article: Article, sentence: Sentence, offset: int, kind: str, running_total: bool = False
) -> Time:
    """`when:`/`status:` of a fact anchored at `offset`, from its clause's cues.

    `running_total`: a figure counting everyone over a period ("since 2014" ends at publication).
    """
    start, words = clause(sentence, offset)
    dates = dates_in(article, start, start + len(words))
    if m := SCHEDULED.search(words):
        dated = [v for d, v in dates if d.start >= start + m.end()]
        if dated:
            when = {"start": dated[0]} if kind == "deployment" else dated[0]
            return Time(when, "scheduled", f"'{m.group().strip()} {dated[0]}'")
    if m := FUTURE.search(words):
        return Time("future", "planned", f"'{m.group()}': a plan")
    if m := FROM_TO.search(words):
        spans = [v for d, v in dates if start + m.start() <= d.start < start + m.end()]
        if len(spans) == 2:
            return Time({"start": spans[0], "end": spans[1]}, None, f"'{m.group()}'")
    for d, value in dates:
        if since(article, d):
            end = "publication" if running_total else None
            when = {"start": value, "end": end} if end else {"start": value}
            return Time(when, None, f"'since {d.text}'")
    if running_total and (m := SINCE_THEN.search(words)):
        earlier = dates_in(article, sentence.start - 400, sentence.start)
        if earlier:
            return Time({"start": earlier[-1][1], "end": "publication"}, None, f"'{m.group()}'")
    if m := PRESENT.search(words):
        return Time("present", None, f"'{m.group()}': at publication")
    if dates and kind in ("event", "deployment"):
        return Time(dates[0][1], None, f"the date '{dates[0][0].text}'")
    if m := PAST.search(words):
        if span := duration(words):
            return Time({"end": "past", "duration": span}, None, f"'{m.group()}' for {span}")
        return Time("past", None, f"'{m.group()}': before publication")
    return Time("present", None, "present tense: at publication")
