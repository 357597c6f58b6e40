"""Releases on disk: the one interface between building the graph and serving it.

The build writes a release (store, dumps, manifest with the store's statistics) and points
`current` at it; the endpoint and the command line open the current release read-only. Older
releases stay (as many as `Settings.keep_releases`) so that what someone cited can still be
downloaded: `kept_releases` lists them, newest first.

A release id says when and what: the UTC date it was issued and the first digits of its
content digest (`release_id`), e.g. `2026-12-01-e47388f7`. Rebuilding the same content gives
the same digest, and the build then reuses the release that holds it (docs: README).

Layout of the build directory:
  releases/<id>/store/        an Oxigraph store (RocksDB)
  releases/<id>/dumps/        the dump files
  releases/<id>/manifest.json written last: a directory with one is a finished release
  current -> releases/<id>    symlink, replaced atomically by a successful build
  dumps -> current/dumps      stable path for the dump files
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import Store

CURRENT = "current"
RELEASES = "releases"
MANIFEST = "manifest.json"
DIGEST_DIGITS = 8
"""Hex digits of the content digest in a release id: enough to tell a day's releases apart."""
OLD_STAMP = "%Y%m%dT%H%M%S%fZ"
"""How releases were named before they had ids (their directory names still are their ids)."""


class NoGraphError(RuntimeError):
    """There is no built graph yet, or it is unreadable; the message says what to run."""


def current_release(build_dir: Path) -> Path:
    """The release `current` points at. One readlink and one stat, on strings: this runs on
    every request, and path objects cost more than the rest of a trivial query's bookkeeping."""
    base = os.fspath(build_dir)
    try:
        release = os.path.join(base, os.readlink(os.path.join(base, CURRENT)))
    except OSError:
        release = os.path.join(base, CURRENT)  # missing, or not a symlink: checked below
    if not os.path.isdir(release):
        raise NoGraphError(f"no graph has been built in {build_dir}: run `peacekg build` first")
    return Path(release)


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
