"""Incremental builds: unchanged articles come from the cache, changed ones are re-checked, and the
result is the same graph a clean build makes."""

from __future__ import annotations

import pytest
from pyoxigraph import CanonicalizationAlgorithm, Dataset, Store

from peacekg.build import CACHE, build
from peacekg.config import Settings
from peacekg.validation import ValidationFailedError

MALI = "mappings/articles/2023-10-31-mali-return.yaml"


def _quads(result) -> set:
    """The release's quads with blank nodes canonically named (each build parses the ontology's
    restrictions afresh), so equal graphs compare equal."""
    dataset = Dataset(Store.read_only(str(result.release / "store")))
    dataset.canonicalize(CanonicalizationAlgorithm.UNSTABLE)
    return set(dataset)


def test_an_unchanged_rebuild_checks_nothing_and_gives_the_same_graph(project: Settings):
    first = build(project)
    assert first.checked == 5
    again = build(project)
    assert again.checked == 0
    assert _quads(again) == _quads(first)


def test_only_the_changed_article_is_checked(project: Settings):
    first = build(project)
    mapping = project.root / MALI
    mapping.write_text(
        mapping.read_text().replace("value: 309", "value: 309\n    qualifier: about")
    )
    second = build(project)
    assert second.checked == 1
    changed = _quads(second) - _quads(first)
    assert changed and all(
        "2023-10-31-mali-return" in q.graph_name.value or q.graph_name.value.endswith("/inferred")
        for q in changed
    )
    clean = Settings(root=project.root, build_dir=project.root / "clean-build")
    assert _quads(build(clean)) == _quads(second)


def test_a_registry_change_rechecks_every_article(project: Settings):
    build(project)
    registry = project.root / "mappings" / "registry.yaml"
    registry.write_text(
        registry.read_text().replace("label: Zhiger Aipov", "label: Zhiger Aipov Jr")
    )
    assert build(project).checked == 5


def test_a_failed_build_marks_nothing_checked(project: Settings):
    build(project)
    mapping = project.root / MALI
    mapping.write_text(mapping.read_text().replace("value: 309", "value: -309"))
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do; the point is what follows
        build(project)
    mapping.write_text(mapping.read_text().replace("value: -309", "value: 309"))
    registry = project.root / "mappings" / "registry.yaml"
    registry.write_text(registry.read_text().replace("acronym: UNISFA", "acronym: UNIFIL"))
    with pytest.raises(ValidationFailedError):
        build(project)  # a shape violation in shared data is still caught with a warm cache
    registry.write_text(registry.read_text().replace("acronym: UNIFIL\n", "acronym: UNISFA\n", 1))


def test_a_damaged_cache_entry_is_a_miss_not_an_error(project: Settings):
    first = build(project)
    for entry in (project.output_dir / CACHE).rglob("*.nq"):
        entry.write_text("this is not N-Quads")
    again = build(project)
    assert again.checked == 5 and _quads(again) == _quads(first)
