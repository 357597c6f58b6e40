#!/usr/bin/env python3
"""The performance benchmark of issue #7: ratios measured in one run, on one synthetic corpus.

Why ratios: the machine is small and shared, so absolute seconds drift from run to run; a ratio
against a baseline measured in the same run, on the same data, moments apart, does not. Every
figure is a median of several runs after a warm-up (fewer where one run takes minutes: the
table says so), and the absolute figures are reported beside the ratios.

    make bench                          full run: 10k articles (~1M triples), 10M-triple RSS
    make bench BENCH_ARGS=--quick       500 articles for everything, a few minutes
    .venv/bin/python bench/run.py --smoke --results /tmp/r.json     tiny, two measures (tests)

See bench/README.md for what each measure means and how to read bench/results.json.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import http.client
import importlib
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import generate
import wrk
from tasks import MARK

from peacekg.config import ServerSettings
from peacekg.endpoint.process import ServerStartError, running, stop_group
from peacekg.progress import progress

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
PEACEKG = Path(sys.executable).with_name("peacekg")
BASE_IRI = "https://w3id.org/peacekg/"
JSON_RESULTS = "application/sparql-results+json"
START_TIMEOUT = 120.0
MB = 1024 * 1024

GOALS: dict[str, tuple[str, float, str]] = {
    # name -> (comparison, limit, what the ratio is)
    "endpoint_vs_native": ("<=", 1.25, "endpoint JSON response ÷ pyoxigraph query + serialise"),
    "rdflib_vs_endpoint": (">=", 25.0, "rdflib in-memory Dataset ÷ endpoint"),
    "ask_vs_hello": ("<=", 2.0, "trivial ASK over HTTP ÷ bare Flask on waitress"),
    "workers_scaling": (">=", 1.7, "throughput, 2 query workers ÷ 1"),
    "build_vs_bulk_load": ("<=", 10.0, "full build() ÷ Store.bulk_load of its dump"),
    "rebuild_vs_build": ("<=", 0.05, "rebuild after one article changed ÷ full build"),
    "swap_failures": ("<=", 0.0, "failed or mixed-release answers, 5 rebuilds under 8 clients"),
    "rss_serving": ("<=", 1536.0, "peak RSS serving, server + workers (MB)"),
    "publish_oxigraph_vs_write": ("<=", 5.0, "publish to Oxigraph server ÷ store write"),
    "publish_virtuoso_vs_write": ("<=", 5.0, "publish to Virtuoso ÷ store write"),
    "backend_oxigraph_vs_direct": ("<=", 1.1, "serve --backend ÷ Oxigraph server directly"),
    "backend_virtuoso_vs_direct": ("<=", 1.1, "serve --backend ÷ Virtuoso directly"),
    "queries_vs_oxigraph": ("<=", 1.05, "example queries ÷ Oxigraph server, sum of medians"),
    "midsize_vs_oxigraph": (">=", 0.95, "mid-size query, 4 connections ÷ Oxigraph server"),
    "ask_vs_oxigraph": (">=", 0.25, "trivial ASK, 8 connections ÷ Oxigraph server"),
    "pages_vs_describe": (">=", 0.2, "resource pages, 8 connections ÷ Oxigraph DESCRIBE"),
}
MEASURES = tuple(GOALS)
ABSOLUTE = ("rss_serving", "swap_failures")
"""Measures judged on their value, with no baseline."""
LIGHT = 0.25
"""swap_failures sends the example queries the endpoint answers within this many seconds."""
REPORTED = ("publish_virtuoso_vs_write",)
"""Measures printed with their ratio and no verdict: the figure is the store's own write path,
which no change of ours moves (Virtuoso's Graph Store: ~10 ms of its CPU a graph; its bulk
loader, which `publish --loaded` records, takes the dump in seconds; bench/README.md). Their
goal is what a verdict would be measured against. A publish that fails still FAILs."""
VERSUS = ("queries_vs_oxigraph", "midsize_vs_oxigraph", "ask_vs_oxigraph", "pages_vs_describe")
"""Measured side by side with Oxigraph's own server over a copy of the same store (#17)."""
REBUILDS = 3
"""rebuild_vs_build takes the median of this many one-article rebuilds."""
MOST_RUNS = 2000
"""The most runs `interleaved` measures a query for (a sub-millisecond one reaches it)."""
SINGLE_QUERY = 1.25
"""queries_vs_oxigraph also fails when one query alone is slower than this ratio."""
MIDSIZE = 0.03
"""midsize_vs_oxigraph takes the example query nearest this many seconds on Oxigraph server."""
PAGES = 100
"""pages_vs_describe asks for this many resources' pages in turn."""
WARM_SECONDS = 2.0
"""Each server's unmeasured wrk run before a versus row's measured ones."""
ASK_P99_MS = 10.0
"""ask_vs_oxigraph also fails when our p99 latency is above this."""
ENGINES = ("oxigraph", "virtuoso")
"""The established stores that `peacekg publish` and `serve --backend` are measured against."""
ONE_CLIENT = {"PEACEKG_CLIENT_SECONDS": "1e9"}
"""For a server that the harness alone asks, one query after another: the share of query time
one client may spend (60 s a minute, then 429) would stop it, and is not what is measured."""
ONE_LOADER = {**ONE_CLIENT, "PEACEKG_CLIENT_QUERIES": "4096"}
"""For a server that wrk loads: all its connections come from 127.0.0.1, one client to the
per-client limits (5 queries in flight, then 429), which are not what is measured."""
HEAVY = 0.05
"""A query is heavy when its store answers it directly in this many seconds or more: the cost of
`serve --backend` is judged on those (on lighter ones its fixed cost per request dominates)."""


@dataclass(frozen=True)
class Mode:
    """How big and how careful a run is."""

    name: str
    articles: int
    runs: int
    """Measured runs per figure (after `warmup` unmeasured ones)."""
    warmup: int
    query_cap: float
    """Seconds a query may take at the endpoint before it is left out of the query measures."""
    rdflib_cap: float
    rdflib_slow: float
    """An rdflib run slower than this is not repeated (its one run is the figure)."""
    build_timeout: float
    ask_requests: int
    scaling_seconds: float
    scaling_rounds: int
    rss_triples: int
    """Triples in the RSS store; 0: ten times the corpus."""
    rss_seconds: float
    publish_timeout: float
    """Seconds one `peacekg publish` may take before it is stopped (a bound, FAIL)."""
    wrk_seconds: float
    """Seconds of each wrk run against Oxigraph server and against us."""
    steady_seconds: float
    """Seconds each side of a query measured one request after another is measured for at
    least (a light query runs many more than `runs` times: `interleaved`)."""
    measures: tuple[str, ...] = MEASURES


MODES = {
    "full": Mode(
        name="full",
        articles=10_000,
        runs=5,
        warmup=1,
        query_cap=60.0,
        rdflib_cap=30.0,
        rdflib_slow=10.0,
        build_timeout=480.0,
        ask_requests=400,
        scaling_seconds=8.0,
        scaling_rounds=3,
        rss_triples=10_000_000,
        rss_seconds=60.0,
        publish_timeout=1800.0,
        wrk_seconds=10.0,
        steady_seconds=2.0,
    ),
    "quick": Mode(
        name="quick",
        articles=500,
        runs=3,
        warmup=1,
        query_cap=20.0,
        rdflib_cap=10.0,
        rdflib_slow=5.0,
        build_timeout=120.0,
        ask_requests=200,
        scaling_seconds=5.0,
        scaling_rounds=3,
        rss_triples=0,  # 10 x the corpus instead
        rss_seconds=15.0,
        publish_timeout=300.0,
        wrk_seconds=5.0,
        steady_seconds=1.0,
    ),
    "smoke": Mode(
        name="smoke",
        articles=20,
        runs=2,
        warmup=1,
        query_cap=10.0,
        rdflib_cap=5.0,
        rdflib_slow=2.0,
        build_timeout=60.0,
        ask_requests=20,
        scaling_seconds=1.0,
        scaling_rounds=1,
        rss_triples=0,
        rss_seconds=2.0,
        publish_timeout=120.0,
        wrk_seconds=2.0,
        steady_seconds=0.0,
        measures=("endpoint_vs_native", "ask_vs_hello"),
    ),
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- results


@dataclass
class Result:
    name: str
    value: float | None
    baseline: float | None
    ratio: float | None
    goal: str
    passed: bool | None
    unit: str = "s"
    """Unit of value and baseline."""
    title: str = ""
    note: str = ""
    details: Any = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["pass"] = data.pop("passed")
        return data


def judge(
    name: str,
    value: float | None,
    baseline: float | None,
    unit: str = "s",
    note: str = "",
    details: Any = None,
    bound: str = "",
) -> Result:
    """A Result with its ratio and verdict. `bound` is '>' or '<' when the ratio is only a bound
    (a run stopped at its cap): it passes only if the bound itself meets the goal."""
    op, limit, title = GOALS[name]
    ratio = value / baseline if value is not None and baseline else None
    measured = value if name in ABSOLUTE else ratio
    passed = None
    if measured is not None and name not in REPORTED:
        passed = measured <= limit if op == "<=" else measured >= limit
        if bound == ">" and op == "<=":
            passed = False
    goal = _goal(name)
    if bound:
        note = (note + "; " if note else "") + f"ratio is a bound ({bound}): a run hit its cap"
    return Result(name, value, baseline, ratio, goal, passed, unit, title, note, details)


def _goal(name: str) -> str:
    op, limit, _ = GOALS[name]
    goal = f"{op} {limit:g}" + (" MB" if name == "rss_serving" else "")
    return f"({goal}) reported" if name in REPORTED else goal


def skipped(name: str, why: str) -> Result:
    title = GOALS[name][2]
    return Result(name, None, None, None, _goal(name), None, title=title, note=f"skipped: {why}")


# ---------------------------------------------------------------- processes


class Processes:
    """Every child process the run starts, so all of them can be stopped, whatever happens."""

    def __init__(self) -> None:
        self.children: list[subprocess.Popen[bytes]] = []

    def start(self, args: list[str], log_path: Path, env: dict[str, str] | None = None) -> Any:
        handle = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(
            args,
            env={**os.environ, **(env or {})},
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log_handle = handle  # type: ignore[attr-defined]
        self.children.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        stop_group(process)
        if handle := getattr(process, "log_handle", None):
            handle.close()
        if process in self.children:
            self.children.remove(process)

    def stop_all(self) -> None:
        for process in list(self.children):
            self.stop(process)

    @contextlib.contextmanager
    def tracking(self) -> Iterator[Tracked]:
        """For a block that starts servers by `peacekg.endpoint.process.running`: yields the
        `started` callback to give it. The processes it sees are stopped with the others if the
        run is cut short, and forgotten when the block ends (`running` has stopped them)."""
        track = Tracked(self)
        try:
            yield track
        finally:
            for process in track.seen:
                with contextlib.suppress(ValueError):
                    self.children.remove(process)


@dataclass
class Tracked:
    """A `started` callback (see `Processes.tracking`): what it saw, in order."""

    processes: Processes
    seen: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __call__(self, process: subprocess.Popen[bytes]) -> None:
        self.seen.append(process)
        self.processes.children.append(process)


PROCESSES = Processes()


def _tree(pid: int) -> list[int]:
    """pid and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _rounded(seconds: dict[str, float]) -> dict[str, float]:
    """A build's stage profile, to the tenth of a second."""
    return {name: round(value, 1) for name, value in seconds.items()}


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process tree."""
    total = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _machine_busy_seconds() -> float:
    """CPU time all processes on the machine have used (user, nice, system, irq, steal)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class MemoryWatch:
    """Samples the RSS (and PSS) of a process tree from /proc while a block runs."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval = pid, interval
        self.peak_rss_kb = self.peak_pss_kb = 0
        self.peak_processes = 0
        self.per_process_peak: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        tick = 0
        while not self._stop.is_set():
            pids = _tree(self.pid)
            rss = {p: _status_kb(p, "VmRSS") for p in pids}
            self.peak_rss_kb = max(self.peak_rss_kb, sum(rss.values()))
            self.peak_processes = max(self.peak_processes, sum(1 for v in rss.values() if v))
            for p, v in rss.items():
                self.per_process_peak[p] = max(self.per_process_peak.get(p, 0), v)
            if tick % 5 == 0:
                self.peak_pss_kb = max(self.peak_pss_kb, sum(_pss_kb(p) for p in pids))
            tick += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def run_task(
    args: list[str], log_path: Path, timeout: float, env: dict[str, str] | None = None
) -> tuple[dict[str, Any] | None, float, MemoryWatch]:
    """Run `tasks.py ARGS` with a deadline; (its JSON result or None if it overran or failed,
    wall seconds, memory of its process tree)."""
    started = time.perf_counter()
    scratch = log_path.parent / "tmp"  # a killed build leaves HermiT's files: keep them here
    scratch.mkdir(exist_ok=True)
    env = {"TMPDIR": str(scratch), **(env or {})}
    process = PROCESSES.start([PYTHON, str(BENCH / "tasks.py"), *args], log_path, env)
    with MemoryWatch(process.pid, 0.5) as memory:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            log(f"{args[0]} overran {timeout:g}s; stopping it")
        finally:
            seconds = time.perf_counter() - started
            code = process.poll()
            PROCESSES.stop(process)
    if code != 0:
        if code is not None:
            log(f"{args[0]} failed (exit {code}); see {log_path}")
        return None, seconds, memory
    for line in reversed(log_path.read_text(errors="replace").splitlines()):
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :]), seconds, memory
    return None, seconds, memory


# ---------------------------------------------------------------- servers and clients


def _tail(path: Path, lines: int = 20) -> list[str]:
    """The end of a child's log, kept in results.json: the work directory is deleted."""
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace").splitlines()[-lines:]
    return []


@contextlib.contextmanager
def server(args: list[str], log_path: Path, env: dict[str, str] | None = None) -> Iterator[Any]:
    """A real server on 127.0.0.1 and a free port until the block ends; yields (base, pid).

    `args` is the command with {port} where the port goes."""
    with (
        PROCESSES.tracking() as track,
        running(args, log_path, env, started=track, timeout=START_TIMEOUT) as launched,
    ):
        yield launched.base, launched.process.pid


def peacekg_server(
    corpus: Path,
    build_dir: Path,
    log_path: Path,
    workers: int,
    timeout: float,
    rows: int | None,
    backend: str | None = None,
    env: dict[str, str] | None = None,
) -> contextlib.AbstractContextManager[Any]:
    """`peacekg serve` over the build directory's release; with `backend`, in front of that
    SPARQL store (`--backend URL`); `env`: more PEACEKG_* settings."""
    args = [
        str(PEACEKG),
        "--build-dir",
        str(build_dir),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        *(("--backend", backend) if backend else ()),
    ]
    settings = {"PEACEKG_ROOT": str(corpus), **(env or {})}
    if rows is not None:
        settings["PEACEKG_ROW_LIMIT"] = str(rows)
    return server(args, log_path, settings)


class _Connection(http.client.HTTPConnection):
    """TCP_NODELAY, as curl and most HTTP clients set it: http.client sends a POST's headers
    and body in two writes, and Nagle's algorithm would hold the second for milliseconds."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Client:
    """One keep-alive HTTP connection, as a script or a notebook would hold one."""

    def __init__(self, base: str, timeout: float = 600, source: str | None = None) -> None:
        """`source`: the client's own address (127.0.0.2, ...: a distinct client to the
        endpoint's per-client limits), else 127.0.0.1."""
        url = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = url.hostname or "", url.port or 80, timeout
        self.source = (source, 0) if source else None
        self.conn = self._connection()

    def _connection(self) -> _Connection:
        return _Connection(self.host, self.port, timeout=self.timeout, source_address=self.source)

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Any:
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read(), response
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = self._connection()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str) -> tuple[int, bytes]:
        status, data, _ = self._send("GET", path, None, {})
        return status, data

    def query(self, query: str, accept: str = JSON_RESULTS) -> tuple[int, bytes, int]:
        """POST the query, to be answered afresh (`no-cache`: what is measured is the query
        path, never the kept answers); (status, body, rows the server says it returned)."""
        status, data, response = self._send(
            "POST",
            "/sparql",
            query.encode("utf-8"),
            {
                "Content-Type": "application/sparql-query",
                "Accept": accept,
                "Cache-Control": "no-cache",
            },
        )
        return status, data, int(response.getheader("X-Result-Rows") or 0)

    def form(self, path: str, fields: list[tuple[str, str]], accept: str) -> tuple[int, bytes]:
        """POST an URL-encoded form, the request every SPARQL store reads."""
        body = urllib.parse.urlencode(fields).encode()
        form = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        status, data, _ = self._send("POST", path, body, form)
        return status, data

    def close(self) -> None:
        self.conn.close()


def _support(module: str) -> Any:
    """A module of the tests' support package (tests/support/), shared rather than copied:
    `stores` starts Oxigraph server and Virtuoso as the tests do, `backends` compares answers."""
    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.append(tests)
    return importlib.import_module(f"support.{module}")


@dataclass(frozen=True)
class Engine:
    """An established SPARQL store started for a block (see `engine`)."""

    name: str
    base: str
    pid: int
    query: str
    """Its SPARQL query endpoint."""
    publish: list[str]
    """`peacekg publish` options that reach it."""
    dialect: str
    """Its name among peacekg.endpoint.dialects.DIALECTS."""


@contextlib.contextmanager
def engine(name: str, directory: Path) -> Iterator[Engine]:
    """Oxigraph server or Virtuoso (tests/support/stores.py) over a new, empty store in
    `directory`, on loopback, for a block: how `peacekg publish` and `serve --backend` reach
    it. Virtuoso with the tests' settings (Debian's defaults) and their administrator."""
    stores = _support("stores")
    directory.mkdir(parents=True)
    with PROCESSES.tracking() as track:
        if name == "oxigraph":
            log_path = directory / "oxigraph.log"
            location = directory / "store"
            with stores.oxigraph_server(
                location, read_only=False, log=log_path, started=track
            ) as base:
                pid = track.seen[0].pid
                yield Engine(name, base, pid, f"{base}/query", ["--to", base], "oxigraph")
            return
        with stores.virtuoso_server(directory, started=track) as base:
            user, password = stores.VIRTUOSO_USER
            publish = [
                *("--to", f"{base}/sparql-auth"),
                *("--graph-store", f"{base}/sparql-graph-crud-auth"),
                *("--user", user, "--password", password),
            ]
            yield Engine(name, base, track.seen[0].pid, f"{base}/sparql", publish, "virtuoso")


@dataclass(frozen=True)
class Published:
    """One `peacekg publish` as the benchmark ran it (see tasks.task_publish)."""

    route: str
    """gsp (the Graph Store Protocol) or update (SPARQL Update)."""
    result: dict[str, Any] | None
    """What the task said; None: it failed or overran its budget."""
    wall: float
    store_cpu: float
    """CPU seconds the store's process used meanwhile."""
    said: str
    """Its summary line, or its error."""
    log: Path

    def details(self) -> dict[str, Any]:
        if self.result is None:
            return {"seconds": self.wall, "said": self.said, "log_tail": _tail(self.log, 5)}
        return {**self.result, "store_cpu_s": self.store_cpu}


def _error(log_path: Path) -> str:
    """The error a failed `peacekg publish` ended with (its last `error:` line)."""
    lines = [line for line in _tail(log_path, 50) if line.lower().startswith("error")]
    return lines[-1] if lines else f"no error line; see {log_path.name}"


def _answer(body: bytes) -> tuple[Any, int]:
    """A SPARQL JSON answer as the tests compare answers (support.backends.rows: the set of
    rows, blank nodes only as blank), with its number of rows."""
    data = json.loads(body)
    count = len(data["results"]["bindings"]) if "results" in data else 1
    return _support("backends").rows(body), count


def _words(body: bytes) -> str:
    """The start of an error message, on one line."""
    return " ".join(body.decode("utf-8", "replace").split())[:200]


def interleaved(
    calls: dict[str, Callable[[], Any]], pair: tuple[str, str], mode: Mode
) -> tuple[dict[str, list[float]], str | None]:
    """Seconds of each call per run, after `mode.warmup` runs: `mode.runs` of them, and more
    (up to MOST_RUNS) until each of `pair` has been measured for `mode.steady_seconds`, so
    that a light query's median is its steady state, not its first few answers (caches
    filling, a query prepared after its first runs), on either side. The two of `pair`
    alternate which goes first, so that a busy neighbour slows both alike; any others follow.
    Each call returns its status first. Also the first failure, "HTTP status (call) in run i"."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    failed = None
    others = [name for name in calls if name not in pair]
    i = 0
    while not _enough(times, pair, mode):
        for name in [*(pair if i % 2 == 0 else pair[::-1]), *others]:
            started = time.perf_counter()
            status = calls[name]()[0]
            if status != 200 and failed is None:
                failed = f"HTTP {status} ({name}) in run {i}"
            if i >= mode.warmup:
                times[name].append(time.perf_counter() - started)
        i += 1
    return times, failed


def _runs(mode: Mode) -> str:
    """How `interleaved` measured, for a note."""
    return (
        f"each query {mode.runs} to {MOST_RUNS} runs, until {mode.steady_seconds:g} s a side, "
        f"after {mode.warmup} warm-up"
    )


def _enough(times: dict[str, list[float]], pair: tuple[str, str], mode: Mode) -> bool:
    runs = len(times[pair[0]])
    if runs < mode.runs:
        return False
    return runs >= MOST_RUNS or all(sum(times[name]) >= mode.steady_seconds for name in pair)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


# ---------------------------------------------------------------- the corpus


@dataclass
class Query:
    name: str
    text: str
    note: str = ""


@dataclass
class Corpus:
    root: Path
    build_dir: Path
    """Where the served graph is (build/current, or the fallback's layout)."""
    route: str
    """How the served graph was made."""
    triples: int
    dump: Path
    articles: int
    queries: list[Query] = field(default_factory=list)
    skipped_queries: list[str] = field(default_factory=list)

    @property
    def store(self) -> Path:
        return (self.build_dir / "current").resolve() / "store"


def _most_facts(root: Path) -> str:
    """The article with the most facts: what queries/claims-of-one-article.rq is pointed at."""
    best, best_count = "", -1
    for path in sorted((root / "mappings" / "articles").glob("*.yaml")):
        count = path.read_text(encoding="utf-8").count("\n- id: ")
        if count > best_count:
            best, best_count = path.stem, count
    return best


def example_queries(root: Path) -> tuple[list[Query], list[str]]:
    """queries/*.rq, run as given, except: SERVICE queries are left out (no network here), and
    a real article's IRI is replaced by a synthetic article's, so the query has rows."""
    article = f"{BASE_IRI}id/article/{_most_facts(root)}"
    queries, left_out = [], []
    for path in sorted((root / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bSERVICE\b", text, re.IGNORECASE):
            left_out.append(f"{path.stem}: uses SERVICE (federation needs the network)")
            continue
        swapped = re.sub(rf"<{re.escape(BASE_IRI)}id/article/[^>]+>", f"<{article}>", text)
        note = "article IRI replaced by a synthetic article's" if swapped != text else ""
        queries.append(Query(path.stem, swapped, note))
    return queries, left_out


def counted(query: str) -> str:
    """The query wrapped in COUNT: the engine does all the work, the answer is one row, so
    throughput measures query evaluation rather than moving bytes."""
    lines = query.splitlines()
    head = 0
    while head < len(lines) and re.match(r"^\s*(#|PREFIX\b|BASE\b|$)", lines[head], re.I):
        head += 1
    prologue, body = "\n".join(lines[:head]), "\n".join(lines[head:])
    return f"{prologue}\nSELECT (COUNT(*) AS ?benchRows) WHERE {{ {{\n{body}\n}} }}"


# ---------------------------------------------------------------- the run


class Bench:
    def __init__(self, mode: Mode, args: argparse.Namespace, work: Path) -> None:
        self.mode, self.args, self.work = mode, args, work
        self.results: list[Result] = []
        self.notes: list[str] = []
        self.corpus: Corpus | None = None
        self.endpoint_medians: dict[str, float] = {}
        self.excluded: dict[str, str] = {}
        self.bulk_runs: list[float] = []
        """Store.bulk_load of the dump (seconds per run): measured once, used by several."""
        self.embedded: dict[str, tuple[Any, int] | str] = {}
        """Each example query's answer on the embedded store: (rows, row count), or why none."""

    def wanted(self, name: str) -> bool:
        return name in self.measures

    @property
    def measures(self) -> tuple[str, ...]:
        if self.args.only:
            return tuple(m for m in MEASURES if m in self.args.only)
        return self.mode.measures

    def add(self, result: Result) -> None:
        self.results.append(result)
        shown = f"{result.ratio:.3g}" if result.ratio is not None else "-"
        if result.name == "rss_serving" and result.value is not None:
            shown = f"{result.value:.0f} MB"
        verdict = {True: "pass", False: "FAIL", None: "-"}[result.passed]
        log(f"{result.name}: {shown} (goal {result.goal}) {verdict} {result.note}")

    # ---- corpus, build

    def prepare(self) -> None:
        """Generate (or reuse) the corpus, build it with build() (timed, within a budget) and
        measure what needs the build: bulk_load of its dump, and the one-article rebuild."""
        mode, args = self.mode, self.args
        building = any(
            self.wanted(m) for m in ("build_vs_bulk_load", "rebuild_vs_build", "swap_failures")
        )
        if args.corpus and not building:
            root = args.corpus.resolve()
            log(f"using the corpus at {root}")
        elif args.corpus:  # the rebuild changes an article: work on a copy
            root = self.work / "corpus"
            log(f"copying the corpus at {args.corpus} (the rebuild changes one article)")
            shutil.copytree(args.corpus, root, ignore=shutil.ignore_patterns("build"))
        else:
            root = self.work / "corpus"
            log(f"generating {mode.articles} articles (seed {args.seed})")
            profile = generate.load_profile()
            facts, _, _ = generate.calibrate(profile, 100.0, args.seed)
            generate.generate(root, mode.articles, args.seed, facts, profile)
            log(f"generated: {facts:.2f} facts/article")
        articles = sum(1 for _ in (root / "mappings" / "articles").glob("*.yaml"))
        timeout = args.build_timeout or mode.build_timeout
        build_dir, built, route = self.work / "build", None, "build()"
        if building:
            log(f"build(): full build of the corpus (time budget {timeout:g}s)")
            built = run_task(["build", str(root), str(build_dir)], self.work / "build.log", timeout)
            if built[0] is not None:
                log(f"build() took {built[0]['seconds']:.1f}s for {built[0]['quads']} quads")
        elif args.corpus and (root / "build" / "current").exists():
            build_dir, built = root / "build", ({}, 0.0, None)
            route = "the corpus's existing build (build/current)"
        if built is None or built[0] is None:
            build_dir = self.work / "assembled"
            log("laying out the graph without build(): map + reason, no HermiT/SHACL")
            result, seconds, _ = run_task(
                ["assemble", str(root), str(build_dir)], self.work / "assemble.log", 1800
            )
            if result is None:
                raise RuntimeError(f"could not assemble the corpus; see {self.work}/assemble.log")
            why = "did not finish in its time budget" if building else "was not run"
            route = f"map + reason only, without the HermiT and SHACL checks (build() {why})"
            self.notes.append(f"served graph: {route}; took {seconds:.0f}s")
        release = (build_dir / "current").resolve()
        manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
        queries, left_out = example_queries(root)
        self.corpus = Corpus(
            root,
            build_dir,
            route,
            int(manifest["quads"]),
            release / "dumps" / "peacekg.nq.gz",
            articles,
            queries,
            left_out,
        )
        log(f"corpus: {articles} articles, {self.corpus.triples} triples; served via {route}")
        if built is not None and self.wanted("build_vs_bulk_load"):
            self.measure_build(built, timeout)
        if built is not None and self.wanted("rebuild_vs_build"):
            if built[0] is None:
                self.add(skipped("rebuild_vs_build", "no full build to rebuild"))
            else:
                self.measure_rebuild(root, build_dir, built[0]["seconds"], timeout)

    def measure_build(self, built: tuple[Any, float, Any], timeout: float) -> None:
        """build() (already run) against bulk_load of the same quads. A build that overran is
        reported with its budget as a lower bound, against the bulk_load of the fallback's dump
        (the same triples)."""
        assert self.corpus
        result, wall, memory = built
        bulk = self.bulk_load_runs()
        details = {
            "quads": self.corpus.triples,
            "build_peak_rss_mb": round(memory.peak_rss_kb / 1024),
            "bulk_load_runs": bulk,
        }
        note = f"build(): 1 run; bulk_load: median of {len(bulk)} after {self.mode.warmup} warm-up"
        if result is None:
            what = "did not finish" if wall >= timeout else "FAILED (its log is in the details)"
            note = f"build() {what} within {timeout:g}s (ran {wall:.0f}s); " + note
            details["build_log_tail"] = _tail(self.work / "build.log")
            self.add(
                judge("build_vs_bulk_load", wall, statistics.median(bulk), "s", note, details, ">")
            )
            self.results[-1].passed = False
            return
        details["build_seconds"] = result["seconds"]
        details["stages_s"] = _rounded(result["stages"])
        self.add(
            judge(
                "build_vs_bulk_load", result["seconds"], statistics.median(bulk), "s", note, details
            )
        )

    def bulk_load_runs(self) -> list[float]:
        """pyoxigraph Store.bulk_load of the release's dump into a fresh store, seconds per run
        (the data is read and decompressed beforehand; only the load and flush are timed)."""
        from pyoxigraph import RdfFormat, Store

        assert self.corpus
        if self.bulk_runs:
            return self.bulk_runs
        data = gzip.decompress(self.corpus.dump.read_bytes())
        times = []
        for i in progress(range(self.mode.warmup + self.mode.runs), desc="bulk_load"):
            target = Path(tempfile.mkdtemp(prefix="bulk-", dir=self.work))
            store = Store(str(target))
            seconds = timed(lambda s=store: (s.bulk_load(data, RdfFormat.N_QUADS), s.flush()))
            del store
            shutil.rmtree(target, ignore_errors=True)
            if i >= self.mode.warmup:
                times.append(seconds)
        self.bulk_runs = times
        return times

    def measure_rebuild(self, root: Path, build_dir: Path, full: float, timeout: float) -> None:
        """REBUILDS one-article rebuilds, each after changing another article (text and
        mapping); their median against the one full build. One rebuild alone swung by a fifth
        from run to run on this machine: the median of three is the figure, all three shown."""
        corpus_articles = sorted((root / "mappings" / "articles").glob("*.yaml"))
        middle = len(corpus_articles) // 2
        # A rebuild is at most a full build again: stop one that takes longer than that.
        budget = min(timeout, max(60.0, 1.2 * full))
        runs: list[dict[str, Any]] = []
        for target in (a.stem for a in corpus_articles[middle : middle + REBUILDS]):
            tag = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S%f")
            generate.touch_article(root, target, tag)
            log(f"rebuild after changing {target} (text + mapping; time budget {budget:.0f}s)")
            result, wall, _ = run_task(
                ["build", str(root), str(build_dir)], self.work / "rebuild.log", budget
            )
            if result is None:
                what = "did not finish" if wall >= budget else "FAILED (its log is in the details)"
                note = f"rebuild {what} within {budget:.0f}s; changed article {target}"
                tail = {"rebuild_log_tail": _tail(self.work / "rebuild.log")}
                self.add(judge("rebuild_vs_build", wall, full, "s", note, tail, ">"))
                self.results[-1].passed = False
                return
            runs.append(result | {"article": target})
        median = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
        seconds = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        self.add(
            judge(
                "rebuild_vs_build",
                median["seconds"],
                full,
                note=f"median of {len(runs)} rebuilds ({seconds} s), each of one changed "
                "article; 1 full build",
                details={
                    "rebuilds": [
                        {"article": r["article"], "seconds": round(r["seconds"], 2)} for r in runs
                    ],
                    "checked_articles": median["checked"],
                    "quads": median["quads"],
                    "stages_s": _rounded(median["stages"]),
                },
            )
        )

    def serve(
        self,
        log_name: str,
        *,
        workers: int = 2,
        rows: int | None = 10**12,
        timeout: float | None = None,
        build_dir: Path | None = None,
        backend: str | None = None,
        env: dict[str, str] | None = None,
    ) -> contextlib.AbstractContextManager[Any]:
        """`peacekg serve` over the corpus's release (peacekg_server), its log in the work
        directory; by default 2 workers, the query cap as timeout, the row limit lifted."""
        assert self.corpus
        return peacekg_server(
            self.corpus.root,
            build_dir or self.corpus.build_dir,
            self.work / log_name,
            workers=workers,
            timeout=self.mode.query_cap if timeout is None else timeout,
            rows=rows,
            backend=backend,
            env=env,
        )

    # ---- queries: endpoint, native, rdflib

    def probe(self, base: str) -> None:
        """One run of each query at the endpoint, with the server's timeout set to the cap: a
        query slower than that at this scale is left out of the query measures (and named)."""
        assert self.corpus
        client = Client(base)
        for query in progress(self.corpus.queries, desc="probe"):
            started = time.perf_counter()
            status, _, rows = client.query(query.text)
            seconds = time.perf_counter() - started
            if status != 200:
                self.excluded[query.name] = (
                    f"over {self.mode.query_cap:g}s at the endpoint (HTTP {status})"
                )
            log(f"probe {query.name}: {seconds:.3f}s, {rows} rows, HTTP {status}")
        client.close()

    def measure_queries(self) -> None:
        assert self.corpus
        corpus, mode = self.corpus, self.mode
        from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store

        log("endpoint vs native: row limit lifted, so both return every row")
        with self.serve("server-queries.log") as (base, _pid):
            self.probe(base)
            store = Store.read_only(str(corpus.store))
            client = Client(base)
            details = []
            included = [q for q in corpus.queries if q.name not in self.excluded]

            def native(store: Store, text: str) -> None:
                result = store.query(text, use_default_graph_as_union=True)
                if isinstance(result, QuerySolutions | QueryBoolean):
                    result.serialize(format=QueryResultsFormat.JSON)
                else:
                    result.serialize(format=RdfFormat.N_TRIPLES)

            for query in progress(included, desc="endpoint vs native"):
                ours, theirs = [], []
                rows = 0
                for i in range(mode.warmup + mode.runs):  # interleaved: same load on both
                    t_native = timed(lambda q=query: native(store, q.text))
                    started = time.perf_counter()
                    status, _body, rows = client.query(query.text)
                    t_endpoint = time.perf_counter() - started
                    if status != 200:
                        self.excluded[query.name] = f"HTTP {status} from the endpoint in run {i}"
                        break
                    if i >= mode.warmup:
                        theirs.append(t_native)
                        ours.append(t_endpoint)
                if query.name in self.excluded:
                    continue
                self.endpoint_medians[query.name] = statistics.median(ours)
                details.append(
                    {
                        "query": query.name,
                        "endpoint_s": statistics.median(ours),
                        "native_s": statistics.median(theirs),
                        "ratio": statistics.median(ours) / statistics.median(theirs),
                        "rows": rows,
                        "note": query.note,
                    }
                )
            client.close()
        if self.wanted("endpoint_vs_native"):
            endpoint = sum(d["endpoint_s"] for d in details)
            native_total = sum(d["native_s"] for d in details)
            geo = math.exp(statistics.fmean(math.log(d["ratio"]) for d in details))
            self.add(
                judge(
                    "endpoint_vs_native",
                    endpoint,
                    native_total,
                    note=f"sum of per-query medians over {len(details)} queries "
                    f"(median of {mode.runs} after {mode.warmup} warm-up); "
                    f"geometric mean of per-query ratios {geo:.2f}",
                    details=self._query_details(details),
                )
            )
        if self.wanted("rdflib_vs_endpoint"):
            self.measure_rdflib()

    def _query_details(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        assert self.corpus
        return {
            "queries": rows,
            "left_out": [f"{k}: {v}" for k, v in self.excluded.items()]
            + self.corpus.skipped_queries,
        }

    def measure_rdflib(self) -> None:
        assert self.corpus
        mode = self.mode
        included = [q for q in self.corpus.queries if q.name in self.endpoint_medians]
        # A query stopped at the cap makes the ratio a lower bound. The cap is at least the
        # goal times the endpoint's time for the whole set, so that a stopped run decides the
        # goal (rdflib already took longer than the goal allows) instead of leaving it open.
        _, goal, _ = GOALS["rdflib_vs_endpoint"]
        endpoint_total = sum(self.endpoint_medians[q.name] for q in included)
        cap = max(mode.rdflib_cap, goal * endpoint_total)
        jobs = {
            "queries": [{"name": q.name, "query": q.text} for q in included],
            "warmup": mode.warmup,
            "runs": mode.runs,
            "cap": cap,
            "slow": mode.rdflib_slow,
        }
        jobs_path = self.work / "rdflib-jobs.json"
        jobs_path.write_text(json.dumps(jobs), encoding="utf-8")
        budget = 600.0 + len(included) * (mode.warmup + mode.runs) * cap
        log(f"rdflib: loading the dump and running {len(included)} queries")
        result, _, memory = run_task(
            ["rdflib", str(self.corpus.dump), str(jobs_path)], self.work / "rdflib.log", budget
        )
        if result is None:
            self.add(skipped("rdflib_vs_endpoint", f"rdflib task failed; see {self.work}"))
            return
        details, bound = [], ""
        for row in result["queries"]:
            ours = self.endpoint_medians[row["name"]]
            details.append(
                {
                    "query": row["name"],
                    "rdflib_s": row["seconds"],
                    "endpoint_s": ours,
                    "ratio": row["seconds"] / ours,
                    "rdflib_runs": row["runs"],
                    "capped": row["overrun"],
                    "rows": row["rows"],
                }
            )
            bound = bound or (">" if row["overrun"] else "")
        rdflib_total = sum(d["rdflib_s"] for d in details)
        endpoint_total = sum(d["endpoint_s"] for d in details)
        geo = math.exp(statistics.fmean(math.log(d["ratio"]) for d in details))
        self.add(
            judge(
                "rdflib_vs_endpoint",
                rdflib_total,
                endpoint_total,
                note=f"sum of per-query medians; a run is stopped after {cap:.0f}s; "
                f"rdflib load {result['load_seconds']:.0f}s, "
                f"peak RSS {memory.peak_rss_kb / 1024:.0f} MB (not in the ratio); "
                f"geometric mean of per-query ratios {geo:.1f}",
                details=self._query_details(details),
                bound=bound,
            )
        )

    # ---- HTTP floor

    def measure_ask(self) -> None:
        assert self.corpus
        threads = ServerSettings().threads
        mode = self.mode
        log(f"trivial ASK vs bare Flask hello (waitress, {threads} threads)")
        hello_args = [PYTHON, str(BENCH / "tasks.py"), "hello", "{port}", str(threads)]
        with (
            self.serve("server-ask.log", rows=None) as (ours_base, _),
            server(hello_args, self.work / "hello.log") as (hello_base, _),
        ):
            ours, hello = Client(ours_base), Client(hello_base)
            ask = "/sparql?" + urllib.parse.urlencode({"query": "ASK {}", "format": "json"})
            ours_times, hello_times, health_times = [], [], []
            warm = max(10, mode.ask_requests // 10)
            afresh = {"Cache-Control": "no-cache"}  # the query path, not the kept answer
            for i in progress(range(warm + mode.ask_requests), desc="ASK vs hello"):
                t_ours = timed(lambda: ours._send("GET", ask, None, afresh))
                t_hello = timed(lambda: hello.get("/"))
                # our app without a query: splits the gap into app and query path
                t_health = timed(lambda: ours.get("/health"))
                if i >= warm:
                    ours_times.append(t_ours)
                    hello_times.append(t_hello)
                    health_times.append(t_health)
            status, body = ours.get(ask)
            if status != 200 or b"true" not in body:
                raise RuntimeError(f"ASK {{}} answered {status}: {body[:200]!r}")
            ours.close()
            hello.close()
        self.add(
            judge(
                "ask_vs_hello",
                statistics.median(ours_times),
                statistics.median(hello_times),
                note=f"median latency of {mode.ask_requests} sequential keep-alive requests "
                f"each, interleaved, after {warm} warm-up, ours with no-cache; our /health "
                f"(through the app, no query) {statistics.median(health_times) * 1000:.2f} ms; "
                "the ASK, prepared by its first run, is run again by the front without the "
                "app (web.prepared)",
                details={
                    "ask_p90_s": statistics.quantiles(ours_times, n=10)[-1],
                    "hello_p90_s": statistics.quantiles(hello_times, n=10)[-1],
                    "our_health_s": statistics.median(health_times),
                    "threads": threads,
                },
            )
        )

    # ---- throughput with 1 and 2 workers

    def load(
        self, base: str, queries: list[str], clients: int, seconds: float
    ) -> tuple[int, int, float]:
        """`clients` threads send `queries` round-robin for `seconds`: (ok, errors, elapsed).
        Each thread is its own client (address 127.0.0.N), as several users would be: one
        address may hold only its share of the workers (endpoint.fairness)."""
        stop = threading.Event()
        counts = {"ok": 0, "errors": 0}
        lock = threading.Lock()

        def client_loop(offset: int) -> None:
            client = Client(base, source=f"127.0.0.{2 + offset}")
            i = offset
            while not stop.is_set():
                try:
                    status, _, _ = client.query(queries[i % len(queries)])
                except OSError:
                    status = 0
                with lock:
                    counts["ok" if status == 200 else "errors"] += 1
                i += 1
            client.close()

        threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        stop.wait(seconds)
        stop.set()
        for thread in threads:
            thread.join(self.mode.query_cap + 30)
        return counts["ok"], counts["errors"], time.perf_counter() - started

    def measure_scaling(self) -> None:
        assert self.corpus
        mode = self.mode
        chosen = self._cpu_queries()
        texts = [counted(q.text) for q in chosen]
        clients = 4
        log(f"throughput, 1 vs 2 workers: {len(texts)} COUNT-wrapped queries, {clients} clients")
        rounds: dict[int, list[float]] = {1: [], 2: []}
        cores: dict[int, list[float]] = {1: [], 2: []}
        others: dict[int, list[float]] = {1: [], 2: []}
        errors = 0
        with (
            self.serve("server-w1.log", workers=1, rows=None) as (one, one_pid),
            self.serve("server-w2.log", rows=None) as (two, two_pid),
        ):
            for base in (one, two):  # warm-up: every query once per worker
                self.load(base, texts, 2, 0.01)
                client = Client(base)
                for text in texts * 2:
                    client.query(text)
                client.close()
            for _ in progress(range(mode.scaling_rounds), desc="workers 1 vs 2"):
                for workers, base, pid in ((1, one, one_pid), (2, two, two_pid)):
                    cpu, busy = _cpu_seconds(pid), _machine_busy_seconds()
                    ok, failed, elapsed = self.load(base, texts, clients, mode.scaling_seconds)
                    ours = _cpu_seconds(pid) - cpu
                    rounds[workers].append(ok / elapsed)
                    cores[workers].append(ours / elapsed)
                    others[workers].append((_machine_busy_seconds() - busy - ours) / elapsed)
                    errors += failed
        one_qps, two_qps = statistics.median(rounds[1]), statistics.median(rounds[2])
        self.add(
            judge(
                "workers_scaling",
                two_qps,
                one_qps,
                unit="queries/s",
                note=f"median of {mode.scaling_rounds} alternating rounds of "
                f"{mode.scaling_seconds:g}s, {clients} concurrent clients; "
                f"{os.cpu_count()} CPUs on the machine; the server got "
                f"{statistics.median(cores[1]):.2f} vs {statistics.median(cores[2]):.2f} cores, "
                f"while other processes (this harness's clients included) used "
                f"{statistics.median(others[1]):.2f} vs {statistics.median(others[2]):.2f}"
                + (f"; {errors} failed requests" if errors else ""),
                details={
                    "queries": [q.name for q in chosen],
                    "qps_1_worker": rounds[1],
                    "qps_2_workers": rounds[2],
                    "cores_used_1_worker": cores[1],
                    "cores_used_2_workers": cores[2],
                    "cores_used_by_others_1_worker": others[1],
                    "cores_used_by_others_2_workers": others[2],
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                },
            )
        )

    def _cpu_queries(self) -> list[Query]:
        """The example queries that keep a worker busy (>= 20 ms), else the slowest ones."""
        assert self.corpus
        timed_queries = [
            (self.endpoint_medians.get(q.name, 0.0), q)
            for q in self.corpus.queries
            if q.name not in self.excluded
        ]
        timed_queries.sort(key=lambda pair: -pair[0])
        busy = [q for t, q in timed_queries if 0.02 <= t <= self.mode.query_cap / 4]
        return busy or [q for _, q in timed_queries[:3]]

    # ---- memory at research scale

    def measure_rss(self) -> None:
        """Peak RSS of `peacekg serve` (server + workers) over a store of ~10M triples, under a
        query load. Copies of the built dump, their claim, mention and article IRIs and graph
        names renamed per copy (the registry and ontology shared), are bulk-loaded into a store
        laid out as a release, and served as a built graph is."""
        assert self.corpus
        from pyoxigraph import RdfFormat, Store

        mode = self.mode
        target = mode.rss_triples or 10 * self.corpus.triples
        data = gzip.decompress(self.corpus.dump.read_bytes())
        copies = max(1, math.ceil(target / (self.corpus.triples * 0.95)))
        build_dir = self.work / "rss-build"
        store_dir = build_dir / "releases" / "rss" / "store"
        store_dir.mkdir(parents=True)
        log(f"RSS: bulk-loading {copies} renamed copies of the dump (target {target:,} triples)")
        store = Store(str(store_dir))
        renames = (b"/id/claim/", b"/id/mention/", b"/id/article/", b"/graph/article/")
        load_started = time.perf_counter()
        for copy_number in progress(range(copies), desc="RSS store"):
            chunk = data
            if copy_number:
                for old in renames:
                    chunk = chunk.replace(old, old + b"c%d-" % copy_number)
            store.bulk_load(chunk, RdfFormat.N_QUADS)
        store.flush()
        quads = len(store)
        del store, data
        load_seconds = time.perf_counter() - load_started
        result, _, _ = run_task(
            ["layout", str(store_dir), str(build_dir), str(quads)], self.work / "layout.log", 60
        )
        if result is None:
            raise RuntimeError("could not lay out the RSS release")
        queries = [q.text for q in self.corpus.queries]
        log(f"RSS: serving {quads:,} quads; {len(queries)} example queries, 4 clients")
        with self.serve("server-rss.log", build_dir=build_dir, timeout=30.0, rows=None) as (
            base,
            pid,
        ):
            idle_rss = sum(_status_kb(p, "VmRSS") for p in _tree(pid)) / 1024
            with MemoryWatch(pid) as memory:
                ok, failed, elapsed = self.load(base, queries, 4, mode.rss_seconds)
        shutil.rmtree(build_dir, ignore_errors=True)
        scale = (
            "the 10M-triple target"
            if mode.rss_triples
            else f"{mode.name} mode: 10 x its {self.corpus.triples:,}-triple corpus, not 10M"
        )
        self.add(
            judge(
                "rss_serving",
                memory.peak_rss_kb / 1024,
                None,
                unit="MB",
                note=f"{quads:,} quads ({scale}) from {copies} renamed copies of the dump, "
                f"bulk-loaded ({load_seconds:.0f}s) into a release served by `peacekg serve` "
                f"(2 workers, default limits); {ok} queries answered, {failed} failed/timed out "
                f"in {elapsed:.0f}s",
                details={
                    "quads": quads,
                    "copies": copies,
                    "idle_rss_mb": round(idle_rss),
                    "peak_pss_mb": round(memory.peak_pss_kb / 1024),
                    "processes": memory.peak_processes,
                    "per_process_peak_mb": sorted(
                        (round(v / 1024) for v in memory.per_process_peak.values() if v),
                        reverse=True,
                    ),
                    "route": "renamed copies of the built dump, bulk_load, release layout",
                },
            )
        )

    # ---- established stores: publish to them, serve in front of them

    def measure_engine(self, name: str) -> None:
        """Oxigraph server or Virtuoso over a new, empty store: `peacekg publish` the release
        into it by the Graph Store Protocol (timed; then again, nothing changed), then queries
        through `serve --backend` against the same queries sent to it directly. Should that
        publish fail, another new store is filled by SPARQL Update (`--protocol update`), timed
        too: the store is needed for the queries, and the figure says what the other route
        costs."""
        assert self.corpus
        publishing, backing = f"publish_{name}_vs_write", f"backend_{name}_vs_direct"
        wanted = [m for m in (publishing, backing) if self.wanted(m)]
        if not wanted:
            return
        stores = _support("stores")
        binary = stores.OXIGRAPH if name == "oxigraph" else stores.VIRTUOSO
        if not binary.exists():
            for measure in wanted:
                self.add(skipped(measure, f"{binary} is not there (make virtuoso; make install)"))
            return
        done = len(self.results)
        failed: Published | None = None
        try:
            for route in ("gsp", "update"):
                directory = self.work / f"{name}-{route}"
                with engine(name, directory) as store:
                    log(f"{name}: peacekg publish by {route} into a new store at {store.base}")
                    first = self.publish(store, route)
                    if first.result is None and route == "gsp":
                        failed = first
                    else:
                        repeat = self.publish(store, route, again=True) if first.result else None
                        size = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
                        if self.wanted(publishing):
                            self.add(self._published(publishing, first, repeat, failed, size / MB))
                        if self.wanted(backing) and first.result is None:
                            self.add(skipped(backing, "the store could not be filled"))
                        elif self.wanted(backing):
                            self.measure_backend(backing, store)
                if not self.args.workdir:
                    shutil.rmtree(directory, ignore_errors=True)
                if failed is not first:
                    break
        except (ServerStartError, subprocess.CalledProcessError) as exc:
            measured = {r.name for r in self.results[done:]}
            for measure in wanted:
                if measure not in measured:
                    self.add(skipped(measure, f"a server did not start: {exc}"))

    def publish(self, store: Engine, route: str, again: bool = False) -> Published:
        """`peacekg publish` of the served release to `store` by `route` (gsp: the Graph Store
        Protocol; update: SPARQL Update), in a child process with a time budget."""
        assert self.corpus
        label = f"{'republish' if again else 'publish'}-{store.name}-{route}"
        options = [
            *store.publish,
            *(("--protocol", "update") if route == "update" else ()),
            *(("--again",) if again else ()),
        ]
        cpu = _cpu_seconds(store.pid)
        log_path = self.work / f"{label}.log"
        result, wall, _ = run_task(
            ["publish", str(self.corpus.build_dir), *options],
            log_path,
            self.mode.publish_timeout,
            env={"PEACEKG_ROOT": str(self.corpus.root)},
        )
        said = result["said"] if result else _error(log_path)
        log(f"{label}: {wall:.1f}s: {said}")
        return Published(route, result, wall, _cpu_seconds(store.pid) - cpu, said, log_path)

    def _published(
        self,
        measure: str,
        first: Published,
        repeat: Published | None,
        failed: Published | None,
        size_mb: float,
    ) -> Result:
        bulk = self.bulk_load_runs()
        baseline = (
            f"baseline: Store.bulk_load of the release's N-Quads dump into a new store, median "
            f"of {len(bulk)} (the build writes its store in a process of its own, alongside "
            "validation, and does not time that write alone)"
        )
        route = {"gsp": "the Graph Store Protocol", "update": "SPARQL Update"}[first.route]
        gsp = ""
        if failed is not None:
            gsp = (
                f"FAIL: by the Graph Store Protocol, publish failed after {failed.wall:.0f}s "
                f"({failed.said}); the figures are those of SPARQL Update into another new "
                "store (--protocol update); "
            )
        details: dict[str, Any] = {
            "route": first.route,
            "bulk_load_runs": bulk,
            "graph_store_failed": failed.details() if failed else None,
        }
        result = first.result
        if result is None:
            what = "did not finish" if first.wall >= self.mode.publish_timeout else "failed"
            note = f"{gsp}by {route}, publish {what} ({first.said}); {baseline}"
            details["publish"] = first.details()
            judged = judge(measure, first.wall, statistics.median(bulk), "s", note, details, ">")
            judged.passed = False
            return judged
        profile = {kind: r["seconds"] for kind, r in result["requests"].items()}
        profile["publisher (read, canonicalise, hash)"] = result["publisher_s"]
        again = repeat.details() if repeat else None
        details |= {
            "publish": first.details(),
            "profile_s": _rounded(profile),
            "store_mb": round(size_mb),
            "repeat": again,
        }
        judged = judge(
            measure,
            result["seconds"],
            statistics.median(bulk),
            note=f"{gsp}1 run into a new, empty store by {route}: {first.said}; the publisher "
            f"used {result['cpu_seconds']:.1f} CPU-s, the store {first.store_cpu:.1f}; "
            f"{size_mb:.0f} MB on disk after; publish again, nothing changed: "
            + (f"{repeat.wall:.1f}s ({repeat.said})" if repeat else "not run")
            + f"; {baseline}",
            details=details,
        )
        if failed is not None:
            judged.passed = False
        return judged

    def embedded_answers(self) -> dict[str, tuple[Any, int] | str]:
        """Each example query's answer from `peacekg serve` over the release (row limit lifted,
        the query cap as its timeout), to tell a store's wrong answers from right ones: (rows,
        row count), or why there is none."""
        assert self.corpus
        if not self.embedded:
            with self.serve("server-reference.log", env=ONE_CLIENT) as (base, _pid):
                client = Client(base)
                for query in progress(self.corpus.queries, desc="reference answers"):
                    status, body, _ = client.query(query.text)
                    self.embedded[query.name] = (
                        _answer(body)
                        if status == 200
                        else f"no answer to check against: HTTP {status} from the embedded "
                        f"store (query cap {self.mode.query_cap:g}s)"
                    )
                client.close()
        return self.embedded

    def measure_backend(self, measure: str, store: Engine) -> None:
        """Each example query through `peacekg serve --backend` (row limit lifted; a keep-alive
        connection) against the same request sent to the store directly: the request RemotePool
        makes (our prefixes and the service's base IRI prepended, the same dataset and timeout
        parameters, JSON results), on a new connection each time as RemotePool sends it (on a
        kept one Virtuoso answers 60 kB and more ~40 ms late: delayed ACKs). Interleaved,
        alternating which goes first."""
        assert self.corpus
        from peacekg.config import Settings
        from peacekg.endpoint.dialects import DIALECTS
        from peacekg.endpoint.pool import QueryJob
        from peacekg.endpoint.remote import NTRIPLES, RemotePool
        from peacekg.endpoint.sparqltext import query_form
        from peacekg.namespaces import Namespaces

        corpus, mode = self.corpus, self.mode
        expected = self.embedded_answers()
        left_out = {q.name: e for q in corpus.queries if isinstance(e := expected[q.name], str)}
        queries = [q for q in corpus.queries if q.name not in {**self.excluded, **left_out}]
        prefixes = Namespaces(Settings.from_env(root=corpus.root).base_iri).prefixes()
        pool = RemotePool(store.query, mode.query_cap, prefixes, list, dialect=store.dialect)
        path = urllib.parse.urlsplit(store.query).path
        log(f"{store.name}: serve --backend vs the store directly, {len(queries)} queries")
        with self.serve(
            f"server-backend-{store.name}.log", backend=store.query, env=ONE_CLIENT
        ) as (front_base, _pid):
            front = Client(front_base)

            def direct(fields: list[tuple[str, str]], accept: str) -> tuple[int, bytes]:
                client = Client(store.base)
                try:
                    return client.form(path, fields, accept)
                finally:
                    client.close()

            def sides(query: Query) -> tuple[Callable[[], Any], Callable[[], Any]]:
                job = QueryJob(query.text, "json", None, base_iri=f"{front_base}/sparql")
                # the fields RemotePool sends, made by RemotePool: the two cannot drift apart
                fields = pool._form(job, DIALECTS[store.dialect])
                form = query_form(query.text)
                accept = NTRIPLES if form in ("CONSTRUCT", "DESCRIBE") else JSON_RESULTS
                return (lambda: front.query(query.text)), (lambda: direct(fields, accept))

            measured = []
            for query in progress(queries, desc=f"{store.name} probe"):
                ours, theirs = sides(query)
                (status, body, _), (direct_status, direct_body) = ours(), theirs()
                if status != 200:
                    left_out[query.name] = f"HTTP {status} through the front: {_words(body)}"
                elif direct_status != 200:
                    words = _words(direct_body)
                    left_out[query.name] = f"HTTP {direct_status} directly: {words}"
                elif (got := _answer(body)) != (reference := expected[query.name]):
                    left_out[query.name] = (
                        f"answers differently from the embedded store: {got[1]} rows, "
                        f"{len(got[0] - reference[0])} of them not among its {reference[1]}"
                    )
                else:
                    measured.append((query, ours, theirs, got[1]))
            details = []
            for query, ours, theirs, rows in progress(measured, desc=f"{store.name} vs direct"):
                calls = {"backend": ours, "direct": theirs}
                times, failed = interleaved(calls, ("backend", "direct"), mode)
                if failed:
                    left_out[query.name] = failed
                    continue
                backend_s, direct_s = (statistics.median(times[k]) for k in ("backend", "direct"))
                details.append(
                    {
                        "query": query.name,
                        "backend_s": backend_s,
                        "direct_s": direct_s,
                        "ratio": backend_s / direct_s,
                        "extra_ms": (backend_s - direct_s) * 1000,
                        "heavy": direct_s >= HEAVY,
                        "rows": rows,
                        "runs": len(times["direct"]),
                    }
                )
            front.close()
        self.add(self._fronted(measure, store, details, left_out))

    def _fronted(
        self, measure: str, store: Engine, details: list[dict[str, Any]], left_out: dict[str, str]
    ) -> Result:
        assert self.corpus
        listed = {
            "queries": details,
            "left_out": [f"{k}: {v}" for k, v in {**self.excluded, **left_out}.items()]
            + self.corpus.skipped_queries,
        }
        if not details:
            result = skipped(measure, f"no query answered right on {store.name}")
            result.details = listed
            return result
        heavy = [d for d in details if d["heavy"]]
        judged = heavy or details
        light = [d["extra_ms"] for d in details if not d["heavy"]]
        ours, theirs = sum(d["backend_s"] for d in details), sum(d["direct_s"] for d in details)
        which = (
            f"the {len(heavy)} heavy queries (>= {HEAVY * 1000:.0f} ms directly)"
            if heavy
            else f"all {len(details)} queries: none takes {HEAVY * 1000:.0f} ms directly at "
            "this size, so the front's fixed cost per request decides the ratio"
        )
        return judge(
            measure,
            sum(d["backend_s"] for d in judged),
            sum(d["direct_s"] for d in judged),
            note=f"sum of per-query medians ({_runs(self.mode)}) over {which}; all "
            f"{len(details)} queries: {ours / theirs:.3f} ({ours:.3f}s vs {theirs:.3f}s)"
            + (
                f"; a light query costs {statistics.median(light):.1f} ms more through the front "
                f"(median of {len(light)})"
                if light
                else ""
            )
            + (f"; left out: {', '.join(left_out)}" if left_out else ""),
            details=listed,
        )

    # ---- against Oxigraph's own server on a copy of the same store (issue #17, goals 1-4)

    def measure_versus(self) -> None:
        """Oxigraph server (`oxigraph serve-read-only --union-default-graph`, the `oxigraph`
        package) over a copy of the served release's store, beside `peacekg serve` over the
        release itself: the example queries one at a time, then load from wrk (a mid-size
        query, a trivial ASK, resource pages against DESCRIBE of the same IRIs)."""
        assert self.corpus
        wanted = [m for m in VERSUS if self.wanted(m)]
        if not wanted:
            return
        stores = _support("stores")
        if not stores.OXIGRAPH.exists():
            for measure in wanted:
                self.add(skipped(measure, f"{stores.OXIGRAPH} is not there (make install)"))
            return
        copy = self.work / "versus-store"
        shutil.copytree(self.corpus.store, copy)
        log("Oxigraph server and peacekg serve over the same store")
        try:
            with (
                PROCESSES.tracking() as track,
                stores.oxigraph_server(
                    copy,
                    read_only=True,
                    union_default_graph=True,
                    log=self.work / "versus-oxigraph.log",
                    started=track,
                ) as theirs,
                self.serve("versus-peacekg.log", env=ONE_LOADER) as (ours, _pid),
            ):
                if not self.endpoint_medians and not self.excluded:
                    self.probe(ours)  # what is too slow at this size, when no measure probed
                medians = {}  # the mid-size query is chosen by Oxigraph server's medians
                if self.wanted("queries_vs_oxigraph") or self.wanted("midsize_vs_oxigraph"):
                    medians = self._versus_queries(ours, theirs)
                if wrk.WRK is None:
                    for measure in wanted:
                        if measure != "queries_vs_oxigraph":
                            self.add(skipped(measure, "wrk is not installed (make wrk)"))
                    return
                if self.wanted("midsize_vs_oxigraph"):
                    self._versus_midsize(ours, theirs, medians)
                if self.wanted("ask_vs_oxigraph"):
                    accept = (("Accept", JSON_RESULTS),)
                    ask = wrk.Request("GET", "/sparql?query=ASK%7B%7D", accept)
                    direct = wrk.Request("GET", "/query?query=ASK%7B%7D", accept)
                    self._versus_rate("ask_vs_oxigraph", ours, [ask], theirs, [direct], 8)
                if self.wanted("pages_vs_describe"):
                    self._versus_pages(ours, theirs)
        finally:
            shutil.rmtree(copy, ignore_errors=True)

    def _versus_queries(self, ours: str, theirs: str) -> dict[str, float]:
        """queries_vs_oxigraph: each example query as JSON, POSTed to both over keep-alive
        connections, interleaved, either side first in turn; ours with `Cache-Control:
        no-cache`, so that each run is the query path (the kept answers are measured after, as
        a note). Returns Oxigraph server's median per query (to choose the mid-size one)."""
        assert self.corpus
        mode = self.mode
        queries = [q for q in self.corpus.queries if q.name not in self.excluded]
        fresh = {"Content-Type": "application/sparql-query", "Accept": JSON_RESULTS}
        fresh["Cache-Control"] = "no-cache"
        mine, other = Client(ours), Client(theirs)
        details, left_out, medians = [], {}, {}
        for query in progress(queries, desc="versus Oxigraph server"):
            body = query.text.encode()
            fields = [("query", query.text)]
            sides = {
                "ours": lambda b=body: mine._send("POST", "/sparql", b, fresh)[:2],
                "theirs": lambda f=fields: other.form("/query", f, JSON_RESULTS),
                "kept": lambda b=body: mine._send(
                    "POST", "/sparql", b, {k: v for k, v in fresh.items() if k != "Cache-Control"}
                )[:2],
            }
            times, failed = interleaved(sides, ("ours", "theirs"), mode)
            if failed:
                left_out[query.name] = failed
                continue
            ours_s, theirs_s, kept_s = (statistics.median(times[k]) for k in sides)
            medians[query.name] = theirs_s
            details.append(
                {
                    "query": query.name,
                    "ours_s": ours_s,
                    "theirs_s": theirs_s,
                    "ratio": ours_s / theirs_s,
                    "kept_s": kept_s,
                    "runs": len(times["ours"]),
                }
            )
        mine.close()
        other.close()
        if not self.wanted("queries_vs_oxigraph"):
            return medians
        if not details:
            self.add(skipped("queries_vs_oxigraph", f"no query answered: {left_out}"))
            return medians
        ours_sum = sum(d["ours_s"] for d in details)
        theirs_sum = sum(d["theirs_s"] for d in details)
        worst = max(details, key=lambda d: d["ratio"])
        kept = sum(d["kept_s"] for d in details)
        result = judge(
            "queries_vs_oxigraph",
            ours_sum,
            theirs_sum,
            note=f"sum of per-query medians ({_runs(mode)}), "
            f"{len(details)} queries, ours with Cache-Control: no-cache; the highest single "
            f"query {worst['query']} {worst['ratio']:.2f} (goal: none above {SINGLE_QUERY:g}); "
            f"answered from the kept answers (no no-cache): {kept:.3f}s, "
            f"{kept / theirs_sum:.3f} of Oxigraph server's; our server on "
            f"{ServerSettings.from_env().allocator or 'the system malloc'}, Oxigraph "
            "server on the system malloc, as shipped"
            + (f"; left out: {', '.join(left_out)}" if left_out else ""),
            details={
                "queries": details,
                "left_out": [f"{k}: {v}" for k, v in {**self.excluded, **left_out}.items()]
                + self.corpus.skipped_queries,
            },
        )
        if result.passed and worst["ratio"] > SINGLE_QUERY:
            result.passed = False
        self.add(result)
        return medians

    def _versus_midsize(self, ours: str, theirs: str, medians: dict[str, float]) -> None:
        """midsize_vs_oxigraph: the example query whose Oxigraph server median is nearest
        MIDSIZE seconds (among those of tens of ms), POSTed as it is."""
        assert self.corpus
        texts = {q.name: q.text for q in self.corpus.queries}
        near = [n for n, s in medians.items() if 0.01 <= s < 0.1] or [
            n for n in medians if medians[n] > 0
        ]
        if not near:  # none answered
            self.add(skipped("midsize_vs_oxigraph", "no example query answered"))
            return
        # the nearest of tens of ms; else (a small corpus, a busy machine) the nearest of all
        name = min(near, key=lambda n: abs(math.log(medians[n] / MIDSIZE)))
        # POSTed (SPARQL's direct POST): a long query in a URL is refused by some servers
        accept = (("Accept", JSON_RESULTS), ("Content-Type", "application/sparql-query"))
        mine = wrk.Request("POST", "/sparql", accept, texts[name])
        other = wrk.Request("POST", "/query", accept, texts[name])
        fresh = wrk.Request("POST", "/sparql", (*accept, ("Cache-Control", "no-cache")), mine.body)
        self._versus_rate(
            "midsize_vs_oxigraph",
            ours,
            [mine],
            theirs,
            [other],
            4,
            f"{name} ({medians[name] * 1000:.0f} ms on Oxigraph server), ",
            reported=("each run afresh (no-cache)", [fresh]),
        )

    def _versus_pages(self, ours: str, theirs: str) -> None:
        """pages_vs_describe: resource pages (what `/id/...` leads to) as HTML and as Turtle
        against Oxigraph server's DESCRIBE of the same IRIs as Turtle, PAGES IRIs in turn
        (persons, claims, articles, ...: every kind of resource that has a page)."""
        client = Client(theirs)
        pick = (
            "SELECT ?s WHERE { ?s a ?c "
            f'FILTER(STRSTARTS(STR(?s), "{BASE_IRI}id/")) }} ORDER BY MD5(STR(?s)) LIMIT {PAGES}'
        )
        status, body = client.form("/query", [("query", pick)], JSON_RESULTS)
        client.close()
        iris = sorted({b["s"]["value"] for b in json.loads(body)["results"]["bindings"]})
        if status != 200 or not iris:
            self.add(skipped("pages_vs_describe", f"no resources found (HTTP {status})"))
            return
        # the documents an IRI's 303 leads to (wrk follows no redirect): /page/... as HTML and
        # /data/....ttl; the redirect itself checks that the resource exists, a query each time
        paths = [iri[len(BASE_IRI) + len("id/") :] for iri in iris]
        pages = {
            "html": [wrk.Request("GET", f"/page/{p}", (("Accept", "text/html"),)) for p in paths],
            "turtle": [
                wrk.Request("GET", f"/data/{p}.ttl", (("Accept", "text/turtle"),)) for p in paths
            ],
        }
        describe = [
            wrk.Request(
                "GET",
                "/query?query=" + urllib.parse.quote(f"DESCRIBE <{iri}>", safe=""),
                (("Accept", "text/turtle"),),
            )
            for iri in iris
        ]
        self._versus_rate(
            "pages_vs_describe",
            ours,
            pages["html"],
            theirs,
            describe,
            8,
            "HTML pages, ",
            also=("Turtle", pages["turtle"]),
        )

    def _versus_rate(
        self,
        measure: str,
        ours: str,
        mine: list[wrk.Request],
        theirs: str,
        other: list[wrk.Request],
        connections: int,
        what: str = "",
        also: tuple[str, list[wrk.Request]] | None = None,
        reported: tuple[str, list[wrk.Request]] | None = None,
    ) -> None:
        """Requests a second from wrk with `connections`, ours ÷ Oxigraph server's, each side
        alone on the machine (the other idle), after WARM_SECONDS of each unmeasured (threads
        started, answers kept, caches filled, the last row's queries drained): ours, theirs,
        ours again, and the better of our two (both are in the details). `also`: another set of
        our requests, judged with the first by the lower rate; `reported`: one only reported.
        With p50 and p99 of each."""
        seconds = self.mode.wrk_seconds
        for base, requests in ((ours, mine), (theirs, other)):
            wrk.run(base, requests, connections, min(WARM_SECONDS, seconds))
        runs: dict[str, wrk.Load] = {}
        for side, base, requests in (
            ("ours", ours, mine),
            ("theirs", theirs, other),
            ("ours again", ours, mine),
            *(((f"ours, {also[0]}", ours, also[1]),) if also else ()),
            *(((f"ours, {reported[0]}", ours, reported[1]),) if reported else ()),
        ):
            runs[side] = wrk.run(base, requests, connections, seconds)
            log(f"{measure} {side}: {runs[side].rate:.0f}/s, p99 {runs[side].p99_ms:.1f} ms")
        best = max(runs["ours"], runs["ours again"], key=lambda load: load.rate)
        judged = min([best, *([runs[f"ours, {also[0]}"]] if also else [])], key=lambda x: x.rate)
        theirs_load = runs["theirs"]
        errors = {side: load.errors for side, load in runs.items() if load.errors}
        p99 = f"p99 {judged.p99_ms:.1f} ms against {theirs_load.p99_ms:.1f}"
        result = judge(
            measure,
            judged.rate,
            theirs_load.rate,
            "req/s",
            note=f"{what}{connections} connections (wrk), {seconds:g}s a side, both servers on "
            f"the same {os.cpu_count()} cores with wrk; {p99}"
            + "".join(
                f"; {extra[0]}: {runs[f'ours, {extra[0]}'].rate:.0f}/s"
                for extra in (also, reported)
                if extra
            )
            + (f"; errors: {errors}" if errors else ""),
            details={side: load.summary() for side, load in runs.items()},
        )
        if errors or (measure == "ask_vs_oxigraph" and judged.p99_ms > ASK_P99_MS):
            result.passed = False
        self.add(result)

    # ---- all of it

    def measure_swaps(self) -> None:
        """swap_failures: 5 rebuilds (one article touched each time, 2 releases kept, so
        each rebuild prunes) while 8 keep-alive connections send mixed requests: the example
        queries that answer within LIGHT seconds, a count of the touched article's graph,
        and that article's page. Counted: answers other than 200, and answers of another
        release than their X-Peacekg-Release header names (the count, against the manifest
        statistics of that release; the page's Cite box, against the header)."""
        assert self.corpus
        corpus = self.corpus
        if corpus.route != "build()" or not corpus.root.is_relative_to(self.work):
            self.add(skipped("swap_failures", "needs a build() of a corpus of its own"))
            return
        articles = sorted((corpus.root / "mappings" / "articles").glob("*.yaml"))
        target = articles[len(articles) // 3].stem
        graph = f"{BASE_IRI}graph/article/{target}"
        count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        page = f"/page/article/{target}"
        cited = re.compile(rb'class="release">([^<]+)<')
        env = {**os.environ, "PEACEKG_ROOT": str(corpus.root), "PEACEKG_KEEP_RELEASES": "2"}
        expected: dict[str, int] = {}

        def remember() -> None:
            manifest = json.loads(((corpus.build_dir / "current") / "manifest.json").read_text())
            expected[manifest["id"]] = int(manifest["statistics"]["graphs"].get(graph, 0))

        remember()
        with self.serve("swap-server.log", timeout=30.0, rows=None) as (base, _):
            light = []
            probe = Client(base)
            for query in corpus.queries:
                started = time.perf_counter()
                status, _, _ = probe.query(query.text)
                if status == 200 and time.perf_counter() - started < LIGHT:
                    light.append(query.text)
            probe.close()
            stop = threading.Event()
            seen: list[tuple[str, int, str, object]] = []  # (kind, status, release, shown)
            lock = threading.Lock()

            def client_loop(offset: int) -> None:
                # each connection its own client (127.0.0.N), as in `load`: one address would
                # meet the endpoint's per-client limits (429), which are not what is measured
                client = Client(base, timeout=120, source=f"127.0.0.{2 + offset}")
                checks = (("count", count), ("page", page))
                asks = [ask for q in light or [count] for ask in (*checks, ("query", q))]
                n = offset
                while not stop.is_set():
                    kind, what = asks[n % len(asks)]
                    n += 1
                    try:
                        if kind == "page":
                            status, body, response = client._send("GET", what, None, {})
                        else:
                            status, body, response = client._send(
                                "POST",
                                "/sparql",
                                what.encode(),
                                {
                                    "Content-Type": "application/sparql-query",
                                    "Accept": JSON_RESULTS,
                                },
                            )
                    except (OSError, http.client.HTTPException) as exc:
                        with lock:
                            seen.append((kind, 0, "", str(exc)))
                        continue
                    release = response.getheader("X-Peacekg-Release") or ""
                    shown: object = None
                    if status == 200 and kind == "count":
                        shown = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
                    elif status == 200 and kind == "page":
                        found = cited.search(body)
                        shown = found[1].decode() if found else None
                    with lock:
                        seen.append((kind, status, release, shown))
                client.close()

            clients = [threading.Thread(target=client_loop, args=(i,)) for i in range(8)]
            for thread in clients:
                thread.start()
            rebuilds: list[float] = []
            try:
                time.sleep(1.0)
                for i in range(5):
                    tag = f"swap{i}-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}"
                    generate.touch_article(corpus.root, target, tag)
                    started = time.perf_counter()
                    done = subprocess.run(
                        [str(PEACEKG), "--build-dir", str(corpus.build_dir), "build"],
                        env=env,
                        capture_output=True,
                        timeout=self.mode.build_timeout,
                    )
                    rebuilds.append(time.perf_counter() - started)
                    if done.returncode != 0:
                        raise RuntimeError(f"rebuild {i + 1} failed: {done.stderr[-2000:]!r}")
                    remember()
                    time.sleep(1.0)
            finally:
                stop.set()
                for thread in clients:
                    thread.join(180)
        failed = [s for s in seen if s[1] != 200]
        mixed = [
            s
            for s in seen
            if s[1] == 200
            and (
                s[2] not in expected
                or (s[0] == "count" and s[3] != expected[s[2]])
                or (s[0] == "page" and s[3] != s[2])
            )
        ]
        releases = sorted({s[2] for s in seen if s[2]})
        note = (
            f"{len(seen)} answers ({len(failed)} failed, {len(mixed)} mixed) over "
            f"{len(releases)} releases; rebuilds of {target}: "
            + ", ".join(f"{r:.1f}s" for r in rebuilds)
        )
        details = {
            "answers": len(seen),
            "failed": len(failed),
            "mixed": len(mixed),
            "releases_read": releases,
            "rebuild_s": [round(r, 2) for r in rebuilds],
            "kinds": {k: sum(1 for s in seen if s[0] == k) for k in ("count", "page", "query")},
            "light_queries": len(light),
            "examples": [list(map(str, s)) for s in (failed + mixed)[:10]],
        }
        result = judge("swap_failures", float(len(failed) + len(mixed)), None, "answers", note)
        result.details = details
        self.add(result)

    def run(self) -> None:
        self.prepare()
        if any(self.wanted(m) for m in ("endpoint_vs_native", "rdflib_vs_endpoint")) or (
            self.wanted("workers_scaling")
        ):
            self.measure_queries()
        if self.wanted("ask_vs_hello"):
            self.measure_ask()
        if self.wanted("workers_scaling"):
            self.measure_scaling()
        if self.wanted("rss_serving"):
            self.measure_rss()
        self.measure_versus()
        for name in ENGINES:
            self.measure_engine(name)
        if self.wanted("swap_failures"):  # last: its rebuilds change the corpus and its build
            self.measure_swaps()


# ---------------------------------------------------------------- output


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "cores_available": len(os.sched_getaffinity(0)),
        "cpu_model": "",
        "memory_mb": 0,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    info["memory_mb"] = round(_meminfo_kb("MemTotal") / 1024)
    # what our server evaluates on (Oxigraph server runs on the system's malloc)
    info["allocator"] = ServerSettings.from_env().allocator or "system malloc"
    for package in ("pyoxigraph", "rdflib", "granian", "flask", "waitress"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            info[package] = version(package)
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        info["commit"] = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    return info


def _meminfo_kb(key: str) -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.1f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.2f} {unit}"


def table(bench: Bench, header: str) -> str:
    rows = [("measure", "value", "baseline", "ratio", "goal", "pass")]
    for r in bench.results:
        ratio = f"{r.ratio:.3g}" if r.ratio is not None else "-"
        rows.append(
            (
                r.title or r.name,
                _fmt(r.value, r.unit),
                _fmt(r.baseline, r.unit),
                ratio,
                r.goal,
                {True: "PASS", False: "FAIL", None: "-"}[r.passed],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    lines = [header, ""]
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    for r in bench.results:
        if r.note:
            lines.append(f"- {r.name}: {r.note}")
        if isinstance(r.details, dict) and "queries" in r.details and r.details["queries"]:
            first = r.details["queries"][0]
            if isinstance(first, dict):
                for q in r.details["queries"]:
                    cells = ", ".join(
                        f"{k}={_short(v)}" for k, v in q.items() if k != "query" and v != ""
                    )
                    lines.append(f"    {q['query']}: {cells}")
            for left in r.details.get("left_out", []):
                lines.append(f"    left out: {left}")
        for key, what in (("stages_s", "stages"), ("profile_s", "profile")):
            if isinstance(r.details, dict) and key in r.details:
                parts = ", ".join(f"{k} {v:g}s" for k, v in r.details[key].items())
                lines.append(f"    {what}: {parts}")
    for note in bench.notes:
        lines.append(f"- {note}")
    return "\n".join(lines)


def _short(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="500 articles, a few minutes")
    size.add_argument("--smoke", action="store_true", help="tiny, two measures: for the tests")
    p.add_argument("--articles", type=int, help="override the mode's corpus size")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--only", nargs="+", choices=MEASURES, help="run only these measures")
    p.add_argument("--corpus", type=Path, help="use this generated corpus instead of a new one")
    p.add_argument("--build-timeout", type=float, help="seconds build() may take (each build)")
    p.add_argument("--results", type=Path, default=BENCH / "results.json")
    p.add_argument("--workdir", type=Path, help="keep the work here (default: a temp dir)")
    args = p.parse_args(argv)
    mode = MODES["smoke" if args.smoke else "quick" if args.quick else "full"]
    if args.articles:
        mode = Mode(**{**asdict(mode), "articles": args.articles})
    work = args.workdir or Path(tempfile.mkdtemp(prefix="peacekg-bench-"))
    work.mkdir(parents=True, exist_ok=True)

    def terminate(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, terminate)
    started = time.perf_counter()
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    bench = Bench(mode, args, work)
    host = machine()
    failure = None
    try:
        bench.run()
    except (Exception, KeyboardInterrupt) as exc:  # report what was measured, then fail
        failure = f"{type(exc).__name__}: {exc}"
        log(f"the run stopped: {failure}")
    finally:
        PROCESSES.stop_all()
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    corpus = bench.corpus
    report = {
        "machine": host,
        "run": {
            "mode": mode.name,
            "articles": corpus.articles if corpus else mode.articles,
            "triples": corpus.triples if corpus else None,
            "triples_per_article": round(corpus.triples / corpus.articles, 1) if corpus else None,
            "seed": args.seed,
            "served_graph": corpus.route if corpus else None,
            "started": started_at,
            "seconds": round(time.perf_counter() - started),
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "notes": bench.notes,
            "error": failure,
        },
        "results": [r.as_json() for r in bench.results],
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    header = (
        f"peacekg benchmark ({mode.name}): {report['run']['articles']} articles, "
        f"{report['run']['triples'] or 0:,} triples, seed {args.seed}; "
        f"{host['cores']} CPUs ({host['cpu_model']}), {host['memory_mb']} MB, "
        f"load {host['load_average'][0]}; {report['run']['seconds']}s"
    )
    print(table(bench, header))
    print(f"\nwrote {args.results}")
    return 1 if failure else 0


if __name__ == "__main__":
    sys.exit(main())
