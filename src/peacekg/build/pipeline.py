"""`peacekg build`: map, reason, check, validate, store; swap the new release in only on success.

A failed build (bad mapping, crash, full disk) never touches the release being served: all
writing happens in a fresh directory, and `current` is repointed by one atomic rename.
A lock file keeps two builds from interleaving.

A successful build is a release named by its date and content digest (peacekg.releases); when a
kept release already holds the same content, that one is served again instead of a twin.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pyoxigraph import Quad, RdfFormat, serialize

from peacekg import __version__
from peacekg.build.background import Background
from peacekg.build.cache import ArticleCache
from peacekg.build.consistency import ConsistencyCheck
from peacekg.build.content import Content, changes, input_digests, summarise, summarise_dump
from peacekg.build.dataset import Dataset, assemble
from peacekg.build.dumps import dump_file, numbered_blank_nodes
from peacekg.build.reasoning import materialise
from peacekg.build.validation import Report, ValidationFailedError, validate
from peacekg.build.workingstore import WORKING, StoreSummary, content_digests, fill_store
from peacekg.config import Settings
from peacekg.namespaces import Namespaces
from peacekg.progress import Status
from peacekg.releases import (
    CURRENT,
    DIGEST_DIGITS,
    MANIFEST,
    RELEASES,
    NoGraphError,
    current_release,
    kept_releases,
    read_release,
    release_id,
)

CACHE = "cache"
PENDING_MANIFEST = ".manifest.json"
"""The manifest of a release until it has its name."""
T = TypeVar("T")


class BuildLockedError(RuntimeError):
    """Another build holds the lock."""


class Stopwatch:
    """Seconds per stage of a build, in order: the profile `peacekg build` prints, so that a
    slow build says where its time went. On a terminal the running stage is shown live."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.status = Status("build")

    def __enter__(self) -> Stopwatch:
        return self

    def __exit__(self, *_: object) -> None:
        self.status.close()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.status.show(name)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


@dataclass(frozen=True)
class BuildResult:
    """What `peacekg build` reports: the new release, its size, its checks and its timings."""

    release: Path
    quads: int
    graphs: int
    inferred: int
    seconds: float
    report: Report
    checked: int
    """Articles validated in this build; the others were unchanged and came from the cache."""
    stages: dict[str, float]
    """Seconds per stage of this process. HermiT, the store and the dumps run alongside in
    processes of their own: `consistency`, `store` and `dumps` count only starting them
    (writing their input: `write`) and waiting for them once there is nothing else to do."""
    reused: bool = False
    """The content was that of a kept release, which is served again (`release`)."""


@contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise BuildLockedError(
                f"another build is running (pid {holder}); try again when it ends"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)


def _swap(build_dir: Path, release: Path) -> None:
    """Point `current` at the new release with one atomic rename, and keep `dumps` stable."""
    tmp = build_dir / f".{CURRENT}.tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(release.relative_to(build_dir))
    os.replace(tmp, build_dir / CURRENT)
    dumps = build_dir / "dumps"
    if not dumps.is_symlink():
        if dumps.exists():
            shutil.rmtree(dumps)
        dumps.symlink_to(Path(CURRENT) / "dumps")


def _prune(build_dir: Path, served: Path, keep: int) -> None:
    """Delete leftovers of failed builds and all but `keep` finished releases: the served one
    and the newest others. Only ever the build's own directories under releases/."""
    others = [r.path for r in kept_releases(build_dir) if r.path != served]
    kept = {served, *others[: max(keep, 1) - 1]}
    for entry in (build_dir / RELEASES).iterdir():
        if entry not in kept:
            shutil.rmtree(entry, ignore_errors=True)


class PendingRelease:
    """A new release directory and the processes writing into it. Leaving the `with` block by
    an exception stops them and removes the directory, since space matters. It gets its name,
    the release id, and its manifest (`_publish`, the last step) once its content is known to
    pass; until then it is hidden from the list of releases."""

    def __init__(self, build_dir: Path) -> None:
        self.stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self.path = build_dir / RELEASES / f".pending-{self.stamp}"
        self._jobs: list[Background[Any]] = []

    def __enter__(self) -> PendingRelease:
        self.path.mkdir(parents=True)
        return self

    def __exit__(self, failure: type[BaseException] | None, *_: object) -> None:
        if failure is not None:
            for job in self._jobs:
                job.cancel()
            shutil.rmtree(self.path, ignore_errors=True)

    def start(self, function: Callable[..., T], *args: Any) -> Background[T]:
        """`function(*args)` in a process of its own, stopped if the release fails."""
        job = Background(function, *args)
        self._jobs.append(job)
        return job


@dataclass(frozen=True)
class Writers:
    """The release's store and dumps, each written by a process of its own from one file."""

    source: Path
    """The N-Quads file both read; removed once both are done."""
    store: Background[StoreSummary]
    dumps: Background[dict[str, dict[str, object]]]


@contextmanager
def _stopped_on_failure(hermit: ConsistencyCheck) -> Iterator[None]:
    """HermiT's process and input go when the build fails, rather than run on for nothing."""
    try:
        yield
    except BaseException:
        hermit.cancel()
        raise


def build(settings: Settings) -> BuildResult:
    """Map, reason, check, and write a new release; swap it in only if every check passed.

    HermiT works in a process of its own while this one reasons and validates, and the store
    and the dumps are written by two more: on two cores a build takes about the longest of
    them, not their sum. A failure anywhere (a violation, a full disk, an inconsistency) stops
    the others, and nothing is swapped in.
    """
    started = time.perf_counter()
    build_dir = settings.output_dir
    ns = Namespaces(settings.base_iri)
    with build_lock(build_dir), Stopwatch() as clock:
        cache = ArticleCache(build_dir / CACHE)
        with clock.stage("assemble"):
            dataset = assemble(settings, cache)
        to_check = dataset.to_check()
        with clock.stage("consistency"):
            hermit = ConsistencyCheck(to_check)
        with _stopped_on_failure(hermit):
            with clock.stage("reason"):
                inferred = materialise(dataset.quads, ns)
            with PendingRelease(build_dir) as release:
                with clock.stage("write"):
                    writers = _start_writers(release, build_dir, dataset, inferred, ns)
                with clock.stage("compare"):
                    lineage = _compare(settings, dataset.quads + inferred, ns)
                with clock.stage("validate"):
                    report = _check_shapes(to_check, settings.shapes_dir, ns)
                with clock.stage("store"):
                    stored = writers.store.result()
                with clock.stage("dumps"):
                    dumps = writers.dumps.result()
                writers.source.unlink()
                with clock.stage("consistency"):
                    hermit.result()
                manifest = _manifest(release, settings, dataset, stored, dumps, lineage)
                published, reused = _publish(build_dir, release, manifest)
        _swap(build_dir, published)
        _prune(build_dir, published, settings.keep_releases)
        _remember_checked(cache, dataset)
    return BuildResult(
        release=published,
        quads=stored.quads,
        graphs=len(stored.graphs),
        inferred=len(inferred),
        seconds=time.perf_counter() - started,
        report=report,
        checked=len(dataset.unchecked),
        stages=clock.seconds,
        reused=reused,
    )


def _start_writers(
    release: PendingRelease,
    build_dir: Path,
    dataset: Dataset,
    inferred: list[Quad],
    ns: Namespaces,
) -> Writers:
    """Write the quads once, as N-Quads, and start the store's and the dumps' writers on them.

    The store is a checkpoint of the build's working copy, in which only the graphs that
    changed are rewritten (peacekg.build.workingstore): an article's graph is known by its
    cache key, the others by a digest of their content.
    """
    source = release.path / "quads.nq"
    serialize(numbered_blank_nodes(dataset.quads + inferred), source, RdfFormat.N_QUADS)
    digests = content_digests(dataset.shared + dataset.metadata + inferred) | {
        ns.graph(f"article/{article_id}").value: key for article_id, key in dataset.keys.items()
    }
    working = build_dir / WORKING / "store"
    return Writers(
        source=source,
        store=release.start(fill_store, source, release.path / "store", working, digests),
        dumps=release.start(dump_file, source, release.path / "dumps", ns.prefixes()),
    )


def _check_shapes(quads: list[Quad], shapes_dir: Path, ns: Namespaces) -> Report:
    """The SHACL report; ValidationFailedError if it has a violation (warnings pass)."""
    report = validate(quads, shapes_dir, ns)
    if not report.conforms:
        raise ValidationFailedError(report)
    return report


@dataclass(frozen=True)
class Lineage:
    """Where a release comes from: its content, the inputs it was made from, and what changed
    since the release served when it was built."""

    content: Content
    inputs: dict[str, str]
    previous: str | None
    changes: dict[str, object] | None


def _compare(settings: Settings, quads: list[Quad], ns: Namespaces) -> Lineage:
    """The new content's digests, and the difference from the release served now (read back
    from its N-Quads dump, so a release of any age compares). A served release that cannot be
    read only leaves the changes unknown: it never stops a build."""
    content, inputs = summarise(quads, ns), input_digests(settings)
    try:
        served = current_release(settings.output_dir)
        before = summarise_dump(served / "dumps" / "peacekg.nq.gz", ns)
    except (NoGraphError, OSError, EOFError, SyntaxError):
        return Lineage(content, inputs, None, None)
    return Lineage(content, inputs, served.name, changes(before, content))


def _manifest(
    release: PendingRelease,
    settings: Settings,
    dataset: Dataset,
    stored: StoreSummary,
    dumps: dict[str, dict[str, object]],
    lineage: Lineage,
) -> dict[str, object]:
    """What the release holds, read by the endpoint and the pages (`id`, `issued`,
    `dataset_version` are set by `_publish`)."""
    return {
        "version": __version__,
        "built": release.stamp,
        "digest": lineage.content.digest,
        "base_iri": settings.base_iri,
        "quads": stored.quads,
        "graphs": stored.graphs,
        "articles": dataset.articles,
        "article_digests": lineage.content.articles,
        "inputs": lineage.inputs,
        "previous": lineage.previous,
        "changes": lineage.changes,
        "dumps": dumps,
        "statistics": stored.statistics,
    }


def _publish(
    build_dir: Path, release: PendingRelease, manifest: dict[str, object]
) -> tuple[Path, bool]:
    """Make the pending directory the release `<date>-<digest>`: its manifest, written first
    under a temporary name, becomes `manifest.json` only once the directory has its name, so
    that a release with a manifest is a finished one (see `_prune`). If a kept release holds the
    same content, it is reused and this one dropped: one id, one content, and files whose
    checksums never change under whoever cited them."""
    digest = str(manifest["digest"])
    for kept in kept_releases(build_dir):
        if kept.digest == digest:
            shutil.rmtree(release.path)
            return kept.path, True
    issued = dt.datetime.now(dt.UTC)
    digits = DIGEST_DIGITS
    while read_release(build_dir / RELEASES / release_id(issued, digest, digits)) is not None:
        digits += 4  # another content of the same day with the same first digits
    target = build_dir / RELEASES / release_id(issued, digest, digits)
    manifest |= {
        "id": target.name,
        "issued": f"{issued:%Y-%m-%dT%H:%M:%SZ}",
        "dataset_version": f"{__version__}+{target.name}",
    }
    (release.path / PENDING_MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)  # what a failed build left under this name
    os.rename(release.path, target)
    try:
        os.replace(target / PENDING_MANIFEST, target / MANIFEST)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target, False


def _remember_checked(cache: ArticleCache, dataset: Dataset) -> None:
    """After a successful build: its articles need no new check until their inputs change."""
    for article_id in dataset.unchecked:
        cache.mark_checked(article_id, dataset.keys[article_id])
    cache.prune(set(dataset.articles))
