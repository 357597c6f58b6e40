"""Virtuoso (Debian's 7.2.5, started here on loopback over a new database): `peacekg publish`
puts the release there by the Graph Store Protocol and by SPARQL Update, and `peacekg serve
--backend` in front of it answers as the embedded store does, its differences (endpoint.dialects)
handled: durations and booleans in its own forms, ASK as rows, DESCRIBE, non-ASCII query text,
answers cut at its timeout."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from peacekg.build.pipeline import BuildResult
from peacekg.cli import main
from peacekg.config import Settings
from peacekg.publish.authorization import Credentials
from peacekg.publish.graphs import find_release
from peacekg.publish.publisher import publication_graph, remote_counts, status
from peacekg.publish.remote import Endpoints, Remote
from support.backends import (
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
from support.stores import VIRTUOSO_USER, virtuoso_server

pytestmark = pytest.mark.process
OURS = ORDERED.replace("isIRI(?s)", 'STRSTARTS(STR(?s), "https://w3id.org/peacekg/")')
"""Virtuoso's default graph holds its own system graphs too (docs/deploy.md)."""
SLOW = (  # cheap to plan, long to run: Virtuoso's cost estimate lets it start
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f "
    "FILTER(STRLEN(CONCAT(STR(?c), STR(?f))) > 3) }"
)


def _publish(settings: Settings, base: str, *options: str) -> int:
    user, password = VIRTUOSO_USER
    to = ["--to", f"{base}/sparql-auth", "--user", user, "--password", password]
    return main(["--build-dir", str(settings.output_dir), "publish", *to, *options])


def _remote(base: str) -> Remote:
    return Remote(Endpoints.of(f"{base}/sparql-auth"), Credentials(*VIRTUOSO_USER))


@pytest.fixture(scope="module")
def virtuoso(
    built: tuple[Settings, BuildResult], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A Virtuoso holding the release, published by the Graph Store Protocol."""
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as base:
        graph_store = ("--graph-store", f"{base}/sparql-graph-crud-auth")
        assert _publish(built[0], base, *graph_store) == 0
        yield base


@pytest.fixture(scope="module")
def virtuoso_site(built: tuple[Settings, BuildResult], virtuoso: str) -> Iterator[str]:
    with serve_backend(built, virtuoso + "/sparql") as base:
        yield base


def _expected_counts(settings: Settings) -> dict[str, int]:
    return dict(find_release(settings.output_dir, None).manifest["statistics"]["graphs"])


def test_published_by_graph_store_with_counts_and_record(
    built: tuple[Settings, BuildResult], virtuoso: str, capsys
) -> None:
    settings, _ = built
    expected = _expected_counts(settings)
    remote = _remote(virtuoso)
    assert remote_counts(remote, list(expected)) == expected
    release = find_release(settings.output_dir, None)
    assert status(remote, settings.base_iri).release == release.id
    capsys.readouterr()
    assert _publish(settings, virtuoso) == 0  # nothing changed: nothing sent
    assert "0 graph(s) sent" in capsys.readouterr().out


def test_published_by_update_in_batches_with_blank_nodes(
    built: tuple[Settings, BuildResult], virtuoso: str, capsys
) -> None:
    """Forget what the store holds, then publish again by SPARQL Update: every graph replaced
    (the ontology's blank nodes in one INSERT ... WHERE, the rest in INSERT DATA batches that
    Virtuoso's SQL compiler accepts) with the manifest's counts."""
    settings, _ = built
    remote = _remote(virtuoso)
    remote.update(f"CLEAR GRAPH <{publication_graph(settings.base_iri)}>", what="the record")
    assert _publish(settings, virtuoso, "--protocol", "update") == 0
    expected = _expected_counts(settings)
    assert f"by update: {len(expected)} graph(s) sent" in capsys.readouterr().out
    assert remote_counts(remote, list(expected)) == expected


def test_a_graph_of_megabytes_goes_through_digest_authentication(tmp_path: Path) -> None:
    """A 5 MB graph by the Graph Store Protocol: Virtuoso answers an unauthenticated request 401
    without reading its body and closes the connection, so the credentials must go with the
    body itself (peacekg.publish.authorization). (SPARQL Update goes in small batches.)"""
    name = "http://example.org/graph/large"
    lines = [
        f'<{name}/s{i}> <{name}/p> "value {i}, padded to make the graph large" .'
        for i in range(70_000)
    ]
    body = "".join(f"{line}\n" for line in lines).encode()
    assert len(body) > 5_000_000
    with virtuoso_server(tmp_path) as base:  # a store of its own: nothing else sees the graph
        remote = Remote(
            Endpoints.of(f"{base}/sparql-auth", f"{base}/sparql-graph-crud-auth"),
            Credentials(*VIRTUOSO_USER),
        )
        remote.put_graph(name, body)
        assert remote_counts(remote, [name]) == {name: len(lines)}


def test_wrong_password_is_a_clear_error(
    built: tuple[Settings, BuildResult], virtuoso: str, capsys
) -> None:
    """The default password, changed at start, is refused."""
    to = ["--to", f"{virtuoso}/sparql-auth", "--user", "dba", "--password", "dba"]
    assert main(["--build-dir", str(built[0].output_dir), "publish", *to]) != 0
    assert "refused the credentials (401" in capsys.readouterr().err


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_example_queries_answer_as_the_embedded_store(
    site: str, virtuoso_site: str, path: Path
) -> None:
    assert_same_rows(site, virtuoso_site, path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", RESULT_TYPES)
def test_result_formats_are_byte_identical(site: str, virtuoso_site: str, name: str) -> None:
    assert_same_bytes(site, virtuoso_site, OURS, RESULT_TYPES[name])


@pytest.mark.parametrize(
    "query",
    [
        # durations: Virtuoso keeps P5Y as 60 (months); booleans as 1 and 0
        "SELECT ?d WHERE { ?x time:hasXSDDuration ?d }",
        'SELECT ?b WHERE { VALUES ?b { "true"^^xsd:boolean "0"^^xsd:boolean } }',
        # ASK: Virtuoso answers with a row (or none), not a boolean
        "ASK { ?s a pk:Deployment }",
        "ASK { ?s a pk:NothingOfThisName }",
        # non-ASCII in the query's text: Virtuoso reads it as Latin-1 unless escaped
        'SELECT ("\u201cq\u201d \u2013 \u00e9 \U0001f600" AS ?q) WHERE {}',
        'SELECT ?s WHERE { ?s rdfs:label "C\u00f4te d\'Ivoire"@en }',
    ],
)
def test_store_specific_forms_are_put_back(site: str, virtuoso_site: str, query: str) -> None:
    (embedded, expected), (remote, got) = (
        get(b, query, RESULT_TYPES["json"]) for b in (site, virtuoso_site)
    )
    assert embedded.status == remote.status == 200, got[:300]
    assert rows(got) == rows(expected) and rows(expected)


def test_describe_means_what_it_means_on_the_embedded_store(site: str, virtuoso_site: str) -> None:
    """The resource's own triples, not also the ones pointing at it (Virtuoso's default)."""
    query = "DESCRIBE <https://w3id.org/peacekg/id/person/ermek-tulesov>"
    graphs = []
    for base in (site, virtuoso_site):
        response, body = get(base, query, "text/turtle")
        assert response.status == 200
        graphs.append(set(parse(body, format=RdfFormat.TURTLE)))
    assert graphs[0] == graphs[1] and len(graphs[0]) > 5


def test_graph_queries_and_dataset(site: str, virtuoso_site: str) -> None:
    """FROM and default-graph-uri choose graphs as on the embedded store."""
    answer = json.loads(get(site, "SELECT DISTINCT ?g WHERE { GRAPH ?g {} } LIMIT 1")[1])
    graph = answer["results"]["bindings"][0]["g"]["value"]
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    for query, params in (
        (count.replace("WHERE", f"FROM <{graph}> WHERE"), {}),
        (count, {"default-graph-uri": graph}),
    ):
        answers = [get(b, query, **params)[1] for b in (site, virtuoso_site)]
        assert rows(answers[0]) == rows(answers[1])


def test_pages_come_through(virtuoso_site: str) -> None:
    for path in ("/page/article/2023-10-31-mali-return", "/page/person/ermek-tulesov"):
        response, body = request(virtuoso_site, "GET", path, headers={"Accept": "text/html"})
        assert response.status == 200, body[:300]


def test_timeout_is_a_503_never_a_partial_answer(
    built: tuple[Settings, BuildResult], virtuoso: str
) -> None:
    """Virtuoso stops at the timeout it is given and sends what it has; that is no result."""
    with serve_backend(built, virtuoso + "/sparql", "--timeout", "1") as base:
        started = time.monotonic()
        response, body = get(base, SLOW)
        assert response.status == 503, body
        assert time.monotonic() - started < 3


def test_virtuoso_stopped_midway(built: tuple[Settings, BuildResult], tmp_path: Path) -> None:
    """Virtuoso stopped under a running query, then down: a clear 502, never a hang."""
    server = virtuoso_server(tmp_path / "stopped")
    url = server.__enter__()
    try:
        assert _publish(built[0], url) == 0
        with serve_backend(built, url + "/sparql", "--timeout", "20") as base:
            stop_under_a_query(base, SLOW, lambda: server.__exit__(None, None, None), url)
    finally:
        server.__exit__(None, None, None)
