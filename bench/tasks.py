#!/usr/bin/env python3
"""The benchmark's child processes: each runs alone, so it can be timed, watched and killed.

Why separate processes: a build or an rdflib load must not share memory or the GIL with the
harness that measures it, a run over its time budget must be stoppable (HermiT runs in Java,
rdflib cannot be interrupted from another thread), and the servers must be real servers.

    tasks.py build ROOT BUILD_DIR            peacekg.build.pipeline.build(), result as JSON
    tasks.py assemble ROOT BUILD_DIR         map + reason only, laid out as a release
    tasks.py layout STORE BUILD_DIR QUADS    a release around an existing store
    tasks.py rdflib DUMP JOBS_JSON           rdflib Dataset(default_union) timings, as JSON
    tasks.py publish BUILD_DIR OPTION...     `peacekg publish OPTION...`, timed, with its profile
    tasks.py hello PORT THREADS              a bare Flask app on waitress
Each task prints its result as one JSON object on its last line of stdout.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import signal
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

MARK = "RESULT "
"""Prefix of the line that carries a task's JSON result (other output is left alone)."""


def emit(result: dict[str, Any]) -> None:
    print(MARK + json.dumps(result), flush=True)


# ---------------------------------------------------------------- building


def task_build(root: Path, build_dir: Path) -> None:
    """The real build, timed around build() only (not interpreter start-up or imports)."""
    from peacekg.build.pipeline import build
    from peacekg.config import Settings

    started = time.perf_counter()
    result = build(Settings(root=root, build_dir=build_dir))
    seconds = time.perf_counter() - started
    emit(
        {
            "seconds": seconds,
            "quads": result.quads,
            "release": str(result.release),
            "checked": result.checked,
            "stages": result.stages,
        }
    )


def _release(build_dir: Path, name: str, quads: int, base_iri: str) -> Path:
    """A build directory as peacekg.releases expects it: releases/<name>/{store,manifest.json}
    and `current` pointing there, so `peacekg serve` serves it like a built graph."""
    release = build_dir / "releases" / name
    release.mkdir(parents=True, exist_ok=True)
    manifest = {
        "version": "bench",
        "built": name,
        "base_iri": base_iri,
        "quads": quads,
        "graphs": [],
        "articles": [],
        "dumps": {},
    }
    dump = release / "dumps" / "peacekg.nq.gz"
    if dump.is_file():
        manifest["dumps"] = {"peacekg.nq.gz": {"bytes": dump.stat().st_size, "statements": quads}}
    (release / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    link = build_dir / "current"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(Path("releases") / name)
    return release


def task_assemble(root: Path, build_dir: Path) -> None:
    """Map and reason (the pipeline's own stages) and store the result, skipping the HermiT
    and SHACL checks: the fallback that serves the same triples when build() overruns."""
    from pyoxigraph import RdfFormat, Store

    from peacekg.build.dataset import assemble
    from peacekg.build.reasoning import materialise
    from peacekg.config import Settings
    from peacekg.namespaces import Namespaces

    started = time.perf_counter()
    settings = Settings(root=root, build_dir=build_dir)
    dataset = assemble(settings)
    inferred = materialise(dataset.quads, Namespaces(settings.base_iri))
    release = build_dir / "releases" / "assembled"
    release.mkdir(parents=True, exist_ok=True)
    store = Store(str(release / "store"))
    store.bulk_extend(dataset.quads + inferred)
    store.flush()
    quads = len(store)
    (release / "dumps").mkdir(parents=True, exist_ok=True)
    with gzip.open(release / "dumps" / "peacekg.nq.gz", "wb", compresslevel=6) as out:
        store.dump(out, format=RdfFormat.N_QUADS)
    del store
    _release(build_dir, "assembled", quads, settings.base_iri)
    emit({"seconds": time.perf_counter() - started, "quads": quads, "release": str(release)})


def task_layout(store: Path, build_dir: Path, quads: int) -> None:
    base = os.environ.get("PEACEKG_BASE_IRI", "https://w3id.org/peacekg/")
    name = store.parent.name
    _release(build_dir, name, quads, base)
    emit({"release": str(build_dir / "releases" / name)})


# ---------------------------------------------------------------- rdflib


class _Overrun(Exception):
    pass


def _alarm(_signum: int, _frame: object) -> None:
    raise _Overrun


def task_rdflib(dump: Path, jobs_path: Path) -> None:
    """Load the dump into rdflib's memory Dataset (default graph = union) and time each query
    with rdflib's own SPARQL evaluator, serialising JSON as the endpoint does.

    A run over `cap` seconds is stopped by SIGALRM (rdflib is pure Python, so the alarm
    interrupts it) and reported as a lower bound.
    """
    import rdflib

    jobs = json.loads(jobs_path.read_text(encoding="utf-8"))
    signal.signal(signal.SIGALRM, _alarm)
    started = time.perf_counter()
    dataset = rdflib.Dataset(default_union=True)
    with gzip.open(dump, "rb") as data:
        dataset.parse(data, format="nquads")
    load_seconds = time.perf_counter() - started
    print(f"rdflib loaded {len(dataset)} quads in {load_seconds:.1f}s", file=sys.stderr, flush=True)
    results = []
    warmup, runs, cap, slow = jobs["warmup"], jobs["runs"], jobs["cap"], jobs["slow"]
    for job in jobs["queries"]:
        times: list[float] = []
        rows = 0
        overrun = False
        for _ in range(warmup + runs):
            signal.setitimer(signal.ITIMER_REAL, cap)
            t0 = time.perf_counter()
            try:
                result = dataset.query(job["query"])
                result.serialize(format="json")
                rows = len(result) if result.type == "SELECT" else 1
            except _Overrun:
                overrun = True
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            times.append(time.perf_counter() - t0)
            if overrun or times[-1] > slow:
                break  # one slow run is the figure: repeating it would not fit the budget
        measured = times[warmup:] if len(times) > warmup and not overrun else times[-1:]
        results.append(
            {
                "name": job["name"],
                "seconds": statistics.median(measured),
                "runs": len(measured),
                "overrun": overrun,
                "rows": rows,
            }
        )
        print(f"rdflib {job['name']}: {results[-1]}", file=sys.stderr, flush=True)
    emit({"load_seconds": load_seconds, "quads": len(dataset), "queries": results})


# ---------------------------------------------------------------- publishing


def _request_kind(method: str, url: str, what: str, dataset: str | None) -> str:
    """What a request to the store was for, from its method, URL and the words
    `peacekg.publish` names it by."""
    if method == "PUT":
        return "put graphs"
    if url == dataset:
        return "post graphs together"
    if what == "a query":
        return "queries (record, counts)"
    if what.startswith("the publication record"):
        return "record"
    return "updates"


def task_publish(build_dir: Path, options: list[str]) -> None:
    """`peacekg publish` (its command line, run in this process), timed around the call like
    the build. The profile: each kind of request to the store (count, seconds until its answer
    was read, the store's work and the HTTP round trips included) and what is left, the
    publisher's own work not overlapped with the requests (reading each graph from the release's
    store, canonicalising, sorting, hashing, serialising). The release's kept digests are removed
    first unless `--again` is among the options (taken out of them): a first publish of a
    release reads every graph."""
    from peacekg.cli import main
    from peacekg.publish.graphs import DIGESTS, find_release
    from peacekg.publish.remote import Remote

    if "--again" in options:
        options.remove("--again")
    else:
        (find_release(build_dir, None).path / DIGESTS).unlink(missing_ok=True)

    spent: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    send = Remote._send

    def timed_send(
        self: Remote, method: str, url: str, body: bytes, headers: dict[str, str], *, what: str
    ) -> bytes:
        started = time.perf_counter()
        try:
            return send(self, method, url, body, headers, what=what)
        finally:
            kind = spent[_request_kind(method, url, what, self.endpoints.dataset)]
            kind[0] += 1
            kind[1] += time.perf_counter() - started

    Remote._send = timed_send  # type: ignore[method-assign]
    said = io.StringIO()
    cpu, started = time.process_time(), time.perf_counter()
    with contextlib.redirect_stdout(said):
        code = main(["--build-dir", str(build_dir), "publish", *options])
    seconds = time.perf_counter() - started
    print(said.getvalue(), end="", flush=True)
    requests = {k: {"count": int(n), "seconds": s} for k, (n, s) in spent.items()}
    emit(
        {
            "seconds": seconds,
            "exit": code,
            "cpu_seconds": time.process_time() - cpu,
            "said": said.getvalue().strip(),
            "requests": requests,
            "publisher_s": seconds - sum(r["seconds"] for r in requests.values()),
        }
    )
    sys.exit(code)


# ---------------------------------------------------------------- a bare server


def task_hello(port: int, threads: int) -> None:
    """The floor for HTTP on this stack: Flask returning a constant, on waitress."""
    import waitress
    from flask import Flask

    app = Flask("hello")

    @app.get("/")
    def hello() -> str:
        return "hello"

    @app.get("/health")
    def health() -> str:
        return "ok"

    waitress.serve(app, host="127.0.0.1", port=port, threads=threads, ident="hello")


def main(argv: list[str]) -> int:
    task, *args = argv
    if task == "build":
        task_build(Path(args[0]), Path(args[1]))
    elif task == "assemble":
        task_assemble(Path(args[0]), Path(args[1]))
    elif task == "layout":
        task_layout(Path(args[0]), Path(args[1]), int(args[2]))
    elif task == "rdflib":
        task_rdflib(Path(args[0]), Path(args[1]))
    elif task == "publish":
        task_publish(Path(args[0]), args[1:])
    elif task == "hello":
        task_hello(int(args[0]), int(args[1]))
    else:
        print(f"unknown task {task!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
