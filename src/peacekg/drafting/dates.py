"""Every date a text prints, located, at the precision it was printed at.

A new article's publication date and its facts' dates both start here: each date comes with its
words, offsets and line (so that a draft can quote it) and is never more precise than written:
"March 2024" is a month, "2003" a year, "January 19" a day of an unknown year, and "05/06/2023",
which may be either day first or month first, only its year. The forms news prints are few, so
regular expressions cover them, with no dependency: dateparser's search gives no offsets, takes
ordinary words for dates ("now", "second", "may") and, unless told otherwise, fills in a missing
day or year, which a draft must never do.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
MONTHS["sept"] = 9
_MONTH_WORDS = "|".join(
    w for name in sorted(MONTHS, key=len, reverse=True) for w in (name.title(), name.upper())
)
MONTH = rf"(?P<month>{_MONTH_WORDS})\.?"
"""A month by name, capitalised as a word of its own ("May 29", never the verb "may")."""
DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
YEAR = r"(?P<year>(?:18|19|20)\d\d)"

YEAR_CUE = re.compile(
    r"(?:\b(?:in|since|from|until|till|to|by|of|during|before|after|between|and|or|early|late|"
    r"mid|around|circa|year|spring|summer|autumn|fall|winter)\W*|\b(?:18|19|20)\d\d\s*[-–—]\s*)$",
    re.IGNORECASE,
)
"""What before a bare year makes it a date even when a lower-case word follows ("in 2019 the
force", "since 2014 officers", "1992–1995 in Croatia"); without it, "2000 troops" is a number."""

Precision = Literal["year", "month", "day", "month-day"]


@dataclass(frozen=True)
class FoundDate:
    """A printed date: its words, where they are, and the value they give."""

    text: str
    start: int
    """Offset of the first character in the text (code points), as quotes count them."""
    end: int
    line: int
    """1-based line of the text the date is printed on."""
    year: int | None
    month: int | None
    day: int | None

    @property
    def precision(self) -> Precision:
        if self.year is None:
            return "month-day"
        if self.month is None:
            return "year"
        return "month" if self.day is None else "day"

    @property
    def value(self) -> str:
        """ISO 8601 at the printed precision: 2024, 2024-03, 2024-01-20, or --01-19 (no year)."""
        if self.year is None:
            return f"--{self.month:02d}-{self.day:02d}"
        parts = [f"{self.year:04d}", *(f"{p:02d}" for p in (self.month, self.day) if p)]
        return "-".join(parts)

    def first_day(self) -> dt.date | None:
        """The earliest day the date can mean (None without a year)."""
        if self.year is None:
            return None
        return dt.date(self.year, self.month or 1, self.day or 1)


def _valid(year: int | None, month: int, day: int | None) -> bool:
    try:
        dt.date(year or 2000, month, day or 1)  # 2000: a leap year, so 29 February passes
    except ValueError:
        return False
    return True


def _by_name(m: re.Match[str]) -> tuple[int | None, int | None, int | None] | None:
    groups = m.groupdict()
    month = MONTHS[groups["month"].lower()]
    year = int(groups["year"]) if groups.get("year") else None
    day = int(groups["day"]) if groups.get("day") else None
    return (year, month, day) if _valid(year, month, day) else None


def _numeric(m: re.Match[str]) -> tuple[int | None, int | None, int | None] | None:
    """Day and month in figures: day first with dots (30.06.2022), and with slashes or dashes
    when one of them is over 12 or both are equal; otherwise the order is unknown, and only the
    year is certain."""
    a, b, year = int(m["a"]), int(m["b"]), int(m["year"])
    if m["sep"] == "." or a > 12 or a == b:
        day, month = a, b
    elif b > 12:
        day, month = b, a
    else:
        return year, None, None
    return (year, month, day) if month <= 12 and _valid(year, month, day) else None


def _iso(m: re.Match[str]) -> tuple[int | None, int | None, int | None] | None:
    year, month, day = int(m["year"]), int(m["m"]), int(m["d"])
    return (year, month, day) if 1 <= month <= 12 and _valid(year, month, day) else None


def _bare_year(m: re.Match[str]) -> tuple[int | None, int | None, int | None] | None:
    before = m.string[max(0, m.start() - 20) : m.start()]
    if re.match(r"\s[a-z]", m.string[m.end() : m.end() + 2]) and not YEAR_CUE.search(before):
        return None
    return int(m["year"]), None, None


_FORMS = (
    (re.compile(rf"\b{YEAR}[-/.](?P<m>\d\d)[-/.](?P<d>\d\d)(?!\d)"), _iso),
    (re.compile(rf"\b(?P<a>\d{{1,2}})(?P<sep>[./-])(?P<b>\d{{1,2}})(?P=sep){YEAR}\b"), _numeric),
    (re.compile(rf"\b{MONTH}\s+{DAY},?\s+{YEAR}\b"), _by_name),
    (re.compile(rf"\b{DAY}\s+(?:of\s+)?{MONTH},?\s+{YEAR}\b"), _by_name),
    (re.compile(rf"\b{MONTH},?\s+{YEAR}\b"), _by_name),
    (re.compile(rf"\b{MONTH}\s+{DAY}\b(?!\.\d)"), _by_name),
    (re.compile(rf"\b{DAY}\s+(?:of\s+)?{MONTH}(?!\w)"), _by_name),
    (re.compile(rf"(?<![\w.,/$€£]){YEAR}(?![\w%]|[.,/:]\d)"), _bare_year),
)


def _candidates(text: str) -> Iterator[tuple[int, int, tuple[int | None, int | None, int | None]]]:
    for pattern, read in _FORMS:
        for m in pattern.finditer(text):
            value = read(m)
            if value is not None:
                yield m.start(), m.end(), value


def find_dates(text: str) -> list[FoundDate]:
    """The dates printed in `text`, in order; where forms overlap the longest wins ("20 January
    2024" is one date, not a day-month and a year)."""
    chosen: list[tuple[int, int, tuple[int | None, int | None, int | None]]] = []
    for start, end, value in sorted(_candidates(text), key=lambda c: (c[0], c[0] - c[1])):
        if chosen and start < chosen[-1][1]:
            continue
        chosen.append((start, end, value))
    return [
        FoundDate(text[start:end], start, end, text.count("\n", 0, start) + 1, *value)
        for start, end, value in chosen
    ]
