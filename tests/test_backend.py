"""`peacekg serve --backend URL`: the endpoint in front of Oxigraph's own server holding the
release, answering as the embedded store does (endpoint.remote)."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from peacekg.build.pipeline import BuildResult
from peacekg.config import Settings
from peacekg.namespaces import Namespaces
from peacekg.releases import current_release
from support.backends import (
    CROSS_JOIN,
    ORDERED,
    QUERIES,
    RESULT_TYPES,
    assert_same_bytes,
    assert_same_rows,
    get,
    rows,
    serve_backend,
    stop_under_a_query,
)
from support.serving import request
from support.stores import OXIGRAPH, oxigraph_server

pytestmark = pytest.mark.process


@pytest.fixture(scope="module")
def loaded(built: tuple[Settings, BuildResult], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An Oxigraph store directory holding the built release, loaded from its N-Quads dump."""
    location = tmp_path_factory.mktemp("oxigraph") / "store"
    dump = current_release(built[0].output_dir) / "dumps" / "peacekg.nq.gz"
    command = [str(OXIGRAPH), "load", "--location", str(location), "--file", str(dump)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return location


@pytest.fixture(scope="module")
def oxigraph(loaded: Path) -> Iterator[str]:
    """Oxigraph server without --union-default-graph: the pool asks for the union per query
    (that flag would override a query's FROM)."""
    with oxigraph_server(loaded, read_only=True) as base:
        yield base


@pytest.fixture(scope="module")
def remote_site(built: tuple[Settings, BuildResult], oxigraph: str) -> Iterator[str]:
    with serve_backend(built, oxigraph + "/query") as base:
        yield base


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_example_queries_answer_as_the_embedded_store(
    site: str, remote_site: str, path: Path
) -> None:
    assert_same_rows(site, remote_site, path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", RESULT_TYPES)
def test_result_formats_match(site: str, remote_site: str, name: str) -> None:
    assert_same_bytes(site, remote_site, ORDERED, RESULT_TYPES[name])


def test_post_and_turtle(site: str, remote_site: str) -> None:
    query = "CONSTRUCT { ?s a ?o } WHERE { ?s a ?o } LIMIT 50"
    graphs = []
    for base in (site, remote_site):
        response, body = request(
            base, "POST", "/sparql", query,
            {"Content-Type": "application/sparql-query", "Accept": "text/turtle"},
        )  # fmt: skip
        assert response.status == 200
        assert response.getheader("Content-Type").startswith("text/turtle")
        graphs.append(set(parse(body, format=RdfFormat.TURTLE)))
    assert graphs[0] == graphs[1]
    response, body = request(
        remote_site, "POST", "/sparql", urllib.parse.urlencode({"query": ORDERED}),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert response.status == 200
    assert rows(body) == rows(get(site, ORDERED)[1])


def test_errors_and_prefixes(site: str, remote_site: str) -> None:
    bad = "SELECT * WHERE { ?s a pkx:Nothing }"
    (_embedded, expected), (remote, got) = (get(b, bad) for b in (site, remote_site))
    assert remote.status == 400
    assert got == expected  # our words (endpoint.explain), not the remote's
    assert get(remote_site, ORDERED, "image/png")[0].status == 406
    name, _iri = next(iter(Namespaces().prefixes().items()))
    query = f"ASK {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), STR({name}:))) }}"
    response, body = get(remote_site, query)
    assert response.status == 200, body
    assert rows(body) == rows(get(site, query)[1])


def test_dataset_and_from(site: str, remote_site: str) -> None:
    """FROM and default-graph-uri choose graphs as on the embedded store, not the union."""
    graph = json.loads(get(site, "SELECT DISTINCT ?g WHERE { GRAPH ?g {} } LIMIT 1")[1])
    g = graph["results"]["bindings"][0]["g"]["value"]
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    for query, params in (
        (count.replace("WHERE", f"FROM <{g}> WHERE"), {}),
        (count, {"default-graph-uri": g}),
    ):
        answers = [get(b, query, **params)[1] for b in (site, remote_site)]
        assert rows(answers[0]) == rows(answers[1])
        assert answers[0] != get(site, count)[1]  # one graph, not all


@pytest.mark.parametrize("path", ["/page/article/2023-10-31-mali-return", "/.well-known/void"])
def test_pages_and_void(remote_site: str, path: str) -> None:
    response, body = request(remote_site, "GET", path)
    assert response.status == 200, body[:300]


def test_timeout_answers_503_in_time(built: tuple[Settings, BuildResult], oxigraph: str) -> None:
    with serve_backend(built, oxigraph + "/query", "--timeout", "1") as base:
        started = time.monotonic()
        response, body = get(base, CROSS_JOIN)
        assert response.status == 503, body
        assert time.monotonic() - started < 3
        assert b"longer than 1 s" in body


def test_remote_stopped_midway(built: tuple[Settings, BuildResult], loaded: Path) -> None:
    """Oxigraph stopped under a running query, then down: a clear 502, never a hang."""
    server = oxigraph_server(loaded, read_only=True)
    url = server.__enter__()
    try:
        with serve_backend(built, url + "/query") as base:
            stop_under_a_query(base, CROSS_JOIN, lambda: server.__exit__(None, None, None), url)
    finally:
        server.__exit__(None, None, None)
