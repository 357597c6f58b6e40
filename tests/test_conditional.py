"""Conditional requests, in process: every cacheable route sends an ETag and Cache-Control, and
answers 304 to a client that holds its ETag, decided before any query runs; the ETag follows
the negotiated format and the graph version; files also answer Range requests."""

from __future__ import annotations

import hashlib
import urllib.parse
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from peacekg.build.pipeline import BuildResult
from peacekg.config import ServerSettings, Settings
from peacekg.endpoint.pool import InProcessPool, Outcome, QueryJob
from peacekg.endpoint.served import GraphSource
from peacekg.namespaces import Namespaces
from peacekg.releases import current_release, read_manifest
from peacekg.web import create_app

OFFICERS = "SELECT ?p WHERE { ?p a <https://w3id.org/peacekg/ontology#Officer> }"
SPARQL = "/sparql?" + urllib.parse.urlencode({"query": OFFICERS})
EXAMPLE = "/queries/officers-in-more-than-one-mission.rq"
CACHEABLE = [
    # (path, Accept, another Accept that gets another format: another ETag; None for files)
    (SPARQL, "text/csv", "application/sparql-results+json"),
    ("/sparql", "text/turtle", "application/ld+json"),
    ("/data/person/ermek-tulesov", "text/turtle", "application/n-triples"),
    ("/page/person/ermek-tulesov", "text/html", None),
    ("/page/article/2023-10-31-mali-return", "text/html", None),
    ("/ontology", "text/turtle", "text/html"),
    ("/.well-known/void", "text/turtle", "application/trig"),
    ("/dumps", "text/html", "text/turtle"),
    (EXAMPLE, "text/plain", "application/sparql-query"),
    ("/dumps/{release}/peacekg.ttl", "*/*", None),
    ("/dumps/{release}/", "text/html", None),
    ("/docs/data-model.svg", "*/*", None),
]


class CountingPool(InProcessPool):
    """An in-process pool that counts the queries it runs."""

    runs = 0

    def run(self, job: QueryJob) -> Outcome:
        self.runs += 1
        return super().run(job)


@pytest.fixture(scope="module")
def counted(built: tuple[Settings, BuildResult]) -> Iterator[tuple[Flask, CountingPool]]:
    settings, _ = built
    source = GraphSource(build_dir=settings.output_dir)
    pool = CountingPool(source.store_path, Namespaces(settings.base_iri).prefixes())
    yield create_app(ServerSettings(cache_seconds=60), source, pool, settings), pool
    pool.close()


@pytest.mark.parametrize(("path", "accept", "other"), CACHEABLE)
def test_cacheable_routes_answer_304_without_running_a_query(
    counted: tuple[Flask, CountingPool],
    built: tuple[Settings, BuildResult],
    path: str,
    accept: str,
    other: str | None,
):
    app, pool = counted
    path = path.replace("{release}", built[1].release.name)
    client = app.test_client()
    first = client.get(path, headers={"Accept": accept})
    assert first.status_code == 200, first.get_data(as_text=True)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.headers["Cache-Control"] == "public, max-age=60"
    runs = pool.runs
    again = client.get(path, headers={"Accept": accept, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and "max-age=60" in again.headers["Cache-Control"]
    assert pool.runs == runs, "a 304 ran a query"
    weak = client.get(path, headers={"Accept": accept, "If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304  # If-None-Match compares weakly
    stale = client.get(path, headers={"Accept": accept, "If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.headers["ETag"] == etag
    if other is not None:
        assert client.get(path, headers={"Accept": other}).headers["ETag"] != etag
        assert "Accept" in first.vary


def test_a_dump_is_tagged_by_its_checksum_and_served_in_ranges(
    client: FlaskClient, built: tuple[Settings, BuildResult]
):
    settings, result = built
    info = read_manifest(settings.output_dir)["dumps"]["peacekg.ttl"]
    dumps = f"/dumps/{result.release.name}"
    whole = client.get(f"{dumps}/peacekg.ttl")
    assert hashlib.sha256(whole.data).hexdigest() == info["sha256"]  # type: ignore[index]
    assert "Accept" not in whole.vary and whole.headers["Accept-Ranges"] == "bytes"
    part = client.get(f"{dumps}/peacekg.ttl", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == whole.data[:10]
    assert part.headers["Content-Range"] == f"bytes 0-9/{len(whole.data)}"
    gzipped = client.get(f"{dumps}/peacekg.nq.gz")
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert gzipped.mimetype == "application/n-quads"


def test_the_etag_follows_the_graph_version(built: tuple[Settings, BuildResult]):
    settings, _ = built
    store = str(current_release(settings.output_dir) / "store")
    source = GraphSource(data_store=store, data_version="one", _stats={})
    pool = InProcessPool(source.store_path, Namespaces().prefixes())
    client = create_app(ServerSettings(), source, pool, settings).test_client()
    before = client.get(SPARQL).headers["ETag"]
    source.data_version = "two"
    after = client.get(SPARQL, headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before
    pool.close()


def test_any_etag_is_not_taken_for_a_match(client: FlaskClient):
    """`If-None-Match: *` would make a 304 of a resource that does not exist."""
    missing = client.get("/page/person/nobody", headers={"If-None-Match": "*"})
    assert missing.status_code == 404


def test_errors_and_redirects_are_not_tagged(client: FlaskClient):
    for path in ("/page/person/nobody", "/id/person/ermek-tulesov", "/sparql?query=ASK"):
        response = client.get(path)
        assert response.status_code in (303, 400, 404)
        assert "ETag" not in response.headers, path
