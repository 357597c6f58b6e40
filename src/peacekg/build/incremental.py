"""Assemble a build as parts (peacekg.build.parts): only the articles whose inputs changed are
compiled, reasoned and summarised; the others are known by their cache key and the state.

Every input is still looked at, and every problem is still gathered into one BuildErrors; what
an unchanged article costs is its key and a few `stat` calls (its text, its mapping and its
cache entry are as the last build left them: peacekg.inputs.seeds, `_mapping`,
`ArticleCache.signature`), not a parse of its text, mapping or quads.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Quad

from peacekg.build.cache import ArticleCache, shared_inputs
from peacekg.build.content import canonical_nquads, stable_triples, triples_of
from peacekg.build.dataset import (
    ARTICLE_MAPPINGS,
    _article_key,
    _Inputs,
    _read_inputs,
    _unmapped,
    _unmentioned,
)
from peacekg.build.dumps import Member, Section, numbered_blank_nodes
from peacekg.build.parts import (
    Context,
    Owners,
    Record,
    State,
    Summary,
    iris,
    nquads,
    sha256,
    summarise_article,
    unplain,
)
from peacekg.build.reasoning import PerArticle
from peacekg.build.workingstore import StorePart
from peacekg.config import Settings
from peacekg.errors import BuildErrors, InputError
from peacekg.files import write_atomically
from peacekg.inputs.registry import Registry
from peacekg.mapping.compiler import compile_mapping
from peacekg.mapping.drafts import article_mappings
from peacekg.mapping.metadata import article_metadata
from peacekg.namespaces import RDF, Namespaces
from peacekg.progress import progress

SHARED_PARTS = ("ontology", "registry")
WRITERS = 4
"""Threads writing cache entries."""
WRITE_ALONE = 64
"""Fewer new cache entries than this are written in turn, with no threads."""


def _write(cache: ArticleCache, article_id: str, parts: ArticleParts) -> None:
    assert parts.data is not None and parts.summary is not None
    graph, metadata = parts.data
    cache.put_parts(article_id, parts.key, graph, metadata, set(parts.references), parts.summary)


@dataclass
class ArticleParts:
    """One article of this build: where its parts are, and what they hold."""

    key: str
    summary: Summary | None
    """None for an article the state already counts, unchanged: never read."""
    checked: bool
    mapping: tuple[tuple[int, ...], bytes] = ((), b"")
    """Its mapping file's signature and SHA-256 (peacekg.build.parts.Record.mapping)."""
    quads: list[Quad] | None = None
    """Both parts' quads, when this build has them: compiled, or read back to be checked."""
    data: tuple[bytes, bytes] | None = None
    """Its parts' N-Quads (graph, metadata node) when this build made them: they reach the
    cache later (`Parts.write_cache`)."""
    references: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Before:
    """What the last build's state said before this build changed it."""

    content: str
    shared: dict[str, str]
    buckets: list[tuple[bytes, str]] | None
    replaced: dict[str, Record]
    """The records of the articles that changed or went."""


@dataclass
class Parts:
    """A build's data as parts, and the state that sums them."""

    ns: Namespaces
    registry: Registry
    shared: list[Quad]
    """Ontology and registry, blank nodes numbered: what every article's checks need."""
    shared_parts: dict[str, bytes]
    """The N-Quads of the shared parts, by name (`SHARED_PARTS`)."""
    shared_summary: Summary
    """The shared graphs and their own entailments, summarised as an article is."""
    closure: list[Quad]
    """What the shared graphs entail on their own (inferred graph)."""
    order: list[str]
    """Article ids in articles.yaml order: the order of their nodes in the metadata graph."""
    articles: dict[str, ArticleParts]
    """Article id -> its parts, in the mappings' order: the order of the article graphs."""
    state: State
    changed: set[str] = field(default_factory=set)
    """Articles whose parts this build made or read back (not as the state had them)."""
    problems: list[str] = field(default_factory=list)
    """Why the articles cannot be reasoned and written part by part: then the build takes the
    whole-graph way."""
    before: Before | None = None
    cache: ArticleCache = field(default=None)  # type: ignore[assignment]

    @property
    def unchecked(self) -> dict[str, list[Quad]]:
        return {a: p.quads or [] for a, p in self.articles.items() if not p.checked}

    def to_check(self) -> list[Quad]:
        """The shared graphs, with the articles no successful build validated as they are."""
        return self.shared + [q for quads in self.unchecked.values() for q in quads]

    def write_cache(self) -> None:
        """Keep the parts this build made in the cache, for the next builds (the writers read
        them there). Thousands of small files wait on the file system more than on this
        process: threads write them, and a full build does this beside validation."""
        made = [(a, p) for a, p in self.articles.items() if p.data is not None]
        if len(made) < WRITE_ALONE:
            for article_id, parts in made:
                _write(self.cache, article_id, parts)
            return
        with ThreadPoolExecutor(WRITERS) as writers:
            for future in [writers.submit(_write, self.cache, a, p) for a, p in made]:
                future.result()

    def part_bytes(self, article_id: str, key: str | None = None) -> bytes:
        """An article's two parts' N-Quads: made by this build, or read from the cache
        (`key`: of an earlier build)."""
        parts = self.articles.get(article_id)
        if key is None and parts is not None and parts.data is not None:
            return parts.data[0] + parts.data[1]
        assert key is not None or parts is not None
        paths = self.cache.part_paths(article_id, key or parts.key)[:2]  # type: ignore[union-attr]
        return b"".join(Path(p).read_bytes() for p in paths)

    def inferred(self) -> bytes:
        """The inferred graph's N-Quads: the shared graphs' own entailments and each article's,
        each line once, sorted."""
        lines = set(nquads(self.closure).splitlines(keepends=True)) | set(self.state.derived)
        return b"".join(sorted(lines))


_Compiled = tuple[str, list[Quad], list[Quad], set[str]]
"""An article compiled by this build: its key, graph, node in the metadata graph, references."""


class _Rebuild(Exception):
    """The state cannot be updated (an old summary is gone): sum every article afresh."""


Stage = Callable[[str], AbstractContextManager[None]]


def _no_stage(_name: str) -> AbstractContextManager[None]:
    return nullcontext()


@dataclass
class Gathered:
    """Every article's key, and the quads of those this build must check (compiled, or read
    back): what HermiT can start on while the new articles are reasoned and summarised."""

    maker: _Maker
    found: dict[str, ArticleParts]
    compiled: dict[str, _Compiled]
    state: State | None

    def to_check(self) -> list[Quad]:
        """The shared graphs, with the articles no successful build validated as they are."""
        checked = [
            q
            for article_id, parts in self.found.items()
            if not parts.checked
            for q in (
                [*self.compiled[article_id][1], *self.compiled[article_id][2]]
                if article_id in self.compiled
                else parts.quads or []
            )
        ]
        return self.maker.shared + checked


def gather(settings: Settings, cache: ArticleCache, state: State | None) -> Gathered:
    """Read the inputs and compile the articles whose inputs changed (BuildErrors if a
    mapping does not compile): the first half of `assemble_parts`."""
    maker, found, compiled = _articles(settings, cache, state)
    return Gathered(maker, found, compiled, state)


def complete(gathered: Gathered, stage: Stage = _no_stage) -> Parts:
    """Reason over and summarise the new articles, sum them into the state and check them:
    the second half of `assemble_parts`."""
    maker, found = gathered.maker, gathered.found
    with stage("reason"):
        maker.summarise(gathered.compiled, found)
    with stage("assemble"):
        try:
            return _parts(maker, found, gathered.state)
        except _Rebuild:  # the state could not be updated: sum every article afresh
            return _parts(maker, found, None)


def assemble_parts(
    settings: Settings, cache: ArticleCache, state: State | None, stage: Stage = _no_stage
) -> Parts:
    """The build's parts, or BuildErrors listing each problem with its file and line. `stage`
    times its steps (`assemble`, `reason`: peacekg.build.pipeline.Stopwatch)."""
    with stage("assemble"):
        gathered = gather(settings, cache, state)
    return complete(gathered, stage)


def _articles(
    settings: Settings, cache: ArticleCache, state: State | None
) -> tuple[_Maker, dict[str, ArticleParts], dict[str, _Compiled]]:
    """Every article's key, and the parts of those whose inputs changed (compiled), or the
    mappings' errors as BuildErrors."""
    inputs = _read_inputs(settings, cache, metadata=False)
    shared = numbered_blank_nodes([*inputs.ontology.quads, *inputs.registry.quads])
    reasoner = PerArticle(shared, inputs.ns)
    context = Context(inputs.ns, Owners(inputs.ns), reasoner.joins, inputs.ns.prefixes())
    maker = _Maker(settings, inputs, cache, reasoner, context, shared)
    found, compiled, errors = maker.articles(state)
    if errors:
        raise BuildErrors(errors)
    return maker, found, compiled


def _parts(maker: _Maker, articles: dict[str, ArticleParts], state: State | None) -> Parts:
    """The parts, summed into the new state, and checked."""
    settings, inputs, context = maker.settings, maker.inputs, maker.context
    shared, reasoner = maker.shared, maker.reasoner
    split = len(inputs.ontology.quads)
    before = None if state is None else Before(state.content, dict(state.shared), state.buckets, {})
    new, changed = _sum(state, articles, maker, before)
    parts = Parts(
        ns=inputs.ns,
        registry=inputs.registry,
        shared=shared,
        shared_parts={
            "ontology": nquads(shared[:split]),
            "registry": nquads(shared[split:]),
        },
        shared_summary=_shared_summary(shared, reasoner.own, context),
        closure=reasoner.own,
        order=list(inputs.articles),
        articles=articles,
        state=new,
        changed=changed,
        before=before,
        cache=maker.cache,
    )
    errors = [
        *_unmapped(settings, inputs, articles),
        *_unmentioned(inputs, lambda ref: bool(new.references.get(ref))),
        *_dangling(maker, parts),
    ]
    if errors:
        raise BuildErrors(errors)
    parts.problems = _problems(parts, context)
    return parts


class _Maker:
    """Makes the parts of the articles whose inputs changed, and reads back summaries."""

    def __init__(
        self,
        settings: Settings,
        inputs: _Inputs,
        cache: ArticleCache,
        reasoner: PerArticle,
        context: Context,
        shared: list[Quad],
    ) -> None:
        self.settings, self.inputs, self.cache = settings, inputs, cache
        self.reasoner, self.context, self.shared = reasoner, context, shared

    def articles(
        self, state: State | None
    ) -> tuple[dict[str, ArticleParts], dict[str, _Compiled], list[InputError]]:
        """Every mapped article's parts, in the mappings' order (those compiled now without
        their summary yet), what was compiled, and the mappings' errors."""
        settings, inputs, cache = self.settings, self.inputs, self.cache
        shared_key = shared_inputs(settings.root, settings.base_iri)
        paths = article_mappings(settings.mappings_dir / ARTICLE_MAPPINGS)
        known = state.articles if state else {}
        found: dict[str, ArticleParts] = {}
        compiled: dict[str, _Compiled] = {}
        errors: list[InputError] = []
        for path in progress(
            paths, len(paths), "mapping articles", None if len(paths) > 100 else False
        ):
            article = inputs.articles.get(path.stem)
            if article is None:
                message = f"no article {path.stem!r}: a mapping is named after its article's id"
                errors.append(InputError(path, None, message))
                continue
            record = known.get(article.id)
            mapping = _mapping(path, record.mapping if record else None)
            key = _article_key(shared_key, article, path, mapping[1])
            # as the last successful build left it (which marked it checked)
            if (
                record is not None
                and record.key == key
                and cache.signature(article.id, key) == record.signature
            ):
                found[article.id] = ArticleParts(key, None, True, mapping=mapping)
                continue
            summary = cache.summary(article.id, key, verify=True)
            if summary is not None:
                checked = cache.checked(article.id, key)
                quads = None if checked else cache.part_quads(article.id, key)
                found[article.id] = ArticleParts(key, summary, checked, quads, mapping)
                continue
            try:
                graph, references = self._graph(path, key)
            except InputError as exc:
                errors.append(exc)
                continue
            try:
                metadata = article_metadata(article, inputs.registry, inputs.ns, settings.root)
            except InputError as exc:
                errors.append(exc)
                continue
            compiled[article.id] = (key, graph, metadata, references)
            found[article.id] = ArticleParts(key, None, False, mapping=mapping)
        return found, compiled, errors

    def _graph(self, path: Path, key: str) -> tuple[list[Quad], set[str]]:
        """An article's graph: read back from an entry of the whole-graph way (no summary), or
        compiled."""
        entry = self.cache.get(path.stem, key)
        if entry is not None:
            return entry.quads, entry.references
        inputs = self.inputs
        article_id, quads, references = compile_mapping(
            path, inputs.articles, inputs.registry, inputs.ontology, inputs.ns, self.settings.root
        )
        if article_id != path.stem:
            raise InputError(
                path, None, f"maps {article_id!r}, so it must be named {article_id}.yaml"
            )
        return quads, references

    def summarise(self, compiled: dict[str, _Compiled], found: dict[str, ArticleParts]) -> None:
        """Reason over the new articles, summarise them, and keep them in the cache."""
        ns = self.inputs.ns
        into = f"<{ns.graph('metadata').value}> .\n".encode()
        data: dict[str, tuple[bytes, bytes]] = {}
        reasoned: dict[str, tuple[str, bytes]] = {}
        for article_id, (_key, graph, metadata, _references) in compiled.items():
            graph_data, metadata_data = nquads(graph), nquads(metadata)
            data[article_id] = graph_data, metadata_data
            iri = ns.graph(f"article/{article_id}").value
            # its node in the metadata graph, moved into its own graph for reasoning
            moved = metadata_data.replace(into, f"<{iri}> .\n".encode())
            reasoned[article_id] = iri, graph_data + moved
        derived = self.reasoner.entail(reasoned)
        for article_id, (_key, graph, metadata, references) in compiled.items():
            quads = [*graph, *metadata]
            graph_data, metadata_data = data[article_id]
            summary = summarise_article(
                article_id,
                graph_data,
                metadata_data,
                quads,
                derived[article_id],
                references,
                self.context,
            )
            made = found[article_id]
            made.summary, made.data, made.references = (
                summary,
                data[article_id],
                frozenset(references),
            )
            if not made.checked:
                made.quads = quads

    def summary(self, article_id: str, parts: ArticleParts) -> Summary:
        """An article's summary: read back if this build did not make it, made again if the
        cache lost it."""
        if parts.summary is None:
            parts.summary = self.cache.summary(article_id, parts.key)
        if parts.summary is None:
            path = self.settings.mappings_dir / ARTICLE_MAPPINGS / f"{article_id}.yaml"
            graph, references = self._graph(path, parts.key)
            article = self.inputs.articles[article_id]
            metadata = article_metadata(
                article, self.inputs.registry, self.inputs.ns, self.settings.root
            )
            self.summarise(
                {article_id: (parts.key, graph, metadata, references)}, {article_id: parts}
            )
            _write(self.cache, article_id, parts)
        assert parts.summary is not None
        return parts.summary


def _mapping(
    path: Path, known: tuple[tuple[int, ...], bytes] | None
) -> tuple[tuple[int, ...], bytes]:
    """A mapping file's signature and SHA-256, read only if its signature changed since
    `known` (size, times, inode: a write changes its change time, which no one can set)."""
    try:
        st = os.stat(path)
    except OSError:
        return (), b""
    signature = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    if known is not None and known[0] == signature and known[1]:
        return known
    return signature, hashlib.sha256(path.read_bytes()).digest()


def _sum(
    state: State | None, articles: dict[str, ArticleParts], maker: _Maker, before: Before | None
) -> tuple[State, set[str]]:
    """The state of this build: the old one less the old summaries of what changed or went,
    plus the new summaries (all of them without an old state)."""
    cache = maker.cache
    if state is None:
        new = State()
        for article_id, parts in articles.items():
            summary = maker.summary(article_id, parts)
            signature = cache.signature(article_id, parts.key)
            new.add(article_id, parts.key, signature, summary, parts.mapping)
        return new, set(articles)
    changed = {a for a, p in articles.items() if p.summary is not None}
    for article_id, record in list(state.articles.items()):
        if article_id in articles and article_id not in changed:
            continue
        old = cache.summary(article_id, record.key)
        if old is None:
            raise _Rebuild
        state.remove(article_id, old)
        if before is not None:
            before.replaced[article_id] = record
    for article_id in changed:
        summary = articles[article_id].summary
        assert summary is not None
        parts = articles[article_id]
        state.add(
            article_id, parts.key, cache.signature(article_id, parts.key), summary, parts.mapping
        )
    # the articles' order is the mappings' order, which a state updated in place loses
    state.articles = {a: state.articles[a] for a in articles}
    return state, changed


def _shared_summary(shared: list[Quad], own: list[Quad], context: Context) -> Summary:
    """The shared graphs and what they entail alone, summarised for the statistics."""
    quads = [*shared, *own]
    return Summary(
        graph="",
        graph_quads=0,
        metadata="",
        metadata_quads=0,
        digest="",
        derived=(),
        classes=frozenset(q.object.value for q in quads if q.predicate.value == RDF + "type"),
        properties=frozenset(q.predicate.value for q in quads),
        references=frozenset(),
        sources=frozenset(),
        derivations=(),
        out_shared=frozenset(),
        in_shared=frozenset(),
        unplain=unplain(iris(shared), context.prefixes),
        problem=None,
    )


def _problems(parts: Parts, context: Context) -> list[str]:
    """Why the articles cannot be reasoned and written part by part (see peacekg.build.parts):
    what their summaries found, nodes joined across articles, and shared graphs that name an
    article's node or state a triple twice."""
    owners = context.owners
    problems = [
        p.summary.problem
        for p in parts.articles.values()
        if p.summary is not None and p.summary.problem
    ]
    problems += parts.state.conflicts()
    for q in (*parts.shared, *parts.closure):
        if owners.of(q.subject.value) is not None:
            problems.append(f"the shared graphs say something of an article's node: {q}")
            break
    ontology = parts.shared_parts["ontology"].splitlines()
    registry = parts.shared_parts["registry"].splitlines()
    if {line.rsplit(b" <", 1)[0] for line in ontology} & {
        line.rsplit(b" <", 1)[0] for line in registry
    }:
        problems.append("the ontology and the registry state a triple in common")
    return problems


def _dangling(maker: _Maker, parts: Parts) -> list[InputError]:
    """Derived claims may name claims of other articles; each must exist in the dataset."""
    owners = maker.context.owners
    errors = []
    for target, deriving in sorted(parts.state.derivations.items()):
        owner = owners.of(target)
        found = parts.articles.get(owner) if owner else None
        if owner and found and target in maker.summary(owner, found).sources:
            continue
        for where in sorted(deriving.values()):
            path, _, line = where.rpartition(":")
            errors.append(
                InputError(
                    Path(path),
                    int(line) if line.isdigit() else None,
                    f"derived_from names {target}, which no mapping makes",
                )
            )
    return errors


# ---------------------------------------------------------------- laid out for the writers


@dataclass(frozen=True)
class Diff:
    """The lines of the parts as the last build left them that are not in them now, and the
    converse: of the articles and the inferred graph (N-Quads, no blank node), and of the
    shared graphs (canonical N-Quads: `peacekg.build.content.canonical_nquads`)."""

    removed: list[bytes]
    added: list[bytes]
    shared_removed: list[bytes]
    shared_added: list[bytes]


@dataclass
class Layout:
    """The parts of a build as files, in the forms its writers take them, with the figures
    the manifest needs."""

    directory: Path
    """Where the shared parts and the inferred graph are kept, by digest (the articles' parts
    stay in the cache)."""
    store: list[StorePart]
    sections: list[Section]
    canonical: list[str]
    """The files whose lines, sorted, make the content digest."""
    shared: dict[str, str]
    """Digests of the shared parts and of the inferred graph, by part name."""
    shared_paths: list[str]
    inferred_path: str
    inferred: int
    quads: int
    statistics: dict[str, object]
    prefixes: dict[str, str]
    """The prefixes the Turtle and TriG dumps declare: those under which every IRI of the
    data is a plain prefixed name (`peacekg.build.dumps.plain_prefixes`)."""
    shared_quads: list[Quad]
    parts: Parts
    diff: Diff | None
    """What changed since the last build, if its state and old parts' files are there."""
    buckets: list[tuple[bytes, str]] | None
    """The last build's sorted lines, to edit by `diff` (peacekg.build.content)."""

    def edits(self) -> tuple[list[bytes], list[bytes]]:
        """The canonical lines gone since the last build, and those new (none without it)."""
        if self.diff is None:
            return [], []
        diff = self.diff
        return diff.removed + diff.shared_removed, diff.added + diff.shared_added

    def triples(self) -> set[str]:
        """Every triple of the dataset, as `peacekg.build.content.summarise` writes them (read
        from every part: only when the served release is not the last build's)."""
        found = stable_triples(self.shared_quads)
        for article_id in self.parts.articles:
            found |= triples_of(self.parts.part_bytes(article_id).splitlines())
        return found | triples_of(Path(self.inferred_path).read_bytes().splitlines())

    def collect(self) -> None:
        """Remove the files of shared parts and inferred graphs no longer used."""
        keep = {os.path.basename(p) for p in self.shared_paths}
        for entry in self.directory.iterdir():
            if entry.name not in keep:
                entry.unlink(missing_ok=True)


def lay_out(directory: Path, cache: ArticleCache, parts: Parts) -> Layout:
    """Write the shared parts, the inferred graph and the shared graphs' canonical lines (by
    digest, unless there already), and list every part for the writers."""
    directory.mkdir(parents=True, exist_ok=True)
    ns, state = parts.ns, parts.state

    def kept(data: bytes, suffix: str = ".nq") -> tuple[str, str]:
        digest = sha256(data)
        path = directory / f"{digest}{suffix}"
        if not path.is_file():
            write_atomically(path, data)
        return digest, str(path)

    inferred = parts.inferred()
    files = {name: kept(data) for name, data in parts.shared_parts.items()}
    files["inferred"] = kept(inferred)
    before = parts.before
    old = before.shared.get("canonical", "") if before else ""
    if (
        before is not None
        and all(before.shared.get(n) == files[n][0] for n in SHARED_PARTS)
        and (directory / f"{old}.canonical.nq").is_file()
    ):  # the shared graphs as they were: so are their canonical lines
        files["canonical"] = old, str(directory / f"{old}.canonical.nq")
    else:
        files["canonical"] = kept(canonical_nquads(parts.shared), ".canonical.nq")
    canonical = files["canonical"][1]
    graphs = {ns.graph(name).value: name for name in (*SHARED_PARTS, "inferred")}
    metadata, node = ns.graph("metadata").value, ns.id("article/").value
    metadata_members = [
        Member(
            f"metadata/{a}",
            state.articles[a].metadata,
            cache.part_paths(a, state.articles[a].key)[1],
        )
        for a in parts.order
    ]
    graph_members = [
        Member(
            f"article/{a}", state.articles[a].graph, cache.part_paths(a, state.articles[a].key)[0]
        )
        for a in parts.articles
    ]
    counts = {
        **{g: _lines(parts, name, inferred) for g, name in graphs.items()},
        metadata: sum(state.articles[a].metadata_quads for a in parts.order),
        **{ns.graph(f"article/{a}").value: state.articles[a].graph_quads for a in parts.articles},
    }
    shared = parts.shared_summary
    unplain_namespaces = set(state.unplain) | shared.unplain
    statistics: dict[str, object] = {
        "quads": sum(counts.values()),
        "triples": sum(counts.values()),  # no triple is in two graphs (peacekg.build.parts)
        "classes": len(set(state.classes) | shared.classes),
        "properties": len(set(state.properties) | shared.properties),
        "default_graph_triples": 0,
        "graphs": {g: counts[g] for g in sorted(counts) if counts[g]},
    }
    return Layout(
        directory=directory,
        store=[
            *(StorePart(n, files[n][0], files[n][1], ns.graph(n).value) for n in SHARED_PARTS),
            *(
                StorePart(m.name, m.digest, m.path, metadata, node + m.name.partition("/")[2])
                for m in metadata_members
            ),
            *(StorePart(m.name, m.digest, m.path, ns.graph(m.name).value) for m in graph_members),
            StorePart(
                "inferred", files["inferred"][0], files["inferred"][1], ns.graph("inferred").value
            ),
        ],
        sections=[
            *(Section((Member(n, *files[n]),)) for n in SHARED_PARTS),
            Section(tuple(metadata_members)),
            Section(tuple(graph_members)),
            Section((Member("inferred", *files["inferred"]),), lines=True),
        ],
        canonical=[
            canonical,
            *(m.path for m in metadata_members),
            *(m.path for m in graph_members),
            files["inferred"][1],
        ],
        shared={name: digest for name, (digest, _) in files.items()},
        shared_paths=[path for _, path in files.values()],
        inferred_path=files["inferred"][1],
        inferred=inferred.count(b"\n"),
        quads=sum(counts.values()),
        statistics=statistics,
        prefixes={p: n for p, n in ns.prefixes().items() if n not in unplain_namespaces},
        shared_quads=parts.shared,
        parts=parts,
        diff=(diff := _diff(directory, cache, parts, files)),
        buckets=parts.before.buckets if diff is not None and parts.before else None,
    )


def _diff(
    directory: Path, cache: ArticleCache, parts: Parts, files: dict[str, tuple[str, str]]
) -> Diff | None:
    """What changed since the last build (None: no state, or an old part's file is gone)."""
    before = parts.before
    if before is None:
        return None
    removed: list[bytes] = []
    added: list[bytes] = []

    def diff(old: bytes, new: bytes, into: tuple[list[bytes], list[bytes]]) -> None:
        old_lines = set(old.splitlines(keepends=True))
        new_lines = set(new.splitlines(keepends=True))
        into[0].extend(old_lines - new_lines)
        into[1].extend(new_lines - old_lines)

    shared: tuple[list[bytes], list[bytes]] = ([], [])
    try:
        for article_id in parts.changed | set(before.replaced):
            old, new = before.replaced.get(article_id), parts.articles.get(article_id)
            diff(
                parts.part_bytes(article_id, old.key) if old else b"",
                parts.part_bytes(article_id) if new else b"",
                (removed, added),
            )
        for name in ("inferred", "canonical"):
            if before.shared.get(name) != files[name][0]:
                suffix = ".canonical.nq" if name == "canonical" else ".nq"
                old_data = (directory / f"{before.shared[name]}{suffix}").read_bytes()
                new_data = Path(files[name][1]).read_bytes()
                diff(old_data, new_data, shared if name == "canonical" else (removed, added))
    except (OSError, KeyError):
        return None
    return Diff(removed, added, *shared)


def _lines(parts: Parts, name: str, inferred: bytes) -> int:
    """Quads of a shared part, or of the inferred graph."""
    data = inferred if name == "inferred" else parts.shared_parts[name]
    return data.count(b"\n")
