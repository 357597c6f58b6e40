"""`peacekg draft ARTICLE [--force]` and `peacekg draft --evaluate`.

Writes mappings/articles/ARTICLE.yaml with every fact a draft. A mapping that holds a reviewed
fact (one not marked `review: draft`) is never overwritten: `--force` writes ARTICLE.draft.yaml
beside it, which the build does not read.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from peacekg.config import Settings
from peacekg.files import write_atomically
from peacekg.inputs.located import load_mapping
from peacekg.inputs.seeds import load_articles
from peacekg.mapping.drafts import DRAFT_SUFFIX, is_draft

from .drafter import Draft, drafter, mappings_besides
from .evaluate import evaluate, report
from .project import article_mappings_dir, known_article, ontology_and_registry


def reviewed_facts(path: Path) -> int:
    """How many facts of a mapping are not drafts (0 if there is no such file)."""
    if not path.exists():
        return 0
    facts = load_mapping(path, "an article's mapping").get("facts")
    return sum(not is_draft(f) for f in facts) if isinstance(facts, list) else 0


def target(articles_dir: Path, article_id: str, force: bool) -> Path:
    """Where the draft goes; ValueError rather than overwrite a reviewed fact."""
    path = articles_dir / f"{article_id}.yaml"
    if reviewed := reviewed_facts(path):
        if not force:
            raise ValueError(
                f"{path} holds {reviewed} reviewed fact(s) and is never overwritten; "
                f"--force writes {article_id}{DRAFT_SUFFIX} beside it"
            )
        path = articles_dir / f"{article_id}{DRAFT_SUFFIX}"
        if reviewed := reviewed_facts(path):
            raise ValueError(f"{path} holds {reviewed} accepted fact(s); move or delete it first")
    return path


def draft_article(settings: Settings, article_id: str) -> Draft:
    """The draft of one article of seeds/articles.yaml, against the whole registry."""
    article = known_article(load_articles(settings.seeds_dir), article_id)
    ontology, registry = ontology_and_registry(settings)
    others = mappings_besides(article_mappings_dir(settings), article_id)
    return drafter(registry, ontology, others, settings.mappings_dir).draft(article)


def write_draft(settings: Settings, article_id: str, force: bool = False) -> tuple[Path, Draft]:
    """Draft an article and write it where `target` says (never over a reviewed fact)."""
    draft = draft_article(settings, article_id)
    path = target(article_mappings_dir(settings), article_id, force)
    write_atomically(path, draft.text().encode())
    return path, draft


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.evaluate:
        print(report(evaluate(settings)))
        return 0
    if not args.article:
        raise ValueError("give the ARTICLE to draft (or --evaluate)")
    path, draft = write_draft(settings, args.article, args.force)
    kinds = Counter(c.type for c in draft.candidates)
    shown = path.relative_to(settings.root) if path.is_relative_to(settings.root) else path
    print(
        f"wrote {shown}: {len(draft.candidates)} draft fact(s) "
        f"({', '.join(f'{n} {k}' for k, n in kinds.most_common())}), "
        f"{len(draft.proposals)} entit(ies) proposed in draft_registry"
    )
    print(f"next: peacekg review {args.article}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    d = subparsers.add_parser(
        "draft",
        help="draft an article's mapping (every fact marked review: draft), or --evaluate",
        description=__doc__,
    )
    d.add_argument("article", nargs="?", metavar="ARTICLE", help="article id in seeds/")
    d.add_argument(
        "--force",
        action="store_true",
        help=f"if ARTICLE.yaml holds reviewed facts, write ARTICLE{DRAFT_SUFFIX} beside it",
    )
    d.add_argument(
        "--evaluate",
        action="store_true",
        help="draft each reviewed article with the registry of the others; print precision "
        "and recall per fact type",
    )
    d.set_defaults(run=_run)
