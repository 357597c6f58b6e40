"""Draft facts: proposed by `peacekg draft`, left out of the graph until a person accepts them.

A fact marked `review: draft` (with the `confidence` and `cue` that proposed it) is checked for
its shape and its quote only: a reviewer must be able to find it in the text, but what it says
is not yet the project's claim. Accepting it is a one-word edit: delete the `review: draft`
line, or write `review: accepted`. Entities a draft proposes live in the mapping's own
`draft_registry:` section, which the build never reads into the registry.
"""

from __future__ import annotations

import os
from pathlib import Path

from peacekg.inputs.fields import Fields
from peacekg.inputs.located import load_mapping
from peacekg.inputs.registry import SECTIONS
from peacekg.inputs.seeds import DRAFT

REVIEW = "review"
ACCEPTED = "accepted"
DRAFT_REGISTRY = "draft_registry"
DRAFT_SUFFIX = ".draft.yaml"
"""A draft written beside a reviewed mapping (`peacekg draft --force`): never built."""


def is_draft(node: object) -> bool:
    """Whether a fact is still a proposal."""
    return isinstance(node, dict) and node.get(REVIEW) == DRAFT


def review_fields(f: Fields) -> None:
    """`review`, `confidence` and `cue`: what the drafter wrote, allowed on any fact."""
    review = f.text(REVIEW, required=False)
    if review not in (None, DRAFT, ACCEPTED):
        raise f.error(f"field 'review': {review!r}; use {DRAFT} or {ACCEPTED}")
    confidence = f.raw("confidence", required=False)
    if confidence is not None and (
        isinstance(confidence, bool)
        or not isinstance(confidence, int | float)
        or not 0 <= confidence <= 1
    ):
        raise f.error(f"field 'confidence' must be a number from 0 to 1, got {confidence!r}")
    f.text("cue", required=False)


def draft_entities(top: Fields) -> frozenset[str]:
    """The `kind/id` of each entity the mapping's `draft_registry` proposes."""
    section = top.raw(DRAFT_REGISTRY, required=False) or {}
    if not isinstance(section, dict):
        raise top.error(f"'{DRAFT_REGISTRY}' must be a mapping of registry sections")
    return frozenset(
        f"{kind}/{entry['id']}"
        for name, (kind, _default) in SECTIONS.items()
        for entry in section.get(name) or []
        if isinstance(entry, dict) and isinstance(entry.get("id"), str)
    )


def pending(path: Path) -> int:
    """How many draft facts a mapping holds (0 without reading a file that has none)."""
    if DRAFT.encode() not in path.read_bytes():
        return 0
    facts = load_mapping(path, "an article's mapping").get("facts")
    return sum(is_draft(f) for f in facts) if isinstance(facts, list) else 0


def article_mappings(directory: Path) -> list[Path]:
    """The mappings the build reads: one per article, drafts written beside them left out."""
    try:
        names = os.listdir(directory)  # names, not paths, sorted: thousands of them
    except OSError:
        return []
    return [
        directory / name
        for name in sorted(names)
        if name.endswith(".yaml") and not name.endswith(DRAFT_SUFFIX)
    ]


def pending_by_file(directory: Path) -> dict[Path, int]:
    """Each mapping (drafts beside reviewed ones included) with draft facts, and their count."""
    counts = {path: pending(path) for path in sorted(directory.glob("*.yaml"))}
    return {path: n for path, n in counts.items() if n}


def pending_lines(directory: Path, root: Path) -> list[str]:
    """What the build prints: each mapping with draft facts, how many, and how to review them."""
    return [
        f"{path.relative_to(root) if path.is_relative_to(root) else path}: {count} draft "
        f"fact(s) pending, left out of the graph (peacekg review "
        f"{path.name.removesuffix(DRAFT_SUFFIX).removesuffix('.yaml')})"
        for path, count in pending_by_file(directory).items()
    ]
