"""Assemble the whole dataset in memory: ontology, registry, article metadata, article graphs.

This is the one place the inputs meet; it gathers every source error it can in one pass so a
curator sees all the broken quotes at once, and it refuses to return a partial dataset.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, Quad

from peacekg.build.cache import ArticleCache, digest, shared_inputs
from peacekg.mapping.compiler import compile_mapping
from peacekg.config import Settings
from peacekg.errors import BuildErrors, InputError
from peacekg.mapping.metadata import metadata_quads
from peacekg.namespaces import PROV, Namespaces
from peacekg.inputs.ontology import load_ontology
from peacekg.progress import progress
from peacekg.inputs.registry import Registry, load_registry
from peacekg.inputs.seeds import Article, load_articles

ARTICLE_MAPPINGS = "articles"


@dataclass(frozen=True)
class Dataset:
    quads: list[Quad]
    articles: list[str]
    registry: Registry
    shared: list[Quad]
    """Ontology and registry: the graphs every article's checks need."""
    metadata: list[Quad]
    """The metadata graph: one node per article, each described by its own quads only."""
    unchecked: dict[str, list[Quad]]
    """Article graphs, with their article's metadata, not yet validated by a successful build
    (all of them without a cache)."""
    keys: dict[str, str]
    """Article id -> cache key of its inputs."""


def _article_key(shared: bytes, article: Article, mapping: Path) -> str:
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
    return digest(shared, article.text.encode(), about.encode(), mapping.read_bytes())


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


def assemble(settings: Settings, cache: ArticleCache | None = None) -> Dataset:
    """Every quad of the graph, or BuildErrors listing each problem with its file and line.

    With a cache, an article whose inputs are unchanged is read back instead of compiled.
    """
    ns = Namespaces(settings.base_iri)
    ontology = load_ontology(settings.ontology_dir, ns)
    articles = load_articles(settings.seeds_dir, cache.parsed if cache else None)
    registry = load_registry(settings.mappings_dir, ns, ontology, settings.root)
    try:
        metadata = metadata_quads(articles, registry, ns, settings.root)
    except ValueError as exc:
        raise InputError(settings.seeds_dir / "articles.yaml", None, str(exc)) from None

    errors: list[InputError] = []
    shared = [*ontology.quads, *registry.quads]
    quads: list[Quad] = [*shared, *metadata]
    node_of = {ns.id(f"article/{a}").value: a for a in articles}
    about: dict[str, list[Quad]] = {}  # article id -> the metadata quads of its node
    for quad in metadata:
        owner = node_of.get(quad.subject.value)
        if owner is None:  # about no one article: checked with the shared graphs, always
            shared.append(quad)
        else:
            about.setdefault(owner, []).append(quad)
    shared_key = shared_inputs(settings.root, settings.base_iri)
    unchecked: dict[str, list[Quad]] = {}
    keys: dict[str, str] = {}
    mapped: dict[str, str] = {}
    referenced: set[str] = set()
    referenced.update(a.author for a in articles.values() if a.author)
    paths = sorted((settings.mappings_dir / ARTICLE_MAPPINGS).glob("*.yaml"))
    for path in progress(
        paths, len(paths), "mapping articles", None if len(paths) > 100 else False
    ):
        if path.stem not in articles:
            message = f"no article {path.stem!r}: a mapping is named after its article's id"
            errors.append(InputError(path, None, message))
            continue
        key = _article_key(shared_key, articles[path.stem], path)
        entry = cache.get(path.stem, key) if cache else None
        if entry is not None:
            article_id, article_quads, refs = path.stem, entry.quads, entry.references
        else:
            try:
                article_id, article_quads, refs = compile_mapping(
                    path, articles, registry, ontology, ns, settings.root
                )
            except InputError as exc:
                errors.append(exc)
                continue
            if article_id != path.stem:
                message = f"maps {article_id!r}, so it must be named {article_id}.yaml"
                errors.append(InputError(path, None, message))
                continue
            if cache:
                cache.put(article_id, key, article_quads, refs)
        keys[article_id] = key
        if entry is None or not entry.checked:
            unchecked[article_id] = article_quads + about.get(article_id, [])
        if article_id in mapped:
            errors.append(
                InputError(
                    path, None, f"article {article_id!r} is already mapped by {mapped[article_id]}"
                )
            )
            continue
        mapped[article_id] = path.name
        quads.extend(article_quads)
        referenced |= refs
    if not errors:
        for article_id in sorted(set(articles) - set(mapped)):
            errors.append(
                InputError(
                    settings.seeds_dir / "articles.yaml",
                    articles[article_id].line,
                    f"article {article_id!r} has no mapping in mappings/{ARTICLE_MAPPINGS}/",
                )
            )
        for ref, entity in registry.entities.items():
            if ref not in referenced:
                errors.append(
                    InputError(
                        entity.node.path,
                        entity.node.line,
                        f"{ref} is not mentioned by any article: map a quote that names it",
                    )
                )
        errors.extend(_dangling_derivations(quads, ns))
    if errors:
        raise BuildErrors(errors)
    return Dataset(quads, sorted(mapped), registry, shared, metadata, unchecked, keys)
