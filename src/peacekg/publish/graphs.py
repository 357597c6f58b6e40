"""A release's named graphs as the publisher sends them: N-Triples, a triple count, a digest.

Why a digest per graph and not the release's one: publishing is incremental, and a change to one
article must re-send that article's graph only. The digest is taken at publish time from the
release's store (opened read-only): a finished release never changes, every kept release can be
published (also ones built before this existed), and the graph has to be read to be sent anyway.
Blank nodes (the ontology's OWL restrictions) get fresh labels in every build, so each graph is
canonicalised alone (RDFC-1.0) before its sorted lines are hashed: rebuilding the same inputs
gives the same digests, and a change elsewhere does not touch this graph's. The digests are
kept beside the release's store once taken (`graph-digests.json`: a release never changes), so
publishing again reads only the graphs the remote does not hold.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import queue
import re
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, CanonicalizationAlgorithm, Dataset, NamedNode, Store

from peacekg.releases import NoGraphError, Release, current_release, kept_releases, read_release


@dataclass(frozen=True)
class Graph:
    """One named graph of a release, ready to send."""

    name: str
    triples: int
    digest: str
    """SHA-256 of the graph's canonical N-Triples lines, sorted."""
    lines: tuple[str, ...]
    """The canonical N-Triples lines (each ending in ' .'), sorted."""

    def ntriples(self) -> bytes:
        return "".join(f"{line}\n" for line in self.lines).encode()

    def nquads(self) -> bytes:
        """The lines as quads in this graph (for a store that takes a whole dataset at once)."""
        return "".join(f"{line[:-1]}<{self.name}> .\n" for line in self.lines).encode()

    @functools.cached_property
    def blank(self) -> bool:
        """Whether a blank node is in it: its labels mean something only within one document."""
        return any(BLANK.search(line) for line in self.lines)

    @functools.cached_property
    def size(self) -> int:
        """Bytes of its N-Triples, near enough (characters)."""
        return sum(len(line) + 1 for line in self.lines)


BLANK = re.compile(r"^_:| _:\S+ \.$")
"""An N-Triples line with a blank node as subject or object."""
DIGESTS = "graph-digests.json"
"""Beside a release's store: each graph's digest and triple count, once taken."""
AHEAD = 64
"""Graphs read ahead of the one being sent."""


def find_release(build_dir: Path, release_id: str | None) -> Release:
    """The release to publish: `release_id` among the kept ones, else the current one."""
    if release_id is None:
        found = read_release(current_release(build_dir))
        if found is None:
            raise NoGraphError(f"the current release in {build_dir} has no manifest")
        return found
    for release in kept_releases(build_dir):
        if release.id == release_id:
            return release
    known = ", ".join(r.id for r in kept_releases(build_dir)) or "none"
    raise NoGraphError(f"no release {release_id} in {build_dir} (kept: {known})")


def graph_names(release: Release) -> list[str]:
    """The release's named graphs, in the manifest's order (store order for old manifests)."""
    listed = release.manifest.get("graphs")
    if isinstance(listed, list) and listed:
        return [str(g) for g in listed]
    with _opened(release) as store:
        return sorted(g.value for g in store.named_graphs() if isinstance(g, NamedNode))


def read_graphs(release: Release, names: list[str]) -> Iterator[Graph]:
    """Each graph of `names`, read from the release's store one at a time."""
    with _opened(release) as store:
        for name in names:
            yield _graph(store, name)


def read_ahead(graphs: Iterator[Graph]) -> Iterator[Graph]:
    """`graphs`, read by a thread of their own up to AHEAD graphs ahead: reading and hashing the
    next graphs overlaps with sending the last ones. An error in reading is raised here."""
    ready: queue.Queue[Graph | BaseException | None] = queue.Queue(AHEAD)
    stop = threading.Event()

    def read() -> None:
        try:
            for graph in graphs:
                if stop.is_set():
                    return
                ready.put(graph)
            ready.put(None)
        except BaseException as exc:  # handed to the reader below, raised there
            ready.put(exc)
        finally:
            if isinstance(graphs, Generator):
                graphs.close()  # the release's store is closed in this thread, as it was opened

    reader = threading.Thread(target=read, name="publish-read", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            while True:  # let a reader blocked on a full queue see the stop
                ready.get_nowait()
        reader.join()


def known_digests(release: Release) -> dict[str, tuple[str, int]]:
    """Each graph's (digest, triples) as kept beside the release's store; empty if never taken."""
    try:
        kept = json.loads((release.path / DIGESTS).read_text(encoding="utf-8"))
        return {str(name): (str(d), int(n)) for name, (d, n) in kept.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def keep_digests(release: Release, digests: dict[str, tuple[str, int]]) -> None:
    """Keep the digests beside the release's store (replaced whole; a read-only build directory
    only means they are taken again next time)."""
    path = release.path / DIGESTS
    temporary = path.with_name(f".{DIGESTS}.{os.getpid()}")
    with contextlib.suppress(OSError):
        temporary.write_text(json.dumps(digests, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)


def _graph(store: Store, name: str) -> Graph:
    triples = [q.triple for q in store.quads_for_pattern(None, None, None, NamedNode(name))]
    if any(isinstance(t, BlankNode) for q in triples for t in (q.subject, q.object)):
        canonical = Dataset(store.quads_for_pattern(None, None, None, NamedNode(name)))
        canonical.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
        triples = [q.triple for q in canonical]
    lines = tuple(sorted(f"{t} ." for t in triples))
    digest = hashlib.sha256("".join(f"{line}\n" for line in lines).encode()).hexdigest()
    return Graph(name, len(lines), digest, lines)


@contextlib.contextmanager
def _opened(release: Release) -> Iterator[Store]:
    """The release's store, read-only, for a block (dropped after: RocksDB holds files open)."""
    path = release.path / "store"
    try:
        store = Store.read_only(str(path))
    except (OSError, RuntimeError) as exc:  # RuntimeError: how RocksDB reports corruption
        raise NoGraphError(f"the store at {path} cannot be opened: {exc}") from None
    try:
        yield store
    finally:
        del store
