"""`peacekg draft --evaluate`: how well drafting does, leaving one article out at a time.

For each article with a reviewed mapping, the registry holds only the entities the *other*
articles' mappings name (and the UN's operations and the world's countries, as always); the
article is drafted and compared with its reviewed mapping. A drafted fact matches a reviewed one
when their types, key fields (KEYS) and quotes' spans agree: the spans overlap in the text,
since reviewed quotes were chosen by hand. An entity new to the held-out registry cannot have the
reviewed id: it matches when its label is the reviewed label once normalised, or when a drafted
mention of it overlaps a reviewed mention of a reviewed entity of its kind (both name it with
those words; a reviewer would map the proposal onto that entity).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from peacekg.config import Settings
from peacekg.inputs.located import load_mapping
from peacekg.inputs.registry import Registry
from peacekg.inputs.seeds import Article, load_articles
from peacekg.mapping.drafts import article_mappings
from peacekg.mapping.quotes import QuoteError

from .drafter import Draft, drafter, mappings_besides
from .knowledge import ENTITY_REF
from .metadata import draft_metadata
from .model import normalise, quote_span
from .project import article_mappings_dir, ontology_and_registry
from .publication import earliest

KEYS: dict[str, tuple[str, ...]] = {
    "mention": ("entity",),
    "rank": ("person", "rank"),
    "post": ("member", "role"),
    "deployment": ("member", "operation"),
    "figure": ("value", "kind", "unit"),
    "event": ("kind", "date"),
    "group": ("group",),
    "hosting": ("operation",),
    "classification": ("subject",),
    "identity": ("entities",),
}
GOAL = ("rank", "figure", "deployment", "dated event")
"""The rows the goals (precision and recall >= 0.8) are set on."""
GOAL_ROW = "goal: " + ", ".join(GOAL)


@dataclass(frozen=True)
class Fact:
    """A fact of either side, reduced to what is compared."""

    type: str
    fields: dict[str, object]
    start: int
    end: int
    when: str
    status: str

    @property
    def row(self) -> str:
        return "dated event" if self.type == "event" and self.fields.get("date") else self.type


@dataclass
class Tally:
    """Drafted against reviewed facts for one row (a fact type) or one article."""

    drafted: int = 0
    reviewed: int = 0
    matched: int = 0
    timed: int = 0
    """Matched facts whose `when` and `status` are the reviewed ones."""

    def add(self, other: Tally) -> None:
        for name in ("drafted", "reviewed", "matched", "timed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def precision(self) -> float:
        return self.matched / self.drafted if self.drafted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.reviewed if self.reviewed else 1.0


@dataclass
class Evaluation:
    """What `peacekg draft --evaluate` measures: per row, quotes, per article, metadata."""

    rows: dict[str, Tally] = field(default_factory=dict)
    quotes: int = 0
    verbatim: int = 0
    per_article: dict[str, Tally] = field(default_factory=dict)
    metadata: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Metadata field -> (articles where the draft is right, articles compared)."""

    def row(self, name: str) -> Tally:
        return self.rows.setdefault(name, Tally())

    @property
    def goal(self) -> Tally:
        total = Tally()
        for name in GOAL:
            total.add(self.row(name))
        return total


def _canonical(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps({str(k): _canonical(v) for k, v in value.items()}, sort_keys=True)
    if isinstance(value, list):
        return json.dumps([_canonical(v) for v in value])
    return str(value)


def _date(when: object) -> str | None:
    """The date a `when:` gives (its start or instant), if it gives one."""
    if isinstance(when, dict):
        when = when.get("start") or when.get("at")
    text = _canonical(when) if when is not None else ""
    return text if text[:4].isdigit() else None


def _fact(node: dict[str, object], text: str) -> Fact | None:
    kind = str(node.get("type"))
    try:
        span = quote_span(text, node)
    except QuoteError:
        return None
    fields = {key: node.get(key) for key in KEYS.get(kind, ())}
    if kind == "event":
        fields["date"] = _date(node.get("when"))
    return Fact(
        kind,
        fields,
        span.start,
        span.end,
        _canonical(node.get("when")),
        str(node.get("status") or "actual"),
    )


def facts_of(top: dict[str, object], text: str) -> list[Fact]:
    """The facts of a mapping (drafted or reviewed) whose quotes are found in the text."""
    nodes = top.get("facts") or []
    found = [_fact(n, text) for n in nodes if isinstance(n, dict)]  # type: ignore[union-attr]
    return [f for f in found if f is not None]


def held_out_registry(
    registry: Registry, others: Iterable[Path], articles: dict[str, Article], article_id: str
) -> Registry:
    """The registry as it would be without the article: what the other mappings name."""
    named = {a.author for i, a in articles.items() if i != article_id and a.author}
    for path in others:
        for fact in load_mapping(path, "an article's mapping").get("facts") or []:
            for value in fact.values() if isinstance(fact, dict) else []:
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str) and ENTITY_REF.match(item):
                        named.add(item)
    kept = {ref: e for ref, e in registry.entities.items() if ref in named}
    return Registry(kept, [], registry.path)


def _aligned(
    draft: Draft, drafted: list[Fact], reviewed: list[Fact], registry: Registry, held_out: Registry
) -> dict[str, set[str]]:
    """For each entity the draft proposes, the reviewed entities it is (see the module doc)."""
    labels = {p.ref: normalise(p.label) for p in draft.proposals}
    new = {ref: e for ref, e in registry.entities.items() if ref not in held_out.entities}
    aligned: dict[str, set[str]] = {ref: set() for ref in labels}
    for ref, label in labels.items():
        aligned[ref] |= {r for r, e in new.items() if normalise(e.label) == label}
    mentions = [
        (f, g)
        for f in drafted
        if f.type == "mention"
        for g in reviewed
        if g.type == "mention" and f.start < g.end and g.start < f.end
    ]
    for f, g in mentions:
        mine, theirs = str(f.fields["entity"]), str(g.fields["entity"])
        if mine in aligned and mine.split("/")[0] == theirs.split("/")[0]:
            aligned[mine].add(theirs)
    return aligned


def _same(mine: object, theirs: object, aligned: dict[str, set[str]]) -> bool:
    if isinstance(mine, list) or isinstance(theirs, list):
        a = mine if isinstance(mine, list) else [mine]
        b = theirs if isinstance(theirs, list) else [theirs]
        return len(a) == len(b) and all(_same(x, y, aligned) for x, y in zip(a, b, strict=True))
    if _canonical(mine) == _canonical(theirs):
        return True
    return isinstance(mine, str) and str(theirs) in aligned.get(mine, set())


def compare(
    drafted: list[Fact], reviewed: list[Fact], aligned: dict[str, set[str]]
) -> dict[str, Tally]:
    """Per row: counts, and the greedy one-to-one matches (largest overlap first)."""
    rows: dict[str, Tally] = {}
    for f in drafted:
        rows.setdefault(f.row, Tally()).drafted += 1
    used: set[int] = set()
    for g in reviewed:
        tally = rows.setdefault(g.row, Tally())
        tally.reviewed += 1
        fits = [
            (min(f.end, g.end) - max(f.start, g.start), i)
            for i, f in enumerate(drafted)
            if i not in used
            and f.type == g.type
            and f.start < g.end
            and g.start < f.end
            and all(_same(f.fields.get(k), g.fields.get(k), aligned) for k in g.fields)
        ]
        if fits:
            i = max(fits)[1]
            used.add(i)
            tally.matched += 1
            tally.timed += drafted[i].when == g.when and drafted[i].status == g.status
    return rows


def evaluate(settings: Settings) -> Evaluation:
    """Draft each reviewed article with a registry held out from it, and compare."""
    ontology, registry = ontology_and_registry(settings)
    articles = load_articles(settings.seeds_dir)
    articles_dir = article_mappings_dir(settings)
    result = Evaluation()
    for path in article_mappings(articles_dir):
        article = articles[path.stem]
        others = mappings_besides(articles_dir, article.id)
        held_out = held_out_registry(registry, others, articles, article.id)
        draft = drafter(held_out, ontology, others, settings.mappings_dir).draft(article)
        written = yaml.safe_load(draft.text())
        drafted = facts_of(written, article.text)
        result.quotes += len(written["facts"])
        result.verbatim += len(drafted)
        reviewed = facts_of(load_mapping(path, "an article's mapping"), article.text)
        aligned = _aligned(draft, drafted, reviewed, registry, held_out)
        total = Tally()
        for name, tally in compare(drafted, reviewed, aligned).items():
            result.row(name).add(tally)
            if name in GOAL:
                total.add(tally)
        result.per_article[article.id] = total
    result.metadata = compare_metadata(settings, articles, registry)
    return result


def compare_metadata(
    settings: Settings, articles: dict[str, Article], registry: Registry
) -> dict[str, tuple[int, int]]:
    """`peacekg add`'s drafted metadata of each seed text against seeds/articles.yaml."""
    bound = earliest(settings.mappings_dir)
    scores: dict[str, list[int]] = {}
    for article in articles.values():
        drafted = draft_metadata(article.text, dt.date.today(), bound)
        author = registry.entities[article.author].label if article.author else None
        pairs = {
            "title": (drafted.title.value, article.title),
            "published": (_value(drafted.when.published), article.published),
            "modified": (_value(drafted.when.modified), article.modified),
            "publisher": (_value(drafted.publisher), article.publisher),
            "source": (_value(drafted.source), article.source),
            "author": (_value(drafted.author), author),
            "dateline": (_value(drafted.dateline), article.dateline),
            "language": (drafted.language, article.language),
        }
        for name, (mine, theirs) in pairs.items():
            score = scores.setdefault(name, [0, 0])
            score[0] += mine == theirs
            score[1] += 1
    return {name: (right, total) for name, (right, total) in scores.items()}


def _value(stated: object) -> object:
    """The value of a drafted metadata field (`Stated`), or None where the text states none."""
    return getattr(stated, "value", None)


def report(result: Evaluation) -> str:
    """The table `peacekg draft --evaluate` prints."""
    lines = [
        f"{'':46} {'drafted':>7} {'reviewed':>8} {'matched':>7} {'precision':>9} "
        f"{'recall':>6} {'when+status':>11}"
    ]
    order = [*KEYS, "dated event"]
    rows = [
        ("event (undated)" if name == "event" else name, result.rows[name])
        for name in order
        if name in result.rows
    ]
    everything = Tally()
    for _, tally in rows:
        everything.add(tally)
    rows += [(GOAL_ROW, result.goal), ("all", everything)]
    for name, t in rows:
        timed = f"{t.timed / t.matched:.2f}" if t.matched else "-"
        lines.append(
            f"{name:46} {t.drafted:>7} {t.reviewed:>8} {t.matched:>7} {t.precision:>9.2f} "
            f"{t.recall:>6.2f} {timed:>11}"
        )
    share = result.verbatim / result.quotes if result.quotes else 1.0
    lines.append(f"quotes found verbatim: {result.verbatim}/{result.quotes} ({share:.0%})")
    lines.append(
        "per article (goal rows): "
        + ", ".join(
            f"{a} P {t.precision:.2f} R {t.recall:.2f}" for a, t in result.per_article.items()
        )
    )
    if result.metadata:
        lines.append(
            "metadata right: "
            + ", ".join(
                f"{name} {right}/{total}" for name, (right, total) in result.metadata.items()
            )
        )
    return "\n".join(lines)
