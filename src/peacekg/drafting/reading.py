"""One article as the drafter reads it: its sentences, the entities it names and where."""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field

from peacekg.inputs.seeds import Article
from peacekg.mapping.coverage import Sentence, sentences

from .knowledge import Entry, Knowledge
from .lexicon import Lexicon


@dataclass(frozen=True)
class Match:
    """Words of the text that name an entity."""

    start: int
    end: int
    ref: str
    cue: str = "registry name"


@dataclass
class Reading:
    """An article as the drafter reads it: its sentences and where it names which entity."""

    article: Article
    known: Knowledge
    lexicon: Lexicon
    sentences: list[Sentence] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sentences = sentences(self.article.text)
        self._starts = [s.start for s in self.sentences]

    @property
    def text(self) -> str:
        return self.article.text

    def words(self, start: int, end: int) -> str:
        return self.text[start:end]

    def sentence_at(self, offset: int) -> Sentence:
        return self.sentences[max(0, bisect.bisect_right(self._starts, offset) - 1)]

    def is_headline(self, sentence: Sentence) -> bool:
        """The title line: read as the body explains it (docs/mappings.md)."""
        return sentence.text.strip() == self.article.title.strip()

    def entry(self, ref: str) -> Entry:
        return self.known.entries[ref]

    def within(self, start: int, end: int, *kinds: str) -> list[Match]:
        """The names between two offsets, of the given kinds (all kinds if none is given)."""
        return [
            m
            for m in self.matches
            if start <= m.start and m.end <= end and (not kinds or m.ref.split("/")[0] in kinds)
        ]

    def last_before(self, offset: int, *kinds: str) -> Match | None:
        """The last name of these kinds before an offset: whom "he" or "this contingent"
        refers to."""
        found = [m for m in self.matches if m.end <= offset and m.ref.split("/")[0] in kinds]
        return found[-1] if found else None

    def main_country(self) -> str | None:
        """The country the article names most: the contributor when a sentence names none."""
        counts = Counter(
            m.ref
            for m in self.matches
            if m.ref.startswith("place/") and m.ref in self.known.countries.values()
        )
        return counts.most_common(1)[0][0] if counts else None
