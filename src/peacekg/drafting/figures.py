"""Figures: a number and the noun it counts, with its hedge, kind, scope, time and status.

"more than 500 officers", "up to 430 military personnel", "approximately $8 million", "two
officers", and a list that names its noun once ("6 officers in Western Sahara, 2 in the Central
African Republic") or pairs numbers with places ("6 and 9 servicemen … in Western Sahara and
… Lebanon"). The kind is read from the sentence (time-and-status.md): "up to" is a ceiling;
"currently", "now", "to date" a current count; "since 2014", "participated", "took part",
"rotations" a running total; "destroyed" munitions, "allocated" money, "lost their lives",
"a total personnel of"; otherwise the number sent in one deployment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from peacekg.mapping.coverage import Sentence

from .lexicon import MULTIPLIERS, NUMBER_WORDS, UNIT_NOUNS, number_value
from .model import Candidate, references
from .reading import Reading
from .scope import figure_scope
from .timing import PRESENT, dates_in, timing

QUALIFIERS = {
    "more than": "more-than",
    "over": "more-than",
    "above": "more-than",
    "at least": "more-than",
    "in excess of": "more-than",
    "about": "about",
    "approximately": "about",
    "around": "about",
    "nearly": "about",
    "almost": "about",
    "some": "about",
    "roughly": "about",
    "up to": "up-to",
    "no more than": "up-to",
    "as many as": "up-to",
}
_QUAL = "|".join(sorted(QUALIFIERS, key=len, reverse=True))
_WORDS = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
NUMBER = (
    rf"(?:(?P<qual>(?i:{_QUAL}))\s+)?(?P<money>\$)?"
    rf"(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?|(?i:{_WORDS}))"
    rf"(?:\s+(?P<mult>{'|'.join(MULTIPLIERS)}))?"
)
_NOUNS = "|".join(sorted(UNIT_NOUNS, key=len, reverse=True))
COUNTED = re.compile(
    rf"(?<![\w$.,]){NUMBER}(?P<also>\s+and\s+\d+)*"
    rf"(?P<between>(?:\s+(?!(?:in|of|to|and|have|has|were|was|are|is|the)\b)[\w’'-]+){{0,2}}?)"
    rf"\s+(?P<noun>(?i:{_NOUNS}))\b"
)
MONEY = re.compile(rf"(?<![\w$.,]){NUMBER}(?=\W)")
ELLIPTIC = re.compile(rf"(?<![\w$.,]){NUMBER}\s+in\s+")
TOTAL = re.compile(rf"\btotal (?:personnel|strength) of\s+{NUMBER}")
KINDS = (
    (re.compile(r"destroy|neutrali[sz]|cleared|dispos", re.I), "munition", "destroyed"),
    (re.compile(r"allocat|earmark|budget|fund", re.I), "us-dollar", "allocated"),
    (re.compile(r"lost their lives|killed|died|fatalit|deaths", re.I), None, "fatalities"),
)
RUNNING = re.compile(
    r"\bsince\b|\bin total\b|\bparticipated\b|\btook part\b|\bhave served\b|\bhave been in\b|"
    r"\bduring this time\b|\bover this period\b|\bover the years\b|\brotations\b",
    re.IGNORECASE,
)
APPROVAL = re.compile(r"approv|paving the way|authori[sz]|unanimous support", re.IGNORECASE)


@dataclass(frozen=True)
class Count:
    """A counted number of a sentence: its span, value, hedge and unit."""

    start: int
    end: int
    value: int
    qualifier: str
    unit: str
    place: int | None = None
    """Where the place it is counted in starts, for lists ("2 in the Central African Republic")."""


def _value(m: re.Match[str]) -> int | None:
    words = m.group("num") + (f" {m.group('mult')}" if m.group("mult") else "")
    value = number_value(words)
    return int(value) if value is not None and value == int(value) else None


def _counts(reading: Reading, start: int, end: int) -> Iterator[Count]:
    """The counted numbers of one sentence, in order."""
    text = reading.text[:end]
    dates = [(d.start, d.end) for d, _ in dates_in(reading.article, start, end)]
    names = [(m.start, m.end) for m in reading.matches if start <= m.start < end]
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return not any(x < b and a < y for x, y in [*dates, *names, *taken])

    def count(m: re.Match[str], unit: str, place: int | None = None) -> Count | None:
        value = _value(m)
        qualifier = QUALIFIERS.get((m.group("qual") or "").lower(), "exactly")
        if value is None or not free(m.start("num"), m.end("num")):
            return None
        taken.append((m.start("num"), m.end("num")))
        return Count(m.start(), m.end(), value, qualifier, unit, place)

    found: list[Count] = []
    for m in COUNTED.finditer(text, start):
        unit = UNIT_NOUNS[m.group("noun").lower()]
        if c := count(m, unit):
            found.append(c)
            for extra in re.finditer(r"\d+", m.group("also") or ""):
                value = int(extra.group())
                at = m.start("also") + extra.start()
                found.append(Count(at, at + len(extra.group()), value, "exactly", unit))
    for m in TOTAL.finditer(text, start):
        if c := count(m, "peacekeeper"):
            found.append(c)
    for m in MONEY.finditer(text, start):
        if m.group("money") and m.group("mult") and (c := count(m, "us-dollar")):
            found.append(c)
    nouns = re.compile(rf"\b(?:{_NOUNS})\b", re.IGNORECASE)
    for m in ELLIPTIC.finditer(text, start):
        before = [c.unit for c in found if c.end <= m.start()]
        before += [UNIT_NOUNS[n.lower()] for n in nouns.findall(text, start, m.start())][-1:]
        if before and (c := count(m, before[-1], m.end())):
            found.append(c)
    yield from sorted(found, key=lambda c: c.start)


def figures_in(reading: Reading, sentence: Sentence) -> list[Count]:
    """The counted numbers of one sentence."""
    return list(_counts(reading, sentence.start, sentence.end))


def figures(reading: Reading) -> list[Candidate]:
    """The figures of every sentence, a headline's read as the body explains them."""
    found: list[Candidate] = []
    for sentence in reading.sentences:
        counts = figures_in(reading, sentence)
        for c in counts:
            found.append(_figure(reading, sentence, c, counts))
    return _headlines(reading, found)


def _kind(words: str, c: Count, total: bool) -> tuple[str, str]:
    if total:
        return "total-strength", "'a total personnel of'"
    if c.qualifier == "up-to":
        return "ceiling", "'up to': a ceiling"
    for pattern, unit, kind in KINDS:
        if (unit is None or unit == c.unit) and (m := pattern.search(words)):
            return kind, f"'{m.group()}'"
    if c.unit == "rotation":
        return "cumulative", "rotations counted over a period"
    if m := RUNNING.search(words):
        return "cumulative", f"'{m.group()}': a running total"
    if m := PRESENT.search(words):
        return "currently-serving", f"'{m.group()}': serving at publication"
    return "deployed", "a number sent"


def _figure(reading: Reading, sentence: Sentence, c: Count, counts: list[Count]) -> Candidate:
    text = sentence.text
    total = bool(TOTAL.search(reading.text, c.start, c.end + 1))
    kind, kind_cue = _kind(text, c, total)
    time = timing(reading.article, sentence, c.start, "figure", kind == "cumulative")
    when, status = time.when, time.status
    if kind == "currently-serving":
        when, status = "present", None
    elif kind == "ceiling":
        status = "approved" if APPROVAL.search(text) else status or "planned"
        when = when if status == "scheduled" else "future"
    elif status is not None and kind not in ("deployed", "ceiling"):
        kind = "deployed"
    fields: dict[str, object] = {"value": c.value, "kind": kind, "unit": c.unit}
    if c.qualifier != "exactly":
        fields["qualifier"] = c.qualifier
    fields |= figure_scope(reading, sentence, c, counts, kind)
    return Candidate(
        "figure",
        fields,
        sentence.start,
        sentence.end,
        0.8 if kind != "deployed" else 0.6,
        f"number and counted noun; {kind_cue}; {time.cue}",
        when=when,
        status=status,
        name=f"figure-{c.value}",
        refs=references(fields),
    )


def _headlines(reading: Reading, found: list[Candidate]) -> list[Candidate]:
    """A headline's number is read as the body explains it: a body figure of the same value and
    unit lends it its kind, time and scope (docs/mappings.md)."""
    for c in found:
        if not reading.is_headline(reading.sentence_at(c.start)):
            continue
        body = [
            b
            for b in found
            if b is not c
            and b.fields["value"] == c.fields["value"]
            and b.fields["unit"] == c.fields["unit"]
        ]
        if body:
            c.fields = dict(body[0].fields)
            c.when, c.status = body[0].when, body[0].status
            c.cue = "the headline's number, read as the body explains it"
            c.confidence = 0.4
    return found
