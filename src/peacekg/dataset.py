"""Assemble the whole dataset in memory: ontology, registry, article metadata, article graphs.

This is the one place the inputs meet; it gathers every source error it can in one pass so a
curator sees all the broken quotes at once, and it refuses to return a partial dataset.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Quad

from peacekg.compiler import compile_mapping
from peacekg.config import Settings
from peacekg.errors import BuildErrors, SourceError
from peacekg.metadata import metadata_quads
from peacekg.namespaces import Namespaces
from peacekg.ontology import load_ontology
from peacekg.registry import load_registry
from peacekg.seeds import load_articles

ARTICLE_MAPPINGS = "articles"


@dataclass(frozen=True)
class Dataset:
    quads: list[Quad]
    articles: list[str]


def assemble(settings: Settings) -> Dataset:
    """Every quad of the graph, or BuildErrors listing each problem with its file and line."""
    ns = Namespaces(settings.base_iri)
    ontology = load_ontology(settings.ontology_dir, ns)
    articles = load_articles(settings.seeds_dir)
    registry = load_registry(settings.mappings_dir, ns, ontology, settings.root)
    try:
        metadata = metadata_quads(articles, registry, ns, settings.root)
    except ValueError as exc:
        raise SourceError(settings.seeds_dir / "articles.yaml", None, str(exc)) from None

    errors: list[SourceError] = []
    quads: list[Quad] = [*ontology.quads, *registry.quads, *metadata]
    mapped: dict[str, str] = {}
    referenced: set[str] = set()
    referenced.update(a.author for a in articles.values() if a.author)
    paths = sorted((settings.mappings_dir / ARTICLE_MAPPINGS).glob("*.yaml"))
    for path in paths:
        try:
            article_id, article_quads, refs = compile_mapping(
                path, articles, registry, ontology, ns, settings.root
            )
        except SourceError as exc:
            errors.append(exc)
            continue
        if article_id in mapped:
            errors.append(
                SourceError(
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
                SourceError(
                    settings.seeds_dir / "articles.yaml",
                    articles[article_id].line,
                    f"article {article_id!r} has no mapping in mappings/{ARTICLE_MAPPINGS}/",
                )
            )
        for ref, entity in registry.entities.items():
            if ref not in referenced:
                errors.append(
                    SourceError(
                        entity.node.path,
                        entity.node.line,
                        f"{ref} is not mentioned by any article: map a quote that names it",
                    )
                )
    if errors:
        raise BuildErrors(errors)
    return Dataset(quads=quads, articles=sorted(mapped))
