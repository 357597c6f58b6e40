"""What a figure or a deployment is about: its operations (named, or "the mission in <place>"),
the places that host them, and who contributes.

A place names an operation only where the sentence speaks of missions or service ("UN missions
in Western Sahara", "is currently serving in Western Sahara"); the operation is the one the
drafter's knowledge says that place hosts (Knowledge.operation_in).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from peacekg.mapping.coverage import Sentence

from .reading import Match, Reading
from .timing import FUTURE, PAST, PRESENT, dates_in

if TYPE_CHECKING:
    from .figures import Count

MISSION_CONTEXT = re.compile(
    r"mission|peacekeep|\bUN\b|United Nations|serv|deploy|sent|returned|force|contingent",
    re.IGNORECASE,
)
LOCATED = re.compile(r"\b(?:in|to|from|at)\s+(?:the\s+)?$")
NO_CONTRIBUTOR = frozenset({"fatalities", "total-strength"})


def year_of(reading: Reading, sentence: Sentence) -> int | None:
    """The year an operation is looked for in: the sentence's first date, else publication."""
    dates = dates_in(reading.article, sentence.start, sentence.end)
    if dates and dates[0][0].year:
        return dates[0][0].year
    article = reading.article
    published = article.published or (article.bounds.not_after if article.bounds else None)
    return published.year if published else None


def operation_of(
    reading: Reading, m: Match, year: int | None, past: bool
) -> tuple[str, str | None] | None:
    """The operation a match names (itself, or the one its place hosts), and the place."""
    if m.ref.startswith("operation/"):
        return m.ref, None
    if m.ref.startswith("place/") and (op := reading.known.operation_in(m.ref, year, past)):
        return op.ref, m.ref
    return None


def operations(reading: Reading, start: int, end: int) -> list[tuple[Match, str, str | None]]:
    """The operations named between two offsets, in order, once each."""
    sentence = reading.sentence_at(start)
    if not MISSION_CONTEXT.search(reading.text[start:end]):
        return []
    year = year_of(reading, sentence)
    words = reading.text[start:end]
    past = bool(PAST.search(words)) and not (PRESENT.search(words) or FUTURE.search(words))
    found: dict[str, tuple[Match, str, str | None]] = {}
    for m in reading.within(start, end, "operation", "place"):
        if (named := operation_of(reading, m, year, past)) and named[0] not in found:
            found[named[0]] = (m, *named)
    return list(found.values())


def figure_scope(
    reading: Reading, sentence: Sentence, c: Count, counts: list[Count], kind: str
) -> dict[str, object]:
    """`contributor`, `operations` and `territories` of one figure of a sentence."""
    named = operations(reading, sentence.start, sentence.end)
    own = _own_place(reading, c, counts, named)
    if own is not None:
        named = [own]
    fields: dict[str, object] = {}
    if kind not in NO_CONTRIBUTOR and (who := contributor(reading, sentence, c.start, named)):
        fields["contributor"] = who
    if named:
        fields["operations"] = _one_or_list([op for _, op, _ in named])
        places = [p for _, _, p in named if p]
        if places:
            fields["territories"] = _one_or_list(places)
    return fields


def _own_place(
    reading: Reading, c: Count, counts: list[Count], named: list[tuple[Match, str, str | None]]
) -> tuple[Match, str, str | None] | None:
    """The one place a count of a list is counted in: "2 in the Central African Republic", or
    the n-th place for the n-th of "6 and 9 … in Western Sahara and … Lebanon"."""
    after = [n for n in named if n[0].start >= c.end]
    if c.place is not None:
        return next((n for n in after if n[0].start - c.place < 8), None)
    near = [
        n for n in after if re.fullmatch(r"\s+in\s+(?:the\s+)?", reading.text[c.end : n[0].start])
    ]
    if near:
        return near[0]
    same = [x for x in counts if x.unit == c.unit and x.place is None]
    if len(same) > 1 and len(after) >= len(same) - same.index(c):
        places = [n for n in named if n[0].start >= same[-1].end]
        if len(places) == len(same):
            return places[same.index(c)]
    return None


def contributor(
    reading: Reading, sentence: Sentence, anchor: int, named: list[tuple[Match, str, str | None]]
) -> str | None:
    """Who sends them: a nationality or country in the sentence that hosts none of its
    operations and is not where they are ("in the Congo"), nearest the number first; a unit
    named there; else the article's country."""
    hosts = {p for _, _, p in named if p} | {
        h for _, op, _ in named for h in reading.entry(op).hosts
    }
    words = re.finditer(r"[A-Z][a-zà-ÿ]+", sentence.text)
    nationalities = [
        (abs(sentence.start + w.start() - anchor), ref)
        for w in words
        if (ref := reading.known.country(w.group()))
        and ref not in hosts
        and not LOCATED.search(sentence.text[max(0, w.start() - 12) : w.start()])
    ]
    countries = [
        (abs(m.start - anchor), m.ref)
        for m in reading.within(sentence.start, sentence.end, "place")
        if m.ref in reading.known.countries.values()
        and m.ref not in hosts
        and not LOCATED.search(reading.text[max(0, m.start - 12) : m.start])
    ]
    if found := sorted(nationalities + countries):
        return found[0][1]
    units = reading.within(sentence.start, sentence.end, "unit")
    if units:
        return units[0].ref
    return reading.main_country()


def _one_or_list(refs: list[str]) -> str | list[str]:
    return refs[0] if len(refs) == 1 else refs
