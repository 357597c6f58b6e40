"""A working copy of the store, updated graph by graph; each release's store is a checkpoint of it.

Writing every quad into a fresh store would make a rebuild after a one-article change cost as
much as the first build. So the build keeps one store of its own (`build/working/store`) with
a note of what each of its named graphs holds (`store.json`: graph -> digest of its content).
A build replaces only the graphs whose digest changed, then takes a RocksDB checkpoint into the
new release: hard links to the unchanged files, so the release is a store of its own at almost
no cost, and later changes to the working copy never touch it.

Crash safety: the note is removed before the working copy is touched and written back only
after it is flushed, so a build that dies half-way leaves no note, and the next one rebuilds
the working copy from scratch; so does a copy that does not open or does not hold as many
quads as the note says. The build lock keeps two builds from sharing it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, parse, serialize

from peacekg.files import write_atomically
from peacekg.releases import count_statistics

WORKING = "working"
DEFAULT = ""
"""The key of the default graph among the named graphs' IRIs."""


def graph_key(quad: Quad) -> str:
    return quad.graph_name.value if isinstance(quad.graph_name, NamedNode) else DEFAULT


def content_digests(quads: Iterable[Quad]) -> dict[str, str]:
    """Digest of each graph's quads, as written (the order the build makes them in)."""
    graphs: dict[str, list[Quad]] = defaultdict(list)
    for quad in quads:
        graphs[graph_key(quad)].append(quad)
    return {
        g: hashlib.sha256(serialize(qs, format=RdfFormat.N_QUADS) or b"").hexdigest()
        for g, qs in graphs.items()
    }


def _known(note: Path) -> tuple[dict[str, str], int]:
    """What the note says the working copy holds: graph -> digest, and its number of quads."""
    try:
        content = json.loads(note.read_text(encoding="utf-8"))
        graphs, quads = content["graphs"], content["quads"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}, 0
    return (graphs, quads) if isinstance(graphs, dict) and isinstance(quads, int) else ({}, 0)


def _open(working: Path, note: Path) -> tuple[Store, dict[str, str]]:
    """The working copy and what it holds, or an empty one when it cannot be trusted: no note
    (a build died updating it), a store that does not open, or not the size the note says."""
    known, size = _known(note)
    note.unlink(missing_ok=True)  # in flux from here until the note is written again
    if known:
        try:
            store = Store(str(working))
            if len(store) == size:
                return store, known
            del store
        except (OSError, RuntimeError):  # RuntimeError: how RocksDB reports corruption
            pass
    shutil.rmtree(working, ignore_errors=True)
    working.parent.mkdir(parents=True, exist_ok=True)
    return Store(str(working)), {}


@dataclass(frozen=True)
class StoreSummary:
    """What a release's store holds, for its manifest."""

    quads: int
    graphs: list[str]
    statistics: dict[str, object]


def fill_store(
    source: Path, release_store: Path, working: Path, digests: dict[str, str]
) -> StoreSummary:
    """Bring the working copy to the quads of `source` (N-Quads, every graph in `digests`),
    checkpoint it to `release_store`, and say what it holds. Runs in a process of its own,
    alongside validation (see `peacekg.build.pipeline`)."""
    note = working.with_name(working.name + ".json")
    store, known = _open(working, note)
    fresh = {g for g, digest in digests.items() if known.get(g) != digest}
    for g in set(known) - set(digests):
        _drop(store, g)
    # parsed, not bulk_load()ed: bulk_load renames blank nodes, and the dumps keep them
    wanted: dict[str, list[Quad]] = defaultdict(list)
    for quad in parse(path=source, format=RdfFormat.N_QUADS):
        if _in(quad, fresh, digests):
            wanted[graph_key(quad)].append(quad)
    new_graphs: list[Quad] = []
    for g, quads in wanted.items():
        if g in known:  # a graph that changed: apply the difference (often a few quads of a
            _update(store, g, quads)  # big graph, which is slow to remove quad by quad)
        else:
            new_graphs.extend(quads)
    for g in fresh - set(wanted):  # a graph left with no quads
        _drop(store, g)
    store.bulk_extend(new_graphs)
    store.flush()
    store.backup(str(release_store))
    summary = StoreSummary(
        quads=len(store),
        graphs=sorted(g.value for g in store.named_graphs()),
        statistics=count_statistics(store),
    )
    del store
    write_atomically(note, json.dumps({"graphs": digests, "quads": summary.quads}))
    return summary


def _term(g: str) -> NamedNode | DefaultGraph:
    return DefaultGraph() if g == DEFAULT else NamedNode(g)


def _drop(store: Store, g: str) -> None:
    if g == DEFAULT:
        store.clear_graph(DefaultGraph())
    else:
        store.remove_graph(NamedNode(g))


def _update(store: Store, g: str, quads: list[Quad]) -> None:
    """Make graph g hold exactly `quads`, touching only what differs."""
    old = set(store.quads_for_pattern(None, None, None, _term(g)))
    new = set(quads)
    for quad in old - new:
        store.remove(quad)
    store.extend(new - old)


def _in(quad: Quad, fresh: set[str], digests: dict[str, str]) -> bool:
    key = graph_key(quad)
    if key not in digests:  # a graph the digests do not describe would go unnoticed later
        raise ValueError(f"graph {key or 'DEFAULT'} has no digest: cannot track it")
    return key in fresh
