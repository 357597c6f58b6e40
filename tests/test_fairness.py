"""Fair under abuse (endpoint.fairness, web.connections): one client's slow connections or
query flood never lock out the others. Distinct clients are distinct loopback addresses
(127.0.0.2, 127.0.0.3, ...: Linux routes all of 127.0.0.0/8 to the loopback interface)."""

from __future__ import annotations

import concurrent.futures
import socket
import statistics
import time
import urllib.parse
from collections.abc import Iterator

import pytest

from peacekg.build.pipeline import BuildResult
from peacekg.config import Settings
from support.backends import CROSS_JOIN
from support.serving import request, running_server

pytestmark = pytest.mark.process
ASK = "ASK { ?s ?p ?o }"
READ_TIMEOUT = 2


def _serve(built: tuple[Settings, BuildResult], *options: str):
    return running_server("--build-dir", str(built[0].output_dir), "serve", *options)


@pytest.fixture(scope="module")
def guarded(built: tuple[Settings, BuildResult]) -> Iterator[str]:
    """Default limits, a 5 s query timeout and a short read timeout (to wait less)."""
    with _serve(built, "--timeout", "5", "--read-timeout", str(READ_TIMEOUT)) as base:
        yield base


def _query(base: str, query: str, source: str, headers: dict[str, str] | None = None):
    path = "/sparql?" + urllib.parse.urlencode({"query": query})
    accept = {"Accept": "application/sparql-results+json", **(headers or {})}
    return request(base, "GET", path, headers=accept, source=source, timeout=60)


def _slow_socket(base: str, source: str, first: bytes) -> socket.socket:
    """A connection from `source` that sent `first` (not a whole request) and waits."""
    parts = urllib.parse.urlsplit(base)
    sock = socket.create_connection((parts.hostname, parts.port), 10, (source, 0))
    sock.sendall(first)
    return sock


def _closed(sock: socket.socket) -> bool:
    sock.settimeout(0.5)
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_a_thousand_slow_connections_do_not_lock_out_another_client(guarded: str) -> None:
    partial = (b"GET /health HTTP/1.1\r\nHost: x\r\n", b"POST /sparql HTTP/1.1\r\n"
               b"Host: x\r\nContent-Length: 1000\r\n\r\nquery=ASK")  # fmt: skip
    slow = [_slow_socket(guarded, "127.0.0.2", partial[i % 2]) for i in range(1000)]
    try:
        started = time.monotonic()
        response, body = _query(guarded, ASK, "127.0.0.3")
        assert response.status == 200, body
        assert time.monotonic() - started < 1
        time.sleep(READ_TIMEOUT + 2)  # the read timeout, and waitress's 1 s maintenance
        still_open = sum(not _closed(s) for s in slow[::50])
        assert still_open == 0
    finally:
        for sock in slow:
            sock.close()


def test_a_request_trickling_in_is_closed_at_the_read_timeout(guarded: str) -> None:
    """Waitress's own timeout counts silence only: a byte a second would keep it forever."""
    sock = _slow_socket(guarded, "127.0.0.2", b"GET /health HTTP/1.1\r\n")
    started = time.monotonic()
    try:
        while time.monotonic() - started < READ_TIMEOUT + 4:
            try:
                sock.sendall(b"X-Slow: a\r\n")
            except OSError:
                break
            if _closed(sock):
                break
        assert time.monotonic() - started < READ_TIMEOUT + 4
    finally:
        sock.close()


def test_a_query_flood_from_one_client_leaves_the_others_served(guarded: str) -> None:
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        flood = [pool.submit(_query, guarded, CROSS_JOIN, "127.0.0.2") for _ in range(20)]
        time.sleep(0.5)  # the flood is in
        times = []
        for _ in range(100):
            started = time.monotonic()
            response, body = _query(guarded, ASK, "127.0.0.3")
            times.append(time.monotonic() - started)
            assert response.status == 200, body
        answers = [f.result() for f in flood]
    assert statistics.quantiles(times, n=100)[98] < 1
    refused = [(r, b) for r, b in answers if r.status == 429]
    assert len(refused) >= 15  # 5 queries in flight per client, by default
    assert all(r.status in (429, 503) for r, _ in answers)
    response, body = refused[0]
    assert b"5 queries running or waiting" in body
    retry = int(response.getheader("Retry-After"))
    assert 1 <= retry <= 6
    time.sleep(retry)
    assert _query(guarded, ASK, "127.0.0.2")[0].status == 200  # served again


def test_query_time_per_minute_and_who_the_client_is(built: tuple[Settings, BuildResult]) -> None:
    """A client over its query seconds gets 429 with when to come back; others do not; an
    X-Forwarded-For from a client that is not the named proxy changes nothing."""
    with _serve(built, "--timeout", "2", "--client-seconds", "1") as base:
        assert _query(base, CROSS_JOIN, "127.0.0.4")[0].status == 503  # 2 s spent
        response, body = _query(base, ASK, "127.0.0.4", {"X-Forwarded-For": "10.1.1.1"})
        assert response.status == 429, body
        assert b"queries ran 2 s in the last minute" in body
        assert 50 <= int(response.getheader("Retry-After")) <= 60
        spoof = {"X-Forwarded-For": "127.0.0.4", "Forwarded": "for=127.0.0.4"}
        assert _query(base, ASK, "127.0.0.5", spoof)[0].status == 200
        _, metrics = request(base, "GET", "/metrics")
        assert b'peacekg_refused_total{limit="seconds"} 1' in metrics
        assert b'peacekg_query_failures_total{kind="timeout"} 1' in metrics


def test_behind_a_named_proxy_the_forwarded_address_is_the_client(
    built: tuple[Settings, BuildResult],
) -> None:
    options = ("--timeout", "2", "--client-seconds", "1", "--trusted-proxy", "127.0.0.6")
    for header, value in (("X-Forwarded-For", "10.0.0.{}"), ("Forwarded", "for=10.0.0.{}")):
        extra = () if header == "X-Forwarded-For" else ("--trusted-proxy-header", "forwarded")
        with _serve(built, *options, *extra) as base:
            first = {header: value.format(1)}
            assert _query(base, CROSS_JOIN, "127.0.0.6", first)[0].status == 503
            assert _query(base, ASK, "127.0.0.6", first)[0].status == 429
            assert _query(base, ASK, "127.0.0.6", {header: value.format(2)})[0].status == 200
            assert _query(base, ASK, "127.0.0.7", first)[0].status == 200  # not the proxy
