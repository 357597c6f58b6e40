"""What a draft is made of: candidate facts located in the text, and proposed entities.

A candidate keeps its quote as offsets into the article, so the writer can always give the
verbatim words (and an `occurrence` when they repeat), and the reviewer the sentence around them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from peacekg.mapping.quotes import Span, locate

from .ids import slug


@dataclass(frozen=True)
class Proposal:
    """An entity the registry lacks, proposed for the mapping's `draft_registry`."""

    kind: str
    key: str
    label: str
    cls: str | None = None
    acronym: str | None = None
    members: tuple[str, ...] = ()
    """For a group: the persons the article names in it."""

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.key}"


@dataclass
class Candidate:
    """One proposed fact: its type and fields, its quote's span, when it holds, and why."""

    type: str
    fields: dict[str, object]
    start: int
    end: int
    confidence: float
    cue: str
    when: object = None
    status: str | None = None
    name: str = ""
    """Words for its id (the fact id is made unique by the writer)."""
    refs: list[str] = field(default_factory=list)
    """The entities it names, so the writer can propose those the registry lacks."""


def normalise(label: str) -> str:
    """A label compared loosely: no accents, case, punctuation, articles or parentheses."""
    words = slug(re.sub(r"\(.*?\)", " ", label)).split("-")
    return " ".join(w for w in words if w not in {"the", "a", "an"})


def references(fields: dict[str, object]) -> list[str]:
    """The registry references among a fact's field values (`kind/id`, alone or in lists)."""
    values = [x for v in fields.values() for x in (v if isinstance(v, list) else [v])]
    return [v for v in values if isinstance(v, str) and re.fullmatch(r"[a-z]+/[a-z0-9-]+", v)]


def quote_span(text: str, fact: Mapping[str, object]) -> Span:
    """Where a written fact's `quote` is in the text (its `occurrence`, when the words repeat);
    QuoteError if it is not there."""
    occurrence = fact.get("occurrence")
    return locate(text, str(fact.get("quote")), occurrence if isinstance(occurrence, int) else None)
