"""Find a verbatim quote in an article and describe where it is, as Web Annotation selectors do.

A quote must occur in the text exactly (no normalising of spaces, quotes or case): the whole
point is that a reader can find the very words. When it is missing we say what the nearest
passage is, which is almost always a typo or a curly quote away.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

CONTEXT = 32
"""Characters of prefix and suffix kept with a TextQuoteSelector, enough to disambiguate."""


@dataclass(frozen=True)
class Span:
    """A located quote: code-point offsets (TextPositionSelector) and exact/prefix/suffix."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


class QuoteError(ValueError):
    """The quote is absent, ambiguous or empty; the message says which and what to do."""


def occurrences(text: str, quote: str) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of quote in text."""
    found, at = [], text.find(quote)
    while at != -1:
        found.append(at)
        at = text.find(quote, at + 1)
    return found


def nearest(text: str, quote: str) -> str:
    """The passage of text most like the quote, for the error message.

    A coarse scan in quarter-quote steps finds the region; a fine scan around it finds the start.
    """
    window = len(quote)
    if window == 0 or not text:
        return ""
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(quote)

    def score(start: int) -> float:
        matcher.set_seq1(text[start : start + window])
        return matcher.ratio()

    step = max(1, window // 4)
    coarse = max(range(0, max(1, len(text) - window + 1), step), key=score)
    lo, hi = max(0, coarse - step), min(max(0, len(text) - window), coarse + step)
    best = max(range(lo, hi + 1), key=score)
    end = best + window
    while end < min(len(text), best + window + CONTEXT) and text[end].isalnum():
        end += 1  # finish the last word: a typo that drops letters makes the quote shorter
    return text[best:end]


def locate(text: str, quote: str, occurrence: int | None = None) -> Span:
    """Locate `quote` in `text`; `occurrence` (1-based) picks one when it appears several times."""
    if not quote or not quote.strip():
        raise QuoteError("empty quote")
    starts = occurrences(text, quote)
    if not starts:
        hint = nearest(text, quote)
        raise QuoteError(f"quote not found: {quote!r}; nearest passage: {hint!r}")
    if occurrence is None:
        if len(starts) > 1:
            raise QuoteError(
                f"quote occurs {len(starts)} times: {quote!r}; add `occurrence: N` to pick one"
            )
        start = starts[0]
    else:
        if not 1 <= occurrence <= len(starts):
            raise QuoteError(
                f"occurrence {occurrence} asked, but the quote occurs {len(starts)} time(s)"
            )
        start = starts[occurrence - 1]
    end = start + len(quote)
    return Span(
        start=start,
        end=end,
        exact=quote,
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
    )
