"""A VoID + DCAT description of the dataset: size, licence, endpoint and every dump with its
checksum. Served at /.well-known/void and reused by the service description."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, serialize

from peacekg.endpoint.formats import Kind, by_name, negotiate
from peacekg.namespaces import DCTERMS, RDF, XSD
from peacekg.web import context

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
DUMP_TYPES = {
    ".trig": "application/trig",
    ".ttl": "text/turtle",
    ".nq.gz": "application/n-quads",
    ".nt.gz": "application/n-triples",
}
PREFIXES = {"void": VOID, "dcat": DCAT, "dcterms": DCTERMS, "spdx": SPDX, "xsd": XSD}

blueprint = Blueprint("void", __name__)


def integer(value: object) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))


def dataset_quads(dataset: NamedNode, host: str) -> list[Quad]:
    """The dataset as void:Dataset and dcat:Dataset, with statistics and distributions."""
    stats, ns = context.source().statistics(), context.namespaces()
    facts: list[tuple[object, str, object]] = [
        (dataset, RDF + "type", NamedNode(VOID + "Dataset")),
        (dataset, RDF + "type", NamedNode(DCAT + "Dataset")),
        (
            dataset,
            DCTERMS + "title",
            Literal("peacekg: UN peacekeeping claims from news articles", language="en"),
        ),
        (
            dataset,
            DCTERMS + "description",
            Literal(
                "Claims that news articles make about countries' participation in UN peacekeeping, "
                "each with the verbatim quote that supports it.",
                language="en",
            ),
        ),
        (dataset, DCTERMS + "license", NamedNode(CC0)),
        (
            dataset,
            DCTERMS + "rights",
            Literal(
                "Article texts and quotes remain their publishers' and are credited.", language="en"
            ),
        ),
        (dataset, VOID + "sparqlEndpoint", NamedNode(host + "sparql")),
        (dataset, VOID + "uriSpace", Literal(ns.base)),
        (dataset, VOID + "vocabulary", NamedNode(ns.pk_ns)),
        (dataset, VOID + "triples", integer(stats["triples"])),
        (dataset, VOID + "classes", integer(stats["classes"])),
        (dataset, VOID + "properties", integer(stats["properties"])),
    ]
    for name, info in sorted(context.source().dumps().items()):
        url = NamedNode(host + "dumps/" + name)
        distribution, checksum = BlankNode(), BlankNode()
        media = next(m for suffix, m in DUMP_TYPES.items() if name.endswith(suffix))
        facts += [
            (dataset, VOID + "dataDump", url),
            (dataset, DCAT + "distribution", distribution),
            (distribution, RDF + "type", NamedNode(DCAT + "Distribution")),
            (distribution, DCAT + "downloadURL", url),
            (distribution, DCAT + "mediaType", Literal(media)),
            (distribution, DCAT + "byteSize", integer(info["bytes"])),
            (
                distribution,
                DCTERMS + "description",
                Literal(str(info["description"]), language="en"),
            ),
            (distribution, DCTERMS + "license", NamedNode(CC0)),
            (distribution, SPDX + "checksum", checksum),
            (checksum, SPDX + "algorithm", NamedNode(SPDX + "checksumAlgorithm_sha256")),
            (checksum, SPDX + "checksumValue", Literal(str(info["sha256"]))),
        ]
    return [Quad(s, NamedNode(p), o) for s, p, o in facts]  # type: ignore[arg-type]


def rdf_response(quads: list[Quad], wanted: str | None, prefixes: dict[str, str]) -> Response:
    """Quads serialised by `format=` or Accept among the graph renderers (406 if none fits)."""
    renderer = (
        by_name(wanted, Kind.GRAPH) if wanted else negotiate(request.accept_mimetypes, Kind.GRAPH)
    )
    if renderer is None:
        abort(406, description="this is RDF: ask for text/turtle, application/ld+json, ...")
    with_prefixes = renderer.name in ("turtle", "trig", "rdfxml")
    body = serialize(quads, format=renderer.native, prefixes=prefixes if with_prefixes else None)  # type: ignore[arg-type]
    response = Response(body, content_type=renderer.content_type)
    response.vary.add("Accept")
    return response


@blueprint.get("/.well-known/void")
def well_known_void() -> ResponseReturnValue:
    dataset = NamedNode(context.namespaces().base + "dataset")
    return rdf_response(
        dataset_quads(dataset, request.host_url), request.args.get("format"), PREFIXES
    )
