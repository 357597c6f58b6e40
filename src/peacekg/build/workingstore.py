"""A working copy of the store, updated graph by graph; each release's store is a checkpoint of it.

Writing every quad into a fresh store would make a rebuild after a one-article change cost as
much as the first build. So the build keeps one store of its own (`build/working/store`) with
a note of what it holds (`store.json`): the digest of each part of the dataset
(`update_store`, peacekg.build.parts: an article's graph, its node in the metadata graph, the
shared graphs, the inferred graph), or, on the whole-graph way, of each named graph
(`fill_store`). A build rewrites only what changed, then takes a RocksDB checkpoint into the
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
from typing import Any

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


def _known(note: Path, kind: str) -> tuple[dict[str, Any], int]:
    """What the note says the working copy holds (`kind`: graph -> digest, or part -> digest,
    graph and node), and its number of quads."""
    try:
        content = json.loads(note.read_text(encoding="utf-8"))
        graphs, quads = content[kind], content["quads"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}, 0
    return (graphs, quads) if isinstance(graphs, dict) and isinstance(quads, int) else ({}, 0)


def _open(
    working: Path, note: Path, kind: str = "graphs", checked: bool = True
) -> tuple[Store, dict[str, Any]]:
    """The working copy and what it holds, or an empty one when it cannot be trusted: no note
    (a build died updating it), a note of the other way of building, a store that does not
    open, or (if `checked`) not the size the note says."""
    known, size = _known(note, kind)
    note.unlink(missing_ok=True)  # in flux from here until the note is written again
    if known:
        try:
            store = Store(str(working))
            if not checked or len(store) == size:
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


# ---------------------------------------------------------------- part by part


@dataclass(frozen=True)
class StorePart:
    """One part of the dataset (peacekg.build.parts) as the working copy holds it."""

    name: str
    digest: str
    path: str
    """Its N-Quads."""
    graph: str
    subject: str | None = None
    """For a part that is one node's quads in a graph shared with other parts (an article's
    node in the metadata graph): that node. Otherwise the part is its whole graph."""


def update_store(parts: list[StorePart], release_store: Path, working: Path, quads: int) -> int:
    """Bring the working copy to `parts`, rewriting only the parts whose digest changed, and
    checkpoint it to `release_store`; the number of quads it holds. Runs in a process of its
    own.

    The copy's size is checked once, after the update, against the `quads` the parts hold
    (counting a million quads takes a while): a copy that is not what its note says (lost
    files, a restored backup) comes out the wrong size, and is then rebuilt whole."""
    note = working.with_name(working.name + ".json")
    store, known = _open(working, note, "parts", checked=False)
    if known:
        _patch_parts(store, parts, known)
        store.flush()
        held = len(store)  # counted once: 0.2 s at a million quads
        if held != quads:
            del store
            store, known = _open(working, note, "parts")  # no note now: an empty copy
    if not known:
        store.bulk_extend(q for p in parts for q in parse(path=p.path, format=RdfFormat.N_QUADS))
        store.flush()
        held = len(store)
    store.backup(str(release_store))
    del store
    notes = {p.name: [p.digest, p.graph, p.subject] for p in parts}
    write_atomically(note, json.dumps({"parts": notes, "quads": held}))
    return held


def _patch_parts(store: Store, parts: list[StorePart], known: dict[str, Any]) -> None:
    """Remove the parts that went, and rewrite those whose digest changed."""
    wanted = {p.name for p in parts}
    for name, (_digest, graph, subject) in known.items():
        if name not in wanted:
            _remove_part(store, graph, subject)
    for part in parts:
        if part.name in known and known[part.name][0] == part.digest:
            continue
        if part.name in known:
            if part.subject is None and _patch(store, part, known):
                continue
            _remove_part(store, part.graph, part.subject)
        store.extend(parse(path=part.path, format=RdfFormat.N_QUADS))


def _remove_part(store: Store, graph: str, subject: str | None) -> None:
    if subject is None:
        _drop(store, graph)
    else:
        for quad in list(store.quads_for_pattern(NamedNode(subject), None, None, _term(graph))):
            store.remove(quad)


def _patch(store: Store, part: StorePart, known: dict[str, list]) -> bool:  # type: ignore[type-arg]
    """A big graph that changed a little (the inferred graph): apply the difference of its
    lines from the old part's file, kept beside the new one (False: no such file)."""
    old = Path(part.path).with_name(f"{known[part.name][0]}.nq")
    if not old.is_file():
        return False
    before = set(old.read_bytes().splitlines(keepends=True))
    after = set(Path(part.path).read_bytes().splitlines(keepends=True))
    for quad in parse(b"".join(before - after), format=RdfFormat.N_QUADS):
        store.remove(quad)
    store.extend(parse(b"".join(after - before), format=RdfFormat.N_QUADS))
    return True
