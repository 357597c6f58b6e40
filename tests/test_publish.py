"""`peacekg publish` to a real Oxigraph server (the `oxigraph` package): every graph under its
name with the manifest's count, nothing re-sent when nothing changed, only the changed graphs
after an article changes, recovery after an interrupted publish, and readable errors from
stand-in servers (401, a rejected graph) and a closed port."""

from __future__ import annotations

import contextlib
import gzip
import re
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from peacekg.build.pipeline import BuildResult, build
from peacekg.cli import main
from peacekg.config import Settings
from peacekg.endpoint.process import free_port
from peacekg.namespaces import Namespaces
from peacekg.publish.graphs import find_release
from peacekg.publish.publisher import publication_graph, publish, remote_counts, status
from peacekg.publish.record import Record
from peacekg.publish.remote import Endpoints, PublishError, Remote
from support.stores import OXIGRAPH, oxigraph_server

pytestmark = pytest.mark.process

MALI = Path("mappings/articles/2023-10-31-mali-return.yaml")
NS = Namespaces()


@pytest.fixture
def remote_store(tmp_path: Path) -> Iterator[str]:
    """An empty, writable Oxigraph server."""
    with oxigraph_server(tmp_path / "remote", read_only=False) as base:
        yield base


def _publish(build_dir: Path, *args: str) -> int:
    return main(["--build-dir", str(build_dir), "publish", *args])


def test_every_graph_arrives_with_its_name_and_count_and_the_record(
    built: tuple[Settings, BuildResult], remote_store: str, capsys
):
    settings, _ = built
    assert _publish(settings.output_dir, "--to", remote_store) == 0
    release = find_release(settings.output_dir, None)
    expected = release.manifest["statistics"]["graphs"]
    remote = Remote(Endpoints.of(remote_store))
    assert remote_counts(remote, list(expected)) == expected
    assert {NS.graph(n).value for n in ("ontology", "registry", "metadata", "inferred")} <= set(
        expected
    )
    record = status(remote, settings.base_iri)
    assert (record.release, record.digest) == (release.id, release.digest)
    assert set(record.graphs) == set(expected)
    assert f"{len(expected)} graph(s) sent ({sum(expected.values())} triples)" in (
        capsys.readouterr().out
    )

    assert _publish(settings.output_dir, "--to", remote_store) == 0
    assert f"0 graph(s) sent (0 triples), {len(expected)} unchanged" in capsys.readouterr().out
    assert _publish(settings.output_dir, "--status", "--to", remote_store) == 0
    said = capsys.readouterr().out
    assert f"holds release {release.id}" in said and "the same" in said


def test_after_an_article_changes_only_its_graphs_are_sent(
    built: tuple[Settings, BuildResult], project: Settings, remote_store: str
):
    remote = Remote(Endpoints.of(remote_store))
    publish(find_release(built[0].output_dir, None), remote)
    mapping = project.root / MALI
    mapping.write_text(mapping.read_text().replace("value: 309", "value: 310"))
    build(project)
    changed = publish(find_release(project.output_dir, None), remote)
    mali = NS.graph("article/2023-10-31-mali-return").value
    assert mali in changed.sent
    assert set(changed.sent) <= {mali, NS.graph("metadata").value, NS.graph("inferred").value}
    assert NS.graph("ontology").value in changed.skipped  # blank nodes: digests are canonical


class _FailingAfter(Remote):
    """A remote whose connection drops at its `n`-th request that writes (counted from 0)."""

    def __init__(self, base: str, n: int) -> None:
        super().__init__(Endpoints.of(base))
        self.left = n

    def _send(
        self, method: str, url: str, body: bytes, headers: dict[str, str], *, what: str
    ) -> bytes:
        if what != "a query":
            if self.left == 0:
                raise PublishError("cannot reach the store (connection reset)")
            self.left -= 1
        return super()._send(method, url, body, headers, what=what)


@pytest.mark.parametrize("writes", range(7))
def test_an_interrupted_publish_is_finished_by_the_next(
    built: tuple[Settings, BuildResult], remote_store: str, monkeypatch, writes: int
):
    """Cut at each write in turn (batches of 3 graphs: a batch's record out and the dataset
    dropped, its graphs sent together, the ontology by a PUT, its record back): what the record
    holds is true graph by graph, and the next publish sends exactly the rest."""
    monkeypatch.setattr("peacekg.publish.publisher.BATCH_GRAPHS", 3)
    release = find_release(built[0].output_dir, None)
    expected = release.manifest["statistics"]["graphs"]
    with pytest.raises(PublishError):
        publish(release, _FailingAfter(remote_store, writes))
    remote = Remote(Endpoints.of(remote_store))
    half = status(remote, built[0].base_iri)
    assert half.release is None and len(half.graphs) < len(expected)
    counts = remote_counts(remote, list(expected))
    assert {n: counts.get(n) for n in half.graphs} == {n: expected[n] for n in half.graphs}
    finished = publish(release, remote)
    assert set(finished.skipped) == set(half.graphs)
    assert set(finished.sent) == set(expected) - set(half.graphs)
    assert remote_counts(remote, list(expected)) == expected
    assert status(remote, built[0].base_iri).release == release.id


def test_a_store_filled_by_its_own_loader_is_recorded_with_loaded(
    built: tuple[Settings, BuildResult], tmp_path: Path, capsys
):
    """`oxigraph load` of the release's N-Quads dump, then `publish --loaded`: nothing sent,
    every count checked, the release recorded, so the next publish sends nothing. A load that
    lacks a graph is refused, naming it, and nothing is recorded."""
    settings, _ = built
    release = find_release(settings.output_dir, None)
    expected = release.manifest["statistics"]["graphs"]
    dump = tmp_path / "peacekg.nq"
    dump.write_bytes(gzip.decompress((release.path / "dumps" / "peacekg.nq.gz").read_bytes()))
    ontology = NS.graph("ontology").value
    partial = tmp_path / "partial.nq"
    partial.write_text(
        "".join(line for line in dump.open() if not line.rstrip().endswith(f"<{ontology}> ."))
    )
    for source, location in ((partial, tmp_path / "partial"), (dump, tmp_path / "whole")):
        loaded = [str(OXIGRAPH), "load", "--location", str(location), "--file", str(source)]
        subprocess.run(loaded, check=True, capture_output=True, timeout=120)
    with oxigraph_server(tmp_path / "partial", read_only=False) as base:
        assert _publish(settings.output_dir, "--to", base, "--loaded") == 1
        assert f"<{ontology}> has 0 triples, not {expected[ontology]}" in capsys.readouterr().err
        assert status(Remote(Endpoints.of(base)), settings.base_iri) == Record()
    with oxigraph_server(tmp_path / "whole", read_only=False) as base:
        assert _publish(settings.output_dir, "--to", base, "--loaded") == 0
        assert f"{len(expected)} graph(s) recorded" in capsys.readouterr().out
        record = status(Remote(Endpoints.of(base)), settings.base_iri)
        assert record.release == release.id and set(record.graphs) == set(expected)
        assert _publish(settings.output_dir, "--to", base) == 0
        assert f"0 graph(s) sent (0 triples), {len(expected)} unchanged" in capsys.readouterr().out


def test_a_graph_changed_behind_our_back_fails_the_check_and_is_sent_next_time(
    built: tuple[Settings, BuildResult], remote_store: str
):
    release = find_release(built[0].output_dir, None)
    remote = Remote(Endpoints.of(remote_store))
    publish(release, remote)
    ontology = NS.graph("ontology").value
    remote.update(f"CLEAR GRAPH <{ontology}>", what="a test")
    with pytest.raises(PublishError, match=f"<{ontology}> has 0 triples"):
        publish(release, remote)
    assert publish(release, remote).sent == [ontology]


def test_the_update_protocol_gives_the_same_graphs(
    built: tuple[Settings, BuildResult], remote_store: str
):
    release = find_release(built[0].output_dir, None)
    remote = Remote(Endpoints.of(remote_store))
    assert publish(release, remote, "update").protocol == "update"
    expected = release.manifest["statistics"]["graphs"]
    assert remote_counts(remote, list(expected)) == expected


def test_separate_update_endpoint_and_a_named_release(
    built: tuple[Settings, BuildResult], remote_store: str, capsys
):
    """--to the query endpoint with --update elsewhere (as GraphDB lays them out), and a release
    named by --release; an unknown release is an error listing the kept ones."""
    settings, _ = built
    release = find_release(settings.output_dir, None)
    endpoints = ("--to", f"{remote_store}/query", "--update", f"{remote_store}/update")
    assert _publish(settings.output_dir, *endpoints, "--release", "nope") == 1
    assert f"no release nope in {settings.output_dir} (kept: {release.id}" in (
        capsys.readouterr().err
    )
    assert _publish(settings.output_dir, *endpoints, "--release", release.id) == 0
    assert f"published release {release.id} to {remote_store}/query by update" in (
        capsys.readouterr().out
    )
    expected = release.manifest["statistics"]["graphs"]
    assert remote_counts(Remote(Endpoints.of(remote_store)), list(expected)) == expected
    assert _publish(settings.output_dir, "--to", remote_store, "--update", "ftp://x") == 1
    assert "--update must be an http(s) URL" in capsys.readouterr().err


@contextlib.contextmanager
def stand_in(status_code: int, message: bytes, *, accepts: bool) -> Iterator[str]:
    """A tiny HTTP server on 127.0.0.1 that refuses graphs: queries get an empty result and
    updates 200 (if `accepts`), everything else `status_code` with `message`."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if accepts and self.path.startswith("/query"):
                body, code = b'{"head":{"vars":[]},"results":{"bindings":[]}}', 200
            elif accepts and self.path.startswith("/update"):
                body, code = b"", 200
            else:
                body, code = message, status_code
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_PUT = do_GET = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_closed_port_is_a_clear_error(built: tuple[Settings, BuildResult], capsys):
    to = f"http://127.0.0.1:{free_port()}"
    assert _publish(built[0].output_dir, "--to", to) == 1
    assert "cannot reach the store at 127.0.0.1" in capsys.readouterr().err


def test_wrong_credentials_are_a_clear_error(
    built: tuple[Settings, BuildResult], capsys, monkeypatch
):
    monkeypatch.setenv("PEACEKG_PUBLISH_TOKEN", "wrong")
    with stand_in(401, b"Unauthorized", accepts=False) as to:
        assert _publish(built[0].output_dir, "--to", to) == 1
    assert "refused the credentials (401" in capsys.readouterr().err


def test_a_rejected_graph_is_named_with_the_store_message(
    built: tuple[Settings, BuildResult], capsys
):
    with stand_in(400, b"invalid literal at line 3", accepts=True) as to:
        assert _publish(built[0].output_dir, "--to", to) == 1
    err = capsys.readouterr().err
    assert re.search(r"the store rejected graphs? <https://w3id\.org/peacekg/graph/[^ ]+>", err)
    assert "(400 Bad Request): invalid literal at line 3" in err


@contextlib.contextmanager
def scripted(answers: list[tuple[int, bytes]]) -> Iterator[tuple[str, list[str]]]:
    """A stand-in store on 127.0.0.1 that gives `answers` in turn (the last one from then on);
    yields its URL and the list of requests it had ("METHOD path")."""
    had: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            had.append(f"{self.command} {self.path}")
            code, body = answers[min(len(had), len(answers)) - 1]
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_PUT = do_GET = do_HEAD = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", had
    finally:
        server.shutdown()
        server.server_close()


DEADLOCKED = (500, b"Error 40001 SR172: Transaction deadlocked")


def test_a_deadlocked_request_is_sent_again(monkeypatch):
    """A store that answers SQLSTATE 40001 (Virtuoso's loader on large graphs) is asked again,
    after a pause that doubles; one that always does gets a clear error after six tries."""
    monkeypatch.setattr("peacekg.publish.remote.DEADLOCK_PAUSE", 0.01)
    with scripted([DEADLOCKED, DEADLOCKED, (204, b"")]) as (base, had):
        Remote(Endpoints.of(base)).put_graph("http://example.org/g", b"")
        assert had == ["PUT /store?graph=http%3A%2F%2Fexample.org%2Fg"] * 3
    with scripted([DEADLOCKED]) as (base, had), pytest.raises(PublishError) as refused:
        Remote(Endpoints.of(base)).put_graph("http://example.org/g", b"")
    assert len(had) == 6
    assert "rejected graph <http://example.org/g> (500 Internal Server Error): Error 40001" in str(
        refused.value
    )
    with scripted([(500, b"Error 42000: syntax")]) as (base, had), pytest.raises(PublishError):
        Remote(Endpoints.of(base)).put_graph("http://example.org/g", b"")
    assert len(had) == 1  # any other error is final


def test_the_publication_graph_is_our_own():
    assert publication_graph(NS.base) == NS.graph("publication").value
