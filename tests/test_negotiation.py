"""Content negotiation, in process: the one `negotiate` over the renderer table (Accept with
q-values and wildcards, `format=`, extensions, nothing that fits), the maps derived from the
table, and every route that negotiates, through Flask's test client."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from peacekg.endpoint import local
from peacekg.endpoint.formats import (
    BY_RENDERER_NAME,
    HTML,
    RENDERERS,
    Kind,
    Renderer,
    for_kind,
    negotiate,
    split_extension,
)
from peacekg.endpoint.served import load_data_files
from peacekg.web.void import dump_media_type

RESULTS = for_kind(Kind.RESULTS)
GRAPH = for_kind(Kind.GRAPH)
PAGE = (HTML, *GRAPH)
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def accept(header: str | None) -> MIMEAccept:
    return parse_accept_header(header, MIMEAccept)


# ---------------------------------------------------------------- negotiate, over the table

ACCEPT_CASES = [
    # (offered, Accept, the renderer chosen or None)
    (RESULTS, None, "json"),  # no Accept: the first on offer
    (RESULTS, "", "json"),
    (RESULTS, "*/*", "json"),
    (RESULTS, "application/sparql-results+xml", "xml"),
    (RESULTS, "text/csv;q=0.5, application/sparql-results+xml", "xml"),
    (RESULTS, "text/csv, application/sparql-results+xml;q=0.5", "csv"),
    (RESULTS, "text/*", "csv"),  # a wildcard: the first of its matches on offer
    (RESULTS, "text/tab-separated-values, text/*;q=0.9", "tsv"),
    (RESULTS, "application/json", "json"),  # a type clients also send
    (RESULTS, "text/xml", "xml"),
    (RESULTS, "text/csv;q=0, */*;q=0.1", "json"),  # q=0 excludes
    (RESULTS, "image/png", None),
    (RESULTS, "text/csv;q=0", None),
    (GRAPH, "*/*", "turtle"),
    (GRAPH, "application/json", "jsonld"),
    (GRAPH, "text/plain", "ntriples"),
    (GRAPH, "application/x-turtle", "turtle"),
    (GRAPH, "application/xml", "rdfxml"),
    (GRAPH, "application/n-quads, application/trig;q=0.9", "nquads"),
    (GRAPH, "text/csv", None),
    (PAGE, None, "html"),
    (PAGE, "*/*", "html"),
    (PAGE, BROWSER, "html"),
    (PAGE, "text/turtle", "turtle"),
    (PAGE, "text/html;q=0.5, text/turtle", "turtle"),
    (PAGE, "application/ld+json;q=0.9, text/html", "html"),
    (PAGE, "image/png", None),
]


@pytest.mark.parametrize(("offered", "header", "chosen"), ACCEPT_CASES)
def test_accept(offered: tuple[Renderer, ...], header: str | None, chosen: str | None):
    renderer = negotiate(offered, accept(header))
    assert (renderer.name if renderer else None) == chosen


FORMAT_CASES = [
    # (offered, format= values, Accept, the renderer chosen or None)
    (RESULTS, ["csv"], "application/sparql-results+json", "csv"),  # format= beats Accept
    (GRAPH, ["csv"], "text/turtle", None),  # a format we have, but not of this kind: 406
    (RESULTS, ["json"], None, "json"),
    (GRAPH, ["json"], None, "jsonld"),  # one name, a renderer of each kind
    (GRAPH, ["xml"], None, "rdfxml"),
    (GRAPH, ["rdf+xml", "application/rdf+xml"], None, "rdfxml"),  # SPARQLWrapper's pair
    (GRAPH, ["n3"], None, "turtle"),  # SPARQLWrapper's N3: Turtle and N-Triples are both N3,
    (GRAPH, ["n3"], "application/n-triples", "ntriples"),  # and Accept chooses between them
    (RESULTS, ["n3"], "text/csv", None),  # graph formats only: not for results (406)
    (RESULTS, ["png", "tsv"], None, "tsv"),  # names of nothing are skipped
    (RESULTS, ["png"], "text/csv", "csv"),  # only such names: Accept decides
    (RESULTS, [""], "text/csv", "csv"),
    (GRAPH, ["TTL"], None, "turtle"),  # the extension, in any case
    (GRAPH, [" text/turtle "], None, "turtle"),  # a media type
    (GRAPH, ["nt"], None, "ntriples"),
    (RESULTS, ["srx"], None, "xml"),
    (PAGE, ["html"], "text/turtle", "html"),
    (RESULTS, ["html"], "text/csv", None),
]


@pytest.mark.parametrize(("offered", "formats", "header", "chosen"), FORMAT_CASES)
def test_format_parameter(
    offered: tuple[Renderer, ...], formats: list[str], header: str | None, chosen: str | None
):
    renderer = negotiate(offered, accept(header), formats)
    assert (renderer.name if renderer else None) == chosen


@pytest.mark.parametrize(
    ("offered", "extension", "chosen"),
    [
        (GRAPH, "ttl", "turtle"),
        (GRAPH, "jsonld", "jsonld"),
        (GRAPH, "nt", "ntriples"),
        (GRAPH, "rdf", "rdfxml"),
        (GRAPH, "trig", "trig"),
        (GRAPH, "nq", "nquads"),
        (GRAPH, "NQ", "nquads"),
        (PAGE, "html", "html"),
        (GRAPH, "html", None),
        (GRAPH, "csv", None),
        (RESULTS, "csv", "csv"),
    ],
)
def test_extension(offered: tuple[Renderer, ...], extension: str, chosen: str | None):
    # the extension decides, whatever format= and Accept say
    renderer = negotiate(offered, accept("text/turtle"), ["jsonld"], extension)
    assert (renderer.name if renderer else None) == chosen


@pytest.mark.parametrize(
    ("path", "split"),
    [
        ("person/x.ttl", ("person/x", "ttl")),
        ("person/x", ("person/x", None)),
        ("person/x.foo", ("person/x.foo", None)),
        ("claim/a.b/c.nt", ("claim/a.b/c", "nt")),
        (".ttl", (".ttl", None)),
        ("person/x.html", ("person/x.html", None)),  # not offered here
    ],
)
def test_split_extension(path: str, split: tuple[str, str | None]):
    assert split_extension(path, GRAPH) == split


# ---------------------------------------------------------------- the table and its maps


def test_table_rows_are_distinct_and_complete():
    assert len(BY_RENDERER_NAME) == len(RENDERERS)
    assert len({r.extension for r in RENDERERS}) == len(RENDERERS)
    for r in RESULTS + GRAPH:
        assert r.native is not None and "://www.w3.org/ns/formats/" in r.format_iri
        assert r.content_type == f"{r.media_type}; charset=utf-8"
    assert {r.name for r in GRAPH if r.prefixes} == {"turtle", "trig", "rdfxml"}
    assert [r.name for r in for_kind(Kind.QUERY)] == ["text", "sparql"]


def test_the_cli_formats_are_the_results_renderers():
    assert list(local.FORMATS) == ["json", "xml", "csv", "tsv"]
    assert all(local.FORMATS[r.name] is r.native for r in RESULTS)


@pytest.mark.parametrize(
    ("name", "media"),
    [
        ("peacekg.trig", "application/trig"),
        ("peacekg.ttl", "text/turtle"),
        ("peacekg.nq.gz", "application/n-quads"),
        ("peacekg.nt.gz", "application/n-triples"),
    ],
)
def test_dump_media_types(name: str, media: str):
    assert dump_media_type(name) == media


def test_data_files_are_read_by_the_graph_extensions(tmp_path: Path):
    data = tmp_path / "data.nt"
    data.write_text("<http://ex.org/s> <http://ex.org/p> <http://ex.org/o> .\n")
    source = load_data_files((data,))
    assert source.statistics()["triples"] == 1
    unknown = tmp_path / "data.csv"
    unknown.write_text("s,p,o\n")
    with pytest.raises(ValueError, match=r"use one of \.ttl, \.nt, \.jsonld, \.rdf, \.trig, \.nq"):
        load_data_files((unknown,))


# ---------------------------------------------------------------- every negotiating route

PERSON = "person/ermek-tulesov"
ASK = "/sparql?query=ASK%7B%7D"
CONSTRUCT = "/sparql?query=CONSTRUCT+WHERE+%7B+%3Fs+a+%3Fo+%7D+LIMIT+1"
EXAMPLE = "/queries/officers-in-more-than-one-mission.rq"

ROUTE_CASES = [
    # (path, Accept, status, the Content-Type's media type, or the Location of a 303)
    (ASK, "text/csv;q=0.5, application/sparql-results+xml", 200, "application/sparql-results+xml"),
    (ASK, "text/*", 200, "text/csv"),
    (ASK + "&format=tsv", "image/png", 200, "text/tab-separated-values"),
    (ASK, "image/png", 406, "text/plain"),
    (CONSTRUCT, "*/*", 200, "text/turtle"),
    (CONSTRUCT, "text/csv", 406, "text/plain"),  # known only once the query ran
    (CONSTRUCT + "&format=csv", None, 406, "text/plain"),
    ("/sparql", "application/n-triples", 200, "application/n-triples"),
    ("/sparql?format=jsonld", None, 200, "application/ld+json"),
    ("/sparql?format=json", None, 200, "application/ld+json"),
    ("/sparql", "image/png", 406, "text/plain"),
    (f"/id/{PERSON}", BROWSER, 303, f"/page/{PERSON}"),
    (f"/id/{PERSON}", None, 303, f"/page/{PERSON}"),
    (f"/id/{PERSON}", "image/png", 303, f"/page/{PERSON}"),  # a page falls back to HTML
    (f"/id/{PERSON}", "application/n-triples", 303, f"/data/{PERSON}.nt"),
    (f"/id/{PERSON}", "application/json", 303, f"/data/{PERSON}.jsonld"),
    (f"/id/{PERSON}?format=ttl", BROWSER, 303, f"/data/{PERSON}.ttl"),
    ("/code/rank/lieutenant-colonel", "text/turtle", 303, "/data/code/rank/lieutenant-colonel.ttl"),
    (f"/data/{PERSON}.jsonld", None, 200, "application/ld+json"),
    (f"/data/{PERSON}.ttl", "application/ld+json", 200, "text/turtle"),  # the extension wins
    (f"/data/{PERSON}.nq", None, 200, "application/n-quads"),
    (f"/data/{PERSON}?format=nt", None, 200, "application/n-triples"),
    (f"/data/{PERSON}", "application/rdf+xml", 200, "application/rdf+xml"),
    (f"/data/{PERSON}", None, 200, "text/turtle"),
    (f"/data/{PERSON}", "image/png", 406, "text/plain"),
    (f"/data/{PERSON}.html", None, 404, "text/plain"),  # not an extension here: a path
    ("/ontology", "text/turtle", 200, "text/turtle"),
    ("/ontology", None, 200, "text/html"),
    ("/ontology", "image/png", 200, "text/html"),
    ("/ontology.nt", "text/html", 200, "application/n-triples"),
    ("/ontology.html", "text/turtle", 200, "text/html"),
    ("/ontology?format=jsonld", None, 200, "application/ld+json"),
    ("/ontology.csv", None, 404, "text/plain"),
    ("/dumps", None, 200, "text/html"),
    ("/dumps", BROWSER, 200, "text/html"),
    ("/dumps", "text/turtle", 200, "text/turtle"),
    ("/dumps?format=nq", None, 200, "application/n-quads"),
    ("/dumps", "image/png", 200, "text/html"),
    ("/.well-known/void", None, 200, "text/turtle"),
    ("/.well-known/void", "application/n-triples", 200, "application/n-triples"),
    ("/.well-known/void?format=trig", None, 200, "application/trig"),
    ("/.well-known/void", "image/png", 406, "text/plain"),
    (EXAMPLE, None, 200, "text/plain"),
    (EXAMPLE, "application/sparql-query", 200, "application/sparql-query"),
    (EXAMPLE, "image/png", 200, "text/plain"),  # query text falls back to plain text
]


@pytest.mark.parametrize(("path", "header", "status", "media"), ROUTE_CASES)
def test_routes_negotiate(
    client: FlaskClient, path: str, header: str | None, status: int, media: str
):
    response = client.get(path, headers={"Accept": header} if header is not None else {})
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 303:
        assert response.headers["Location"] == media
    else:
        assert response.mimetype == media
    if status in (200, 303):
        assert "Accept" in response.vary


def test_a_406_says_what_is_offered(client: FlaskClient):
    body = client.get(f"/data/{PERSON}", headers={"Accept": "image/png"}).get_data(as_text=True)
    assert body.startswith("406 Not Acceptable: no format of this resource matches")
    assert "text/turtle, application/n-triples" in body
    body = client.get(CONSTRUCT, headers={"Accept": "text/csv"}).get_data(as_text=True)
    assert body.startswith("406 Not Acceptable: no format of this query's graph matches")
