"""What the endpoint serves: the built graph (following rebuilds) or RDF files given on the
command line, with a version string for ETags and the statistics for VoID; for the built graph,
also the releases kept beside it, whose dumps stay downloadable."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import DefaultGraph, Quad, RdfFormat, Store, parse

from peacekg.endpoint.formats import Kind, by_extension, for_kind
from peacekg.releases import (
    MANIFEST,
    RELEASES,
    Leases,
    NoGraphError,
    Release,
    count_statistics,
    current_path,
    newest_first,
    read_release,
    release_names,
)


@dataclass
class GraphSource:
    """Where the store is, and a version that changes whenever its content can have changed.

    For the built graph, a request reads one release from start to end (`pin`): every query
    it makes, its ETag, the statistics and the release header are those of the release that
    was current when it started, and that release is not pruned before it ends (a lease:
    `peacekg.releases.Leases`)."""

    build_dir: Path | None = None
    data_store: Path | None = None
    data_version: str = ""
    _stats: dict[str, dict[str, object]] = field(default_factory=dict)
    _releases: dict[str, Release] = field(default_factory=dict)
    _pins: threading.local = field(default_factory=threading.local)
    _leases: Leases | None = None

    PIN_TRIES = 5
    """Tries to pin the current release when builds prune what `current` named a moment ago."""

    def pin(self, release: str | None = None) -> str | None:
        """Pin the release current now for this thread's request, or the kept one named
        `release` (what was current when a request began: web.prepared); None for --data
        files. NoGraphError if there is none (or that one is gone). `unpin` when it ends."""
        if self.build_dir is None:
            return None
        if self._leases is None:
            self._leases = Leases(self.build_dir)
        if release is not None:
            path = os.path.join(self.build_dir, RELEASES, release)
            if not self._leases.acquire(path):
                raise NoGraphError(f"release {release} is no longer kept")
            self._pins.release = path
            return release
        for _ in range(self.PIN_TRIES):
            release = current_path(self.build_dir)
            if self._leases.acquire(release):
                self._pins.release = release
                return os.path.basename(release)
        raise NoGraphError(f"the release in {self.build_dir} keeps changing; try again")

    def unpin(self) -> None:
        release = getattr(self._pins, "release", None)
        if release is not None and self._leases is not None:
            self._pins.release = None
            self._leases.release(release)

    def _current(self) -> str:
        """The directory of the release this thread's request pinned, or of the current one."""
        assert self.build_dir is not None
        pinned = getattr(self._pins, "release", None)
        return pinned if pinned is not None else current_path(self.build_dir)

    def store_path(self) -> str:
        if self.data_store is not None:
            return str(self.data_store)
        return os.path.join(self._current(), "store")

    def version(self) -> str:
        if self.data_store is not None:
            return self.data_version
        return os.path.basename(self._current())

    def release(self) -> str | None:
        """The id of the release being served; None for --data files, which are no release."""
        return None if self.build_dir is None else self.version()

    def releases(self) -> list[Release]:
        """The releases kept on disk, newest first. A finished release never changes, so each
        manifest is read once; a listing of the folder per call notices builds and pruning."""
        if self.build_dir is None:
            return []
        known, folder = self._releases, self.build_dir / RELEASES
        found = {n: known.get(n) or read_release(folder / n) for n in release_names(self.build_dir)}
        self._releases = {n: r for n, r in found.items() if r is not None}
        return newest_first(self._releases.values())

    def find(self, release: str) -> Release | None:
        """The kept release with this id (from a URL: compared, never joined to a path)."""
        return next((r for r in self.releases() if r.id == release), None)

    def _manifest(self) -> dict[str, object]:
        path = os.path.join(self._current(), MANIFEST)
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)  # type: ignore[no-any-return]

    def dumps(self) -> dict[str, dict[str, object]]:
        """The dump files of the built graph (name -> size, count, checksum); none for --data."""
        if self.build_dir is None:
            return {}
        return self._manifest()["dumps"]  # type: ignore[return-value]

    def statistics(self) -> dict[str, object]:
        """Triples, classes, properties and per-graph sizes: counted by the build (manifest) or
        when --data files are loaded, never by a query in the web process, which would run
        outside the workers' timeout and memory cap."""
        version = self.version()
        found = self._stats.get(version)
        if found is None:
            assert self.build_dir is not None  # --data sources are given their statistics
            stats = self._manifest().get("statistics")
            if not isinstance(stats, dict):  # a build from before the manifest had them
                stats = count_statistics(Store.read_only(self.store_path()))
            found = stats
            self._stats = {**dict(list(self._stats.items())[-1:]), version: found}
        return found

    def graph_names(self) -> list[str]:
        """The served release's named graphs (for a --backend store that needs them listed)."""
        graphs = self.statistics().get("graphs")
        return sorted(graphs) if isinstance(graphs, dict) else []


def load_data_files(files: tuple[Path, ...]) -> GraphSource:
    """A store of the given files: TriG/N-Quads keep their graphs, triples go to the default."""
    digest = hashlib.sha256()
    directory = Path(tempfile.mkdtemp(prefix="peacekg-data-"))
    store = Store(str(directory))
    graph_formats = for_kind(Kind.GRAPH)
    for path in files:
        renderer = by_extension(path.suffix.removeprefix("."), graph_formats)
        if renderer is None:
            known = ", ".join(f".{r.extension}" for r in graph_formats)
            raise ValueError(f"{path}: unknown RDF format; use one of {known}")
        fmt = renderer.native
        assert isinstance(fmt, RdfFormat)
        data = path.read_bytes()
        digest.update(data)
        try:
            quads = parse(data, format=fmt, base_iri=path.resolve().as_uri())
            store.extend(
                q
                if fmt.supports_datasets
                else Quad(q.subject, q.predicate, q.object, DefaultGraph())
                for q in quads
            )  # type: ignore[misc]
        except SyntaxError as exc:
            raise ValueError(f"{path}: {exc}") from None
    store.flush()
    version = digest.hexdigest()[:16]
    statistics = count_statistics(store)
    del store
    return GraphSource(data_store=directory, data_version=version, _stats={version: statistics})
