"""`peacekg build`: map, reason, check, validate, store; swap the new release in only on success.

A failed build (bad mapping, crash, full disk) never touches the release being served: all
writing happens in a fresh directory, and `current` is repointed by one atomic rename.
A lock file keeps two builds from interleaving.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import Quad, RdfFormat, serialize

from peacekg import __version__
from peacekg.build.background import Background
from peacekg.build.cache import ArticleCache
from peacekg.config import Settings
from peacekg.build.consistency import ConsistencyCheck
from peacekg.build.dataset import Dataset, assemble
from peacekg.build.dumps import dump_file
from peacekg.namespaces import Namespaces
from peacekg.progress import Status
from peacekg.build.reasoning import materialise
from peacekg.releases import CURRENT, RELEASES
from peacekg.build.validation import Report, ValidationFailedError, validate
from peacekg.build.workingstore import WORKING, content_digests, fill_store

KEEP_RELEASES = 2
CACHE = "cache"


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


def _prune(build_dir: Path, keep: Path) -> None:
    """Delete old releases and leftovers of failed builds, keeping the newest few."""
    releases = sorted((build_dir / RELEASES).iterdir(), key=lambda p: p.name)
    finished = [r for r in releases if (r / "manifest.json").exists()]
    for release in releases:
        if release != keep and (release not in finished or release in finished[:-KEEP_RELEASES]):
            shutil.rmtree(release, ignore_errors=True)


def _release(
    build_dir: Path,
    settings: Settings,
    ns: Namespaces,
    dataset: Dataset,
    inferred: list[Quad],
    to_check: list[Quad],
    hermit: ConsistencyCheck,
    clock: Stopwatch,
) -> tuple[Path, int, list[str], Report]:
    """Validate, and meanwhile write store and dumps in a new release directory, finished by
    its manifest once everything (HermiT included) has passed.

    The store and the dumps need only the quads, so each is written by a process of its own
    from one N-Quads file while this one validates: on two cores that takes the longest of
    them, not their sum. The store is a checkpoint of the build's working copy, in which only
    the graphs that changed are rewritten (peacekg.build.workingstore). A failure anywhere (a
    violation, a full disk, an inconsistency) stops the others and removes the half-written
    release: space matters.
    """
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    release = build_dir / RELEASES / stamp
    release.mkdir(parents=True)
    jobs: list[Background[Any]] = []
    try:
        with clock.stage("write"):
            source = release / "quads.nq"
            serialize(dataset.quads + inferred, source, RdfFormat.N_QUADS)
            # an article's graph is known by its cache key; the others by their content
            digests = content_digests(dataset.shared + dataset.metadata + inferred) | {
                ns.graph(f"article/{article_id}").value: key
                for article_id, key in dataset.keys.items()
            }
            working = build_dir / WORKING / "store"
            store_job = Background(fill_store, source, release / "store", working, digests)
            jobs.append(store_job)
            dumps_job = Background(dump_file, source, release / "dumps", ns.prefixes())
            jobs.append(dumps_job)
        with clock.stage("validate"):
            report = validate(to_check, settings.shapes_dir, ns)
        if not report.conforms:
            raise ValidationFailedError(report)
        with clock.stage("store"):
            quad_count, graphs, statistics = store_job.result()
        with clock.stage("dumps"):
            dumps = dumps_job.result()
        source.unlink()
        with clock.stage("consistency"):
            hermit.result()
        manifest = {
            "version": __version__,
            "built": stamp,
            "base_iri": settings.base_iri,
            "quads": quad_count,
            "graphs": graphs,
            "articles": dataset.articles,
            "dumps": dumps,
            "statistics": statistics,
        }
        text = json.dumps(manifest, indent=2)
        (release / "manifest.json").write_text(text, encoding="utf-8")
    except BaseException:
        for job in jobs:
            job.cancel()
        shutil.rmtree(release, ignore_errors=True)
        raise
    return release, quad_count, graphs, report


def build(settings: Settings) -> BuildResult:
    started = time.perf_counter()
    build_dir = settings.output_dir
    with build_lock(build_dir), Stopwatch() as clock:
        ns = Namespaces(settings.base_iri)
        cache = ArticleCache(build_dir / CACHE)
        with clock.stage("assemble"):
            dataset = assemble(settings, cache)
        # Articles already checked with these exact inputs need no second look: check the
        # shared graphs with the new or changed articles only (see docs/reasoning.md).
        to_check = dataset.shared + [q for qs in dataset.unchecked.values() for q in qs]
        # HermiT works in its own process while this one reasons, validates and has the
        # release written; its verdict is awaited before anything is swapped in.
        with clock.stage("consistency"):
            hermit = ConsistencyCheck(to_check)
        try:
            with clock.stage("reason"):
                inferred = materialise(dataset.quads, ns)
            release, quad_count, graphs, report = _release(
                build_dir, settings, ns, dataset, inferred, to_check, hermit, clock
            )
        except BaseException:
            hermit.cancel()
            raise
        _swap(build_dir, release)
        _prune(build_dir, release)
        for article_id in dataset.unchecked:
            cache.mark_checked(article_id, dataset.keys[article_id])
        cache.prune(set(dataset.articles))
    seconds = time.perf_counter() - started
    return BuildResult(
        release,
        quad_count,
        len(graphs),
        len(inferred),
        seconds,
        report,
        len(dataset.unchecked),
        clock.seconds,
    )
