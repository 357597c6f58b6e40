"""Where drafting finds an article, its mapping and the inputs a draft is checked against.

`add`, `draft`, `review` and the evaluation look these up the same way, here. An article's
mapping is mappings/articles/<id>.yaml, as for the build (`build.dataset.ARTICLE_MAPPINGS`,
which drafting may not import: it is downstream).
"""

from __future__ import annotations

from pathlib import Path

from peacekg.config import Settings
from peacekg.inputs.ontology import Ontology, load_ontology
from peacekg.inputs.registry import Registry, load_registry
from peacekg.inputs.seeds import Article
from peacekg.namespaces import Namespaces

ARTICLE_MAPPINGS = "articles"
"""mappings/articles/, where an article's mapping is named after its id."""


def article_mappings_dir(settings: Settings) -> Path:
    """mappings/articles/."""
    return settings.mappings_dir / ARTICLE_MAPPINGS


def mapping_path(settings: Settings, article_id: str) -> Path:
    """An article's mapping: mappings/articles/<id>.yaml."""
    return article_mappings_dir(settings) / f"{article_id}.yaml"


def known_article(articles: dict[str, Article], article_id: str) -> Article:
    """The article of seeds/articles.yaml with this id; ValueError naming the known ones."""
    if article_id not in articles:
        raise ValueError(
            f"unknown article {article_id!r} (not in seeds/articles.yaml; add it with "
            f"peacekg add); known: {', '.join(sorted(articles))}"
        )
    return articles[article_id]


def ontology_and_registry(settings: Settings) -> tuple[Ontology, Registry]:
    """The ontology and the registry, loaded as the build loads them."""
    ns = Namespaces(settings.base_iri)
    ontology = load_ontology(settings.ontology_dir, ns)
    return ontology, load_registry(settings.mappings_dir, ns, ontology, settings.root)
