"""Faults on purpose: a query worker killed or hung mid-query, a missing or corrupt store at
start, builds killed at random points, a full disk during a build, two builds at once, and a
SERVICE endpoint that is down.

What must hold: the client gets a clean plain-text error (never a reset connection), the
pool heals, a runaway worker cannot take the machine's memory, a bad store is one clear
message and a non-zero exit, and whatever happens to a build, `build/current` still points at
a whole release that opens and parses.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store, parse

from peacekg.config import find_jemalloc
from support import INPUTS, ROOT
from support.hardening import (
    Reply,
    call,
    children,
    cmdline,
    cpu_ticks,
    descendants,
    describe,
    leaks,
    workers,
)
from support.serving import PEACEKG, free_port, request, serve, stop_group, wait_healthy

pytestmark = pytest.mark.process  # a real server, browser or process: not in make test-fast

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = "SELECT ?s WHERE { ?s a <https://schema.org/Person> } LIMIT 3"
CRASH_RUNS = int(os.environ.get("PEACEKG_CRASH_RUNS", "4"))
BUILD_SECONDS = 6.0
"""About how long `peacekg build` takes on this machine (2 cores)."""
MEMORY_CAP = 3 << 30
"""Address space for a server started on a corrupt store: a runaway allocation must abort
that process, not fill the machine's memory (see test_store_corrupt_inside_a_block)."""


def query_path(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


def _project(root: Path, built_dir: Path | None = None) -> tuple[Path, Path]:
    """A copy of the inputs (and, given one, of a built build directory): (root, build dir)."""
    for name in INPUTS:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, root / name)
    build_dir = root / "build"
    if built_dir is not None:
        shutil.copytree(built_dir, build_dir, symlinks=True)
    return root, build_dir


def _change(root: Path, mark: str) -> None:
    """Change one label of the project, so that its next build is a new release: a build of
    the content already served reuses that release (peacekg.build.pipeline)."""
    registry = root / "mappings" / "registry.yaml"
    text = registry.read_text(encoding="utf-8")
    registry.write_text(text.replace("label: Ermek Tulesov", f"label: Ermek Tulesov {mark}", 1))


def _cli(root: Path, build_dir: Path, *args: str) -> subprocess.Popen[str]:
    """`peacekg --build-dir BUILD ARGS` on the project at root, in its own process group (so
    that a kill takes the Java reasoner it starts along)."""
    return subprocess.Popen(
        [str(PEACEKG), "--build-dir", str(build_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PEACEKG_ROOT": str(root)},
        start_new_session=True,
    )


def _kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)


def assert_intact(build_dir: Path) -> str:
    """`current` is a whole release: manifest, a store with its quads, dumps as listed."""
    release = (build_dir / "current").resolve()
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert len(Store.read_only(str(release / "store"))) == manifest["quads"]
    for name, info in manifest["dumps"].items():
        data = (build_dir / "dumps" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"], name
    trig = parse((build_dir / "dumps" / "peacekg.trig").read_bytes(), format=RdfFormat.TRIG)
    assert sum(1 for _ in trig) == manifest["dumps"]["peacekg.trig"]["statements"]
    nq = gzip.decompress((build_dir / "dumps" / "peacekg.nq.gz").read_bytes())
    assert len(list(parse(nq, format=RdfFormat.N_QUADS))) == manifest["quads"]
    return release.name


# ---------------------------------------------------------------- (a) a worker killed mid-query


@pytest.fixture(scope="module")
def slow_server(built, tmp_path_factory):
    """A server whose queries may run 30 s, so that a worker can be caught at work."""
    settings, _ = built
    log = tmp_path_factory.mktemp("faults") / "server.log"
    with serve("--build-dir", str(settings.output_dir), "serve", "--timeout", "30", log=log) as s:
        yield s


def _busy_worker(server_pid: int, within: float = 10.0) -> int | None:
    """The worker whose CPU time grows: the one running the query."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        before = {pid: cpu_ticks(pid) for pid in workers(server_pid)}
        time.sleep(0.3)
        busy = [pid for pid, ticks in before.items() if cpu_ticks(pid) - ticks >= 5]
        if busy:
            return busy[0]
    return None


def _replaced(base: str) -> int:
    return int(json.loads(call(base, "GET", "/health").body)["workers_replaced"])


def _eventually_ok(base: str, within: float = 30.0) -> Reply:
    deadline = time.monotonic() + within
    while True:
        reply = call(base, "GET", query_path(SIMPLE), headers={"Accept": "text/csv"})
        if reply.status == 200 or time.monotonic() > deadline:
            return reply
        time.sleep(0.5)


def test_worker_killed_mid_query_gives_a_clean_error_and_the_pool_heals(slow_server):
    replaced = _replaced(slow_server.base)
    outcome: dict[str, Reply | BaseException] = {}

    def client() -> None:
        try:
            outcome["reply"] = call(slow_server.base, "GET", query_path(RUNAWAY), timeout=60)
        except BaseException as exc:  # a reset connection lands here
            outcome["reply"] = exc

    thread = threading.Thread(target=client)
    thread.start()
    victim = _busy_worker(slow_server.process.pid)
    assert victim is not None, "no worker took up the query"
    killed_at = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    thread.join(60)
    reply = outcome["reply"]
    assert isinstance(reply, Reply), f"the client got {reply!r} instead of an answer"
    assert 500 <= reply.status < 600, reply.body
    assert reply.header("content-type").startswith("text/plain"), reply.headers
    assert not leaks(reply.body), reply.body
    assert time.monotonic() - killed_at < 10, "the answer waited for the timeout"
    assert _eventually_ok(slow_server.base).status == 200
    assert _replaced(slow_server.base) > replaced
    deadline = time.monotonic() + 30
    while len(workers(slow_server.process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert len(workers(slow_server.process.pid)) == 2


def test_all_idle_workers_killed_the_next_queries_recover(slow_server):
    for pid in workers(slow_server.process.pid):
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    first = call(slow_server.base, "GET", query_path(SIMPLE))
    assert first.status in (200, 503), describe(b"GET " + query_path(SIMPLE).encode(), first)
    assert _eventually_ok(slow_server.base).status == 200
    health = call(slow_server.base, "GET", "/health")
    assert health.status == 200


def test_workers_that_cannot_start_are_retried_until_they_can(built, tmp_path):
    """Every worker dies while the store cannot be opened: the replacements fail to start.
    They are retried, so once the store is back the endpoint answers again by itself."""
    settings, _ = built
    build_dir = tmp_path / "build"
    shutil.copytree(settings.output_dir, build_dir, symlinks=True)
    store = (build_dir / "current").resolve() / "store"
    away = store.with_name("store.away")
    log = tmp_path / "log"
    with serve("--build-dir", str(build_dir), "serve", "--timeout", "2", log=log) as s:
        assert call(s.base, "GET", query_path(SIMPLE)).status == 200
        store.rename(away)
        for pid in workers(s.process.pid):
            os.kill(pid, signal.SIGKILL)
        # asked afresh: the answer given before is kept (web.answers) and needs no worker
        down = call(s.base, "GET", query_path(SIMPLE), headers={"Cache-Control": "no-cache"})
        assert down.status == 503, describe(b"GET " + query_path(SIMPLE).encode(), down)
        deadline = time.monotonic() + 30  # until a replacement has failed to start (and will retry)
        while b"could not start a query worker" not in log.read_bytes():
            assert time.monotonic() < deadline, "no replacement was tried"
            time.sleep(0.2)
        # none stays up: a replacement trying to start is a process until it fails, and between
        # tries (a backoff of 0.2 s and more) there is none
        deadline = time.monotonic() + 10
        while workers(s.process.pid):
            assert time.monotonic() < deadline, "a worker stayed up without its store"
            time.sleep(0.05)
        away.rename(store)
        assert _eventually_ok(s.base).status == 200
        deadline = time.monotonic() + 30
        while len(workers(s.process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert len(workers(s.process.pid)) == 2


def test_pages_answer_503_when_their_query_worker_hangs(built, tmp_path):
    """Pages run their queries through the same pool as /sparql. When the worker does not
    answer in time (here: stopped with SIGSTOP) a page must say 503, as /sparql does, not 500;
    and the pool replaces the hung worker."""
    log = tmp_path / "server.log"
    args = ("--build-dir", str(built[0].output_dir), "serve", "--workers", "1", "--timeout", "2")
    with serve(*args, log=log) as server:
        (worker,) = workers(server.process.pid)
        os.kill(worker, signal.SIGSTOP)
        reply = call(server.base, "GET", "/page/person/ermek-tulesov", timeout=30)
        assert reply.status == 503, reply.body
        assert reply.header("content-type").startswith("text/plain")
        assert reply.header("retry-after"), reply.headers
        assert not leaks(reply.body), reply.body
        deadline = time.monotonic() + 30
        while call(server.base, "GET", "/page/person/ermek-tulesov").status != 200:
            assert time.monotonic() < deadline, "the hung worker was never replaced"
            time.sleep(0.5)


def test_a_service_endpoint_that_is_down_is_one_clear_error_in_the_cli(built):
    closed = free_port()  # nothing listens there any more
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{closed}/sparql> {{ ?s ?p ?o }} }}"
    done = subprocess.run(
        [str(PEACEKG), "--build-dir", str(built[0].output_dir), "query", "-"],
        input=query,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.startswith("error: "), done.stderr


# ---------------------------------------------------------------- (b) a bad store at start


def _serve_once(build_dir: Path, env: dict[str, str] | None = None) -> tuple[int | None, str]:
    """Start `peacekg serve`: (exit code, stderr) if it gives up, (None, '') if it serves."""
    port = free_port()
    process = subprocess.Popen(
        [str(PEACEKG), "--build-dir", str(build_dir), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process, timeout=60)
    except RuntimeError:
        _, err = process.communicate(timeout=30)
        return process.returncode, err.decode(errors="replace")
    stop_group(process)
    return None, ""


def _store(build_dir: Path) -> Path:
    return (build_dir / "current").resolve() / "store"


def _no_store(build_dir: Path) -> None:
    shutil.rmtree(_store(build_dir))


def _garbage_current(build_dir: Path) -> None:
    (_store(build_dir) / "CURRENT").write_text("garbage\n")


def _truncated_tables(build_dir: Path) -> None:
    for table in _store(build_dir).glob("*.sst"):
        with open(table, "r+b") as handle:
            handle.truncate(100)


def _garbage_manifest(build_dir: Path) -> None:
    for manifest in _store(build_dir).glob("MANIFEST-*"):
        manifest.write_bytes(os.urandom(manifest.stat().st_size))


def _release_gone(build_dir: Path) -> None:
    shutil.rmtree((build_dir / "current").resolve())


@pytest.mark.parametrize(
    "damage",
    [_no_store, _garbage_current, _truncated_tables, _garbage_manifest, _release_gone],
)
def test_serve_on_a_missing_or_corrupt_store_exits_with_one_clear_message(built, tmp_path, damage):
    build_dir = tmp_path / "build"
    shutil.copytree(built[0].output_dir, build_dir, symlinks=True)
    damage(build_dir)
    code, stderr = _serve_once(build_dir)
    assert code is not None and code != 0, "it served a store it cannot read"
    assert "Traceback" not in stderr, stderr
    assert stderr.startswith("error: "), stderr
    assert "store" in stderr or "no graph" in stderr, stderr


def test_serve_on_an_empty_build_directory(tmp_path):
    code, stderr = _serve_once(tmp_path / "nothing-built")
    assert code == 1 and "Traceback" not in stderr
    assert "no graph has been built" in stderr and "peacekg build" in stderr


def test_store_corrupt_inside_a_block_is_served_with_clear_errors(built, tmp_path):
    """Damage RocksDB only notices when it reads the block: the store opens, then queries
    fail. They must fail as plain errors, and the server must stay up; a memory cap keeps a
    runaway allocation from taking the machine with it."""
    build_dir = tmp_path / "build"
    shutil.copytree(built[0].output_dir, build_dir, symlinks=True)
    rng = random.Random(3)
    for table in sorted(_store(build_dir).glob("*.sst")):
        data = bytearray(table.read_bytes())
        if len(data) > 4096:  # the middle half: every index has bad blocks
            start, end = len(data) // 4, 3 * len(data) // 4
            data[start:end] = rng.randbytes(end - start)
            table.write_bytes(bytes(data))
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    with open(tmp_path / "server.log", "wb") as log:
        process = subprocess.Popen(
            [str(PEACEKG), "--build-dir", str(build_dir), "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
            preexec_fn=limit,
        )
    try:
        try:
            wait_healthy(base, process)
        except RuntimeError:  # refusing to serve it at all is fine too, if said clearly
            text = (tmp_path / "server.log").read_text(errors="replace")
            assert "Traceback" not in text and text.startswith("error: "), text
            return
        for path in (query_path("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"), "/sparql", "/"):
            try:
                reply = call(base, "GET", path, timeout=60)
            except (ConnectionError, OSError) as exc:
                pytest.fail(f"GET {path}: the server went down ({exc!r})")
            assert reply.status in (200, 500, 503), reply.body
            if reply.status >= 500:
                assert reply.header("content-type").startswith("text/plain")
                assert not leaks(reply.body), reply.body
            assert process.poll() is None, f"GET {path} killed the server"
        assert call(base, "GET", "/health").status == 200
    finally:
        stop_group(process)


def test_statistics_are_not_counted_by_the_web_process(built, tmp_path):
    """VoID, the service description and the home page show counts. Counted by queries in
    the web process, they run outside the workers' timeout and memory cap; on a store corrupt
    inside a block Oxigraph may then allocate without end (22 GB here before the kernel's OOM
    killer struck), and the server dies, or whatever the OOM killer picks. The build knows the
    counts: the web process needs no store for them (here it has none)."""
    from peacekg.endpoint.served import GraphSource

    build_dir = tmp_path / "build"
    shutil.copytree(built[0].output_dir, build_dir, symlinks=True)
    manifest = json.loads((build_dir / "current" / "manifest.json").read_text())
    shutil.rmtree(_store(build_dir))
    stats = GraphSource(build_dir=build_dir).statistics()
    assert stats["quads"] == manifest["quads"]
    assert set(stats["graphs"]) == set(manifest["graphs"])  # type: ignore[arg-type]


def _address_space_limit(pid: int) -> str:
    limits = (Path("/proc") / str(pid) / "limits").read_text()
    line = next(x for x in limits.splitlines() if x.startswith("Max address space"))
    return line.split()[3]  # the soft limit: bytes, or "unlimited"


def test_query_workers_run_with_a_memory_cap(slow_server):
    """A store corrupt inside a block makes Oxigraph allocate without end (22 GB here before
    the kernel's OOM killer stepped in, which may kill any process of the machine). A cap on
    each worker's address space turns that into one dead worker: a 503 and a replacement."""
    deadline = time.monotonic() + 10  # a worker replaced by an earlier test sets it as it starts
    while True:
        limits = {pid: _address_space_limit(pid) for pid in workers(slow_server.process.pid)}
        if (limits and "unlimited" not in limits.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert limits and "unlimited" not in limits.values(), limits


HOG = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?d ?c ?f"
"""Every pair of triples, sorted: held whole in memory before the first row comes out."""


def test_a_query_past_its_memory_budget_is_stopped_clearly_and_the_pool_heals(built, tmp_path):
    """The budget is looked at while the query runs: the hog is stopped long before the
    timeout or the address-space cap, with a 503 that says why, and the next query is
    answered."""
    env = {"PEACEKG_QUERY_MEMORY_MB": "160"}
    args = ("--build-dir", str(built[0].output_dir), "serve", "--timeout", "60")
    with serve(*args, log=tmp_path / "server.log", env=env) as server:
        started = time.monotonic()
        reply = call(server.base, "GET", query_path(HOG), timeout=90)
        assert reply.status == 503, reply.body
        assert b"needed more than 160 MB of memory and was stopped" in reply.body
        assert reply.header("content-type").startswith("text/plain")
        assert time.monotonic() - started < 30, "it waited for the timeout"
        _, metrics = request(server.base, "GET", "/metrics")
        assert b'peacekg_query_failures_total{kind="memory"} 1' in metrics, metrics
        assert _eventually_ok(server.base).status == 200


def _maps(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def _on_jemalloc(server_pid: int) -> dict[int, bool]:
    """Whether each process of a server (itself, granian's worker, the query workers, the
    resource tracker) has jemalloc mapped."""
    return {pid: "libjemalloc" in _maps(pid) for pid in [server_pid, *descendants(server_pid)]}


def test_the_whole_server_runs_on_jemalloc(slow_server):
    """Every process of the server evaluates on jemalloc (a quarter to a third faster than
    glibc's malloc on this store: bench/README.md): the query workers, and the web process,
    which reruns cheap queries itself. `serve` ran itself again with it preloaded, so the
    process that was started is still the one serving."""
    assert find_jemalloc(), "make installs Debian's libjemalloc2"
    mapped = _on_jemalloc(slow_server.process.pid)
    assert workers(slow_server.process.pid) and len(mapped) >= 4, mapped
    assert all(mapped.values()), {cmdline(pid): on for pid, on in mapped.items()}


def test_an_empty_allocator_keeps_the_system_malloc(built, tmp_path):
    args = ("--build-dir", str(built[0].output_dir), "serve")
    with serve(*args, log=tmp_path / "log", env={"PEACEKG_ALLOCATOR": ""}) as server:
        mapped = _on_jemalloc(server.process.pid)
        assert workers(server.process.pid) and not any(mapped.values()), mapped
        assert request(server.base, "GET", "/sparql?query=ASK%7B%7D")[0].status == 200


def test_an_allocator_that_is_not_there_is_one_clear_message(built):
    code, stderr = _serve_once(
        built[0].output_dir, {"PEACEKG_ALLOCATOR": "/nowhere/libjemalloc.so.2"}
    )
    assert code == 1 and "Traceback" not in stderr, stderr
    assert "/nowhere/libjemalloc.so.2 is not a file" in stderr, stderr


# ---------------------------------------------------------------- (c) builds killed at random


@pytest.fixture(scope="module")
def released(built, tmp_path_factory) -> tuple[Path, Path]:
    """A project copy whose build directory already serves the session's good release."""
    return _project(tmp_path_factory.mktemp("crash"), built[0].output_dir)


def _new_dir_appeared(releases: Path, before: set[str], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if {p.name for p in releases.iterdir()} - before:
            return True
        time.sleep(0.01)
    return False


def test_builds_killed_at_random_points_never_damage_the_served_graph(released):
    root, build_dir = released
    releases = build_dir / "releases"
    served = assert_intact(build_dir)
    rng = random.Random(8)
    # Half the kills at a random time while it maps, reasons and validates (a build takes
    # about 6 s here), half just after it creates its release directory: while it writes the
    # store, the dumps, the manifest, or swaps `current` (delay < 0: seconds after the mkdir).
    plan = [rng.uniform(0.3, BUILD_SECONDS * 0.8) for _ in range(CRASH_RUNS // 2)]
    plan += [-rng.uniform(0.0, 0.4) for _ in range(CRASH_RUNS - len(plan))]
    for delay in plan:
        before = {p.name for p in releases.iterdir()}
        process = _cli(root, build_dir, "build")
        if delay >= 0:
            time.sleep(delay)
        elif _new_dir_appeared(releases, before, within=BUILD_SECONDS * 5):
            time.sleep(-delay)  # somewhere in writing the store, the dumps, the manifest
        _kill_group(process)
        now = assert_intact(build_dir)
        made = {p.name for p in releases.iterdir()} - before
        assert now == served or now in made, f"killed after {delay:.2f}s: current is {now}"
        served = now  # a build killed after its swap has served its own, whole, release
    _change(root, "(after the crashes)")
    done = _cli(root, build_dir, "build")
    _, stderr = done.communicate(timeout=300)
    assert done.returncode == 0, stderr
    assert assert_intact(build_dir) != served
    leftovers = [p.name for p in releases.iterdir() if not (p / "manifest.json").exists()]
    assert not leftovers, f"partial releases left behind: {leftovers}"


def writers(build_pid: int) -> list[int]:
    """The build's child processes that write a release (peacekg.build.background)."""
    return [p for p in children(build_pid) if "peacekg.build.background" in cmdline(p)]


def test_a_release_writer_that_dies_fails_the_build_clearly(released):
    """The store and dump writers are child processes of the build: one killed mid-way fails
    the build in plain words, leaves no partial release, and the served graph stays."""
    root, build_dir = released
    releases = build_dir / "releases"
    served = assert_intact(build_dir)
    before = {p.name for p in releases.iterdir()}
    process = _cli(root, build_dir, "build")
    killed = None
    deadline = time.monotonic() + BUILD_SECONDS * 5
    while killed is None and process.poll() is None and time.monotonic() < deadline:
        for pid in writers(process.pid):  # the build's writer processes
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                killed = pid
                break
        time.sleep(0.01)
    _, stderr = process.communicate(timeout=300)
    assert killed is not None, "the build never started its writer processes"
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr, stderr
    assert "stopped without a result" in stderr, stderr
    assert "the previous graph is untouched" in stderr, stderr
    assert assert_intact(build_dir) == served
    assert {p.name for p in releases.iterdir()} == before


# ---------------------------------------------------------------- (d) a full disk


@contextlib.contextmanager
def tiny_disk(path: Path, megabytes: int) -> Iterator[bool]:
    """A tmpfs of that size at path (True), or nothing (False) where mounting is not allowed
    (not root) or PEACEKG_NO_MOUNT is set."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = not os.environ.get("PEACEKG_NO_MOUNT") and (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(path)],
            capture_output=True,
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted and subprocess.run(["umount", str(path)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _fill(directory: Path, leave_bytes: int) -> Path:
    stats = os.statvfs(directory)
    filler = directory / "filler"
    size = max(0, stats.f_bavail * stats.f_frsize - leave_bytes)
    with open(filler, "wb") as handle:
        os.posix_fallocate(handle.fileno(), 0, size)
    return filler


def test_a_full_disk_fails_the_build_clearly_and_keeps_the_served_graph(built, tmp_path):
    """A nearly full tmpfs (root may mount one). Where mounting is not allowed, a read-only
    releases directory stands in for the full disk (which only works when not root)."""
    root, _ = _project(tmp_path / "project")
    # 32 MB: room for the build directory and one build's new files (its cache entries, dump
    # chunks and sorted lines are kept beside the releases: peacekg.build.parts)
    with tiny_disk(tmp_path / "disk", megabytes=32) as mounted:
        if not mounted and os.geteuid() == 0:
            pytest.skip("no tmpfs mount, and as root a read-only directory is still writable")
        build_dir = tmp_path / "disk" / "build"
        shutil.copytree(built[0].output_dir, build_dir, symlinks=True)
        served = assert_intact(build_dir)
        releases = build_dir / "releases"
        before = {p.name for p in releases.iterdir()}
        filler = _fill(tmp_path / "disk", leave_bytes=600_000) if mounted else None
        if not mounted:
            releases.chmod(0o555)
        try:
            process = _cli(root, build_dir, "build")
            _, stderr = process.communicate(timeout=300)
        finally:
            releases.chmod(0o755)
        assert process.returncode == 1, stderr
        assert "Traceback" not in stderr, stderr
        assert "No space left on device" in stderr or "Permission denied" in stderr, stderr
        assert assert_intact(build_dir) == served
        left = {p.name for p in releases.iterdir()} - before
        assert not left, f"the failed build left {left} behind on the full disk"
        if filler:
            filler.unlink()
        _change(root, "(disk freed)")
        process = _cli(root, build_dir, "build")
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        assert assert_intact(build_dir) != served


# ---------------------------------------------------------------- (e) two builds at once


def test_two_builds_at_once_one_wins_the_other_refuses_clearly(built, tmp_path):
    root, build_dir = _project(tmp_path, built[0].output_dir)
    served = assert_intact(build_dir)
    _change(root, "(two builds)")
    both = [_cli(root, build_dir, "build") for _ in range(2)]
    results = [(p.communicate(timeout=300)[1], p.returncode) for p in both]
    results = [(code, err) for err, code in results]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 1], results
    refused = next(err for code, err in results if code == 1)
    assert "another build is running" in refused and "Traceback" not in refused, refused
    assert assert_intact(build_dir) != served
    releases = list((build_dir / "releases").iterdir())
    assert all((r / "manifest.json").exists() for r in releases), releases
