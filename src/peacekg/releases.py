"""Releases on disk: the one interface between building the graph and serving it.

The build writes a release (store, dumps, manifest with the store's statistics) and points
`current` at it; the endpoint and the command line open the current release read-only. Older
releases stay (as many as `Settings.keep_releases`) so that what someone cited can still be
downloaded: `kept_releases` lists them, newest first.

A release id says when and what: the UTC date it was issued and the first digits of its
content digest (`release_id`), e.g. `2026-12-01-e47388f7`. Rebuilding the same content gives
the same digest, and the build then reuses the release that holds it (docs: README).

A release being read is never removed: whoever reads one holds a lease on it (`Leases`, a
shared lock on `leases/<id>`), and pruning skips a release whose lease it cannot take
(`remove_unleased`). The endpoint takes one per request, so a request reads one release from
start to end, however many queries it makes, while rebuilds swap and prune releases.

Layout of the build directory:
  releases/<id>/store/        an Oxigraph store (RocksDB)
  releases/<id>/dumps/        the dump files
  releases/<id>/manifest.json written last: a directory with one is a finished release
  current -> releases/<id>    symlink, replaced atomically by a successful build
  dumps -> current/dumps      stable path for the dump files
  leases/<id>                 locked (shared) by whoever reads the release
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import Store

CURRENT = "current"
RELEASES = "releases"
LEASES = "leases"
MANIFEST = "manifest.json"
DIGEST_DIGITS = 8
"""Hex digits of the content digest in a release id: enough to tell a day's releases apart."""
OLD_STAMP = "%Y%m%dT%H%M%S%fZ"
"""How releases were named before they had ids (their directory names still are their ids)."""


class NoGraphError(RuntimeError):
    """There is no built graph yet, or it is unreadable; the message says what to run."""


def current_release(build_dir: Path) -> Path:
    """The release `current` points at."""
    return Path(_current(build_dir))


def current_path(build_dir: Path) -> str:
    """`current_release` as a string."""
    return _current(build_dir)


def _current(build_dir: Path) -> str:
    """One readlink and one stat, on strings: this runs on every request, and path objects
    cost more than the rest of a trivial query's bookkeeping."""
    base = os.fspath(build_dir)
    try:
        release = os.path.join(base, os.readlink(os.path.join(base, CURRENT)))
    except OSError:
        release = os.path.join(base, CURRENT)  # missing, or not a symlink: checked below
    if not os.path.isdir(release):
        raise NoGraphError(f"no graph has been built in {build_dir}: run `peacekg build` first")
    return release


def open_store(build_dir: Path) -> Store:
    """The current store, read-only: readers never lock out a build that is writing the next one."""
    path = current_release(build_dir) / "store"
    try:
        return Store.read_only(str(path))
    except (OSError, RuntimeError) as exc:  # RuntimeError: how RocksDB reports corruption
        raise NoGraphError(f"the store at {path} cannot be opened: {exc}") from None


def read_manifest(build_dir: Path) -> dict[str, object]:
    return json.loads((current_release(build_dir) / MANIFEST).read_text(encoding="utf-8"))


def release_id(issued: dt.datetime, digest: str, digits: int = DIGEST_DIGITS) -> str:
    """`YYYY-MM-DD-<first digits of the content digest>`: when, and what."""
    return f"{issued.astimezone(dt.UTC):%Y-%m-%d}-{digest[:digits]}"


@dataclass(frozen=True)
class Release:
    """A finished release: its directory and what its manifest says (read once: a finished
    release never changes)."""

    path: Path
    manifest: Mapping[str, Any]

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def issued(self) -> str:
        """When it was issued, ISO 8601 UTC (releases from before ids: from their stamp)."""
        if issued := self.manifest.get("issued"):
            return str(issued)
        try:
            stamp = dt.datetime.strptime(str(self.manifest.get("built", self.id)), OLD_STAMP)
        except ValueError:
            return ""  # not ours to date: listed last
        return f"{stamp:%Y-%m-%dT%H:%M:%SZ}"

    @property
    def version(self) -> str:
        return str(self.manifest.get("dataset_version") or self.manifest.get("version", ""))

    @property
    def digest(self) -> str:
        return str(self.manifest.get("digest", ""))

    @property
    def dumps(self) -> dict[str, dict[str, Any]]:
        return dict(self.manifest.get("dumps", {}))

    @property
    def changes(self) -> dict[str, Any] | None:
        """What changed since the release served before it (None: the first, or too old)."""
        changes = self.manifest.get("changes")
        return dict(changes) if isinstance(changes, Mapping) else None

    @property
    def dumps_dir(self) -> Path:
        return self.path / "dumps"


def read_release(path: Path) -> Release | None:
    """The release in `path`, or None if it is not a finished one (no manifest, or unreadable:
    still being written, or left by a build that failed)."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Release(path, manifest) if isinstance(manifest, dict) else None


def release_names(build_dir: Path) -> list[str]:
    """The names of the directories under releases/, finished or not, in no order."""
    try:
        entries = os.scandir(os.path.join(build_dir, RELEASES))
    except OSError:
        return []
    with entries:
        return [e.name for e in entries if not e.name.startswith(".") and e.is_dir()]


def kept_releases(build_dir: Path) -> list[Release]:
    """Every finished release still on disk, newest first."""
    found = (read_release(build_dir / RELEASES / name) for name in release_names(build_dir))
    return newest_first(r for r in found if r is not None)


def newest_first(releases: Iterable[Release]) -> list[Release]:
    return sorted(releases, key=lambda r: (r.issued, r.id), reverse=True)


def count_statistics(store: Store) -> dict[str, object]:
    """The counts VoID and the pages show, by SPARQL on the store."""
    union = {"use_default_graph_as_union": True}

    def count(query: str, **options: object) -> int:
        return int(next(iter(store.query(query, **options)))["n"].value)  # type: ignore[index,arg-type]

    graphs = {
        g.value: count(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{g.value}> {{ ?s ?p ?o }} }}")
        for g in store.named_graphs()
    }
    return {
        "quads": len(store),
        "triples": count(
            "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }", **union
        ),
        "classes": count("SELECT (COUNT(DISTINCT ?c) AS ?n) { ?s a ?c }", **union),
        "properties": count("SELECT (COUNT(DISTINCT ?p) AS ?n) { ?s ?p ?o }", **union),
        "default_graph_triples": count("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"),
        "graphs": graphs,
    }


# ---------------------------------------------------------------- leases


class Leases:
    """The releases this process reads, each held by a shared lock on `leases/<id>` for as
    long as one reader (a request) uses it. A lock, not a count in a file: the kernel drops
    it when the process ends, however it ends, so a crashed server never pins a release.

    The lock file of the release last read stays open between readers (taking and dropping
    the lock is then one call each); the first reader of a release checks, once it holds
    the lock, that the file is still the one in place and the release still there (a build
    may have pruned it between `current` being read and the lock being taken)."""

    def __init__(self, build_dir: Path) -> None:
        self._dir = os.path.join(os.fspath(build_dir), LEASES)
        self._lock = threading.Lock()
        self._held: dict[str, list[int]] = {}
        """Release directory -> [file descriptor, readers, inode]; 0 readers: open, not
        locked."""

    def acquire(self, release: str) -> bool:
        """Hold the release (its directory) for one more reader; False if it is gone (or
        going)."""
        with self._lock:
            held = self._held.get(release)
            if held is not None and held[1] > 0:
                held[1] += 1
                return True
            fresh = held is None
            if held is None:
                held = self._held[release] = self._open(release)
            # without a lease file (a build directory this process may not write), the
            # release is pinned all the same, only not protected from pruning
            if held[0] >= 0 and not self._lock_shared(release, held, fresh):
                self._close(release)
                return False
            held[1] = 1
            for other in [r for r, (_, n, _) in self._held.items() if n == 0 and r != release]:
                self._close(other)  # a release no reader uses any more, and not the latest
            return True

    def release(self, release: str) -> None:
        """One reader fewer; the lock goes with the last."""
        with self._lock:
            held = self._held.get(release)
            if held is None or held[1] == 0:
                return
            held[1] -= 1
            if held[1] == 0 and held[0] >= 0:
                with contextlib.suppress(OSError):
                    fcntl.flock(held[0], fcntl.LOCK_UN)

    def close(self) -> None:
        with self._lock:
            for release in list(self._held):
                self._close(release)

    def _lease(self, release: str) -> str:
        return os.path.join(self._dir, os.path.basename(release))

    def _open(self, release: str) -> list[int]:
        """[file descriptor, readers, inode] of the release's lease file (-1: none)."""
        try:
            os.makedirs(self._dir, exist_ok=True)
            fd = os.open(self._lease(release), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return [-1, 0, -1]
        return [fd, 0, os.fstat(fd).st_ino]

    def _lock_shared(self, release: str, held: list[int], fresh: bool) -> bool:
        """Take the shared lock; then the lease file must still be the one in place (a build
        that pruned the release removed it), and, the first time, the release be there."""
        try:
            fcntl.flock(held[0], fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:  # a build holds it: pruning this release now
            return False
        try:
            ok = os.stat(self._lease(release)).st_ino == held[2] and (
                not fresh or os.path.isfile(os.path.join(release, MANIFEST))
            )
        except OSError:
            ok = False
        if not ok:
            with contextlib.suppress(OSError):
                fcntl.flock(held[0], fcntl.LOCK_UN)
        return ok

    def _close(self, release: str) -> None:
        fd = self._held.pop(release, [-1, 0, -1])[0]
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)


def remove_unleased(build_dir: Path, path: Path) -> bool:
    """Remove a release directory unless someone reads it (holds its lease): True if removed.
    Its lease is taken exclusively for the removal, so no reader can start on it meanwhile,
    and goes with it."""
    leases = build_dir / LEASES
    leases.mkdir(parents=True, exist_ok=True)
    lease = leases / path.name
    fd = os.open(lease, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        shutil.rmtree(path, ignore_errors=True)
        lease.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)


def forget_leases(build_dir: Path) -> None:
    """Remove the lease files of releases that are gone and that nobody holds."""
    leases = build_dir / LEASES
    names = set(release_names(build_dir))
    with contextlib.suppress(OSError):
        for entry in leases.iterdir():
            if entry.name not in names:
                fd = os.open(entry, os.O_RDWR)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    entry.unlink(missing_ok=True)
                except BlockingIOError:
                    pass
                finally:
                    os.close(fd)
