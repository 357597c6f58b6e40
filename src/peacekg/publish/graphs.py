"""A release's named graphs as the publisher sends them: N-Triples, a triple count, a digest.

Why a digest per graph and not the release's one: publishing is incremental, and a change to one
article must re-send that article's graph only. The digest is taken at publish time from the
release's store (opened read-only): a finished release never changes, every kept release can be
published (also ones built before this existed), and the graph has to be read to be sent anyway.
Blank nodes (the ontology's OWL restrictions) get fresh labels in every build, so each graph is
canonicalised alone (RDFC-1.0) before its sorted lines are hashed: rebuilding the same inputs
gives the same digests, and a change elsewhere does not touch this graph's.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
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
