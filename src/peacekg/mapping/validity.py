"""When a claim holds, as the mapping states it (`when:`), relative to when it was reported.

An article reports a claim at its publication date (or within the date bounds of an undated
article); when the claim *holds* is a separate statement the mapper makes, never a default:

    when: present                      # holds at publication
    when: past                         # held before publication: ended not after it
    when: future                       # holds after publication: begins not before it
    when: 2013-04-25                   # at that date, at the precision written (YYYY[-MM[-DD]])
    when: {start: 2014, end: publication}       # "since 2014 ... to date"
    when: {start: 2003, end: past, duration: P5Y}
    when: {at: {not_before: 2019, not_after: publication}}

`start`, `end` and `at` each take a date (exact at its precision), `publication` (at the
article's date, or within its bounds), `past` (not after publication), `future` (not before
publication) or explicit `{not_before: …, not_after: …}` bounds. Nothing is computed: a
duration stays a duration and an end the text does not give stays unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal

from peacekg.inputs.seeds import Article
from peacekg.terms import date_literal, duration_literal

SHORTHANDS = ("present", "past", "future")
ANCHORS = ("start", "end", "at")
KEYWORDS = ("publication", "past", "future")


@dataclass(frozen=True)
class Instant:
    """A time known exactly (at the text's precision) or only within bounds (either may be open)."""

    exact: Literal | None = None
    not_before: Literal | None = None
    not_after: Literal | None = None


@dataclass(frozen=True)
class Validity:
    """The interval a claim holds over: its start, its end, an instant inside it, a duration."""

    start: Instant | None = None
    end: Instant | None = None
    at: Instant | None = None
    duration: Literal | None = None
    statement: str = ""
    """The mapper's words, kept as written (e.g. `present`, `start 2014, end publication`)."""
    future: bool = False
    """Whether it is stated to hold only from publication on: what a plan says, never a fact."""


def _publication(article: Article) -> Instant:
    if article.published is not None:
        return Instant(exact=date_literal(article.published))
    assert article.bounds is not None
    return Instant(
        not_before=date_literal(article.bounds.not_before),
        not_after=date_literal(article.bounds.not_after),
    )


def _instant(value: object, article: Article) -> Instant:
    """One of start/end/at: a date, a keyword relative to publication, or explicit bounds."""
    publication = _publication(article)
    if value == "publication":
        return publication
    if value == "past":  # not after publication
        return Instant(not_after=publication.exact or publication.not_after)
    if value == "future":  # not before publication
        return Instant(not_before=publication.exact or publication.not_before)
    if isinstance(value, dict):
        unknown = sorted(set(map(str, value)) - {"not_before", "not_after"})
        if unknown or not value:
            raise ValueError(f"bounds take not_before and/or not_after, got {sorted(value)}")
        low, high = (value.get(k) for k in ("not_before", "not_after"))
        low_bound = _instant(low, article) if low is not None else None
        high_bound = _instant(high, article) if high is not None else None
        return Instant(
            not_before=low_bound and (low_bound.exact or low_bound.not_before),
            not_after=high_bound and (high_bound.exact or high_bound.not_after),
        )
    try:
        return Instant(exact=date_literal(value))
    except ValueError:
        raise ValueError(
            f"{value!r} is not a time: use a date (YYYY, YYYY-MM, YYYY-MM-DD), "
            f"{', '.join(KEYWORDS)}, or {{not_before: …, not_after: …}}"
        ) from None


def parse_validity(value: object, article: Article) -> Validity:
    """The `when:` of a fact; raises ValueError with a reason the mapper can act on."""
    if value in SHORTHANDS:
        if value == "present":
            return Validity(at=_publication(article), statement="present")
        if value == "past":
            return Validity(end=_instant("past", article), statement="past")
        return Validity(start=_instant("future", article), statement="future", future=True)
    if isinstance(value, dict):
        keys = set(map(str, value))
        unknown = sorted(keys - {*ANCHORS, "duration"})
        if unknown:
            raise ValueError(
                f"unknown key(s) {', '.join(unknown)}; use start, end, at and duration"
            )
        if not keys & set(ANCHORS):
            raise ValueError(
                "give at least one of start, end or at (a duration alone has no place in time)"
            )
        parts = {k: _instant(value[k], article) for k in ANCHORS if value.get(k) is not None}
        duration = duration_literal(value["duration"]) if value.get("duration") else None
        statement = ", ".join(
            f"{k} {_words(value[k])}" for k in (*ANCHORS, "duration") if k in value
        )
        future = any(
            value.get(k) == "future" or _after_publication(parts.get(k), article)
            for k in ("start", "at")
        )
        validity = Validity(duration=duration, statement=statement, future=future, **parts)
        _check_order(validity)
        return validity
    try:
        at = Instant(exact=date_literal(value))
    except ValueError:
        raise ValueError(
            f"{value!r} is not a time statement: use present, past, future, a date, or "
            "{start: …, end: …, at: …, duration: …}"
        ) from None
    return Validity(at=at, statement=str(value), future=_after_publication(at, article))


def _after_publication(instant: Instant | None, article: Article) -> bool:
    """Whether the instant is certainly after the article was published."""
    if instant is None:
        return False
    low, published = _lower(instant), _upper(_publication(article))
    return low is not None and published is not None and _later(low, published)


def _words(value: object) -> str:
    if isinstance(value, dict):
        return " ".join(f"{k.replace('_', ' ')} {v}" for k, v in value.items())
    return str(value)


def _lower(instant: Instant) -> str | None:
    found = instant.exact or instant.not_before
    return found.value if found is not None else None


def _upper(instant: Instant) -> str | None:
    found = instant.exact or instant.not_after
    return found.value if found is not None else None


def _later(a: str, b: str) -> bool:
    """Whether date a is certainly after date b (ISO dates of any precision, on their common
    prefix: 2024-03 is after 2024-01-20, but 2024 is not after 2024-01-20)."""
    n = min(len(a), len(b))
    return a[:n] > b[:n]


def _check_order(v: Validity) -> None:
    """The start may not be after the end, nor an instant inside fall outside them."""
    pairs = [
        ("start", v.start, "end", v.end),
        ("start", v.start, "at", v.at),
        ("at", v.at, "end", v.end),
    ]
    for first_name, first, second_name, second in pairs:
        if first is None or second is None:
            continue
        low, high = _lower(first), _upper(second)
        if low is not None and high is not None and _later(low, high):
            raise ValueError(f"{first_name} ({low}) is after {second_name} ({high})")
    for name, instant in (("start", v.start), ("end", v.end), ("at", v.at)):
        low, high = (instant.not_before, instant.not_after) if instant else (None, None)
        if low is not None and high is not None and _later(low.value, high.value):
            raise ValueError(f"{name}: not_before {low.value} is after not_after {high.value}")


def reported(article: Article) -> Instant:
    """When the article reported its claims: its date, or its date bounds."""
    return _publication(article)
