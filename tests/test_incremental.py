"""Incremental builds: unchanged articles come from the cache, changed ones are re-checked, and the
result is the same graph a clean build makes."""

from __future__ import annotations

import shutil

import pytest
from pyoxigraph import CanonicalizationAlgorithm, Dataset, NamedNode, Quad, Store

from peacekg.build.pipeline import CACHE, build
from peacekg.build.validation import ValidationFailedError
from peacekg.build.workingstore import WORKING
from peacekg.config import Settings
from peacekg.inputs.located import load_yaml

pytestmark = pytest.mark.slow  # builds again and again: in make test, not make test-fast

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


def test_a_release_keeps_its_store_when_the_working_copy_moves_on(project: Settings):
    """Each release's store is a checkpoint of the build's working copy (hard links to its
    files): the next build rewrites graphs in the working copy, never in a release."""
    first = build(project)
    before = _quads(first)
    assert (project.output_dir / WORKING / "store.json").is_file()
    mapping = project.root / MALI
    mapping.write_text(mapping.read_text().replace("value: 309", "value: 310"))
    second = build(project)
    assert _quads(first) == before
    assert _quads(second) != before


def test_a_working_copy_without_its_note_is_rebuilt_whole(project: Settings):
    """A build that died while updating the working copy leaves it without its note; the next
    build must not trust what is in it (here: a quad no article states)."""
    build(project)
    working = project.output_dir / WORKING / "store"
    (working.parent / "store.json").unlink()
    store = Store(str(working))
    stray = Quad(NamedNode("urn:x:stray"), NamedNode("urn:x:p"), NamedNode("urn:x:o"))
    store.add(Quad(stray.subject, stray.predicate, stray.object, NamedNode("urn:x:graph")))
    store.flush()
    del store
    again = build(project)
    clean = Settings(root=project.root, build_dir=project.root / "clean-build")
    assert _quads(again) == _quads(build(clean))


def test_parsed_yaml_is_kept_by_content(tmp_path):
    """articles.yaml of 10,000 articles takes seconds to parse: a build keeps the parse, with
    the line of every mapping (errors cite them), for as long as the file's bytes are the same."""
    source, cache = tmp_path / "articles.yaml", tmp_path / "parsed"
    source.write_text("- id: x\n  title: T\n")
    first = load_yaml(source, cache)
    assert load_yaml(source, cache) == first == load_yaml(source)
    assert load_yaml(source, cache)[0].line == 1
    source.write_text("# moved down a line\n- id: x\n  title: U\n")
    again = load_yaml(source, cache)
    assert again[0]["title"] == "U" and again[0].line == 2
    assert len(list(cache.iterdir())) == 1  # the parse of the old bytes is gone
    next(cache.iterdir()).write_bytes(b"not a pickle")
    assert load_yaml(source, cache) == again  # a damaged entry is parsed afresh


@pytest.mark.parametrize("damage", ["emptied", "unreadable"])
def test_a_working_copy_that_is_not_what_its_note_says_is_rebuilt_whole(project, damage):
    """The note is kept but the store behind it is not what it says (lost files, a restored
    backup, corruption): its size gives it away, or it does not open; either way the next
    build rebuilds the working copy instead of patching it."""
    build(project)
    working = project.output_dir / WORKING / "store"
    shutil.rmtree(working)
    if damage == "emptied":
        Store(str(working)).flush()
    else:
        working.mkdir()
        (working / "CURRENT").write_text("MANIFEST-999999\n")  # names a manifest that is gone
    again = build(project)
    clean = Settings(root=project.root, build_dir=project.root / "clean-build")
    assert _quads(again) == _quads(build(clean))


def test_the_cache_key_covers_every_module_that_shapes_an_article_graph():
    """Found from the imports, not listed by hand: every module of the input and mapping
    stages, and the shared ones they use, is hashed into every article's key."""
    from peacekg.build.cache import PACKAGE, code_files

    covered = {p.relative_to(PACKAGE).as_posix() for p in code_files()}
    stages = {
        p.relative_to(PACKAGE).as_posix()
        for stage in ("inputs", "mapping")
        for p in (PACKAGE / stage).glob("*.py")
        # coverage reads, never compiles; reference (the UN's operations) is read by drafting only
        if p.name != "__init__.py" and p.stem not in ("coverage", "reference")
    }
    assert stages | {"terms.py", "namespaces.py", "errors.py"} <= covered
    assert not {p for p in covered if p.startswith(("endpoint/", "web/"))}
