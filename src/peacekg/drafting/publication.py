"""When a page was published: the date it prints, or the bounds its text allows, with why.

A page prints its date in its header (a date line, a byline, a caption, a dateline), its last
update after "Updated"; the body's dates are what it reports. A page that prints no date of its
own was written after every date it reports as past, not after its last update or the day it
was added, and relative words beside a date ("yesterday, 19 January") narrow that; never to one
day the text does not print.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peacekg.inputs.reference import OPERATIONS_FILE, load_operations

from .dates import FoundDate
from .page import COPYRIGHT, LABEL, UPDATED, Line, Page, Stated, words
from .timing import PLAN


@dataclass(frozen=True)
class Bound:
    """A date a page's publication cannot be before (or after), and why, in words."""

    date: dt.date
    reason: str


def earliest(mappings_dir: Path) -> Bound:
    """The earliest date any text here can have: nothing about UN peace operations predates
    the first of them (mappings/un-peace-operations.yaml)."""
    operations = load_operations(mappings_dir / OPERATIONS_FILE)
    first = min((op for op in operations if op.start), key=lambda op: op.start or 0)
    assert first.start is not None
    return Bound(
        dt.date(first.start, 1, 1),
        f"The text prints no date; the first UN peace operation, {first.acronym}, began in "
        f"{first.start} (mappings/{OPERATIONS_FILE}).",
    )


@dataclass(frozen=True)
class Publication:
    """A page's printed publication date and last update, or the bounds its text allows."""

    published: Stated[dt.date] | None
    modified: Stated[dt.date] | None
    not_before: Bound | None
    """With `not_after`, when the page prints no publication date (and only then)."""
    not_after: Bound | None


NOT_PAST = re.compile(
    rf"\b(?:{PLAN}|is\s+to|are\s+to|scheduled|plans?|planning|expected|intends?|next|"
    r"forthcoming)\b",
    re.I,
)
"""A sentence about what is to come: its dates do not date the page. Broader than a fact's plan
(`timing.FUTURE`): "next", "expected", "scheduled" alone will do."""
DEADLINE = re.compile(r"\b(?:by|until|till|through|before)\s+(?:the\s+end\s+of\s+)?$", re.I)


BODY_PARAGRAPH = 20
"""Words in a line from which it is a paragraph of the body, not a headline or a subtitle."""


@dataclass(frozen=True)
class Layout:
    """The parts of a page its dates are read by."""

    body: tuple[int, int]
    """The lines of the body's first and last paragraph: the header is above, the footer below
    ((0, -1) for a page without a paragraph: all header)."""
    dateline: tuple[int, int] | None
    """The dateline's span in the text, if any."""
    headline: int
    """The headline's line."""

    def prints(self, date: FoundDate, line: Line) -> bool:
        """Whether the page prints the date as its own: in the dateline, on a line with little
        else in the header (a date line, a byline, a caption), or on a labelled line in the
        footer ("Published: …"); never in the headline or in a sentence or list of the body."""
        if self.dateline and self.dateline[0] <= date.start < self.dateline[1]:
            return True
        if self.body[0] <= line.number <= self.body[1] or line.number == self.headline:
            return False
        text = line.stripped
        if line.number > self.body[1] >= 0 and not (LABEL.match(text) or UPDATED.search(text)):
            return False
        rest = text.replace(date.text, " ")
        return len(words(rest)) <= 8 and not rest.rstrip().endswith((".", "!", "?"))


def layout(p: Page, dateline: tuple[int, int] | None, headline: int) -> Layout:
    """The page's layout: its body runs from the first to the last line of twenty words."""
    paragraphs = [line.number for line in p.lines if len(words(line.text)) >= BODY_PARAGRAPH]
    body = (paragraphs[0], paragraphs[-1]) if paragraphs else (0, -1)
    return Layout(body, dateline, headline)


def _is_update(date: FoundDate, p: Page, dates: list[FoundDate]) -> bool:
    """Whether "Updated", "Last update" or the like labels the date: the words between the
    previous date on its line (or the line's start) and it."""
    line = p.lines[date.line - 1]
    previous = [d.end for d in dates if d.line == date.line and d.end <= date.start]
    label = p.text[max(previous) if previous else line.start : date.start]
    return bool(UPDATED.search(label))


def _past_mentions(p: Page, dates: list[FoundDate], where: Layout) -> list[tuple[FoundDate, str]]:
    """Dates the text mentions with a year, outside the headline ("… to send troops on 20
    March"), a plan or forecast ("will", "scheduled for", "by 2030"), a copyright notice or its
    last update: the text was written after each began. With the sentence that mentions it."""
    found = []
    for sentence in p.sentences:
        if sentence.line == where.headline:
            continue
        if NOT_PAST.search(sentence.text) or COPYRIGHT.search(sentence.text):
            continue
        for d in dates:
            if d.year is None or not sentence.start <= d.start < sentence.end:
                continue
            line = p.lines[d.line - 1]
            if DEADLINE.search(p.text[line.start : d.start]) or _is_update(d, p, dates):
                continue
            found.append((d, sentence.text))
    return found


def _printed(
    p: Page, dates: list[FoundDate], where: Layout
) -> tuple[Stated[dt.date] | None, Stated[dt.date] | None]:
    """The publication date and the last update, where the header prints them: the first full
    date there (one after "Updated" is the update's). A header date earlier than a date the body
    reports as past is not the publication date (an old photo's caption, say)."""
    published: Stated[dt.date] | None = None
    modified: Stated[dt.date] | None = None
    header = [d for d in dates if where.prints(d, p.lines[d.line - 1])]
    body = [d.first_day() for d, _ in _past_mentions(p, dates, where) if d not in header]
    latest_past = max((day for day in body if day), default=None)
    for d in header:
        day = d.first_day()
        if d.precision != "day" or day is None:
            continue
        stated = Stated(day, d.line, p.lines[d.line - 1].stripped)
        if _is_update(d, p, dates):
            modified = modified or stated
        elif published is None and (latest_past is None or day >= latest_past):
            published = stated
    return published, modified


# --- relative words ---------------------------------------------------------------------------

ONE_DAY = dt.timedelta(days=1)
RelativeRule = Callable[[FoundDate], tuple[dt.date, dt.date] | None]


def _days_after(first: int, last: int) -> RelativeRule:
    def rule(d: FoundDate) -> tuple[dt.date, dt.date] | None:
        day = d.first_day()
        if d.precision != "day" or day is None:
            return None
        return day + first * ONE_DAY, day + last * ONE_DAY

    return rule


def _calendar(unit: str, following: bool) -> RelativeRule:
    """ "this month" or "this year" of a date: from it to the end of its month or year; "last
    month" or "last year" (`following`): the whole month or year after it."""

    def rule(d: FoundDate) -> tuple[dt.date, dt.date] | None:
        first = d.first_day()
        if first is None or (unit == "month" and d.month is None):
            return None
        if following:
            first = _last_day(first, unit) + ONE_DAY
        return first, _last_day(first, unit)

    return rule


def _last_day(day: dt.date, unit: str) -> dt.date:
    """The last day of `day`'s month or year."""
    if unit == "year":
        return dt.date(day.year, 12, 31)
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


RELATIVE: tuple[tuple[re.Pattern[str], RelativeRule], ...] = (
    (
        re.compile(r"\b(?:today|this\s+(?:morning|afternoon|evening)|tonight)\b", re.I),
        _days_after(0, 0),
    ),
    (re.compile(r"\b(?:yesterday|last\s+night)\b", re.I), _days_after(1, 1)),
    (re.compile(r"\bthis\s+week\b", re.I), _days_after(0, 6)),
    (re.compile(r"\blast\s+week\b", re.I), _days_after(1, 13)),
    (re.compile(r"\bthis\s+month\b", re.I), _calendar("month", following=False)),
    (re.compile(r"\blast\s+month\b", re.I), _calendar("month", following=True)),
    (re.compile(r"\bthis\s+year\b", re.I), _calendar("year", following=False)),
    (re.compile(r"\blast\s+year\b", re.I), _calendar("year", following=True)),
)
"""Words that date the text from a date beside them in one sentence: "yesterday, 19 January
2024" was written on 20 January; "last week, on 12 March" between 13 and 25 March."""


def _relative(p: Page, dates: list[FoundDate]) -> list[tuple[dt.date, dt.date, str]]:
    """Bounds from relative words next to a date in one sentence, each with its reason."""
    found = []
    for sentence in p.sentences:
        beside = [d for d in dates if sentence.start <= d.start < sentence.end]
        for pattern, rule in RELATIVE:
            m = pattern.search(sentence.text)
            if not m or not beside:
                continue
            at = sentence.start + m.start()
            nearest = min(beside, key=lambda d: abs(d.start - at))
            span = rule(nearest)
            if span:
                reason = (
                    f"It says '{m[0]}' of {nearest.text} "
                    f'(line {sentence.line}: "{sentence.text}").'
                )
                found.append((*span, reason))
    return found


def _bounds(
    p: Page,
    dates: list[FoundDate],
    where: Layout,
    modified: Stated[dt.date] | None,
    added_on: dt.date,
    earliest: Bound,
) -> tuple[Bound, Bound]:
    """Not before `earliest` or the latest date reported as past, not after the last update
    or the day it was added, narrowed by relative words; a text that contradicts itself gives
    only `earliest` and the day added."""
    added = Bound(added_on, f"It was added to the project on {added_on.isoformat()}.")
    not_before, not_after = earliest, added
    past = [(d, s) for d, s in _past_mentions(p, dates, where) if d.first_day()]
    if past:
        d, sentence = max(past, key=lambda found: found[0].first_day() or dt.date.min)
        reason = (
            f"The latest date it reports as past (not as a plan) is {d.text} "
            f'(line {d.line}: "{sentence}").'
        )
        not_before = Bound(d.first_day() or earliest.date, reason)
    if modified and modified.value < not_after.date:
        reason = (
            f"It was last updated on {modified.value.isoformat()} "
            f'(line {modified.line}: "{modified.evidence}").'
        )
        not_after = Bound(modified.value, reason)
    for first, last, reason in _relative(p, dates):
        if first > not_before.date:
            not_before = Bound(first, reason)
        if last < not_after.date:
            not_after = Bound(last, reason)
    if not_before.date > not_after.date:  # the text contradicts itself: claim nothing from it
        return earliest, added
    return not_before, not_after


def publication(
    p: Page, dates: list[FoundDate], where: Layout, added_on: dt.date, earliest: Bound
) -> Publication:
    """The page's publication date and last update as printed, or, when no publication date is
    printed, its bounds: not before `earliest` or what the text reports as past, not after
    `added_on` or its last update."""
    published, modified = _printed(p, dates, where)
    if published:
        return Publication(published, modified, None, None)
    return Publication(None, modified, *_bounds(p, dates, where, modified, added_on, earliest))
