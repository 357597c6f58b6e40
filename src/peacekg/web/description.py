"""The SPARQL 1.1 Service Description of the endpoint, with a VoID description of its dataset.

Served at GET /sparql without a query, by content negotiation over the graph renderers. The
prefixes a query may use without declaring them are listed as SHACL prefix declarations
(`sh:declare [ sh:prefix "pk" ; sh:namespace "…"^^xsd:anyURI ]`), the one W3C vocabulary for
a prefix as data; SPARQL Service Description has no term for them.
"""

from __future__ import annotations

from flask import Response
from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from peacekg.endpoint.formats import Kind, for_kind
from peacekg.namespaces import RDF, RDFS, XSD
from peacekg.web.http import choose
from peacekg.web.state import state
from peacekg.web.void import PREFIXES, VOID, dataset_quads, integer, rdf_answer

SD = "http://www.w3.org/ns/sparql-service-description#"
SH = "http://www.w3.org/ns/shacl#"
PREDECLARED = "Queries may use the prefixes declared here (sh:declare) without PREFIX lines."


def description_quads(endpoint: str, host: str) -> list[Quad]:
    """The service, and its default dataset: the VoID/DCAT dataset plus its graphs."""
    app = state()
    stats = app.source.statistics()
    service = NamedNode(endpoint)
    dataset = NamedNode(app.namespaces.base + "dataset")
    default_graph = BlankNode()
    facts: list[tuple[object, str, object]] = [
        (service, RDF + "type", NamedNode(SD + "Service")),
        (service, SD + "endpoint", service),
        (service, SD + "supportedLanguage", NamedNode(SD + "SPARQL11Query")),
        (service, SD + "feature", NamedNode(SD + "UnionDefaultGraph")),
        (service, SD + "defaultDataset", dataset),
        (dataset, RDF + "type", NamedNode(SD + "Dataset")),
        (dataset, SD + "defaultGraph", default_graph),
        (default_graph, RDF + "type", NamedNode(SD + "Graph")),
        (default_graph, VOID + "triples", integer(stats["triples"])),
    ]
    facts += prefix_declarations(service, app.namespaces.prefixes())
    facts.append((service, RDFS + "comment", Literal(limits_sentence())))
    if app.settings.service_allowlist:
        facts.append((service, SD + "feature", NamedNode(SD + "BasicFederatedQuery")))
    for renderer in for_kind(Kind.RESULTS) + for_kind(Kind.GRAPH):
        facts.append((service, SD + "resultFormat", NamedNode(renderer.format_iri)))
    for name, size in sorted(stats["graphs"].items()):  # type: ignore[union-attr]
        named, graph = BlankNode(), BlankNode()
        facts += [
            (dataset, SD + "namedGraph", named),
            (named, RDF + "type", NamedNode(SD + "NamedGraph")),
            (named, SD + "name", NamedNode(name)),
            (named, SD + "graph", graph),
            (graph, RDF + "type", NamedNode(SD + "Graph")),
            (graph, VOID + "triples", integer(size)),
        ]
    quads = [Quad(s, NamedNode(p), o) for s, p, o in facts]  # type: ignore[arg-type]
    return quads + dataset_quads(dataset, host)


Fact = tuple[object, str, object]


def prefix_declarations(service: NamedNode, prefixes: dict[str, str]) -> list[Fact]:
    """The predeclared prefixes, each an `sh:declare` of the service, and a comment saying so."""
    facts: list[Fact] = [(service, RDFS + "comment", Literal(PREDECLARED))]
    for prefix, namespace in prefixes.items():
        declaration = BlankNode()
        facts += [
            (service, SH + "declare", declaration),
            (declaration, SH + "prefix", Literal(prefix)),
            (declaration, SH + "namespace", Literal(namespace, datatype=NamedNode(XSD + "anyURI"))),
        ]
    return facts


def limits_sentence() -> str:
    """The limits in force, in words (SPARQL Service Description has no terms for them; the
    same figures are in /metrics as numbers)."""
    settings = state().settings
    return (
        f"Limits: a query runs at most {settings.timeout:g} s and returns at most "
        f"{settings.row_limit:,} rows. Each client (an address) may have {settings.client_queries} "
        f"queries running or waiting, spend {settings.client_seconds:g} s of query time a minute "
        "and "
        f"hold {settings.client_share} of the {settings.workers} query workers at once; past the "
        "first two it is "
        "answered 429 with Retry-After. A request must arrive whole within "
        f"{settings.read_timeout:g} s."
    )


def service_description() -> Response:
    """The description, in the graph format the request asks for (406 if none fits)."""
    return rdf_answer(
        "service description",
        lambda host: description_quads(host + "sparql", host),
        choose(for_kind(Kind.GRAPH)),
        {"sd": SD, "sh": SH, **PREFIXES},
    )
