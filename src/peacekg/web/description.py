"""The SPARQL 1.1 Service Description of the endpoint, with a VoID description of its dataset.

Served at GET /sparql without a query, by content negotiation over the graph renderers.
"""

from __future__ import annotations

from flask import Response, request
from pyoxigraph import BlankNode, NamedNode, Quad

from peacekg.endpoint.formats import RENDERERS, Kind, by_name
from peacekg.namespaces import RDF
from peacekg.web import context
from peacekg.web.void import PREFIXES, VOID, dataset_quads, integer, rdf_response

SD = "http://www.w3.org/ns/sparql-service-description#"


def description_quads(endpoint: str, host: str) -> list[Quad]:
    """The service, and its default dataset: the VoID/DCAT dataset plus its graphs."""
    server, stats = context.server(), context.source().statistics()
    service = NamedNode(endpoint)
    dataset = NamedNode(context.namespaces().base + "dataset")
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
    if server.service_allowlist:
        facts.append((service, SD + "feature", NamedNode(SD + "BasicFederatedQuery")))
    for renderer in RENDERERS:
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


def service_description(formats: tuple[str, ...]) -> Response:
    wanted = next((f for f in formats if by_name(f, Kind.GRAPH)), None)
    return rdf_response(
        description_quads(request.host_url + "sparql", request.host_url),
        wanted,
        {"sd": SD, **PREFIXES},
    )
