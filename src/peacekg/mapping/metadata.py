"""The metadata graph: one schema:NewsArticle per seed, with its exact text and checksum."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Quad

from peacekg.errors import InputError
from peacekg.inputs.located import source_line
from peacekg.inputs.registry import Entity, Registry
from peacekg.inputs.seeds import Article
from peacekg.namespaces import DCTERMS, PROV, RDFS, SCHEMA, A, Namespaces, iri
from peacekg.terms import date_literal, text_literal

QUOTE_RIGHTS = (
    "The article text and the quotes taken from it remain the work of its publisher; they are "
    "included, credited, so that every claim can be checked. The dataset's own statements are CC0."
)


def metadata_quads(
    articles: dict[str, Article], registry: Registry, ns: Namespaces, root: Path
) -> list[Quad]:
    return [
        q for article in articles.values() for q in article_metadata(article, registry, ns, root)
    ]


def article_metadata(
    article: Article, registry: Registry, ns: Namespaces, root: Path
) -> list[Quad]:
    """One article's node in the metadata graph: made of that article's metadata alone."""
    graph = ns.graph("metadata")
    quads: list[Quad] = []
    node = ns.id(f"article/{article.id}")

    def add(p: str, o: object) -> None:
        quads.append(Quad(node, iri(p), o, graph))  # type: ignore[arg-type]

    add(A.value, ns.pk("Article"))
    add(ns.pk("mappingSource").value, source_line(article.metadata_path, article.line, root))
    add(SCHEMA + "headline", text_literal(article.title, article.language))
    add(RDFS + "label", text_literal(article.title, article.language))
    add(SCHEMA + "inLanguage", text_literal(article.language, None))
    add(SCHEMA + "text", text_literal(article.text, article.language))
    add(ns.pk("sourceFile").value, text_literal(article.path.name, None))
    add(ns.pk("sha256").value, text_literal(article.sha256, None))
    add(DCTERMS + "rights", text_literal(QUOTE_RIGHTS))
    if article.published:
        add(SCHEMA + "datePublished", date_literal(article.published))
    if article.modified:
        add(SCHEMA + "dateModified", date_literal(article.modified))
    if article.bounds:
        add(ns.pk("publishedNotBefore").value, date_literal(article.bounds.not_before))
        add(ns.pk("publishedNotAfter").value, date_literal(article.bounds.not_after))
        add(ns.pk("dateReasoning").value, text_literal(article.bounds.reasoning))
    if article.publisher:
        add(ns.pk("publisherAsStated").value, text_literal(article.publisher, None))
    if article.source:
        add(ns.pk("sourceAsStated").value, text_literal(article.source, None))
    if article.dateline:
        add(ns.pk("dateline").value, text_literal(article.dateline, None))
    if article.author:
        author = _author(article, registry)
        add(SCHEMA + "author", author.iri)
        add(PROV + "wasAttributedTo", author.iri)
    return quads


def _author(article: Article, registry: Registry) -> Entity:
    """The registry's person an article names as its author, or an error at its metadata."""
    try:
        return registry.resolve(article.author, ("person",))
    except ValueError as exc:
        message = f"article {article.id}: field 'author': {exc}"
        raise InputError(article.metadata_path, article.line, message) from None
