"""Releases on disk: the one interface between building the graph and serving it.

The build writes a release (store, dumps, manifest with the store's statistics) and points
`current` at it; the endpoint and the command line open the current release read-only.

Layout of the build directory:
  releases/<stamp>/store/     an Oxigraph store (RocksDB)
  releases/<stamp>/dumps/     the dump files
  releases/<stamp>/manifest.json
  current -> releases/<stamp> symlink, replaced atomically by a successful build
  dumps -> current/dumps      stable path for the dump files
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pyoxigraph import Store

CURRENT = "current"
RELEASES = "releases"


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
    return json.loads((current_release(build_dir) / "manifest.json").read_text(encoding="utf-8"))


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
