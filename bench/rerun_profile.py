"""The front's rerun path against a bare RSGI handler, in one process: where the lightest
query's time goes on our side, without granian, the kernel or the machine's noise.

Both are driven with the same request (a POST of the query, `Cache-Control: no-cache`) through
a stand-in for granian's scope and protocol, on uvloop, interleaved. The bare handler reads the
body, runs the query on the same store and serialises JSON: what any RSGI app must do. The
front (`peacekg.web.front.Front`, over the real app and its prepared requests) does that and
its own work: the kept answers' key, the client's share, the release's lease, the row count.
Their difference is the front's cost per request; `--profile` shows where it goes.

    .venv/bin/python bench/rerun_profile.py --build-dir BUILD_DIR --root PROJECT QUERY.rq
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from pathlib import Path
from typing import Any

import uvloop
from pyoxigraph import QueryResultsFormat, Store

from peacekg.config import ServerSettings, Settings
from peacekg.endpoint.pool import InProcessPool
from peacekg.endpoint.served import GraphSource
from peacekg.namespaces import Namespaces
from peacekg.web import create_app
from peacekg.web.front import Front
from peacekg.web.state import EXTENSION

JSON = "application/sparql-results+json"


class Headers:
    """granian's headers: `items()` gives (name, value) pairs, names in lower case."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)


class Scope:
    """What granian's RSGI scope holds for a POST /sparql from 127.0.0.1."""

    proto, method, path, query_string = "http", "POST", "/sparql", ""
    http_version, scheme, client, server = "1.1", "http", "127.0.0.1:40000", "127.0.0.1:8000"

    def __init__(self, body: bytes) -> None:
        self.headers = Headers(
            [
                ("host", self.server),
                ("content-type", "application/sparql-query"),
                ("accept", JSON),
                ("cache-control", "no-cache"),
                ("content-length", str(len(body))),
            ]
        )


class Protocol:
    """granian's HTTP protocol: the body when awaited, and the one answer sent."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.status = 0

    async def __call__(self) -> bytes:
        return self.body

    def response_bytes(self, status: int, _headers: list[tuple[str, str]], _body: bytes) -> None:
        self.status = status


def bare(store: Store) -> Any:
    """The least an RSGI app does for the request: read it, run it, send JSON."""

    async def handle(_scope: Scope, protocol: Protocol) -> None:
        query = (await protocol()).decode()
        results = store.query(query, use_default_graph_as_union=True)
        protocol.response_bytes(
            200, [("content-type", JSON)], results.serialize(format=QueryResultsFormat.JSON)
        )  # type: ignore[union-attr]

    return handle


async def compare(front: Front, handlers: dict[str, Any], body: bytes, runs: int) -> None:
    for handler in handlers.values():  # the first through the app and a worker: prepared after
        for _ in range(3):
            protocol = Protocol(body)
            await handler(Scope(body), protocol)
            assert protocol.status == 200, protocol.status
    times: dict[str, list[int]] = {name: [] for name in handlers}
    for _ in range(runs):
        for name, handler in handlers.items():
            scope, protocol = Scope(body), Protocol(body)
            started = time.perf_counter_ns()
            await handler(scope, protocol)
            times[name].append(time.perf_counter_ns() - started)
    ours, theirs = (statistics.median(times[n]) / 1000 for n in ("front", "bare"))
    print(f"front {ours:.1f} µs, bare handler {theirs:.1f} µs, ratio {ours / theirs:.3f}")
    print(f"the front's own work: {ours - theirs:.1f} µs a request")


async def profile(front: Front, body: bytes, runs: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        await front.__rsgi__(Scope(body), Protocol(body))
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("query", type=Path, help="a .rq file: the request's body")
    parser.add_argument("--build-dir", type=Path, required=True)
    parser.add_argument(
        "--root", type=Path, default=Path.cwd(), help="the project it was built from"
    )
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--profile", action="store_true", help="then cProfile the front alone")
    args = parser.parse_args()
    project = Settings(root=args.root, build_dir=args.build_dir)
    source = GraphSource(build_dir=args.build_dir)
    pool = InProcessPool(source.store_path, Namespaces(project.base_iri).prefixes())
    app = create_app(ServerSettings(), source, pool, project)
    state = app.extensions[EXTENSION]
    front = Front(app, ServerSettings(), state.answers, source.version, pool.close, state.prepared)
    store = Store.read_only(source.store_path())
    body = args.query.read_bytes()
    uvloop.run(compare(front, {"front": front.__rsgi__, "bare": bare(store)}, body, args.runs))
    reruns = state.prepared.reruns
    print(f"reruns on the front: {reruns} (the rest through the app)")
    if args.profile:
        uvloop.run(profile(front, body, args.runs))


if __name__ == "__main__":
    main()
