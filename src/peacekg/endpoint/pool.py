"""Run SPARQL queries in worker processes, so that a timeout really stops the work.

pyoxigraph cannot cancel a running query, so each query runs in a worker process holding the
store open read-only; a worker that overruns the timeout is killed and replaced, and the
request gets a clear 503. Workers also serialise the result with pyoxigraph's native writers,
so only bytes cross the process boundary.

The row cap is exact and stays native: results are first written as TSV (SELECT) or N-Triples
(CONSTRUCT/DESCRIBE), where every row is one line, cut after `row_limit` lines, and re-read
natively into the requested format.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import os
import queue
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Protocol

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    parse,
    parse_query_results,
    serialize,
)

from peacekg.endpoint.explain import explain
from peacekg.endpoint.fairness import FairQueue
from peacekg.endpoint.formats import BY_RENDERER_NAME, Kind, Renderer
from peacekg.endpoint.sparqltext import outer_clauses, prefixes_used, reorder_tsv, star_order
from peacekg.releases import NoGraphError

log = logging.getLogger(__name__)
SPAWN = multiprocessing.get_context("spawn")
READY_TIMEOUT = 60.0
SPAWN_RETRY_FIRST, SPAWN_RETRY_MAX = 0.2, 5.0
MEMORY_CHECK = 0.05
"""Seconds between two looks at a running query's memory (none for a query answered sooner)."""
PAGE = os.sysconf("SC_PAGE_SIZE")
WORKER_STACK_BYTES = 512 << 20
"""Oxigraph's SPARQL parser recurses once per nesting level; a 100,000-character query can nest
50,000 levels deep, which overflows the 8 MiB main-thread stack and kills the worker. Jobs run
on a thread with this much (virtual, lazily committed) stack instead."""


@dataclass(frozen=True)
class QueryJob:
    query: str
    results_format: str | None  # renderer names chosen by negotiation, None = not acceptable
    graph_format: str | None
    default_graphs: tuple[str, ...] | None = None  # None: the union of all graphs
    named_graphs: tuple[str, ...] | None = None
    row_limit: int = 10_000
    base_iri: str | None = None
    remote: bool = False
    """The query calls SERVICE (as the allowlist check parsed it): its evaluation errors are
    the remote endpoint's, not ours."""
    client: str = ""
    """Who asked (an address): the pool hands out workers fairly among clients."""
    rows: int | None = None
    """The rows a SELECT's answer is known to have, within the row limit (web.prepared: the
    same steady query on the same release): the solutions are then serialised straight into
    their format, without the TSV pass that counts and cuts them."""


@dataclass
class Outcome:
    """What a query came to. Not frozen: `answer` sets `seconds` on it, cheaper than a copy."""

    status: str  # ok | syntax | not-acceptable | service-failed | backend-failed | failed
    body: bytes = b""
    renderer: str = ""
    rows: int = 0
    truncated: bool = False
    message: str = ""
    seconds: float = math.inf
    """How long the query took to evaluate and render where it ran (inf: not measured, as for
    a remote store's answer); web.prepared reruns the cheapest on the front."""


class QueryTimeoutError(Exception):
    """The query ran past the timeout; its worker was killed."""


class QueryMemoryError(Exception):
    """The query held more memory than its budget; its worker was killed."""


class PoolBusyError(Exception):
    """No worker became free within the timeout."""


class WorkerLostError(Exception):
    """The worker died under the query (killed from outside, out of memory)."""


# ---------------------------------------------------------------- inside a worker


def _limit(lines: bytes, limit: int, header: int = 0) -> tuple[bytes, int, bool]:
    """One-row-a-line text after `header` lines, cut to `limit` rows: the text, its rows, and
    whether any were cut."""
    rows = lines.count(b"\n") - header
    if rows <= limit:
        return lines, rows, False
    end = -1
    for _ in range(limit + header):
        end = lines.find(b"\n", end + 1)
    return lines[: end + 1], limit, True


def execute(store: Store, job: QueryJob, prefixes: dict[str, str]) -> Outcome:
    """Run one query and serialise it natively (in a worker, or in process: InProcessPool).
    `prefixes` are predeclared: the query may use them without PREFIX lines."""
    options: dict[str, object] = {"base_iri": job.base_iri}
    has_from, star = outer_clauses(job.query)
    if job.default_graphs is None and job.named_graphs is None:
        if not has_from:  # the union would override the query's own FROM / FROM NAMED
            options["use_default_graph_as_union"] = True
    else:
        options["default_graph"] = [NamedNode(g) for g in job.default_graphs or ()]
        options["named_graphs"] = [NamedNode(g) for g in job.named_graphs or ()]
    try:
        result = _query(store, job.query, options, prefixes)
    except SyntaxError as exc:
        return Outcome("syntax", message=explain(job.query, str(exc), prefixes))
    if isinstance(result, QuerySolutions | QueryBoolean):
        return render(result, job, prefixes, star)
    return render(result.serialize(format=RdfFormat.N_TRIPLES) or b"", job, prefixes, star)  # type: ignore[union-attr]


def _query(store: Store, query: str, options: dict[str, object], prefixes: dict[str, str]) -> Any:
    """`store.query` given only the predeclared prefixes the query uses (sparqltext
    .prefixes_used), and all of them again if it does not parse so: the lexer never fails a
    query that the engine would run."""
    used = prefixes_used(query)
    if used is not None:
        try:
            given = {p: prefixes[p] for p in used if p in prefixes}
            return store.query(query, prefixes=given, **options)  # type: ignore[arg-type]
        except SyntaxError:
            pass
    return store.query(query, prefixes=prefixes, **options)  # type: ignore[arg-type]


Answer = QuerySolutions | QueryBoolean | bytes
"""A query's result to render: solutions, a boolean, or a graph as N-Triples (a triple a line),
from the embedded store or parsed from a remote one's answer (endpoint.remote)."""


def render(result: Answer, job: QueryJob, prefixes: dict[str, str], star: int | None) -> Outcome:
    """The result in the job's renderer, cut at its row limit; `star` is where the outer
    `SELECT *` is (sparqltext.outer_clauses), whose columns keep the query's order."""
    kind = Kind.GRAPH if isinstance(result, bytes) else Kind.RESULTS
    name = job.graph_format if kind is Kind.GRAPH else job.results_format
    if name is None:
        return Outcome("not-acceptable", message=kind.value)
    renderer = BY_RENDERER_NAME[name]
    if isinstance(result, QueryBoolean):
        return Outcome("ok", result.serialize(format=renderer.native), name, rows=1)  # type: ignore[arg-type]
    if isinstance(result, QuerySolutions):
        return _solutions(result, job, star, renderer)
    return _triples(result, job, renderer, prefixes)


def _solutions(
    result: QuerySolutions, job: QueryJob, star: int | None, renderer: Renderer
) -> Outcome:
    """SELECT results cut at the row limit on their TSV lines, in `SELECT *` order."""
    if job.rows is not None:
        body = result.serialize(format=renderer.native)  # type: ignore[arg-type]
        return Outcome("ok", body, renderer.name, job.rows)
    lines = result.serialize(format=QueryResultsFormat.TSV)
    names = [v.value for v in result.variables]
    if star is not None and (order := star_order(job.query, star, names)) != names:
        lines = reorder_tsv(lines, order, names)
    lines, rows, truncated = _limit(lines, job.row_limit, header=1)
    if renderer.native is QueryResultsFormat.TSV:
        return Outcome("ok", lines, renderer.name, rows, truncated)
    body = parse_query_results(lines, QueryResultsFormat.TSV).serialize(format=renderer.native)  # type: ignore[union-attr,arg-type]
    return Outcome("ok", body, renderer.name, rows, truncated)


def _triples(
    ntriples: bytes, job: QueryJob, renderer: Renderer, prefixes: dict[str, str]
) -> Outcome:
    """CONSTRUCT/DESCRIBE results cut at the row limit on their N-Triples lines."""
    lines, rows, truncated = _limit(ntriples, job.row_limit)
    fmt = renderer.native
    assert isinstance(fmt, RdfFormat)
    if fmt is RdfFormat.N_TRIPLES:
        return Outcome("ok", lines, renderer.name, rows, truncated)
    triples = parse(lines, format=RdfFormat.N_TRIPLES)
    if fmt.supports_datasets:
        triples = (Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples)
    body = serialize(triples, format=fmt, prefixes=prefixes if renderer.prefixes else None)  # type: ignore[arg-type]
    return Outcome("ok", body or b"", renderer.name, rows, truncated)


def answer(store: Store, job: QueryJob, prefixes: dict[str, str]) -> Outcome:
    """`execute`, with an evaluation error as the query's outcome instead of the end of the
    worker: a query that calls SERVICE failed remotely; any other failed here."""
    started = time.perf_counter()
    try:
        outcome = execute(store, job, prefixes)
    except Exception as exc:  # told the client as a 502, or logged as a 500
        return Outcome(
            "service-failed" if job.remote else "failed", message=f"{type(exc).__name__}: {exc}"
        )
    outcome.seconds = time.perf_counter() - started
    return outcome


def worker_main(
    conn: Connection, store_path: str, prefixes: dict[str, str], memory: int | None = None
) -> None:
    """A worker's life, on a thread with a deep stack (see WORKER_STACK_BYTES), in at most
    `memory` bytes of address space: a runaway evaluation (a huge sort, a corrupt store that
    makes Oxigraph allocate without end) aborts this worker, not the machine."""
    if memory:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    threading.stack_size(WORKER_STACK_BYTES)
    thread = threading.Thread(target=_answer_jobs, args=(conn, store_path, prefixes))
    thread.start()
    thread.join()


def _answer_jobs(conn: Connection, store_path: str, prefixes: dict[str, str]) -> None:
    """Open the store read-only, then answer jobs until told to stop. Each job names the store
    it is for (the release its request reads: peacekg.endpoint.served.GraphSource.pin); one
    for another store than the one open opens that one instead, so that a rebuild moves the
    workers along without replacing them, and no answer mixes two releases."""
    try:
        store = Store.read_only(store_path)
    except Exception as exc:  # corrupt or missing: say why instead of dying with a traceback
        conn.send(f"{type(exc).__name__}: {exc}")
        return
    conn.send("ready")
    while True:
        message = conn.recv()
        if message is None:
            return
        path, job = message
        if path != store_path:
            try:
                store, store_path = Store.read_only(path), path
            except Exception as exc:  # gone or unreadable: this query fails, the worker stays
                conn.send(Outcome("failed", message=f"the store at {path} cannot be opened: {exc}"))
                continue
        conn.send(answer(store, job, prefixes))


# ---------------------------------------------------------------- in the server


class Pool(Protocol):
    """What the web app needs of a query pool: QueryPool, or InProcessPool in tests."""

    replaced: int
    """Workers replaced since the start (killed at a timeout, died, or left behind by a move)."""

    def run(self, job: QueryJob) -> Outcome: ...

    def load(self) -> tuple[int, int]:
        """Queries running and waiting for a worker, now."""
        ...

    def close(self) -> None: ...


class Worker:
    def __init__(
        self,
        store_path: str,
        generation: int,
        prefixes: dict[str, str],
        memory: int | None = None,
    ) -> None:
        self.conn, child = SPAWN.Pipe()
        self.generation = generation
        self.process = SPAWN.Process(
            target=worker_main, args=(child, store_path, prefixes, memory), daemon=True
        )
        self.process.start()  # with this process's environment: its allocator too (web.serve)
        child.close()
        try:
            ready = self.conn.recv() if self.conn.poll(READY_TIMEOUT) else "no answer"
        except (EOFError, OSError):
            ready = "the worker exited"
        if ready != "ready":
            self.kill()
            raise NoGraphError(f"the store at {store_path} cannot be opened: {ready}")

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class QueryPool:
    """N worker processes answering queries on the store that `store_path()` names when the
    query is run: the release its request reads. A worker opens whichever store a job names."""

    def __init__(
        self,
        store_path: Callable[[], str],
        workers: int,
        timeout: float,
        prefixes: dict[str, str],
        memory: int | None = None,
        share: int = 0,
        seconds: float = math.inf,
        query_memory: int = 0,
    ) -> None:
        """`share`: workers one client may hold at once (0: all of them); `seconds`: the time
        one client's queries may run in a minute (endpoint.fairness); `query_memory`: the
        working memory in bytes a query may hold (0: no budget; `memory` still caps the
        address space)."""
        self._store_path = store_path
        self._memory = memory
        self._query_memory = query_memory
        self._timeout = timeout
        self._prefixes = prefixes
        self._size = workers
        self._lock = threading.Lock()
        self._idle: FairQueue[Worker] = FairQueue(share or workers, seconds)
        self.generation = 0
        self.path = store_path()
        self.replaced = 0
        self._closed = False
        for _ in range(workers):
            self._idle.put(Worker(self.path, self.generation, prefixes, memory))

    def _replace(self, worker: Worker) -> None:
        worker.kill()
        self.replaced += 1
        threading.Thread(target=self._spawn, daemon=True).start()

    def _spawn(self) -> None:
        """Start a replacement worker, retrying with backoff: a store briefly unreadable or a
        failed fork must not shrink the pool for good (with no worker left, every query
        would wait out the timeout forever)."""
        delay = SPAWN_RETRY_FIRST
        while not self._closed:
            try:
                self.path = self._store_path()  # the current one, not the one at the start
                worker = Worker(self.path, self.generation, self._prefixes, self._memory)
            except (RuntimeError, OSError) as exc:
                log.warning("could not start a query worker (%s); retrying in %.1f s", exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, SPAWN_RETRY_MAX)
                continue
            if self._closed:  # closed while it started
                worker.kill()
            else:
                self._idle.put(worker)
            return

    def run(self, job: QueryJob) -> Outcome:
        path = self._store_path()
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                worker = self._idle.get(job.client, max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise PoolBusyError from None
            if worker.generation == self.generation and worker.process.is_alive():
                break
            self._replace(worker)  # stale (store moved) or dead: swap it and take another
            self._idle.done(job.client)
        try:
            worker.conn.send((path, job))
            if not self._answered(worker, deadline):
                self._replace(worker)
                raise QueryTimeoutError
            outcome: Outcome = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)  # the worker died under the query (killed, crashed)
            raise WorkerLostError from None
        finally:
            self._idle.done(job.client)
        self._idle.put(worker)
        return outcome

    def _answered(self, worker: Worker, deadline: float) -> bool:
        """Wait for the worker's answer until `deadline` (False: none came); look at its
        working memory every MEMORY_CHECK seconds meanwhile, and stop a query past its budget
        (QueryMemoryError) before it takes the machine's memory from the others."""
        while (left := deadline - time.monotonic()) > 0:
            if worker.conn.poll(min(left, MEMORY_CHECK) if self._query_memory else left):
                return True
            if self._query_memory and _working_memory(worker.process.pid) > self._query_memory:
                self._replace(worker)
                raise QueryMemoryError
        return False

    def load(self) -> tuple[int, int]:
        return self._idle.load()

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                worker = self._idle.get("closing", 0)
            except queue.Empty:
                return
            with contextlib.suppress(OSError):
                worker.conn.send(None)
            worker.kill()


def _working_memory(pid: int) -> int:
    """A process's anonymous resident bytes (resident less file-backed: the store's files, which
    the kernel may drop, are not the query's), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            fields = statm.read().split()
    except OSError:
        return 0
    return (int(fields[1]) - int(fields[2])) * PAGE


class InProcessPool:
    """The QueryPool interface, answering in this process: for tests and tools only.

    No worker processes, so no timeout (pyoxigraph cannot stop a query; only killing its
    process does), no memory cap or budget, no deep stack for deeply nested queries, and a
    crash of the engine takes the caller with it. What it keeps is everything else a query
    goes through: the same `execute` (union graph, row limit, native renderers) and the same
    outcomes.
    """

    def __init__(self, store_path: Callable[[], str], prefixes: dict[str, str]) -> None:
        self._store_path = store_path
        self._prefixes = prefixes
        self._stores = OpenStores()
        self.replaced = 0

    def run(self, job: QueryJob) -> Outcome:
        return answer(self._stores.get(self._store_path()), job, self._prefixes)

    def load(self) -> tuple[int, int]:
        """Nothing is ever waiting: each query runs in its caller's thread."""
        return 0, 0

    def close(self) -> None:
        self._stores.close()


class OpenStores:
    """Stores opened read-only in this process, as QueryPool's workers open them, by path (a
    release's); the two last opened are kept, for requests on either side of a rebuild."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._opened: dict[str, Store] = {}

    def get(self, path: str) -> Store:
        """The store at `path`; OSError when it cannot be opened."""
        with self._lock:
            if path not in self._opened:
                self._opened = {
                    **dict(list(self._opened.items())[-1:]),
                    path: Store.read_only(path),
                }
            return self._opened[path]

    def close(self) -> None:
        self._opened = {}
