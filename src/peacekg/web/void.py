"""A VoID + DCAT description of the dataset: size, licence, endpoint and every dump with its
checksum. Served at /.well-known/void and reused by the service description."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, serialize

from peacekg.endpoint.formats import Kind, Renderer, by_extension, for_kind
from peacekg.namespaces import DCTERMS, RDF, XSD
from peacekg.web.http import choose, conditional
from peacekg.web.state import state

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
PREFIXES = {"void": VOID, "dcat": DCAT, "dcterms": DCTERMS, "spdx": SPDX, "xsd": XSD}

blueprint = Blueprint("void", __name__)


def integer(value: object) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))


def dataset_quads(dataset: NamedNode, host: str) -> list[Quad]:
    """The dataset as void:Dataset and dcat:Dataset, with statistics and distributions.
    (Long, as one list of facts read top to bottom like the description it makes.)"""
    app = state()
    stats, ns = app.source.statistics(), app.namespaces
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
    for name, info in sorted(app.source.dumps().items()):
        url = NamedNode(host + "dumps/" + name)
        distribution, checksum = BlankNode(), BlankNode()
        media = dump_media_type(name)
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


def dump_media_type(name: str) -> str:
    """The media type of a dump file's RDF, by its extension under any .gz."""
    extension = name.removesuffix(".gz").rpartition(".")[2]
    renderer = by_extension(extension, for_kind(Kind.GRAPH))
    assert renderer is not None, f"the dump {name} is in no format we know"
    return renderer.media_type


def rdf_answer(
    what: str,
    quads: Callable[[str], list[Quad]],
    renderer: Renderer,
    prefixes: dict[str, str],
) -> Response:
    """A description of this server, `quads(host URL)`, as a cacheable RDF answer serialised
    natively by `renderer` (with prefixes where its syntax has them)."""
    host = request.host_url

    def make() -> Response:
        body = serialize(
            quads(host),
            format=renderer.native,  # type: ignore[arg-type]
            prefixes=prefixes if renderer.prefixes else None,
        )
        return Response(body, content_type=renderer.content_type)

    return conditional((state().source.version(), what, host, renderer.name), make)


def void_answer(renderer: Renderer) -> Response:
    """The VoID/DCAT description of the dataset (for /.well-known/void and /dumps)."""
    dataset = NamedNode(state().namespaces.base + "dataset")
    return rdf_answer("void", lambda host: dataset_quads(dataset, host), renderer, PREFIXES)


@blueprint.get("/.well-known/void")
def well_known_void() -> ResponseReturnValue:
    return void_answer(choose(for_kind(Kind.GRAPH)))
