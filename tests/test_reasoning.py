"""Inference and consistency: our SPARQL materialisation matches HermiT, officers are derived from
officer ranks, the inferred graph is its own graph, and clashes are explained in plain words."""

from __future__ import annotations

import gzip
import io
import tempfile

import owlready2
import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from peacekg.build.consistency import (
    InconsistencyError,
    ReasonerUnavailableError,
    check_consistency,
)
from peacekg.build.dataset import assemble
from peacekg.build.pipeline import build
from peacekg.build.reasoning import materialise
from peacekg.config import Settings
from peacekg.namespaces import RDF, Namespaces
from peacekg.releases import open_store, read_manifest
from support import ROOT, select

NS = Namespaces()
PK = NS.pk_ns
INFERRED = NS.graph("inferred")
PROPERTIES = ("servedIn", "locatedIn", "heldRank")


@pytest.fixture(scope="module")
def asserted() -> list[Quad]:
    return assemble(Settings(root=ROOT)).quads


def _ours(asserted: list[Quad]) -> dict[str, set[tuple[str, ...]]]:
    inferred = materialise(asserted, NS)
    found: dict[str, set[tuple[str, ...]]] = {p: set() for p in PROPERTIES}
    found["Officer"] = set()
    for q in inferred:
        local = q.predicate.value.removeprefix(PK)
        if local in found:
            found[local].add((q.subject.value, q.object.value))
        elif q.predicate.value == RDF + "type" and q.object.value == PK + "Officer":
            found["Officer"].add((q.subject.value,))
    return found


def _hermit(asserted: list[Quad]) -> dict[str, set[tuple[str, ...]]]:
    world = owlready2.World()
    data = serialize({q.triple for q in asserted}, format=RdfFormat.N_TRIPLES)
    world.get_ontology("https://w3id.org/peacekg/test#").load(
        fileobj=io.BytesIO(data), format="ntriples"
    )
    owlready2.sync_reasoner_hermit(
        world, infer_property_values=True, debug=0, ignore_unsupported_datatypes=True
    )
    found = {
        p: {(s.iri, o.iri) for s, o in world.sparql(f"SELECT ?s ?o {{ ?s <{PK}{p}> ?o }}")}
        for p in PROPERTIES
    }
    found["Officer"] = {(r[0].iri,) for r in world.sparql(f"SELECT ?x {{ ?x a <{PK}Officer> }}")}
    world.close()
    return found


@pytest.mark.slow
def test_materialisation_matches_hermit_on_the_real_graph(asserted):
    ours, hermit = _ours(asserted), _hermit(asserted)
    for key in (*PROPERTIES, "Officer"):
        assert ours[key] == hermit[key], key
    assert (
        "https://w3id.org/peacekg/id/person/ermek-tulesov",
        "https://w3id.org/peacekg/id/operation/minurso",
    ) in ours["servedIn"]


def _person_with_rank(rank: str) -> list[Quad]:
    person = NS.id("person/test-person")
    attribution = NS.id("claim/test/rank")
    g = NS.graph("article/test")
    return [
        Quad(person, NamedNode(RDF + "type"), NamedNode("https://schema.org/Person"), g),
        Quad(attribution, NamedNode(RDF + "type"), NS.pk("RankAttribution"), g),
        Quad(attribution, NS.pk("person"), person, g),
        Quad(attribution, NS.pk("rank"), NS.code("rank", rank), g),
    ]


@pytest.mark.parametrize(
    ("rank", "officer"),
    [("captain", True), ("colonel-general", True), ("sergeant", False), ("private", False)],
)
def test_a_person_is_an_officer_because_of_an_officer_rank(rank, officer):
    ontology = [
        q for q in assemble(Settings(root=ROOT)).quads if q.graph_name == NS.graph("ontology")
    ]
    inferred = materialise(ontology + _person_with_rank(rank), NS)
    is_officer = Quad(
        NS.id("person/test-person"), NamedNode(RDF + "type"), NS.pk("Officer"), INFERRED
    )
    assert (is_officer in inferred) is officer


def test_inferred_triples_live_in_their_own_graph(built, store):
    settings, result = built
    assert NS.graph("inferred").value in read_manifest(settings.output_dir)["graphs"]
    rows = select(
        store, """SELECT ?g WHERE { GRAPH ?g { person:ermek-tulesov a pk:Officer } }""", NS
    )
    assert [r["g"] for r in rows] == [INFERRED.value]
    with gzip.open(settings.output_dir / "dumps" / "peacekg.nq.gz") as dump:
        quads = list(parse(dump, format=RdfFormat.N_QUADS))
    in_dump = [q for q in quads if q.graph_name == INFERRED]
    assert len(in_dump) == result.inferred > 0
    asserted = {q.triple for q in quads if q.graph_name != INFERRED}
    assert not any(q.triple in asserted for q in in_dump)  # only what is new


def test_the_real_graph_is_consistent(asserted):
    check_consistency(asserted)


def test_a_coalition_operation_declared_a_un_mission_is_inconsistent(asserted):
    clash = Quad(
        NS.id("operation/iraq-coalition"),
        NamedNode(RDF + "type"),
        NS.pk("UNPeacekeepingMission"),
        NS.graph("registry"),
    )
    with pytest.raises(InconsistencyError) as info:
        check_consistency([*asserted, clash])
    [reason] = info.value.reasons
    assert "Multinational force in Iraq" in reason
    assert "UN peacekeeping mission" in reason and "coalition operation" in reason
    assert "disjoint" in reason


def test_two_values_of_a_functional_property_are_explained(asserted):
    figure = NS.id("claim/2023-10-31-mali-return/minusma-fatalities")
    clash = Quad(
        figure,
        NS.pk("value"),
        Literal("310", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        NS.graph("article/2023-10-31-mali-return"),
    )
    with pytest.raises(InconsistencyError) as info:
        check_consistency([*asserted, clash])
    assert any("309, 310" in r and "functional" in r for r in info.value.reasons)


def test_missing_java_is_reported_clearly(asserted, monkeypatch):
    monkeypatch.setattr(owlready2, "JAVA_EXE", "no-such-java-binary")
    with pytest.raises(ReasonerUnavailableError, match="HermiT needs Java"):
        check_consistency(asserted)


def test_a_hermit_that_gives_no_verdict_fails_clearly(asserted, monkeypatch):
    monkeypatch.setattr(owlready2.reasoning, "JAVA_MEMORY", "not-a-size")  # java will not start
    with pytest.raises(ReasonerUnavailableError, match=r"HermiT failed: .*heap size"):
        check_consistency(asserted)


@pytest.mark.slow
def test_an_inconsistent_ontology_edit_fails_the_build_and_keeps_the_last_graph(project):
    first = build(project)
    ontology = project.root / "ontology" / "peacekg.ttl"
    ontology.write_text(
        ontology.read_text() + "\npk:MilitaryUnit owl:disjointWith pk:Contingent .\n"
    )
    with pytest.raises(InconsistencyError, match="Kazbat"):
        build(project)
    assert (project.output_dir / "current").resolve() == first.release
    assert len(open_store(project.output_dir)) == first.quads


@pytest.mark.slow
def test_a_shape_violation_fails_the_build_and_keeps_the_last_graph(project, tmp_path, monkeypatch):
    from peacekg.build.validation import ValidationFailedError

    first = build(project)
    registry = project.root / "mappings" / "registry.yaml"
    registry.write_text(registry.read_text().replace("acronym: UNISFA", "acronym: UNIFIL"))
    # temporary files of this build only (other builds may run beside the tests)
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    monkeypatch.setenv("TMPDIR", str(private))
    with pytest.raises(ValidationFailedError) as info:
        build(project)
    assert "this acronym names more than one entity" in info.value.report.text()
    assert (project.output_dir / "current").resolve() == first.release
    # HermiT, started alongside validation, was stopped and its input removed
    assert not list(private.glob("peacekg-hermit-*"))


def test_consistency_leaves_out_only_axioms_that_cannot_clash(asserted):
    from peacekg.build.consistency import derivation_only

    triples = {q.triple for q in asserted}
    dropped = derivation_only(triples)
    assert dropped and all(
        t.predicate.value.endswith(("propertyChainAxiom", "equivalentClass")) for t in dropped
    )
    # Should an axiom ever make a derived class disjoint with another, nothing is left out.
    officer = NamedNode(PK + "Officer")
    clash = Triple(
        officer,
        NamedNode("http://www.w3.org/2002/07/owl#disjointWith"),
        NamedNode(PK + "Contingent"),
    )
    assert derivation_only(triples | {clash}) == set()


def test_a_clash_through_a_derived_class_is_still_found(asserted):
    """An officer rank given to something declared a contingent, with Officer disjoint with
    Contingent: the contradiction needs the Officer definition, which is then kept."""
    g = NS.graph("registry")
    disjoint = Quad(
        NamedNode(PK + "Officer"),
        NamedNode("http://www.w3.org/2002/07/owl#disjointWith"),
        NamedNode(PK + "Contingent"),
        NS.graph("ontology"),
    )
    rank = NS.id("claim/test/rank")
    unit = NS.id("unit/kazbat")
    facts = [
        disjoint,
        Quad(rank, NamedNode(RDF + "type"), NS.pk("RankAttribution"), g),
        Quad(rank, NS.pk("person"), unit, g),
        Quad(rank, NS.pk("rank"), NS.code("rank", "colonel"), g),
    ]
    with pytest.raises(InconsistencyError):
        check_consistency([*asserted, *facts])
