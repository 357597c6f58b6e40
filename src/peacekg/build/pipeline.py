"""`peacekg build`: map, reason, check, validate, store; swap the new release in only on success.

A failed build (bad mapping, crash, full disk) never touches the release being served: all
writing happens in a fresh directory, and `current` is repointed by one atomic rename.
A lock file keeps two builds from interleaving.

A successful build is a release named by its date and content digest (peacekg.releases); when a
kept release already holds the same content, that one is served again instead of a twin.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pyoxigraph import Quad, RdfFormat, parse, serialize

from peacekg import __version__
from peacekg.build.background import Background
from peacekg.build.cache import ArticleCache
from peacekg.build.consistency import ConsistencyCheck
from peacekg.build.content import (
    Content,
    changes,
    forget_buckets,
    input_digests,
    part_changes,
    release_digests,
    stable_triples,
    summarise,
    summarise_dump,
    triples_of,
)
from peacekg.build.dataset import Dataset, assemble
from peacekg.build.dumps import dump_file, numbered_blank_nodes, write_part_dumps
from peacekg.build.incremental import (
    SHARED_PARTS,
    WRITE_ALONE,
    Layout,
    Parts,
    complete,
    gather,
    lay_out,
)
from peacekg.build.parts import load_state, save_state
from peacekg.build.reasoning import materialise
from peacekg.build.validation import Report, ValidationFailedError, validate
from peacekg.build.workingstore import (
    WORKING,
    StoreSummary,
    content_digests,
    fill_store,
    update_store,
)
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
    forget_leases,
    kept_releases,
    read_release,
    release_id,
    remove_unleased,
)

CACHE = "cache"
STATE = "parts.pickle"
"""In build/working: the sums of the articles' summaries (peacekg.build.parts.State)."""
PARTS = "parts"
"""In build/working: the shared parts and the inferred graph, by digest."""
CHUNKS = "chunks"
"""In build/working: the dumps' chunks, by what they hold (peacekg.build.dumps)."""
LINES = "lines"
"""In build/working: the content's sorted lines, in buckets (peacekg.build.content)."""
INPUTS = "inputs.pickle"
"""In build/working: the digest of each input file (peacekg.build.content.input_digests)."""
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
    whole: tuple[str, ...] = ()
    """Why the build reasoned over all graphs together instead of article by article
    (peacekg.build.parts); empty when it went part by part."""


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
    and the newest others, and any that someone still reads (a request of the endpoint: see
    `peacekg.releases.Leases`), which a later build removes. Only ever the build's own
    directories under releases/."""
    finished = [r.path for r in kept_releases(build_dir)]  # newest first
    kept = {served, *[p for p in finished if p != served][: max(keep, 1) - 1]}
    for entry in (build_dir / RELEASES).iterdir():
        if entry in kept:
            continue
        if entry in finished:
            remove_unleased(build_dir, entry)
        else:  # a failed build's leftover: never served, so never read
            shutil.rmtree(entry, ignore_errors=True)
    forget_leases(build_dir)


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

    The data goes part by part (peacekg.build.parts): an article whose inputs did not change
    since the last build is neither compiled, reasoned, parsed nor written again. When the
    articles are not independent enough for that (`Parts.problems`), the build takes the
    whole-graph way instead, which gives the same content.
    """
    started = time.perf_counter()
    build_dir = settings.output_dir
    with build_lock(build_dir), Stopwatch() as clock:
        cache = ArticleCache(build_dir / CACHE)
        state_path = build_dir / WORKING / STATE
        with clock.stage("assemble"):
            gathered = gather(settings, cache, load_state(state_path))
        with clock.stage("consistency"):
            hermit = ConsistencyCheck(gathered.to_check())
        with _stopped_on_failure(hermit):
            parts = complete(gathered, clock.stage)
            if not parts.problems:
                return _build_parts(settings, cache, clock, parts, hermit, started)
        hermit.cancel()
        state_path.unlink(missing_ok=True)
        result = _build_whole(settings, cache, clock, started)
        return dataclasses.replace(result, whole=tuple(parts.problems))


def _build_whole(
    settings: Settings, cache: ArticleCache, clock: Stopwatch, started: float
) -> BuildResult:
    """The build with every quad in memory and inference over all graphs together."""
    build_dir = settings.output_dir
    ns = Namespaces(settings.base_iri)
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
    _remember_checked(cache, dataset.unchecked, dataset.keys, dataset.articles)
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


def _build_parts(
    settings: Settings,
    cache: ArticleCache,
    clock: Stopwatch,
    parts: Parts,
    hermit: ConsistencyCheck,
    started: float,
) -> BuildResult:
    """The build part by part: the writers rewrite, and the checks see, what changed."""
    build_dir = settings.output_dir
    ns = parts.ns
    to_check = parts.to_check()
    with _stopped_on_failure(hermit), PendingRelease(build_dir) as release:
        with clock.stage("write"):
            layout = lay_out(build_dir / WORKING / PARTS, cache, parts)
            starting = _Starting(release, settings, layout, parts)
        with starting.stopped_on_failure():
            with clock.stage("compare"):
                previous, changes = _part_lineage(settings, parts, layout)
            with clock.stage("validate"):
                report = _check_shapes(to_check, settings.shapes_dir, ns)
            with clock.stage("write"):
                writers = starting.writers()
        with clock.stage("store"):
            quads = writers.store.result()
        with clock.stage("dumps"):
            dumps = writers.dumps.result()
        with clock.stage("digest"):
            digest, buckets, inputs = writers.digest.result()
        with clock.stage("consistency"):
            hermit.result()
        if quads != layout.quads:
            raise RuntimeError(f"the store holds {quads} quads, the parts {layout.quads}")
        manifest = {
            "version": __version__,
            "built": release.stamp,
            "digest": digest,
            "base_iri": settings.base_iri,
            "quads": quads,
            "graphs": sorted(layout.statistics["graphs"]),  # type: ignore[arg-type]
            "articles": sorted(parts.articles),
            "article_digests": {a: parts.state.articles[a].digest for a in sorted(parts.articles)},
            "inputs": inputs,
            "previous": previous,
            "changes": changes,
            "dumps": dumps,
            "statistics": layout.statistics,
        }
        published, reused = _publish(build_dir, release, manifest)
    _swap(build_dir, published)
    _prune(build_dir, published, settings.keep_releases)
    unchecked = parts.unchecked
    _remember_checked(
        cache, unchecked, {a: p.key for a, p in parts.articles.items()}, list(parts.articles)
    )
    parts.state.content = digest
    parts.state.shared = layout.shared
    parts.state.buckets = buckets
    for article_id in unchecked:  # marked checked: their parts' files are as they are now
        record = parts.state.articles[article_id]
        parts.state.articles[article_id] = dataclasses.replace(
            record, signature=cache.signature(article_id, record.key)
        )
    save_state(build_dir / WORKING / STATE, parts.state)
    layout.collect()
    forget_buckets(build_dir / WORKING / LINES, buckets)
    return BuildResult(
        release=published,
        quads=quads,
        graphs=len(layout.statistics["graphs"]),  # type: ignore[arg-type]
        inferred=layout.inferred,
        seconds=time.perf_counter() - started,
        report=report,
        checked=len(unchecked),
        stages=clock.seconds,
        reused=reused,
    )


def _start_part_writers(release: PendingRelease, settings: Settings, layout: Layout) -> PartWriters:
    """The store, the dumps and the digests, each by a process of its own from the parts'
    files (their paths, never their quads, cross to it)."""
    build_dir = settings.output_dir
    return PartWriters(
        store=release.start(
            update_store,
            layout.store,
            release.path / "store",
            build_dir / WORKING / "store",
            layout.quads,
        ),
        dumps=release.start(
            write_part_dumps,
            layout.sections,
            release.path / "dumps",
            build_dir / WORKING / CHUNKS,
            layout.prefixes,
            layout.quads,
        ),
        digest=release.start(
            release_digests,
            build_dir / WORKING / LINES,
            layout.buckets,
            *layout.edits(),
            layout.canonical,
            settings,
            build_dir / WORKING / INPUTS,
        ),
    )


class _Starting:
    """The new articles' cache entries written, then the writers started: at once in a
    rebuild (a few entries), beside validation in a thread of its own when there are many
    (thousands of small files, in a full build), since the writers read the entries."""

    def __init__(
        self, release: PendingRelease, settings: Settings, layout: Layout, parts: Parts
    ) -> None:
        self._started: PartWriters | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._run = lambda: _start_part_writers(release, settings, layout)
        self._parts = parts
        if sum(p.data is not None for p in parts.articles.values()) < WRITE_ALONE:
            parts.write_cache()
            self._started = self._run()
        else:
            self._thread = threading.Thread(target=self._in_thread, daemon=True)
            self._thread.start()

    def _in_thread(self) -> None:
        try:
            self._parts.write_cache()
            self._started = self._run()
        except BaseException as exc:  # raised by `writers`, in the build's thread
            self._error = exc

    def writers(self) -> PartWriters:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._started is not None
        return self._started

    @contextmanager
    def stopped_on_failure(self) -> Iterator[None]:
        """On a failure, wait for the thread: no writer may start once the release is gone."""
        try:
            yield
        except BaseException:
            if self._thread is not None:
                self._thread.join()
            raise


@dataclass(frozen=True)
class PartWriters:
    store: Background[int]
    dumps: Background[dict[str, dict[str, object]]]
    digest: Background[tuple[str, list[tuple[bytes, str]], dict[str, str]]]


def _part_lineage(
    settings: Settings, parts: Parts, layout: Layout
) -> tuple[str | None, dict[str, object] | None]:
    """The release served now and what changed since: from the parts that changed when the
    last build's state describes the served release (the usual case), else from its dump."""
    try:
        served = current_release(settings.output_dir)
    except NoGraphError:
        return None, None
    release = read_release(served)
    before, diff = parts.before, layout.diff
    after = {a: r.digest for a, r in parts.state.articles.items()}
    digests = release.manifest.get("article_digests") if release else None
    if (
        release is not None
        and before is not None
        and diff is not None
        and release.digest == before.content
        and isinstance(digests, dict)
    ):
        removed, added = triples_of(diff.removed), triples_of(diff.added)
        if diff.shared_removed or diff.shared_added:
            try:
                old_shared = [
                    q
                    for n in SHARED_PARTS
                    for q in parse(
                        path=layout.directory / f"{before.shared[n]}.nq", format=RdfFormat.N_QUADS
                    )
                ]
            except (OSError, KeyError, SyntaxError):
                old_shared = None
            if old_shared is not None:
                old_triples, new_triples = stable_triples(old_shared), stable_triples(parts.shared)
                removed |= old_triples - new_triples
                added |= new_triples - old_triples
                return served.name, part_changes(digests, after, removed, added)
        else:
            return served.name, part_changes(digests, after, removed, added)
    try:
        old = summarise_dump(served / "dumps" / "peacekg.nq.gz", parts.ns)
    except (OSError, EOFError, SyntaxError):
        return served.name, None
    triples = layout.triples()
    return served.name, part_changes(
        old.articles, after, old.triples - triples, triples - old.triples
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


def _remember_checked(
    cache: ArticleCache, unchecked: Iterable[str], keys: dict[str, str], articles: list[str]
) -> None:
    """After a successful build: its articles need no new check until their inputs change."""
    for article_id in unchecked:
        cache.mark_checked(article_id, keys[article_id])
    cache.prune(set(articles))
