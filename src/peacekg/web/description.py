"""The SPARQL 1.1 Service Description of the endpoint, with a VoID description of its dataset.

Served at GET /sparql without a query, by content negotiation over the graph renderers.
"""

from __future__ import annotations

from flask import Response
from pyoxigraph import BlankNode, NamedNode, Quad

from peacekg.endpoint.formats import Kind, for_kind
from peacekg.namespaces import RDF
from peacekg.web.http import choose
from peacekg.web.state import state
from peacekg.web.void import PREFIXES, VOID, dataset_quads, integer, rdf_answer

SD = "http://www.w3.org/ns/sparql-service-description#"


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


def service_description() -> Response:
    """The description, in the graph format the request asks for (406 if none fits)."""
    return rdf_answer(
        "service description",
        lambda host: description_quads(host + "sparql", host),
        choose(for_kind(Kind.GRAPH)),
        {"sd": SD, **PREFIXES},
    )
