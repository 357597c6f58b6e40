"""The server's front (peacekg.web.front, on granian): repeats answered from memory, conditional
requests still answered by the app, a cheap query asked afresh run again without the app
(web.prepared), a body that never completes cut at the read timeout, an answer too large to
gather sent whole as a stream; and who the client is (web.clients)."""

from __future__ import annotations

import re
import socket
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import QueryResultsFormat, Store, parse_query_results

from peacekg.build.pipeline import BuildResult
from peacekg.config import Settings
from peacekg.endpoint.pool import QueryJob, answer
from peacekg.endpoint.served import GraphSource
from peacekg.namespaces import Namespaces
from peacekg.web import prepared as prepared_module
from peacekg.web.clients import client_address
from peacekg.web.front import STREAM_AFTER
from peacekg.web.prepared import PreparedRequests, offer
from support.serving import request, running_server

JSON = "application/sparql-results+json"
READ_TIMEOUT = 1


def _answers(base: str, source: str) -> float:
    _, body = request(base, "GET", "/metrics")
    pattern = rf'peacekg_answers_total\{{source="{source}"\}} (\S+)'.encode()
    return float(re.search(pattern, body)[1])


def _kept(base: str) -> float:
    return _answers(base, "kept")


@pytest.fixture(scope="module")
def quick(built: tuple[Settings, BuildResult]) -> Iterator[str]:
    """The built graph served with a short read timeout."""
    options = ("--read-timeout", str(READ_TIMEOUT))
    with running_server("--build-dir", str(built[0].output_dir), "serve", *options) as base:
        yield base


@pytest.mark.process
def test_a_repeat_is_answered_from_memory_and_a_conditional_one_by_the_app(quick: str) -> None:
    path = "/sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE { ?s a ?c } LIMIT 3"})
    first, body = request(quick, "GET", path, headers={"Accept": JSON})
    kept = _kept(quick)
    again, same = request(quick, "GET", path, headers={"Accept": JSON, "User-Agent": "other"})
    assert again.status == 200 and same == body and _kept(quick) == kept + 1
    assert again.getheader("ETag") == first.getheader("ETag")
    assert again.getheader("X-Peacekg-Release") == first.getheader("X-Peacekg-Release")
    etag = first.getheader("ETag")
    unchanged, empty = request(quick, "GET", path, headers={"Accept": JSON, "If-None-Match": etag})
    assert unchanged.status == 304 and empty == b""
    csv, table = request(quick, "GET", path, headers={"Accept": "text/csv"})  # another format
    assert csv.status == 200 and table.startswith(b"s,c")
    page, html = request(quick, "GET", "/", headers={"Accept": "text/html"})
    head, nothing = request(quick, "HEAD", "/", headers={"Accept": "text/html"})
    assert page.status == head.status == 200 and nothing == b""
    assert head.getheader("Content-Length") == str(len(html))


AFRESH = {"Accept": JSON, "Cache-Control": "no-cache", "Content-Type": "application/sparql-query"}


def _asked_afresh(base: str, query: str, times: int) -> list[tuple[object, bytes]]:
    return [request(base, "POST", "/sparql", query, headers=AFRESH) for _ in range(times)]


@pytest.mark.process
def test_a_cheap_query_asked_afresh_again_is_run_again_under_the_apps_headers(quick: str) -> None:
    """STRUUID() differs at each evaluation: every answer is new, so the query ran each time,
    and the answers the front ran carry the headers the app gave the first."""
    query = "SELECT (STRUUID() AS ?u) WHERE { ?s ?p ?o } LIMIT 1"
    before = _answers(quick, "rerun")
    answers = _asked_afresh(quick, query, 6)
    assert _answers(quick, "rerun") >= before + 3  # the first one or two prepare it
    assert all(r.status == 200 for r, _ in answers)
    assert len({body for _, body in answers}) == len(answers), "an answer was given twice"
    shown = ("Content-Type", "ETag", "X-Result-Rows", "X-Peacekg-Release", "Vary", "Cache-Control")
    headers = {tuple(r.getheader(h) for h in shown) for r, _ in answers}
    assert len(headers) == 1, headers
    assert answers[-1][0].getheader("Access-Control-Allow-Origin") == "*"
    assert answers[-1][0].getheader("Content-Length") == str(len(answers[-1][1]))


@pytest.mark.process
def test_a_deeply_nested_query_is_always_left_to_the_workers(quick: str) -> None:
    """The front's thread has an ordinary stack; only the workers' is made for deep nesting."""
    query = "SELECT * WHERE " + "{ " * 100 + "?s ?p ?o" + " }" * 100 + " LIMIT 1"
    before = _answers(quick, "rerun")
    answers = _asked_afresh(quick, query, 4)
    assert all(r.status == 200 for r, _ in answers)
    assert _answers(quick, "rerun") == before


@pytest.mark.process
def test_a_body_that_never_completes_is_answered_408_and_closed(quick: str) -> None:
    parts = urllib.parse.urlsplit(quick)
    sock = socket.create_connection((parts.hostname, parts.port), 10)
    sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nquery=ASK")
    started, received = time.monotonic(), b""
    sock.settimeout(READ_TIMEOUT + 5)
    try:
        while chunk := sock.recv(4096):
            received += chunk
    finally:
        sock.close()
    assert received.startswith(b"HTTP/1.1 408 ")
    assert b"not received in full within the read timeout" in received
    assert READ_TIMEOUT - 0.1 < time.monotonic() - started < READ_TIMEOUT + 3


@pytest.mark.process
def test_an_answer_too_large_to_gather_is_streamed_whole(tmp_path: Path) -> None:
    """A CONSTRUCT of more than STREAM_AFTER bytes of N-Triples, over --data, row limit lifted:
    every triple arrives, and the connection serves the next request."""
    triples = 120_000
    data = tmp_path / "big.nt"
    with data.open("w", encoding="utf-8") as out:
        for i in range(triples):
            out.write(f'<https://example.org/s{i}> <https://example.org/p> "{"x" * 60} {i}" .\n')
    env = {"PEACEKG_ROW_LIMIT": str(10**9)}
    with running_server("serve", "--data", str(data), env=env) as base:
        query = urllib.parse.urlencode({"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
        response, body = request(
            base, "GET", f"/sparql?{query}", headers={"Accept": "application/n-triples"}
        )
        assert response.status == 200
        assert len(body) > STREAM_AFTER
        assert body.count(b"\n") == triples
        assert len(set(body.splitlines())) == triples


def test_the_client_is_the_peer_unless_the_named_proxy_forwarded_for_someone() -> None:
    xff = [("x-forwarded-for", "10.9.9.9, 10.0.0.1")]
    assert client_address("127.0.0.2", xff, None, "x-forwarded-for") == "127.0.0.2"
    assert client_address("127.0.0.2", xff, "127.0.0.6", "x-forwarded-for") == "127.0.0.2"
    assert client_address("127.0.0.6", xff, "127.0.0.6", "x-forwarded-for") == "10.0.0.1"
    assert client_address("127.0.0.6", [], "127.0.0.6", "x-forwarded-for") == "127.0.0.6"
    forwarded = [("forwarded", 'for=10.9.9.9, for="[2001:db8::17]:4711";proto=https')]
    assert client_address("127.0.0.6", forwarded, "127.0.0.6", "forwarded") == "2001:db8::17"
    assert client_address("127.0.0.6", xff, "127.0.0.6", "forwarded") == "127.0.0.6"
    port = [("forwarded", "for=192.0.2.43:8080")]
    assert client_address("127.0.0.6", port, "127.0.0.6", "forwarded") == "192.0.2.43"


def _prepared(
    built: tuple[Settings, BuildResult],
    query: str = "SELECT (STRUUID() AS ?u) { ?s ?p ?o } LIMIT 1",
) -> tuple[PreparedRequests, tuple]:
    """A request prepared as the route and the front prepare it, over the built graph (its
    query answered until once within CHEAP_SECONDS: a loaded machine can be slower)."""
    source = GraphSource(build_dir=built[0].output_dir)
    prefixes = Namespaces(built[0].base_iri).prefixes()
    requests = PreparedRequests(source, prefixes)
    job = QueryJob(query, "json", None)
    source.pin()
    store = Store.read_only(source.store_path())
    environ: dict[str, object] = {}
    for _ in range(20):
        offer(environ, job, answer(store, job, prefixes))
        if environ:
            break
    source.unpin()
    key = (source.version(), "POST", "/sparql")
    requests.prepare(key, environ, [("Content-Type", "application/json"), ("Content-Length", "9")])
    found = requests.find(key)
    assert found is not None and ("Content-Length", "9") not in found.headers
    return requests, key


def test_a_client_past_its_share_of_a_busy_front_goes_to_the_app(built, monkeypatch) -> None:
    requests, key = _prepared(built)
    monkeypatch.setattr(prepared_module, "SHARE", 0.0)  # one rerun a second, then the app
    first = requests.rerun(key, "127.0.0.2")
    assert first is not None and b'"u"' in first[1]
    assert requests.rerun(key, "127.0.0.2") is None
    alone = requests.rerun(key, "127.0.0.2", alone=True)  # no one else waits: all of it
    assert alone is not None and alone[1] != first[1]
    other = requests.rerun(key, "127.0.0.3")
    assert other is not None and other[1] != first[1]  # run again: another STRUUID()
    time.sleep(1.05)
    assert requests.rerun(key, "127.0.0.2") is not None


def test_a_rerun_slower_than_cheap_is_the_last(built, monkeypatch) -> None:
    requests, key = _prepared(built)
    monkeypatch.setattr(prepared_module, "CHEAP_SECONDS", 0.0)
    assert requests.rerun(key, "127.0.0.2") is not None
    assert requests.find(key) is None


def test_a_rerun_for_a_release_no_longer_kept_is_not_sent(built) -> None:
    requests, key = _prepared(built)
    assert requests.rerun(("2000-01-01-00000000", *key[1:]), "127.0.0.2") is None
    assert requests.rerun(key, "127.0.0.2") is not None


def test_a_steady_query_is_rerun_straight_into_its_format_with_the_same_rows(built) -> None:
    """A query with no function that changes between runs has, on the same release, the rows
    it had: its rerun is serialised straight to JSON, without the TSV pass that counts them;
    one with STRUUID() is counted every time."""
    query = "SELECT ?officer { ?officer a pk:Officer } ORDER BY ?officer LIMIT 5"
    requests, key = _prepared(built, query)
    found = requests.find(key)
    assert found is not None and found.job.rows == found.rows > 1
    rerun = requests.rerun(key, "127.0.0.2")
    assert rerun is not None
    source = GraphSource(build_dir=built[0].output_dir)
    first = answer(
        Store.read_only(source.store_path()),
        QueryJob(query, "json", None),
        Namespaces(built[0].base_iri).prefixes(),
    )
    rows = [[*row] for row in parse_query_results(rerun[1], QueryResultsFormat.JSON)]  # type: ignore[union-attr]
    assert rows == [[*row] for row in parse_query_results(first.body, QueryResultsFormat.JSON)]  # type: ignore[union-attr]
    volatile_requests, volatile_key = _prepared(built)
    assert volatile_requests.find(volatile_key).job.rows is None  # type: ignore[union-attr]
