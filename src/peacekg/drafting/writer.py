"""The draft as YAML text, in the ordinary mapping format, laid out for review.

Written as text, not dumped, so that each fact's `review: draft` is a line of its own (accepting
is deleting it, or one word) and the file reads like a hand-written mapping. Strings a reader
types (labels, quotes, cues) are double-quoted with JSON's escapes, which YAML reads the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from peacekg.inputs.registry import SECTIONS
from peacekg.inputs.seeds import Article
from peacekg.mapping.drafts import DRAFT, DRAFT_REGISTRY, REVIEW
from peacekg.mapping.quotes import occurrences

from .model import Candidate, Proposal, slug

PLAIN = re.compile(r"[a-z0-9][a-z0-9/-]*|\d{4}(?:-\d\d){0,2}")
SECTION_OF = {kind: section for section, (kind, _default) in SECTIONS.items()}


def scalar(value: object) -> str:
    """A YAML scalar or flow collection for one value."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if PLAIN.fullmatch(text) and text not in {"null", "true", "false", "yes", "no", "on", "off"}:
        return text
    return json.dumps(text, ensure_ascii=False)


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
