"""The SPARQL 1.1 Service Description of the endpoint, with a VoID description of its dataset.

Served at GET /sparql without a query, by content negotiation over the graph renderers.
"""

from __future__ import annotations

from flask import Response, request
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, serialize

from peacekg.formats import RENDERERS, Kind, by_name, negotiate
from peacekg.namespaces import RDF, XSD
from peacekg.web import context
from peacekg.web.http import plain

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"


def _count(value: object) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))


def description_triples(endpoint: str, dumps_base: str) -> list[Quad]:
    """The service and its default dataset, with statistics and dump links."""
    ns, server, source = context.namespaces(), context.server(), context.source()
    stats = source.statistics()
    service, dataset = NamedNode(endpoint), NamedNode(endpoint + "#dataset")
    default_graph = BlankNode()
    quads: list[tuple[object, str, object]] = [
        (service, RDF + "type", NamedNode(SD + "Service")),
        (service, SD + "endpoint", service),
        (service, SD + "supportedLanguage", NamedNode(SD + "SPARQL11Query")),
        (service, SD + "feature", NamedNode(SD + "UnionDefaultGraph")),
        (service, SD + "defaultDataset", dataset),
        (dataset, RDF + "type", NamedNode(SD + "Dataset")),
        (dataset, RDF + "type", NamedNode(VOID + "Dataset")),
        (dataset, SD + "defaultGraph", default_graph),
        (default_graph, RDF + "type", NamedNode(SD + "Graph")),
        (default_graph, VOID + "triples", _count(stats["triples"])),
        (dataset, VOID + "triples", _count(stats["triples"])),
        (dataset, VOID + "classes", _count(stats["classes"])),
        (dataset, VOID + "properties", _count(stats["properties"])),
        (dataset, VOID + "sparqlEndpoint", service),
        (
            dataset,
            DCTERMS + "license",
            NamedNode("https://creativecommons.org/publicdomain/zero/1.0/"),
        ),
        (dataset, VOID + "uriSpace", Literal(ns.base)),
    ]
    if server.service_allowlist:
        quads.append((service, SD + "feature", NamedNode(SD + "BasicFederatedQuery")))
    for renderer in RENDERERS:
        quads.append((service, SD + "resultFormat", NamedNode(renderer.format_iri)))
    for name, size in sorted(stats["graphs"].items()):  # type: ignore[union-attr]
        named, graph = BlankNode(), BlankNode()
        quads += [
            (dataset, SD + "namedGraph", named),
            (named, RDF + "type", NamedNode(SD + "NamedGraph")),
            (named, SD + "name", NamedNode(name)),
            (named, SD + "graph", graph),
            (graph, RDF + "type", NamedNode(SD + "Graph")),
            (graph, VOID + "triples", _count(size)),
        ]
    for dump in source.dumps():
        quads.append((dataset, VOID + "dataDump", NamedNode(dumps_base + dump)))
    return [Quad(s, NamedNode(p), o) for s, p, o in quads]  # type: ignore[arg-type]


def service_description(wanted: str | None) -> Response:
    renderer = (
        by_name(wanted, Kind.GRAPH) if wanted else negotiate(request.accept_mimetypes, Kind.GRAPH)
    )
    if renderer is None:
        return plain(406, "406 Not Acceptable: the service description is RDF; try text/turtle")
    endpoint = request.host_url + "sparql"
    dumps_base = request.host_url + "dumps/"
    body = serialize(
        description_triples(endpoint, dumps_base),
        format=renderer.native,  # type: ignore[arg-type]
        prefixes={"sd": SD, "void": VOID, "dcterms": DCTERMS}
        if renderer.name in ("turtle", "trig")
        else None,
    )
    response = Response(body, content_type=renderer.content_type)
    response.vary.add("Accept")
    return response
