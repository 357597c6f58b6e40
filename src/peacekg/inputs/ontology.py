"""The ontology and its code lists, read once: quads for the ontology graph, and indexes the
compiler checks mappings against (which code-list keys exist, which classes are declared)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse

from peacekg.namespaces import OWL, RDF, SKOS, Namespaces

ONTOLOGY_FILES = ("peacekg.ttl", "codelists.ttl", "reused.ttl")
SCHEMES = (
    "rank",
    "role",
    "figure-kind",
    "qualifier",
    "unit",
    "event-kind",
    "link-status",
    "status",
)


@dataclass(frozen=True)
class Ontology:
    quads: list[Quad]
    codes: dict[str, dict[str, NamedNode]]
    """scheme -> skos:notation -> concept IRI."""
    classes: frozenset[str]
    """IRIs of the classes the ontology declares."""
    labels: dict[str, str]
    """IRI -> English skos:prefLabel of the code-list members, for claim labels."""

    def label(self, concept: NamedNode) -> str:
        return self.labels.get(concept.value, concept.value.rsplit("/", 1)[-1])

    def code(self, scheme: str, key: str) -> NamedNode:
        """The concept for a key; KeyError names the allowed keys."""
        members = self.codes[scheme]
        if key not in members:
            raise KeyError(f"unknown {scheme} {key!r}; allowed: {', '.join(sorted(members))}")
        return members[key]


def _rebased(term: object, ns: Namespaces) -> object:
    if isinstance(term, NamedNode):
        return NamedNode(ns.rebase(term.value))
    return term


def load_ontology(ontology_dir: Path, ns: Namespaces) -> Ontology:
    graph = ns.graph("ontology")
    quads: list[Quad] = []
    for name in ONTOLOGY_FILES:
        for triple in parse(path=ontology_dir / name, format=RdfFormat.TURTLE):
            s, p, o = (_rebased(t, ns) for t in (triple.subject, triple.predicate, triple.object))
            quads.append(Quad(s, p, o, graph))  # type: ignore[arg-type]
    codes: dict[str, dict[str, NamedNode]] = {scheme: {} for scheme in SCHEMES}
    notation, in_scheme = NamedNode(SKOS + "notation"), NamedNode(SKOS + "inScheme")
    notations = {q.subject: q.object for q in quads if q.predicate == notation}
    for q in quads:
        if q.predicate == in_scheme and isinstance(q.object, NamedNode):
            scheme = q.object.value.rsplit("/", 1)[-1]
            key = notations.get(q.subject)
            if scheme in codes and isinstance(key, Literal) and isinstance(q.subject, NamedNode):
                codes[scheme][key.value] = q.subject
    rdf_type, owl_class = NamedNode(RDF + "type"), NamedNode(OWL + "Class")
    classes = frozenset(
        q.subject.value for q in quads if q.predicate == rdf_type and q.object == owl_class
    )
    pref = NamedNode(SKOS + "prefLabel")
    labels = {
        q.subject.value: q.object.value
        for q in quads
        if q.predicate == pref and isinstance(q.object, Literal) and q.object.language == "en"
    }
    return Ontology(quads=quads, codes=codes, classes=classes, labels=labels)
