"""A news page as text: its lines and sentences, the labels pages print, a value read off a line.

Shared by the drafting of a page's metadata and of its publication date, which read the same
header lines, bylines and footers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from peacekg.mapping.coverage import Sentence, sentences

T = TypeVar("T")


@dataclass(frozen=True)
class Stated(Generic[T]):
    """A value the text states, the line (1-based) and the words of it that state it."""

    value: T
    line: int
    evidence: str


@dataclass(frozen=True)
class Line:
    """One line of the text, with where it starts (for quoting its words)."""

    number: int
    start: int
    """Offset of the line's first character in the text."""
    text: str

    @property
    def stripped(self) -> str:
        return self.text.strip().lstrip("\ufeff").strip()


@dataclass(frozen=True)
class Page:
    """A text as its lines and its sentences, the two ways its metadata is read."""

    text: str
    lines: list[Line]
    sentences: list[Sentence]

    def sentence_at(self, offset: int) -> str:
        """The sentence holding the text offset: a quote of where a value is read."""
        for sentence in self.sentences:
            if sentence.start <= offset < sentence.end:
                return sentence.text
        return self.lines[self.text.count("\n", 0, offset)].stripped


def page(text: str) -> Page:
    """The lines and sentences of a text."""
    lines, offset = [], 0
    for number, raw in enumerate(text.split("\n"), 1):
        lines.append(Line(number, offset, raw.rstrip("\r")))
        offset += len(raw) + 1
    return Page(text, lines, sentences(text))


WORD = re.compile(r"[^\W\d_][\w'’.-]*")


def words(text: str) -> list[str]:
    """The words of a text (letters, with inner apostrophes, dots and hyphens)."""
    return WORD.findall(text)


LABEL = re.compile(
    r"^(?:sources?|photo(?:\s+credit)?s?|image|credits?|фото|источник|last\s+update[ds]?|"
    r"updated?|published|posted|date|editor|reporter|written\s+by|authors?|автор)\s*:",
    re.IGNORECASE,
)
"""A line that labels metadata ("Source: …", "Photo: …")."""
UPDATED = re.compile(r"\b(?:last\s+update[ds]?|updated?|modified|edited|revised)\b", re.I)
"""Words that make the date after them the page's last update."""
BYLINE = re.compile(
    r"^(?:By|BY|(?:Written|Reporting|Reported)\s+by|Authors?\s*:|Reporter\s*:|Автор\s*:)\s+"
    r"(?P<rest>\S.*)$"
)
COPYRIGHT = re.compile(
    r"(?:©|\(c\)|\bcopyright\b)[\s©]*(?:\d{4}(?:\s*[-–]\s*\d{4})?[\s,]*)?"
    r"(?P<value>[^\W\d_][^.|©\n]{1,60}?)\s*(?:[.|]|$)",
    re.I,
)
"""A copyright notice: it names the publisher, and its year is often the year the page was
read rather than written."""
