"""The draft as YAML text, in the ordinary mapping format, laid out for review.

Written as text, not dumped, so that each fact's `review: draft` is a line of its own (accepting
is deleting it, or one word) and the file reads like a hand-written mapping. Ids, codes and dates
are written bare; words a reader checks (labels, quotes, cues) double-quoted (`yamltext.scalar`).
"""

from __future__ import annotations

from collections.abc import Iterable

from peacekg.inputs.registry import SECTIONS
from peacekg.inputs.seeds import Article
from peacekg.mapping.drafts import DRAFT, DRAFT_REGISTRY, REVIEW
from peacekg.mapping.quotes import occurrences

from .ids import slug
from .model import Candidate, Proposal
from .yamltext import scalar

SECTION_OF = {kind: section for section, (kind, _default) in SECTIONS.items()}


def quote_of(article: Article, c: Candidate) -> tuple[str, int | None]:
    """The verbatim words of a candidate's span (trimmed), and which occurrence they are."""
    words = article.text[c.start : c.end]
    start = c.start + len(words) - len(words.lstrip())
    quote = words.strip()
    found = occurrences(article.text, quote)
    return quote, (found.index(start) + 1 if len(found) > 1 else None)


def fact_ids(candidates: Iterable[Candidate]) -> list[str]:
    """Ids unique in the file, from each candidate's words."""
    seen: dict[str, int] = {}
    ids = []
    for c in candidates:
        base = slug(c.name or c.type)
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def fact_lines(article: Article, fact_id: str, c: Candidate) -> list[str]:
    """One fact's lines, its `review: draft` on a line of its own."""
    quote, occurrence = quote_of(article, c)
    lines = [f"  - id: {fact_id}", f"    type: {c.type}"]
    lines += [f"    {key}: {scalar(value)}" for key, value in c.fields.items()]
    if c.when is not None:
        lines.append(f"    when: {scalar(c.when)}")
    if c.status:
        lines.append(f"    status: {c.status}")
    lines.append(f"    quote: {scalar(quote)}")
    if occurrence:
        lines.append(f"    occurrence: {occurrence}")
    lines += [
        f"    {REVIEW}: {DRAFT}",
        f"    confidence: {c.confidence:.2f}",
        f"    cue: {scalar(c.cue)}",
    ]
    return lines


def registry_lines(proposals: Iterable[Proposal]) -> list[str]:
    """The `draft_registry` section: the entities the facts name that the registry lacks."""
    by_section: dict[str, list[Proposal]] = {}
    for p in proposals:
        by_section.setdefault(SECTION_OF[p.kind], []).append(p)
    if not by_section:
        return []
    lines = [
        "",
        "# Entities the registry lacks, as the text names them: never read by the build. Move an",
        "# entry into mappings/registry.yaml (checking its id, class and label) before accepting",
        "# a fact that names it.",
        f"{DRAFT_REGISTRY}:",
    ]
    for section in SECTIONS:
        entries = by_section.get(section, [])
        if entries:
            lines.append(f"  {section}:")
        for p in entries:
            lines += [f"    - id: {p.key}"]
            lines += [f"      class: {p.cls}"] if p.cls else []
            lines += [f"      label: {scalar(p.label)}"]
            lines += [f"      acronym: {scalar(p.acronym)}"] if p.acronym else []
            lines += [f"      members: {scalar(list(p.members))}"] if p.members else []
    return lines


def render(article: Article, candidates: list[Candidate], proposals: list[Proposal]) -> str:
    """The whole draft mapping, with a header that says how to review it."""
    lines = [
        f"# Draft mapping of: {article.title}",
        "# Written by `peacekg draft`: every fact is a proposal (review: draft), left out of the",
        "# graph. Check it against its quote, correct it, then accept it by deleting its",
        "# `review: draft` line (or `peacekg review "
        f"{article.id} --accept ID`). `peacekg review {article.id}` lists them by confidence.",
        f"article: {article.id}",
        "facts:",
    ]
    for fact_id, c in zip(fact_ids(candidates), candidates, strict=True):
        lines += fact_lines(article, fact_id, c)
    lines += registry_lines(proposals)
    return "\n".join(lines) + "\n"
