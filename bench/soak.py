"""Soak the SPARQL endpoint: N concurrent clients on 127.0.0.1 for a bounded time, with the
example queries of queries/*.rq mixed, while the server's memory is sampled every second.

    .venv/bin/python bench/soak.py [--seconds 60] [--clients 16] [--build-dir build]
                                   [--long-forms | --no-long-forms]

It builds nothing: it serves an existing build (`make build` first). The load comes from wrk
(Debian's `wrk`, a Lua script rotating the POST bodies) when installed, else from a pool of
Python threads with http.client. It prints a table (requests, errors, p50/p95/p99 latency,
RSS of the server and its query workers at start, end and peak, and the drift) and exits
non-zero when any request failed or the RSS drifted more than --max-drift percent. With
--abusive (the default) it then runs the same load again beside one abusive client (another
address, 127.0.0.2, sending runaway queries on 8 connections at once) and reports the
well-behaved clients' latency and errors (goal: no error) and what the abusive one was answered.
With --long-forms (the default for `make soak`) it then runs the long forms of the robustness
tests: 10,000 endpoint fuzz cases, the mapping fuzzer and more killed builds.

In the first run the well-behaved clients all come from 127.0.0.1 (wrk cannot choose its source
address), so the server lets that one address have as many queries in flight, and as much
query time, as that many clients would. The run beside the abuser uses the server's default
limits and Python clients, each from its own address (127.0.1.N).

All traffic goes to 127.0.0.1 only, and everything stops by itself after --seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import wrk

from peacekg.endpoint.process import ServerStartError, running, serve_command

ROOT = Path(__file__).resolve().parents[1]
PEACEKG = Path(sys.executable).with_name("peacekg")
ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"
MENTIONS_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)


@dataclass
class Result:
    tool: str
    clients: int
    seconds: float
    queries: list[str]
    requests: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    rss_start_mib: float = 0.0
    rss_end_mib: float = 0.0
    rss_max_mib: float = 0.0
    rss_drift_pct: float = 0.0
    rss_samples: list[float] = field(default_factory=list)
    long_forms: dict[str, str] = field(default_factory=dict)
    abusive: dict[str, object] = field(default_factory=dict)
    """The run beside an abusive client: the well-behaved clients' figures, its answers."""


ABUSER = "127.0.0.2"
ABUSIVE_CONNECTIONS = 8
RUNAWAY = b"SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


# ---------------------------------------------------------------- the server and its memory


def descendants(pid: int) -> list[int]:
    """pid and every process below it (server, query workers, multiprocessing helpers)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = (entry / "stat").read_text()
                ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
                parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def rss_mib(pid: int) -> float:
    """Resident memory of the server and all its processes, MiB."""
    total = 0
    for process in descendants(pid):
        with contextlib.suppress(OSError):
            for line in (Path("/proc") / str(process) / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


@contextlib.contextmanager
def server(build_dir: Path, log: Path, timeout: float, *options: str) -> Iterator[tuple[int, int]]:
    """`peacekg serve` on a free port of 127.0.0.1 until the block ends: (port, pid)."""
    command = serve_command(
        "--build-dir", str(build_dir), "serve", "--timeout", str(timeout), *options
    )
    try:
        with running(command, log) as launched:
            yield launched.port, launched.process.pid
    except ServerStartError as exc:
        raise SystemExit(str(exc)) from None


class Sampler(threading.Thread):
    """RSS of the server's process tree, once a second, until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[float] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.samples.append(rss_mib(self.pid))
            self.stopped.wait(1.0)


# ---------------------------------------------------------------- the queries


def example_queries() -> dict[str, str]:
    """queries/*.rq, without the federated ones (SERVICE needs the network, which the soak
    must not use)."""
    found = {}
    for path in sorted((ROOT / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        if not MENTIONS_SERVICE.search(re.sub(r"#[^\n]*", "", text)):
            found[path.stem] = text
    return found


def send(conn: http.client.HTTPConnection, body: bytes) -> tuple[int, bytes]:
    """POST one query on a (kept-alive) connection: status and body."""
    conn.request(
        "POST",
        "/sparql",
        body=body,
        headers={"Content-Type": "application/sparql-query", "Accept": ACCEPT},
    )
    reply = conn.getresponse()
    return reply.status, reply.read()


def post(
    port: int, body: bytes, timeout: float = 60, source: str | None = None
) -> tuple[int, bytes]:
    address = (source, 0) if source else None
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=address)
    try:
        return send(conn, body)
    finally:
        conn.close()


# ---------------------------------------------------------------- load: wrk


def load_with_wrk(port: int, queries: dict[str, str], clients: int, seconds: float) -> Result:
    headers = (("Content-Type", "application/sparql-query"), ("Accept", ACCEPT))
    requests = [wrk.Request("POST", "/sparql", headers, text) for text in queries.values()]
    try:
        load = wrk.run(f"http://127.0.0.1:{port}", requests, clients, seconds)
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from None
    return Result(
        tool="wrk",
        clients=clients,
        seconds=seconds,
        queries=list(queries),
        requests=load.requests,
        errors=sum(load.errors.values()),
        error_kinds=load.errors,
        p50_ms=load.p50_ms,
        p95_ms=load.p95_ms,
        p99_ms=load.p99_ms,
        max_ms=load.max_ms,
    )


# ---------------------------------------------------------------- load: Python threads


def load_with_threads(
    port: int, queries: dict[str, str], clients: int, seconds: float, own_address: bool = False
) -> Result:
    """`clients` threads, each a keep-alive connection; with `own_address`, each from its own
    address (127.0.1.N), so that the server sees that many clients."""
    bodies = [q.encode() for q in queries.values()]
    deadline = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[dict[str, int]] = [{} for _ in range(clients)]

    def connect(n: int) -> http.client.HTTPConnection:
        source = (f"127.0.1.{n + 1}", 0) if own_address else None
        return http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=source)

    def client(n: int) -> None:
        conn = connect(n)
        i = n
        while time.monotonic() < deadline:
            body = bodies[i % len(bodies)]
            i += 1
            started = time.monotonic()
            try:
                status, _ = send(conn, body)
                kind = None if status == 200 else f"status {status}"
            except (OSError, http.client.HTTPException) as exc:
                kind = type(exc).__name__
                conn.close()
                conn = connect(n)
            latencies[n].append(time.monotonic() - started)
            if kind:
                errors[n][kind] = errors[n].get(kind, 0) + 1
        conn.close()

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    every = sorted(x for xs in latencies for x in xs)
    kinds: dict[str, int] = {}
    for per_client in errors:
        for kind, count in per_client.items():
            kinds[kind] = kinds.get(kind, 0) + count

    def pct(p: float) -> float:
        return every[min(len(every) - 1, int(p / 100 * len(every)))] * 1000 if every else 0.0

    return Result(
        tool="python threads",
        clients=clients,
        seconds=seconds,
        queries=list(queries),
        requests=len(every),
        errors=sum(kinds.values()),
        error_kinds=kinds,
        p50_ms=pct(50),
        p95_ms=pct(95),
        p99_ms=pct(99),
        max_ms=every[-1] * 1000 if every else 0.0,
    )


# ---------------------------------------------------------------- the long forms

LONG_FORMS = {
    "endpoint fuzzing, 10,000 cases": (
        ["tests/test_fuzz_endpoint.py"],
        {"PEACEKG_FUZZ_EXAMPLES": "10000"},
    ),
    "mapping fuzzing, 1,000 cases": (
        ["tests/test_fuzz_mappings.py"],
        {"PEACEKG_FUZZ_EXAMPLES": "10000"},
    ),
    "builds killed at 16 random points": (
        ["tests/test_faults.py::test_builds_killed_at_random_points_never_damage_the_served_graph"],
        {"PEACEKG_CRASH_RUNS": "16"},
    ),
}


def run_long_forms() -> dict[str, str]:
    outcomes = {}
    for name, (targets, env) in LONG_FORMS.items():
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *targets],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=3600,
        )
        last = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
        verdict = "passed" if done.returncode == 0 else "FAILED"
        outcomes[name] = f"{verdict} in {time.monotonic() - started:.0f} s ({last.strip('= ')})"
        if done.returncode != 0:
            print(done.stdout[-4000:], file=sys.stderr)
    return outcomes


# ---------------------------------------------------------------- the table


# ---------------------------------------------------------------- one abusive client


@contextlib.contextmanager
def abusing(port: int) -> Iterator[dict[str, int]]:
    """Runaway queries from ABUSER on ABUSIVE_CONNECTIONS at once, for the block: its answers
    by status (429: over its limits; 503: stopped at the timeout)."""
    answers: dict[str, int] = {}
    lock, stop = threading.Lock(), threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                status, _ = post(port, RUNAWAY, timeout=120, source=ABUSER)
                kind = str(status)
            except OSError as exc:
                kind = type(exc).__name__
            with lock:
                answers[kind] = answers.get(kind, 0) + 1
            if kind == "429":
                stop.wait(0.2)  # an abuser, but not a busy loop on this machine

    with ThreadPoolExecutor(ABUSIVE_CONNECTIONS) as pool:
        for _ in range(ABUSIVE_CONNECTIONS):
            pool.submit(loop)
        try:
            yield answers
        finally:
            stop.set()


def abusive_rows(result: Result) -> list[tuple[str, str]]:
    a = result.abusive
    if not a:
        return []
    answers = a["answers"]
    assert isinstance(answers, dict)
    return [
        ("with an abuser", f"{ABUSER}: runaway queries on {ABUSIVE_CONNECTIONS} connections"),
        ("  requests", f"{a['requests']} well-behaved"),
        ("  errors", f"{a['errors']} {a['error_kinds'] or ''}".strip()),
        ("  latency p50", f"{a['p50_ms']:.1f} ms"),
        ("  latency p99", f"{a['p99_ms']:.1f} ms"),
        ("  abuser answered", ", ".join(f"{k}: {v}" for k, v in sorted(answers.items()))),
    ]


def table(result: Result) -> str:
    rate = result.requests / result.seconds if result.seconds else 0
    rows = [
        ("load", f"{result.clients} clients, {result.seconds:g} s, {result.tool}"),
        ("queries", f"{len(result.queries)} examples mixed: {', '.join(result.queries)}"),
        ("requests", f"{result.requests} ({rate:.1f}/s)"),
        ("errors", f"{result.errors} {result.error_kinds or ''}".strip()),
        ("latency p50", f"{result.p50_ms:.1f} ms"),
        ("latency p95", f"{result.p95_ms:.1f} ms"),
        ("latency p99", f"{result.p99_ms:.1f} ms"),
        ("latency max", f"{result.max_ms:.1f} ms"),
        ("RSS start", f"{result.rss_start_mib:.1f} MiB (server and query workers)"),
        ("RSS end", f"{result.rss_end_mib:.1f} MiB"),
        ("RSS max", f"{result.rss_max_mib:.1f} MiB"),
        ("RSS drift", f"{result.rss_drift_pct:+.1f} %"),
        *abusive_rows(result),
        *result.long_forms.items(),
    ]
    width = max(len(k) for k, _ in rows)
    line = f"+-{'-' * width}-+-{'-' * 60}"
    out = [line, *(f"| {k:<{width}} | {v}" for k, v in rows), line]
    return "\n".join(out)


def rss_summary(result: Result, samples: list[float]) -> None:
    """Start and end are medians of the first and last tenth of the run (at least 3 samples
    each), so one sample taken mid-allocation does not decide."""
    if not samples:
        return
    n = max(3, len(samples) // 10)
    result.rss_samples = [round(s, 1) for s in samples]
    result.rss_start_mib = statistics.median(samples[:n])
    result.rss_end_mib = statistics.median(samples[-n:])
    result.rss_max_mib = max(samples)
    result.rss_drift_pct = (result.rss_end_mib / result.rss_start_mib - 1) * 100


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--max-drift", type=float, default=10.0, help="percent (default 10)")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--timeout", type=float, default=30.0, help="the server's query timeout")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument(
        "--abusive",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the load again beside one abusive client (default: yes)",
    )
    parser.add_argument(
        "--long-forms",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run the long forms of the fuzz and fault tests (default: yes)",
    )
    args = parser.parse_args(argv)
    if not (args.build_dir / "current" / "manifest.json").is_file():
        print(f"error: no build in {args.build_dir}: run `make build` first", file=sys.stderr)
        return 2
    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    queries = example_queries()
    if not queries:
        print("error: no example queries in queries/", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="peacekg-soak-") as tmp:
        log = Path(tmp) / "server.log"
        one_address = ("--client-queries", str(max(5, args.clients)))  # see the docstring
        one_address += ("--client-seconds", str(60 * args.clients))
        with server(args.build_dir, log, args.timeout, *one_address) as (port, pid):
            for name, text in queries.items():  # warm up, and check each query works at all
                status, body = post(port, text.encode())
                if status != 200:
                    print(f"error: {name}.rq answers {status}: {body[:300]!r}", file=sys.stderr)
                    return 1
            sampler = Sampler(pid)
            sampler.start()
            loader = load_with_wrk if tool == "wrk" else load_with_threads
            result = loader(port, queries, args.clients, args.seconds)
            sampler.stopped.set()
            sampler.join()
            rss_summary(result, sampler.samples)
            crashed = "Traceback" in log.read_text(errors="replace")
        if args.abusive:  # a server with the default limits, clients each from an address
            with server(args.build_dir, log, args.timeout) as (port, _), abusing(port) as answers:
                time.sleep(1)  # the abuser is in
                beside = load_with_threads(port, queries, args.clients, args.seconds, True)
            result.abusive = {
                **{k: getattr(beside, k) for k in ("requests", "errors", "error_kinds")},
                **{k: getattr(beside, k) for k in ("p50_ms", "p95_ms", "p99_ms")},
                "answers": dict(answers),
            }
            crashed = crashed or "Traceback" in log.read_text(errors="replace")
    if args.long_forms:
        result.long_forms = run_long_forms()
    print(table(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(asdict(result), indent=2), encoding="utf-8")
    failed = [
        *(["requests failed"] if result.errors else []),
        *(
            ["well-behaved requests failed beside the abuser"]
            if result.abusive.get("errors")
            else []
        ),
        *(
            [f"RSS drifted {result.rss_drift_pct:+.1f} %"]
            if abs(result.rss_drift_pct) > args.max_drift
            else []
        ),
        *(["the server logged a traceback"] if crashed else []),
        *(
            f"{name}: {outcome}"
            for name, outcome in result.long_forms.items()
            if "FAILED" in outcome
        ),
    ]
    for reason in failed:
        print(f"soak failed: {reason}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
