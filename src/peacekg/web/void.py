"""A VoID + DCAT description of the dataset and of every release kept: size, licence, endpoint,
each release's version, provenance and dumps with their checksums. Served at /.well-known/void
(and /dumps for RDF clients) and reused by the service description.

The dataset (`{base}dataset`) has a version per release (`{base}dataset/{release}`,
`dcterms:isVersionOf` it); the one being served is its `dcat:hasCurrentVersion` and has the
SPARQL endpoint, and its distributions are also the dataset's own.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, serialize

from peacekg.endpoint.formats import Kind, Renderer, by_extension, for_kind
from peacekg.namespaces import DCTERMS, PROV, RDF, RDFS, XSD
from peacekg.releases import Release
from peacekg.web.cite import TITLE
from peacekg.web.http import choose, conditional
from peacekg.web.state import state

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
PREFIXES = {
    "void": VOID,
    "dcat": DCAT,
    "dcterms": DCTERMS,
    "spdx": SPDX,
    "prov": PROV,
    "rdfs": RDFS,
    "xsd": XSD,
}
INPUT_DIGEST = (
    "SHA-256 over the folder's files in name order: each path and the SHA-256 of its content,"
    " each prefixed by its length"
)

blueprint = Blueprint("void", __name__)
Fact = tuple[object, str, object]


def integer(value: object) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))


def dataset_quads(dataset: NamedNode, host: str) -> list[Quad]:
    """The dataset as void:Dataset and dcat:Dataset, with statistics, and its releases."""
    app = state()
    stats, ns, served = app.source.statistics(), app.namespaces, app.source.release()
    facts: list[Fact] = [
        (dataset, RDF + "type", NamedNode(VOID + "Dataset")),
        (dataset, RDF + "type", NamedNode(DCAT + "Dataset")),
        (dataset, DCTERMS + "title", Literal(TITLE, language="en")),
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
    for release in app.source.releases():
        version = NamedNode(f"{dataset.value}/{release.id}")
        files, dumps = _distributions(version, release, host)
        facts += [
            (dataset, DCAT + "hasVersion", version),
            *_release_facts(version, dataset, release, host),
            *files,
        ]
        if release.id == served:  # the dataset as served: the release's files are its own too
            facts += [
                (dataset, DCAT + "hasCurrentVersion", version),
                (version, VOID + "sparqlEndpoint", NamedNode(host + "sparql")),
            ]
            for distribution, url in dumps:
                facts += [
                    (dataset, DCAT + "distribution", distribution),
                    (dataset, VOID + "dataDump", url),
                ]
    return [Quad(s, NamedNode(p), o) for s, p, o in facts]  # type: ignore[arg-type]


def _release_facts(
    version: NamedNode, dataset: NamedNode, release: Release, host: str
) -> list[Fact]:
    """One release: a version of the dataset, when it was issued, and the build that made it
    from inputs with these digests."""
    build = BlankNode()
    facts: list[Fact] = [
        (version, RDF + "type", NamedNode(VOID + "Dataset")),
        (version, RDF + "type", NamedNode(DCAT + "Dataset")),
        (version, DCTERMS + "title", Literal(f"{TITLE}, release {release.id}", language="en")),
        (version, DCTERMS + "identifier", Literal(release.id)),
        (version, DCTERMS + "isVersionOf", dataset),
        (version, DCAT + "version", Literal(release.version)),
        (
            version,
            DCTERMS + "issued",
            Literal(release.issued, datatype=NamedNode(XSD + "dateTime")),
        ),
        (version, DCAT + "landingPage", NamedNode(f"{host}dumps/{release.id}/")),
        (version, DCTERMS + "license", NamedNode(CC0)),
        (version, PROV + "wasGeneratedBy", build),
        (build, RDF + "type", NamedNode(PROV + "Activity")),
        (build, RDFS + "label", Literal(f"peacekg build of release {release.id}", language="en")),
        (
            build,
            PROV + "endedAtTime",
            Literal(release.issued, datatype=NamedNode(XSD + "dateTime")),
        ),
    ]
    if previous := release.manifest.get("previous"):
        facts.append((version, DCAT + "previousVersion", NamedNode(f"{dataset.value}/{previous}")))
    if triples := release.manifest.get("statistics", {}).get("triples"):
        facts.append((version, VOID + "triples", integer(triples)))
    for name, value in sorted(release.manifest.get("inputs", {}).items()):
        used = BlankNode()
        facts += [
            (build, PROV + "used", used),
            (used, RDF + "type", NamedNode(PROV + "Entity")),
            (used, RDFS + "label", Literal(name)),
            (used, DCTERMS + "description", Literal(INPUT_DIGEST, language="en")),
            *_checksum(used, value),
        ]
    return facts


def _distributions(
    version: NamedNode, release: Release, host: str
) -> tuple[list[Fact], list[tuple[BlankNode, NamedNode]]]:
    """A dcat:Distribution per dump of a release: the facts, and each one with its URL."""
    facts: list[Fact] = []
    dumps: list[tuple[BlankNode, NamedNode]] = []
    for name, info in sorted(release.dumps.items()):
        url = NamedNode(f"{host}dumps/{release.id}/{name}")
        distribution = BlankNode()
        dumps.append((distribution, url))
        facts += [
            (version, VOID + "dataDump", url),
            (version, DCAT + "distribution", distribution),
            (distribution, RDF + "type", NamedNode(DCAT + "Distribution")),
            (distribution, DCAT + "downloadURL", url),
            (distribution, DCAT + "mediaType", Literal(dump_media_type(name))),
            (distribution, DCAT + "byteSize", integer(info["bytes"])),
            (
                distribution,
                DCTERMS + "description",
                Literal(str(info["description"]), language="en"),
            ),
            (distribution, DCTERMS + "license", NamedNode(CC0)),
            *_checksum(distribution, str(info["sha256"])),
        ]
    return facts, dumps


def _checksum(subject: BlankNode, sha256: str) -> list[Fact]:
    checksum = BlankNode()
    return [
        (subject, SPDX + "checksum", checksum),
        (checksum, RDF + "type", NamedNode(SPDX + "Checksum")),
        (checksum, SPDX + "algorithm", NamedNode(SPDX + "checksumAlgorithm_sha256")),
        (checksum, SPDX + "checksumValue", Literal(sha256)),
    ]


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
