"""`peacekg review ARTICLE [--accept ID ...] [--accept-all-above CONF]`.

Lists an article's pending draft facts, most confident first, each with its key fields, its
cue and the sentence it comes from with the quote marked «thus». Accepting edits one line of the
mapping's text (`review: draft` becomes `review: accepted`), so comments and layout stay as the
reviewer left them.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

from peacekg.config import Settings
from peacekg.files import write_atomically
from peacekg.inputs.located import Located, load_mapping
from peacekg.inputs.seeds import load_articles
from peacekg.mapping.coverage import sentences
from peacekg.mapping.drafts import ACCEPTED, DRAFT, REVIEW, is_draft
from peacekg.mapping.quotes import QuoteError

from .model import quote_span
from .project import known_article, mapping_path

REVIEW_LINE = re.compile(rf"^(\s*){REVIEW}:\s*{DRAFT}\s*(#.*)?$")
SHOWN = ("type", "id", "quote", "occurrence", REVIEW, "confidence", "cue", "label")


@dataclass(frozen=True)
class Pending:
    """A draft fact as `peacekg review` lists it."""

    id: str
    line: int
    confidence: float
    summary: str
    cue: str
    sentence: str


def pending(path: Path, text: str) -> list[Pending]:
    """The draft facts of a mapping, most confident first."""
    facts = load_mapping(path, "an article's mapping").get("facts") or []
    found = [_pending(f, text) for f in facts if isinstance(f, Located) and is_draft(f)]
    return sorted(found, key=lambda p: (-p.confidence, p.line))


def _pending(fact: Located, text: str) -> Pending:
    fields = " ".join(f"{k}={v}" for k, v in fact.items() if k not in SHOWN)
    confidence = fact.get("confidence")
    return Pending(
        id=str(fact.get("id")),
        line=fact.line,
        confidence=float(confidence) if isinstance(confidence, int | float) else 0.0,
        summary=f"{fact.get('type')}: {fields}",
        cue=str(fact.get("cue", "")),
        sentence=_marked(text, fact),
    )


def _marked(text: str, fact: Located) -> str:
    """The sentence(s) the quote stands in, the quote marked «thus»."""
    try:
        span = quote_span(text, fact)
    except QuoteError as exc:
        return f"(quote not found: {exc})"
    inside = [s for s in sentences(text) if s.start < span.end and span.start < s.end]
    start = min([span.start, *(s.start for s in inside)])
    end = max([span.end, *(s.end for s in inside)])
    marked = f"{text[start : span.start]}«{text[span.start : span.end]}»{text[span.end : end]}"
    return re.sub(r"\s+", " ", marked)


def accept(path: Path, ids: list[str]) -> list[str]:
    """Flip the named draft facts to accepted, one line each; ValueError for an id that is no
    draft of this mapping (and then nothing is written)."""
    facts = load_mapping(path, "an article's mapping").get("facts") or []
    lines = path.read_text(encoding="utf-8").split("\n")
    by_id = {f.get("id"): f for f in facts if isinstance(f, Located)}
    for fact_id in ids:
        fact = by_id.get(fact_id)
        if fact is None or not is_draft(fact):
            drafts = sorted(str(i) for i, f in by_id.items() if is_draft(f))
            raise ValueError(
                f"{path.name}: no draft fact {fact_id!r}; pending: {', '.join(drafts) or 'none'}"
            )
        index = _review_line(lines, fact.line - 1)
        lines[index] = REVIEW_LINE.sub(rf"\g<1>{REVIEW}: {ACCEPTED}", lines[index])
    write_atomically(path, "\n".join(lines).encode())
    return ids


def _review_line(lines: list[str], first: int) -> int:
    """The `review: draft` line of the fact whose block starts on line index `first`."""
    indent = len(lines[first]) - len(lines[first].lstrip(" -"))
    for index in range(first, len(lines)):
        line = lines[index]
        if index > first and line.strip() and len(line) - len(line.lstrip(" -")) < indent:
            break
        if (
            index > first
            and line.lstrip().startswith("- ")
            and (len(line) - len(line.lstrip(" -")) <= indent)
        ):
            break
        if REVIEW_LINE.match(line):
            return index
    raise ValueError(
        f"line {first + 1}: the fact's `{REVIEW}: {DRAFT}` is not on a line of its own"
    )


def _run(args: argparse.Namespace, settings: Settings) -> int:
    text = known_article(load_articles(settings.seeds_dir), args.article).text
    path = mapping_path(settings, args.article)
    if not path.exists():
        raise ValueError(f"{path} does not exist: draft it first (peacekg draft {args.article})")
    ids = list(args.accept or [])
    if args.accept_all_above is not None:
        ids += [p.id for p in pending(path, text) if p.confidence >= args.accept_all_above]
    if ids:
        accepted = accept(path, list(dict.fromkeys(ids)))
        print(f"accepted {len(accepted)} fact(s) in {path.name}: {', '.join(accepted)}")
    found = pending(path, text)
    for p in found:
        print(f"{p.confidence:.2f}  {p.id} (line {p.line})  {p.summary}")
        print(f"      cue: {p.cue}")
        print(f"      {p.sentence}")
    print(f"{len(found)} draft fact(s) pending in {path.name}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    r = subparsers.add_parser(
        "review",
        help="list an article's draft facts with their sentences; accept some",
        description=__doc__,
    )
    r.add_argument("article", metavar="ARTICLE", help="article id")
    r.add_argument("--accept", nargs="+", metavar="ID", help="accept these draft facts")
    r.add_argument(
        "--accept-all-above",
        type=float,
        metavar="CONF",
        help="accept every draft fact whose confidence is at least CONF",
    )
    r.set_defaults(run=_run)
