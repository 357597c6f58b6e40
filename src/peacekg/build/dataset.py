"""Assemble the whole dataset in memory: ontology, registry, article metadata, article graphs.

This is the one place the inputs meet; it gathers every source error it can in one pass so a
curator sees all the broken quotes at once, and it refuses to return a partial dataset.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, Quad

from peacekg.build.cache import ArticleCache, digest, shared_inputs
from peacekg.config import Settings
from peacekg.errors import BuildErrors, InputError
from peacekg.inputs.ontology import Ontology, load_ontology
from peacekg.inputs.registry import Registry, load_registry
from peacekg.inputs.seeds import Article, load_articles
from peacekg.mapping.compiler import compile_mapping
from peacekg.mapping.drafts import article_mappings
from peacekg.mapping.metadata import metadata_quads
from peacekg.namespaces import PROV, Namespaces
from peacekg.progress import progress

ARTICLE_MAPPINGS = "articles"


@dataclass(frozen=True)
class Dataset:
    """Every asserted quad, and what a build needs to check only what changed."""

    quads: list[Quad]
    articles: list[str]
    registry: Registry
    shared: list[Quad]
    """Ontology, registry and the metadata about no one article: what every article's checks
    need."""
    metadata: list[Quad]
    """The metadata graph: one node per article, each described by its own quads only."""
    unchecked: dict[str, list[Quad]]
    """Article graphs, with their article's metadata, not yet validated by a successful build
    (all of them without a cache)."""
    keys: dict[str, str]
    """Article id -> cache key of its inputs."""

    def to_check(self) -> list[Quad]:
        """What a build validates and has HermiT check: the shared graphs, with the new or
        changed articles only, since those checked with these exact inputs need no second
        look (docs/reasoning.md)."""
        return self.shared + [q for quads in self.unchecked.values() for q in quads]


def _article_key(shared: bytes, article: Article, mapping: Path, mapped: bytes = b"") -> str:
    """The cache key of an article: the SHA-256 of everything its graph depends on (its
    text by its checksum, which `about` holds). `mapped`: the SHA-256 of its mapping's bytes,
    if known (else they are read)."""
    about = repr(
        (
            article.id,
            article.sha256,
            article.title,
            article.language,
            article.published,
            article.bounds,
            article.modified,
            article.publisher,
            article.source,
            article.author,
            article.dateline,
            article.line,  # the metadata names its line in articles.yaml
        )
    )
    mapped = mapped or hashlib.sha256(mapping.read_bytes()).digest()
    return digest(shared, about.encode(), mapped)


def _dangling_derivations(quads: list[Quad], ns: Namespaces) -> list[InputError]:
    """Derived claims may name claims of other articles; each must exist in the dataset."""
    claims = ns.id("claim/").value
    derived_from, source = NamedNode(PROV + "wasDerivedFrom"), ns.pk("mappingSource")
    named = [q for q in quads if q.predicate == derived_from and q.object.value.startswith(claims)]
    if not named:
        return []
    where = {q.subject: q.object.value for q in quads if q.predicate == source}
    return [
        InputError(
            Path(where[q.subject].rsplit(":", 1)[0]),
            int(where[q.subject].rsplit(":", 1)[1]),
            f"derived_from names {q.object.value}, which no mapping makes",
        )
        for q in named
        if q.object not in where
    ]


@dataclass(frozen=True)
class _Inputs:
    """What every article's graph is compiled against, read once per build."""

    ns: Namespaces
    ontology: Ontology
    articles: dict[str, Article]
    registry: Registry
    metadata: list[Quad]


@dataclass(frozen=True)
class _ArticleGraph:
    """One article's graph, read back from the cache or compiled by this build."""

    quads: list[Quad]
    references: set[str]
    """The registry entries the article's mapping names."""
    key: str
    """The cache key of its inputs."""
    checked: bool
    """Validated by an earlier, successful build, with these exact inputs."""


def assemble(settings: Settings, cache: ArticleCache | None = None) -> Dataset:
    """Every quad of the graph, or BuildErrors listing each problem with its file and line.

    With a cache, an article whose inputs are unchanged is read back instead of compiled.
    """
    inputs = _read_inputs(settings, cache)
    general, about = _split_metadata(inputs)
    graphs, errors = _map_articles(settings, inputs, cache)
    shared = [*inputs.ontology.quads, *inputs.registry.quads]
    quads = [*shared, *inputs.metadata, *(q for g in graphs.values() for q in g.quads)]
    if not errors:  # what is missing only means something once every mapping compiled
        errors = [
            *_unmapped(settings, inputs, graphs),
            *_unmentioned(
                inputs, set().union(*(g.references for g in graphs.values())).__contains__
            ),
            *_dangling_derivations(quads, inputs.ns),
        ]
    if errors:
        raise BuildErrors(errors)
    return Dataset(
        quads=quads,
        articles=sorted(graphs),
        registry=inputs.registry,
        shared=shared + general,
        metadata=inputs.metadata,
        unchecked={a: g.quads + about.get(a, []) for a, g in graphs.items() if not g.checked},
        keys={a: g.key for a, g in graphs.items()},
    )


def _read_inputs(settings: Settings, cache: ArticleCache | None, metadata: bool = True) -> _Inputs:
    """The inputs every article is compiled against; the metadata graph too, unless the
    caller makes each article's node itself (`assemble_parts`)."""
    ns = Namespaces(settings.base_iri)
    ontology = load_ontology(settings.ontology_dir, ns)
    articles = load_articles(settings.seeds_dir, cache.parsed if cache else None)
    registry = load_registry(
        settings.mappings_dir, ns, ontology, settings.root, cache.parsed if cache else None
    )
    nodes = metadata_quads(articles, registry, ns, settings.root) if metadata else []
    return _Inputs(ns, ontology, articles, registry, nodes)


def _split_metadata(inputs: _Inputs) -> tuple[list[Quad], dict[str, list[Quad]]]:
    """The metadata quads about no one article, checked with the shared graphs in every build,
    and those of each article's node, checked with that article only."""
    node_of = {inputs.ns.id(f"article/{a}").value: a for a in inputs.articles}
    general: list[Quad] = []
    about: dict[str, list[Quad]] = {}
    for quad in inputs.metadata:
        owner = node_of.get(quad.subject.value)
        if owner is None:
            general.append(quad)
        else:
            about.setdefault(owner, []).append(quad)
    return general, about


def _map_articles(
    settings: Settings, inputs: _Inputs, cache: ArticleCache | None
) -> tuple[dict[str, _ArticleGraph], list[InputError]]:
    """Each mapping's article graph, by article id in file order, and the mappings' errors
    (all of them, not only the first)."""
    shared_key = shared_inputs(settings.root, settings.base_iri)
    paths = article_mappings(settings.mappings_dir / ARTICLE_MAPPINGS)
    graphs: dict[str, _ArticleGraph] = {}
    errors: list[InputError] = []
    for path in progress(
        paths, len(paths), "mapping articles", None if len(paths) > 100 else False
    ):
        try:
            graphs[path.stem] = _article_graph(path, settings, inputs, cache, shared_key)
        except InputError as exc:
            errors.append(exc)
    return graphs, errors


def _article_graph(
    path: Path, settings: Settings, inputs: _Inputs, cache: ArticleCache | None, shared_key: bytes
) -> _ArticleGraph:
    """The graph of the article a mapping is named after; a mapping's file names its article,
    so no two mappings can map one article."""
    article = inputs.articles.get(path.stem)
    if article is None:
        message = f"no article {path.stem!r}: a mapping is named after its article's id"
        raise InputError(path, None, message)
    key = _article_key(shared_key, article, path)
    entry = cache.get(article.id, key) if cache else None
    if entry is not None:
        return _ArticleGraph(entry.quads, entry.references, key, entry.checked)
    article_id, quads, references = compile_mapping(
        path, inputs.articles, inputs.registry, inputs.ontology, inputs.ns, settings.root
    )
    if article_id != path.stem:
        message = f"maps {article_id!r}, so it must be named {article_id}.yaml"
        raise InputError(path, None, message)
    if cache:
        cache.put(article_id, key, quads, references)
    return _ArticleGraph(quads, references, key, checked=False)


def _unmapped(settings: Settings, inputs: _Inputs, mapped: Collection[str]) -> list[InputError]:
    """An article without a mapping would be published without a single claim. `mapped`: the
    ids of the articles that have one (also the parts' build, build.incremental)."""
    return [
        InputError(
            settings.seeds_dir / "articles.yaml",
            inputs.articles[article_id].line,
            f"article {article_id!r} has no mapping in mappings/{ARTICLE_MAPPINGS}/",
        )
        for article_id in sorted(set(inputs.articles) - set(mapped))
    ]


def _unmentioned(inputs: _Inputs, mentioned: Callable[[str], bool]) -> list[InputError]:
    """The registry holds only entities some article names (in a quote, or as its author).
    `mentioned`: whether an article's facts name the entity (also for the parts' build)."""
    authors = {a.author for a in inputs.articles.values() if a.author}
    return [
        InputError(
            entity.node.path,
            entity.node.line,
            f"{ref} is not mentioned by any article: map a quote that names it",
        )
        for ref, entity in inputs.registry.entities.items()
        if ref not in authors and not mentioned(ref)
    ]
