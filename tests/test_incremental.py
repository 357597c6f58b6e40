"""Incremental builds: unchanged articles come from the cache, changed ones are re-checked, and the
result is the same graph a clean build makes."""

from __future__ import annotations

import json
import shutil

import pytest
from pyoxigraph import CanonicalizationAlgorithm, Dataset, NamedNode, Quad, Store

from peacekg.build import incremental, pipeline
from peacekg.build.parts import Context, Owners, State, nquads, summarise_article
from peacekg.build.pipeline import CACHE, STATE, build
from peacekg.build.reasoning import Joins
from peacekg.build.validation import ValidationFailedError
from peacekg.build.workingstore import WORKING
from peacekg.config import Settings
from peacekg.inputs.located import load_yaml
from peacekg.namespaces import RDFS, Namespaces

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


# --- a rebuild writes the release a clean build writes ------------------------------------------


def _content(result) -> dict:
    """What a release holds, from its manifest: content digest, figures, statistics, and the
    dumps' bytes (their checksums), everything but when and from what it was built."""
    manifest = json.loads((result.release / "manifest.json").read_text(encoding="utf-8"))
    held = ("digest", "quads", "graphs", "articles", "article_digests", "statistics")
    return {key: manifest[key] for key in held} | {
        name: (dump["sha256"], dump["bytes"], dump["statements"])
        for name, dump in manifest["dumps"].items()
    }


def _clean(project: Settings, name: str):
    """A build of the same inputs in a build directory of its own, with no cache."""
    return build(Settings(root=project.root, build_dir=project.root / f"clean-{name}"))


def _add_article(project: Settings, copy_of: str, new_id: str) -> None:
    """A new article: a copy of another's text, metadata and mapping under a new id."""
    seeds, mappings = project.root / "seeds", project.root / "mappings" / "articles"
    metadata = (seeds / "articles.yaml").read_text(encoding="utf-8")
    entry = metadata[metadata.index(f"- id: {copy_of}\n") :]
    entry = entry[: entry.find("\n- id: ") + 1 or None].rstrip("\n") + "\n"
    text_file = next(line for line in entry.splitlines() if line.startswith("  file: "))[8:]
    (seeds / f"{new_id}.txt").write_bytes((seeds / text_file).read_bytes())
    entry = entry.replace(f"- id: {copy_of}\n", f"- id: {new_id}\n")
    entry = entry.replace(f"  file: {text_file}\n", f"  file: {new_id}.txt\n")
    (seeds / "articles.yaml").write_text(metadata.rstrip("\n") + "\n\n" + entry, encoding="utf-8")
    mapping = (mappings / f"{copy_of}.yaml").read_text(encoding="utf-8")
    (mappings / f"{new_id}.yaml").write_text(
        mapping.replace(f"article: {copy_of}", f"article: {new_id}"), encoding="utf-8"
    )


def _remove_article(project: Settings, article_id: str, copy_of: str) -> None:
    """Undo `_add_article`."""
    seeds = project.root / "seeds"
    metadata = (seeds / "articles.yaml").read_text(encoding="utf-8")
    (seeds / "articles.yaml").write_text(
        metadata[: metadata.index(f"\n- id: {article_id}\n")].rstrip("\n") + "\n", encoding="utf-8"
    )
    (seeds / f"{article_id}.txt").unlink()
    (project.root / "mappings" / "articles" / f"{article_id}.yaml").unlink()


def test_a_rebuild_writes_the_release_a_clean_build_writes(project: Settings, monkeypatch):
    """After each change (one article, the registry that every article depends on, an
    article added, then removed), the rebuild's release holds what a clean build of the same
    inputs holds, byte for byte: content digest, statistics, article digests, store and
    dumps. The rebuild redoes only what changed (peacekg.build.parts): this is the check that
    what it kept is what a clean build makes."""
    build(project)
    mali = project.root / MALI
    registry = project.root / "mappings" / "registry.yaml"
    changes = {
        "article": lambda: mali.write_text(mali.read_text().replace("value: 309", "value: 310")),
        "registry": lambda: registry.write_text(
            registry.read_text().replace("label: Ermek Tulesov", "label: Ermek B. Tulesov")
        ),
        "added": lambda: _add_article(project, "2023-10-31-mali-return", "2023-11-01-copy"),
        "removed": lambda: _remove_article(project, "2023-11-01-copy", "2023-10-31-mali-return"),
    }
    for name, change in changes.items():
        change()
        again = build(project)
        with monkeypatch.context() as patched:  # cache entries written beside validation
            patched.setattr(pipeline, "WRITE_ALONE", 1)
            patched.setattr(incremental, "WRITE_ALONE", 1)
            clean = _clean(project, name)
        assert again.checked == 1 or name != "article"
        assert _content(again) == _content(clean), name
        assert _quads(again) == _quads(clean), name


def test_the_whole_graph_way_gives_the_same_content(project: Settings, monkeypatch):
    """A build whose articles cannot be reasoned part by part takes the whole-graph way
    (every quad in memory, inference over all graphs together): the same content, store and
    statistics, only its dumps cut differently."""
    parts = build(project)
    monkeypatch.setattr(incremental, "_problems", lambda parts, context: ["forced"])
    whole = _clean(project, "whole")
    assert not (whole.release.parent.parent / WORKING / STATE).exists()
    same = ("digest", "quads", "graphs", "articles", "article_digests", "statistics")
    assert {k: _content(parts)[k] for k in same} == {k: _content(whole)[k] for k in same}
    assert _quads(parts) == _quads(whole)
    monkeypatch.undo()
    again = build(Settings(root=project.root, build_dir=whole.release.parent.parent))
    assert (whole.release.parent.parent / WORKING / STATE).exists()  # back to parts
    assert again.reused and again.release == whole.release  # the same content: served again


CROSS_CHAIN = """
pk:derivedWithStatus a owl:ObjectProperty ;
    owl:propertyChainAxiom ( prov:wasDerivedFrom pk:status ) ;
    rdfs:label "derived with status"@en ;
    skos:definition "The status of a claim another claim derives from."@en .
"""


def test_a_rule_joining_two_articles_makes_the_build_reason_over_all_graphs(project: Settings):
    """A claim of the Golan article derives from a claim of another article; with a property
    chain through prov:wasDerivedFrom, a rule joins the two articles' graphs, which reasoning
    per article would miss. The build sees that the articles are not independent and reasons
    over all graphs together: the entailment is there, and a rebuild stays on that way."""
    ontology = project.root / "ontology" / "peacekg.ttl"
    ontology.write_text(ontology.read_text(encoding="utf-8") + CROSS_CHAIN, encoding="utf-8")
    result = build(project)
    assert not (project.output_dir / WORKING / STATE).exists()
    assert "joins another article" in result.whole[0]
    store = Store.read_only(str(result.release / "store"))
    ask = "ASK { ?x <https://w3id.org/peacekg/ontology#derivedWithStatus> ?s }"
    assert store.query(ask, use_default_graph_as_union=True)
    mali = project.root / MALI
    mali.write_text(mali.read_text().replace("value: 309", "value: 310"))
    again = build(project)
    assert not (project.output_dir / WORKING / STATE).exists()
    assert _quads(again) == _quads(_clean(project, "cross"))


def test_an_article_on_its_own_is_checked_for_what_would_join_it_to_others():
    """The checks behind reasoning per article, on made-up graphs: a subject that is not the
    article's own, an axiom, a join through another article's node, and a shared node joined
    as first pattern in one article and second in another."""
    ns = Namespaces()
    pk, claim = ns.pk_ns, ns.id("claim/a/x").value
    joins = Joins(frozenset({pk + "p1"}), frozenset({pk + "p2"}), frozenset())
    context = Context(ns, Owners(ns), joins, {})
    graph = ns.graph("article/a")

    def problem(*triples: tuple[str, str, str]) -> str | None:
        quads = [Quad(NamedNode(s), NamedNode(p), NamedNode(o), graph) for s, p, o in triples]
        return summarise_article("a", nquads(quads), b"", quads, [], (), context).problem

    assert problem((claim, pk + "q", pk + "o")) is None
    assert "not one of its nodes" in problem((ns.id("claim/b/x").value, pk + "q", pk + "o"))
    assert "axiom" in problem((claim, RDFS + "subClassOf", pk + "o"))
    assert "joins another article" in problem((claim, pk + "p1", ns.id("claim/b/y").value))
    person = ns.id("person/p").value
    state = State()
    for article, predicate in (("a", "p1"), ("b", "p2")):
        quad = Quad(
            NamedNode(ns.id(f"claim/{article}/x").value)
            if predicate == "p1"
            else NamedNode(person),
            NamedNode(pk + predicate),
            NamedNode(person if predicate == "p1" else pk + "o"),
            ns.graph(f"article/{article}"),
        )
        quads, derived = ([quad], []) if predicate == "p1" else ([], [quad])
        summary = summarise_article(article, nquads(quads), b"", quads, derived, (), context)
        state.add(article, "", None, summary)
    assert state.conflicts()
