"""What the tests of `serve --backend` share, whatever the store behind it: the example queries,
a request to the endpoint, a result set to compare, and peacekg served in front of a store."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from contextlib import AbstractContextManager

from peacekg.build.pipeline import BuildResult
from peacekg.config import Settings
from support import ROOT
from support.serving import request, running_server

QUERIES = [
    q for q in sorted((ROOT / "queries").glob("*.rq")) if "federated" not in q.name
]  # the federated one calls Wikidata
ORDERED = "SELECT ?s ?o WHERE { ?s a ?o FILTER(isIRI(?s)) } ORDER BY ?s ?o LIMIT 20"
RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def serve_backend(
    built: tuple[Settings, BuildResult], backend: str, *options: str
) -> AbstractContextManager[str]:
    """`peacekg serve --backend URL` over the built release's pages and dumps."""
    build_dir = str(built[0].output_dir)
    return running_server("--build-dir", build_dir, "serve", "--backend", backend, *options)


def get(base: str, query: str, accept: str = "", *, fresh: bool = False, **params: str):
    """GET the query; `fresh`: with Cache-Control: no-cache, so that it reaches the store even
    if the same request was answered before (the endpoint keeps answers: web.answers)."""
    encoded = urllib.parse.urlencode({"query": query, **params})
    headers = {"Accept": accept} if accept else {}
    if fresh:
        headers["Cache-Control"] = "no-cache"
    return request(base, "GET", f"/sparql?{encoded}", headers=headers)


def rows(body: bytes) -> set[frozenset[tuple[str, str]]]:
    """The result set, each row as (variable, term) pairs; blank nodes only as blank."""
    data = json.loads(body)
    if "boolean" in data:
        return {frozenset({("boolean", str(data["boolean"]))})}
    return {
        frozenset(
            (name, "_:" if term["type"] == "bnode" else json.dumps(term, sort_keys=True))
            for name, term in row.items()
        )
        for row in data["results"]["bindings"]
    }


def stop_under_a_query(base: str, slow_query: str, stop: Callable[[], None], url: str) -> None:
    """With `serve --backend url` at `base`: `stop` the remote while `slow_query` runs, then
    ask again; each answer is a clear 502/503 naming the remote, within seconds, never a hang."""
    assert get(base, ORDERED)[0].status == 200
    answered: list[tuple[int, bytes, float]] = []

    def slow() -> None:
        response, body = get(base, slow_query)
        answered.append((response.status, body, time.monotonic()))

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(1)
    stop()
    stopped = time.monotonic()
    thread.join(25)
    status, body, at = answered[0]
    assert status in (502, 503), body
    assert at - stopped < 5
    response, body = get(base, ORDERED, fresh=True)  # asked before: its answer is kept
    assert response.status == 502
    assert url.encode() in body and b"refused the connection" in body


def assert_same_rows(site: str, remote_site: str, query: str) -> None:
    """The query answers 200 with the same result set on the embedded store and through the
    remote one."""
    (embedded, expected), (remote, got) = (
        get(base, query, RESULT_TYPES["json"]) for base in (site, remote_site)
    )
    assert embedded.status == remote.status == 200, got[:300]
    assert rows(got) == rows(expected)


def assert_same_bytes(site: str, remote_site: str, query: str, accept: str) -> None:
    """The query answers with the same media type and the same bytes on both."""
    (embedded, expected), (remote, got) = (get(b, query, accept) for b in (site, remote_site))
    assert remote.status == 200
    assert remote.getheader("Content-Type") == embedded.getheader("Content-Type")
    assert got == expected
