"""The endpoint under its real WSGI server on 127.0.0.1: limits, caching, CORS, refusals and
timeouts that really stop the work."""

from __future__ import annotations

import gzip
import json
import time
import urllib.parse
from pathlib import Path

import pytest
import rdflib

from support.serving import request, running_server

pytestmark = pytest.mark.process  # a real server, browser or process: not in make test-fast

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
OFFICERS = "SELECT ?p WHERE { ?p a <https://w3id.org/peacekg/ontology#Officer> }"


def get(base: str, query: str, **params: str):
    headers = {k.replace("_", "-"): v for k, v in params.items() if k[0].isupper()}
    extra = {k: v for k, v in params.items() if not k[0].isupper()}
    qs = urllib.parse.urlencode({"query": query, **extra})
    return request(base, "GET", f"/sparql?{qs}", headers=headers)


@pytest.fixture(scope="module")
def endpoint(built):
    settings, _ = built
    with running_server(
        "--build-dir",
        str(settings.output_dir),
        "serve",
        "--timeout",
        "2",
        env={"PEACEKG_ROW_LIMIT": "50"},
    ) as base:
        yield base


def test_health(endpoint, built):
    response, body = request(endpoint, "GET", "/health")
    info = json.loads(body)
    assert response.status == 200 and info["status"] == "ok"
    assert info["graph_version"] == built[1].release.name


def test_default_graph_is_the_union_unless_a_dataset_is_named(endpoint):
    ask = "ASK { <https://w3id.org/peacekg/id/person/ermek-tulesov> a <https://schema.org/Person> }"
    _, union = get(endpoint, ask, Accept="application/sparql-results+json")
    assert json.loads(union)["boolean"] is True
    named = {"default-graph-uri": "https://w3id.org/peacekg/graph/metadata"}
    _, only_metadata = get(endpoint, ask, Accept="application/sparql-results+json", **named)
    assert json.loads(only_metadata)["boolean"] is False


def test_runaway_query_is_stopped_and_the_server_stays_healthy(endpoint):
    started = time.monotonic()
    response, body = get(endpoint, RUNAWAY)
    elapsed = time.monotonic() - started
    assert response.status == 503, body
    assert b"longer than 2 s" in body and response.getheader("Retry-After")
    assert elapsed < 2 + 1.0
    health, info = request(endpoint, "GET", "/health")
    assert health.status == 200 and json.loads(info)["workers_replaced"] >= 1
    ok, rows = get(endpoint, OFFICERS, Accept="text/csv")
    assert ok.status == 200 and b"ermek-tulesov" in rows


def test_row_limit_cuts_and_says_so(endpoint):
    response, body = get(endpoint, "SELECT * WHERE { ?s ?p ?o }", Accept="text/csv")
    assert response.status == 200
    assert response.getheader("X-Result-Truncated") == "true"
    assert response.getheader("X-Result-Limit") == "50"
    assert "row limit" in response.getheader("Warning")
    assert body.decode().strip().count("\r\n") == 50  # header + 50 rows
    small, _ = get(endpoint, OFFICERS, Accept="text/csv")
    assert small.getheader("X-Result-Truncated") is None
    graph, triples = get(endpoint, "CONSTRUCT WHERE { ?s ?p ?o }", Accept="application/n-triples")
    assert graph.getheader("X-Result-Truncated") == "true"
    assert len(triples.strip().splitlines()) == 50


def test_body_and_query_length_caps(endpoint):
    response, body = request(
        endpoint,
        "POST",
        "/sparql",
        body=b"query=" + b"x" * 2_000_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 413
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000
    response, body = request(
        endpoint,
        "POST",
        "/sparql",
        body=long_query.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status == 413 and b"limit is 100000" in body


def test_updates_are_refused(endpoint):
    insert = "INSERT DATA { <http://a> <http://b> <http://c> }"
    for method, path, body, ctype in [
        ("GET", "/sparql?" + urllib.parse.urlencode({"update": insert}), None, None),
        (
            "POST",
            "/sparql",
            urllib.parse.urlencode({"update": insert}),
            "application/x-www-form-urlencoded",
        ),
        ("POST", "/sparql", insert, "application/sparql-update"),
        (
            "POST",
            "/sparql",
            urllib.parse.urlencode({"update": "LOAD <http://example.org/x>"}),
            "application/x-www-form-urlencoded",
        ),
    ]:
        headers = {"Content-Type": ctype} if ctype else {}
        response, text = request(endpoint, method, path, body=body, headers=headers)
        assert response.status == 403 and b"read-only" in text
    _, count = get(endpoint, "ASK { <http://a> <http://b> <http://c> }", format="json")
    assert json.loads(count)["boolean"] is False


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:9/sparql",
        "http://10.0.0.1/sparql",
        "https://query.wikidata.org/sparql",
    ],
)
def test_service_is_off_by_default(endpoint, target):
    response, body = get(endpoint, f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}")
    assert response.status == 403
    assert f"SERVICE <{target}> is not allowed".encode() in body and b"federation is off" in body


def test_service_with_a_variable_endpoint_is_refused(endpoint):
    response, body = get(endpoint, "SELECT * WHERE { ?e ?p ?o . SERVICE ?e { ?s ?p ?o } }")
    assert response.status == 403 and b"variable endpoint" in body


def test_errors_are_plain_4xx_with_the_parser_position(endpoint):
    response, body = get(endpoint, "SELECT * WHERE { ?s ?p }")
    assert response.status == 400
    assert response.getheader("Content-Type").startswith("text/plain")
    assert b"SPARQL syntax error at line 1, column " in body  # endpoint.explain's words
    assert b"Traceback" not in body and b"/peacekg/" not in body


def test_bodies_must_be_utf8(endpoint):
    query = "ASK { ?s ?p 'é' }"
    response, body = request(
        endpoint,
        "POST",
        "/sparql",
        body=query.encode("latin-1"),
        headers={"Content-Type": "application/sparql-query; charset=ISO-8859-1"},
    )
    assert response.status == 415 and b"UTF-8" in body
    response, body = request(
        endpoint,
        "POST",
        "/sparql",
        body=query.encode("latin-1"),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status == 400 and b"not UTF-8" in body
    response, _ = request(
        endpoint,
        "POST",
        "/sparql",
        body=query.encode("utf-8"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-8"},
    )
    assert response.status == 200


def test_content_negotiation_with_q_values_and_wildcards(endpoint):
    response, _ = get(endpoint, OFFICERS, Accept="text/csv;q=0.5, application/sparql-results+xml")
    assert response.getheader("Content-Type").startswith("application/sparql-results+xml")
    response, _ = get(endpoint, OFFICERS, Accept="text/*")
    assert response.getheader("Content-Type").startswith(("text/csv", "text/tab-separated-values"))
    response, _ = get(endpoint, OFFICERS, Accept="image/png")
    assert response.status == 406
    response, body = get(endpoint, OFFICERS, Accept="image/png", format="tsv")
    assert response.status == 200 and body.startswith(b"?p\n")
    response, _ = get(endpoint, "CONSTRUCT WHERE { ?s a ?o } LIMIT 1", Accept="*/*")
    assert response.getheader("Content-Type").startswith("text/turtle")
    response, _ = get(endpoint, "CONSTRUCT WHERE { ?s a ?o } LIMIT 1", Accept="text/csv")
    assert response.status == 406


def test_etag_and_cache_control(endpoint):
    first, _ = get(endpoint, OFFICERS, Accept="text/csv")
    etag = first.getheader("ETag")
    assert etag and "max-age" in first.getheader("Cache-Control")
    again, empty = get(endpoint, OFFICERS, Accept="text/csv", If_None_Match=etag)
    assert again.status == 304 and empty == b""
    other, _ = get(endpoint, OFFICERS, Accept="application/sparql-results+json")
    assert other.getheader("ETag") != etag


def test_cors(endpoint):
    response, _ = get(endpoint, OFFICERS)
    assert response.getheader("Access-Control-Allow-Origin") == "*"
    preflight, _ = request(
        endpoint,
        "OPTIONS",
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status == 204
    assert "POST" in preflight.getheader("Access-Control-Allow-Methods")


def test_gzip(endpoint):
    large = "SELECT * WHERE { ?s ?p ?o } LIMIT 40"
    response, body = get(endpoint, large, Accept_Encoding="gzip")
    assert response.getheader("Content-Encoding") == "gzip"
    assert json.loads(gzip.decompress(body))["results"]["bindings"]
    # a cache must keep both forms apart: the answer varies with Accept-Encoding (and Accept)
    plain_response, plain_body = get(endpoint, large)
    assert plain_response.getheader("Content-Encoding") is None
    assert json.loads(plain_body) == json.loads(gzip.decompress(body))
    for r in (response, plain_response):
        assert {"Accept", "Accept-Encoding"} <= set(r.getheader("Vary").replace(" ", "").split(","))
    # an answer too small to compress is the same for every client: it does not vary with it
    small, _ = get(endpoint, "ASK {}", Accept_Encoding="gzip")
    assert small.getheader("Content-Encoding") is None and small.getheader("Vary") == "Accept"


def test_service_description_with_void_statistics(endpoint, built):
    settings, result = built
    response, body = request(endpoint, "GET", "/sparql", headers={"Accept": "text/turtle"})
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/turtle")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    service = next(graph.subjects(rdflib.RDF.type, sd.Service))
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    assert (service, sd.feature, sd.UnionDefaultGraph) in graph
    formats = set(graph.objects(service, sd.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    dataset = next(graph.objects(service, sd.defaultDataset))
    names = {str(n) for n in graph.objects(None, sd.name)}
    assert f"{settings.base_iri}graph/inferred" in names and len(names) == result.graphs
    assert int(graph.value(dataset, void.triples)) > 6000
    dumps = {str(d).rsplit("/", 1)[-1] for d in graph.objects(dataset, void.dataDump)}
    assert dumps == {"peacekg.trig", "peacekg.nq.gz", "peacekg.ttl", "peacekg.nt.gz"}
    as_jsonld, body = request(endpoint, "GET", "/sparql?format=jsonld")
    assert as_jsonld.getheader("Content-Type").startswith("application/ld+json")
    assert len(rdflib.Graph().parse(data=body, format="json-ld")) == len(graph)


def test_server_follows_a_rebuild(project):
    from peacekg.build.pipeline import build

    first = build(project)
    with running_server("--build-dir", str(project.output_dir), "serve") as base:
        _, before = request(base, "GET", "/health")
        assert json.loads(before)["graph_version"] == first.release.name
        registry = project.root / "mappings" / "registry.yaml"
        registry.write_text(
            registry.read_text().replace("label: Ermek Tulesov", "label: Ermek Tulesov (renamed)")
        )
        second = build(project)
        _, body = get(
            base,
            OFFICERS.replace(
                "?p WHERE { ?p",
                "?l WHERE { ?p <http://www.w3.org/2000/01/rdf-schema#label> ?l . ?p",
            ),
            Accept="text/csv",
        )
        assert b"Ermek Tulesov (renamed)" in body
        _, after = request(base, "GET", "/health")
        assert json.loads(after)["graph_version"] == second.release.name


def test_serving_files_cleans_up_its_temporary_store_on_sigterm(tmp_path):
    import glob
    import tempfile

    from support import SHARED

    data = SHARED / "w3c-rdf-tests" / "sparql" / "sparql11" / "protocol" / "data1.nt"
    pattern = str(Path(tempfile.gettempdir()) / "peacekg-data-*")
    before = set(glob.glob(pattern))
    with running_server("serve", "--data", str(data)) as base:
        assert request(base, "GET", "/health")[0].status == 200
        assert set(glob.glob(pattern)) - before  # the store exists while serving
    assert set(glob.glob(pattern)) - before == set()  # running_server stops it with SIGTERM
