"""Which factual sentences of an article no fact covers and no waiver explains.

An article is cut into sentences (lines first: headlines, captions and credits stand alone;
then sentence ends). A sentence is *factual* when it names or counts something: a number or
number word, a month, a name (a capitalised word after the first), or a peacekeeping term.
It is *covered* when the quote of a claim (any fact but a mention or a draft) or of a waiver
(`waived:` in the mapping, with its reason) overlaps it. The rules are general English ones:
nothing here knows the seed articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from peacekg.errors import InputError
from peacekg.inputs.located import Located, load_mapping
from peacekg.inputs.seeds import Article
from peacekg.mapping.drafts import is_draft
from peacekg.mapping.quotes import QuoteError, locate


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ABBREVIATIONS = _words(
    """
    mr mrs ms dr st lt col gen maj capt sgt no nos vs etc e.g i.e jan feb mar apr jun jul aug
    sep sept oct nov dec u.s u.n approx
    """
)
_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s+[\"'“‘(\[–—-]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][\w’'-]*")
NUMBER_WORDS = _words(
    """
    one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty hundred hundreds thousand
    thousands million millions billion dozen dozens first second third fourth fifth sixth
    seventh eighth ninth tenth half double
    """
)
MONTHS = _words(
    """
    january february march april may june july august september october november december
    """
)
TERMS = re.compile(
    r"peacekeep|mission|troop|officer|soldier|servicem|personnel|contingent|battalion|deploy|"
    r"minist|president|commander|deput|parliament|brigade|company|unit|rank|observer|force|"
    r"rotation|casualt|killed|wounded|ceasefire|mandate|resolution",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    line: int


def sentences(text: str) -> list[Sentence]:
    """The article's sentences with their code-point offsets and 1-based line numbers."""
    found: list[Sentence] = []
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        start = 0
        for m in _END.finditer(line):
            before = _WORD.findall(line[start : m.start()] + ".")
            last = before[-1].lower().rstrip(".") if before else ""
            if len(last) == 1 or last in ABBREVIATIONS:
                continue  # an initial ("E. Tulesov") or an abbreviation ("Lt. Col.")
            _add(found, line, start, m.end(), offset, number)
            start = m.end()
        _add(found, line, start, len(line), offset, number)
        offset += len(line) + 1
    return found


def _add(found: list[Sentence], line: str, start: int, end: int, offset: int, number: int) -> None:
    piece = line[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        begin = offset + start + lead
        found.append(Sentence(begin, begin + len(stripped), stripped, number))


def is_factual(sentence: str) -> bool:
    """Whether the sentence names or counts something a researcher could query."""
    if any(ch.isdigit() for ch in sentence) or TERMS.search(sentence):
        return True
    words = _WORD.findall(sentence)
    lowered = {w.lower() for w in words}
    if lowered & NUMBER_WORDS or lowered & MONTHS:
        return True
    return any(w[0].isupper() and w != "I" for w in words[1:])


@dataclass(frozen=True)
class Gap:
    """A factual sentence that no claim covers and no waiver explains."""

    article: str
    sentence: Sentence
    path: Path

    def shown(self, root: Path) -> str:
        """`seeds/file.txt:line: sentence`, the path relative to the project root."""
        path = self.path.relative_to(root) if self.path.is_relative_to(root) else self.path
        return f"{path}:{self.sentence.line}: {self.sentence.text}"


def spans(mapping: Path, text: str) -> list[tuple[int, int]]:
    """Where the quotes of the mapping's claims and waivers are; mentions and drafts do not
    count."""
    top = load_mapping(mapping, "an article's mapping")
    found: list[tuple[int, int]] = []
    nodes = [n for n in _listing(top, "facts") if n.get("type") != "mention" and not is_draft(n)]
    for node in [*nodes, *_listing(top, "waived")]:
        quote, occurrence = node.get("quote"), node.get("occurrence")
        if not isinstance(quote, str):
            continue  # the build reports it, with its line
        try:
            span = locate(text, quote, occurrence if isinstance(occurrence, int) else None)
        except QuoteError as exc:
            raise InputError(mapping, node.line, str(exc)) from None
        found.append((span.start, span.end))
    return found


def _listing(top: Located, key: str) -> list[Located]:
    value = top.get(key) or []
    return [n for n in value if isinstance(n, Located)] if isinstance(value, list) else []


def gaps(article: Article, mapping: Path) -> list[Gap]:
    covered = spans(mapping, article.text)
    return [
        Gap(article.id, s, article.path)
        for s in sentences(article.text)
        if is_factual(s.text) and not any(a < s.end and s.start < b for a, b in covered)
    ]
