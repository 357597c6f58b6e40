#!/usr/bin/env python3
"""Write a synthetic peacekg project, shaped like the real articles, at research scale.

Why: performance work needs 10k-100k articles that the real pipeline builds unchanged, with
the same mix of facts as the curated ones. Every distribution is read from the real project at
run time (fact types, which fields a fact uses and how they co-occur, code values, qualifiers,
date precisions, list lengths, how often figures repeat or disagree across articles, entity
reuse), so the corpus follows the real mappings as they grow. Each synthetic article is modelled
on one real article: its facts are resampled from that article's facts, with every entity, date,
number and quote replaced by synthetic ones, and its text is assembled from one sentence per
fact, so every quote is verbatim and occurs exactly once. Dates in `when:` keep their place
relative to publication (an actual fact never lies after its article's date), and derived
claims point at facts the synthetic corpus holds; no waivers are written.

Real articles hold ~1,000 triples; synthetic ones are calibrated (by building two small pilot
corpora) to about --triples-per-article (100), so 10,000 articles make ~1M triples.

    .venv/bin/python bench/generate.py --articles 10000 --seed 1 --out /tmp/corpus
    .venv/bin/peacekg --build-dir /tmp/corpus/build build     # with PEACEKG_ROOT=/tmp/corpus
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import math
import random
import re
import shutil
import sys
import tempfile
import time
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from peacekg.progress import progress

REAL_ROOT = Path(__file__).resolve().parents[1]
COPIED = ("ontology", "shapes", "queries")
MARKER = "bench-corpus.json"
KEYWORDS = frozenset({"present", "past", "future", "publication"})
"""Words a `when:` uses instead of a date (docs/mappings.md); they are kept as they are."""
ANCHORS = ("start", "at", "end", "not_before", "not_after")
"""The keys of a `when:` that hold times, in time order (each may nest bounds)."""
DERIVATION = ("derived_from", "rule")
"""Fields of a derived claim; rewritten per article, never copied from the model."""
DEFAULT_TRIPLES_PER_ARTICLE = 100
BAR_FROM = 1000
"""Show progress bars from this many articles on."""
RECENT_CLAIMS = 100
"""Claims of earlier articles kept per fact type, for derivations that cross articles."""

try:  # libyaml is ~10x faster for 100k small files; the output is the same YAML
    _Loader: Any = yaml.CSafeLoader
    _Dumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    _Loader, _Dumper = yaml.SafeLoader, yaml.SafeDumper


def pool_sizes(articles: int) -> dict[str, int]:
    """How many entities of each kind a corpus of `articles` draws on.

    Persons grow with the corpus (~N/5, officers recur across articles and missions); the world
    has a bounded number of missions, places and institutions. Units and groups grow slowly.
    """
    return {
        "person": max(1, articles // 5),
        "operation": 60,
        "place": 80,
        "organization": 40,
        "unit": max(3, articles // 100),
        "group": max(1, articles // 200),
    }


# ---------------------------------------------------------------- the real project, measured


def _sections() -> dict[str, tuple[str, str | None]]:
    """Registry section -> (reference kind, default class): the pipeline's own table."""
    from peacekg.inputs.registry import SECTIONS

    return dict(SECTIONS)


def load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)


@dataclass
class Model:
    """One real article: its metadata entry and its facts, the templates of synthetic ones."""

    meta: dict[str, Any]
    facts: list[dict[str, Any]]

    @property
    def published(self) -> str:
        """Its publication date, or the latest the bounds of an undated one allow (ISO)."""
        value = self.meta.get("published")
        if not isinstance(value, dt.date):
            value = (self.meta.get("bounds") or {}).get("not_after")
        return _iso(value) if isinstance(value, dt.date) else "9999"


@dataclass
class Profile:
    """What the real project looks like, measured from its files."""

    sections: dict[str, tuple[str, str | None]]
    registry: dict[str, list[dict[str, Any]]]
    """Reference kind -> the real registry entries of that kind."""
    classes: dict[str, str]
    """Real reference -> its class CURIE."""
    models: list[Model]
    fact_years: tuple[int, int]
    published: tuple[dt.date, dt.date]
    figure_repeat: float
    """Share of figures that count what an earlier article already counted."""
    figure_disagree: float
    """Share of those repeated figures that give a different number."""
    zipf: dict[str, float]
    """Reference kind -> Zipf exponent of how many articles reference each entity."""

    @property
    def mean_facts(self) -> float:
        return sum(len(m.facts) for m in self.models) / len(self.models)

    def type_counts(self) -> Counter[str]:
        return Counter(f["type"] for m in self.models for f in m.facts)


def _refs_in(value: object, kinds: frozenset[str]) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str) and v.split("/", 1)[0] in kinds and "/" in v]


def _years(value: object) -> int | None:
    if isinstance(value, dt.date):
        return value.year
    if isinstance(value, int) and 1000 <= value <= 9999:
        return value
    if isinstance(value, str) and re.match(r"^\d{4}(-\d{2}){0,2}$", value):
        return int(value[:4])
    return None


def _fit_zipf(counts: list[int]) -> float:
    """Least-squares slope of log(count) on log(rank), clamped to a sane Zipf exponent."""
    ranked = sorted(counts, reverse=True)
    if len(ranked) < 3 or ranked[0] == ranked[-1]:
        return 1.0
    xs = [math.log(r + 1) for r in range(len(ranked))]
    ys = [math.log(c) for c in ranked]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    return min(1.6, max(0.6, -slope))


def _leaves(when: object) -> list[object]:
    """The dates and keywords of a `when:`, in time order (start, at, end; bounds low, high)."""
    if isinstance(when, dict):
        return [leaf for key in ANCHORS if key in when for leaf in _leaves(when[key])]
    return [] if when is None else [when]


def _is_date(leaf: object) -> bool:
    return not isinstance(leaf, str) or leaf not in KEYWORDS


def _iso(leaf: object) -> str:
    return leaf.isoformat() if isinstance(leaf, dt.date) else str(leaf)


def _later(a: str, b: str) -> bool:
    """Whether ISO date `a` is certainly after `b`, on their common prefix (as the compiler
    reads them: 2024-03 is after 2024-01-20, 2024 is not)."""
    n = min(len(a), len(b))
    return a[:n] > b[:n]


def _replace(when: object, dates: Any) -> object:
    """`when` with its dates, in time order, taken from the iterator `dates`."""
    if isinstance(when, dict):
        out = {key: copy.deepcopy(value) for key, value in when.items()}
        for key in ANCHORS:
            if key in when:
                out[key] = _replace(when[key], dates)
        return out
    return next(dates) if when is not None and _is_date(when) else when


def _fits(when: object, day: dt.date) -> bool:
    """Whether a `when` copied from another article also holds in one published on `day`:
    no date after it, and none that must come after publication."""
    anchored = False
    for leaf in _leaves(when):
        if leaf in ("future", "publication"):
            anchored = True
        elif _is_date(leaf) and (anchored or _later(_iso(leaf), day.isoformat())):
            return False
    return True


def _days(duration: object) -> int:
    """An ISO duration (P5Y, P1Y6M, P10D), roughly in days."""
    per = {"Y": 365, "M": 30, "W": 7, "D": 1}
    return sum(
        int(n) * per[u] for n, u in re.findall(r"(\d+)([YMWD])", str(duration).split("T")[0])
    )


def _time_key(when: object) -> str:
    return json.dumps(when, sort_keys=True, default=str)


def _figure_key(fact: dict[str, Any]) -> tuple[object, ...]:
    return (fact.get("kind"), fact.get("unit"), _time_key(fact.get("when")))


def _operations(fact: dict[str, Any]) -> set[str]:
    ops = fact.get("operations") or []
    return set(ops if isinstance(ops, list) else [ops])


def load_profile(root: Path = REAL_ROOT) -> Profile:
    """Measure the real project under `root`: registry, article metadata and mappings."""
    sections = _sections()
    kinds = frozenset(kind for kind, _ in sections.values())
    registry_doc = load_yaml(root / "mappings" / "registry.yaml") or {}
    registry: dict[str, list[dict[str, Any]]] = {}
    classes: dict[str, str] = {}
    for section, (kind, default) in sections.items():
        entries = [dict(e) for e in registry_doc.get(section) or []]
        registry[kind] = entries
        for entry in entries:
            classes[f"{kind}/{entry['id']}"] = entry.get("class") or default or ""
    metas = {m["id"]: m for m in load_yaml(root / "seeds" / "articles.yaml")}
    models = []
    for path in sorted((root / "mappings" / "articles").glob("*.yaml")):
        doc = load_yaml(path)
        if doc and doc.get("article") in metas and doc.get("facts"):
            models.append(Model(metas[doc["article"]], list(doc["facts"])))
    if not models:
        raise SystemExit(f"no mapped articles under {root}/mappings/articles")

    years = [y for m in models for f in m.facts for v in _leaves(f.get("when")) if (y := _years(v))]
    published: list[dt.date] = []
    for m in models:
        for value in (m.meta.get("published"), *(m.meta.get("bounds") or {}).values()):
            if isinstance(value, dt.date):
                published.append(value)

    # figures that count what an earlier article counted (same kind, unit, when and a shared
    # operation, as queries/disagreeing-figures.rq pairs them), and how often they disagree
    seen: list[dict[str, Any]] = []
    figures = repeats = disagreements = 0
    for m in models:
        mine = [f for f in m.facts if f.get("type") == "figure"]
        for f in mine:
            figures += 1
            earlier = [
                g
                for g in seen
                if _figure_key(g) == _figure_key(f) and _operations(g) & _operations(f)
            ]
            if earlier:
                repeats += 1
                disagreements += all(g.get("value") != f.get("value") for g in earlier)
        seen.extend(mine)

    # entity reuse: in how many articles each entity is referenced, per kind
    per_entity: Counter[str] = Counter()
    for m in models:
        refs = {r for f in m.facts for v in f.values() for r in _refs_in(v, kinds)}
        per_entity.update(refs)
    zipf = {
        kind: _fit_zipf([c for r, c in per_entity.items() if r.startswith(kind + "/")])
        for kind in kinds
    }
    return Profile(
        sections=sections,
        registry=registry,
        classes=classes,
        models=models,
        fact_years=(min(years, default=2000), max(years, default=2024)),
        published=(
            min(published, default=dt.date(2020, 1, 1)),
            max(published, default=dt.date(2024, 12, 31)),
        ),
        figure_repeat=repeats / figures if figures else 0.0,
        figure_disagree=disagreements / repeats if repeats else 0.5,
        zipf=zipf,
    )


# ---------------------------------------------------------------- synthetic names

_SYLLABLES = (
    "ka ra an be to mi sa lu de no ve ri ta mo la ze ni ko da su ar el or um in ba gu le "
    "vi ro ha me za po ly ne ti sh ol ai ek us al ur"
)
SYLLABLES = tuple(_SYLLABLES.split())
SURNAME_ENDINGS = ("ov", "ova", "ev", "eva", "enko", "ani", "sen", "ez", "ic", "ambe", "oui")
REGION_ENDINGS = ("ia", "stan", "land", "ora", "ana", "ica", "en", "o")
MISSION_WORDS = (
    "Stabilization Mission",
    "Interim Force",
    "Observer Mission",
    "Assistance Mission",
    "Supervision Organization",
    "Security Force",
    "Verification Mission",
    "Protection Force",
)
CLASS_NOUNS = {
    "pk:IntergovernmentalOrganization": "Council",
    "pk:ArmedForces": "Armed Forces",
    "pk:Ministry": "Ministry of Defence",
    "pk:Parliament": "Parliament",
    "pk:ParliamentaryChamber": "Senate",
    "org:OrganizationalUnit": "Directorate",
    "org:FormalOrganization": "Association",
    "pk:Contingent": "peacekeeping contingent",
    "pk:MilitaryUnit": "peacekeeping battalion",
    "schema:City": "City",
    "schema:Park": "Memorial Park",
    "schema:Place": "Valley",
    "pk:Territory": "Heights",
}


def _words(curie: str) -> str:
    """`pk:PeaceOperation` -> `peace operation`."""
    local = curie.split(":", 1)[-1]
    return re.sub(r"(?<!^)(?=[A-Z])", " ", local).lower()


class Namer:
    """Unique, pronounceable labels and acronyms, so quotes naming them are unambiguous."""

    def __init__(self, rng: random.Random, taken: set[str], acronyms: set[str]) -> None:
        self.rng = rng
        self.taken = taken
        self.acronyms = acronyms

    def _word(self, syllables: int, endings: tuple[str, ...] = ()) -> str:
        stem = "".join(self.rng.choice(SYLLABLES) for _ in range(syllables))
        return (stem + (self.rng.choice(endings) if endings else "")).capitalize()

    def unique(self, make: Any) -> str:
        for attempt in range(1000):
            label = make() if attempt < 50 else f"{make()} {attempt}"
            if label not in self.taken:
                self.taken.add(label)
                return label
        raise RuntimeError("could not find a unique label")

    def region(self) -> str:
        return self._word(2, REGION_ENDINGS)

    def label(self, kind: str, cls: str) -> str:
        rng = self.rng

        def make() -> str:
            if kind == "person":
                return f"{self._word(2)} {self._word(2, SURNAME_ENDINGS)}"
            if kind == "operation":
                if cls == "pk:UNPeacekeepingMission":
                    return f"United Nations {rng.choice(MISSION_WORDS)} in {self.region()}"
                return f"Multinational {_words(cls)} in {self.region()}"
            if kind == "place" and cls == "schema:Country":
                return self.region()
            if kind == "group":
                return f"{self.region()} officers named in the press"
            noun = CLASS_NOUNS.get(cls, _words(cls).capitalize())
            if kind == "place":
                return f"{self.region()} {noun}"
            return f"{noun} of {self.region()}"

        return self.unique(make)

    def acronym(self, label: str) -> str:
        initials = "".join(w[0] for w in label.split() if w[0].isupper())[:5] or "X"
        for attempt in range(10_000):
            acronym = initials if attempt == 0 else f"{initials}{self._word(1).upper()}"
            if attempt > 100:
                acronym = f"{initials}{attempt}"
            if acronym not in self.acronyms:
                self.acronyms.add(acronym)
                return acronym
        raise RuntimeError("could not find a unique acronym")


# ---------------------------------------------------------------- entities and their reuse


@dataclass
class Entity:
    ref: str
    kind: str
    cls: str
    label: str
    entry: dict[str, Any]
    """The registry entry to write (references in it are resolved at the end)."""
    real: bool = False
    """Copied from the real registry (real ids and labels, so example queries find them)."""

    @property
    def named(self) -> str:
        """How the text names it: operations with their acronym, as articles do."""
        acronym = self.entry.get("acronym")
        return f"{self.label} ({acronym})" if acronym else self.label


class Pool:
    """The entities of one kind and class: the real ones first, then synthetic ones.

    New entities are introduced at a steady rate across the corpus (so all of them are used
    and the registry holds nothing no article mentions); otherwise an article reuses an
    already introduced one with Zipf-like probability, so early entities recur in many
    articles (officers in several missions, the same contributor country everywhere).
    """

    def __init__(
        self,
        kind: str,
        cls: str,
        size: int,
        real: list[dict[str, Any]],
        templates: list[dict[str, Any]],
        exponent: float,
    ) -> None:
        self.kind, self.cls, self.size = kind, cls, max(size, 1)
        self.real = real
        self.templates = templates or real
        self.exponent = exponent
        self.members: list[Entity] = []
        self._cumulative: list[float] = []

    def draw(self, gen: Generator, position: float) -> Entity:
        """An entity for an article at `position` (0..1] of the corpus."""
        due = math.ceil(self.size * position)
        if len(self.members) < min(due, self.size) or not self.members:
            return self.introduce(gen)
        n = len(self.members)
        while len(self._cumulative) < n:
            k = len(self._cumulative) + 1
            previous = self._cumulative[-1] if self._cumulative else 0.0
            self._cumulative.append(previous + 1.0 / k**self.exponent)
        pick = bisect_left(self._cumulative, gen.rng.random() * self._cumulative[n - 1], 0, n)
        return self.members[min(pick, n - 1)]

    def introduce(self, gen: Generator) -> Entity:
        """A new member: the next real entity, then synthetic ones."""
        if len(self.members) < len(self.real):
            entry = copy.deepcopy(self.real[len(self.members)])
            ref = f"{self.kind}/{entry['id']}"
            entity = Entity(ref, self.kind, self.cls, entry["label"], entry, real=True)
        else:
            entity = gen.synthetic_entity(self.kind, self.cls, gen.rng.choice(self.templates))
        self.members.append(entity)
        gen.entities[entity.ref] = entity
        return entity


# ---------------------------------------------------------------- text

LEADS = (
    "",
    "Officials said that ",
    "According to the report, ",
    "In addition, ",
    "Meanwhile, ",
    "The ministry noted that ",
    "It was also reported that ",
    "As the press service stated, ",
    "Earlier this year, ",
    "Observers noted that ",
)
MENTION_LEADS = (
    "The report also names",
    "Among those mentioned was",
    "The statement referred to",
    "Attention was drawn to",
    "Speakers thanked",
    "Reporters also asked about",
)
RANK_TAILS = (
    "attended the ceremony",
    "addressed the personnel",
    "briefed journalists",
    "returned from the mission area",
    "presented the awards",
    "took part in the exercise",
)
TITLES = (
    "{a} peacekeepers in {b}",
    "{a} expands its role in {b}",
    "New rotation for {b} announced by {a}",
    "{a} and {b}: a peacekeeping report",
    "Peacekeeping news from {a}",
)
_MONTHS = "January February March April May June July August September October November December"
MONTHS = tuple(_MONTHS.split())


def _join(labels: list[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def date_words(value: object) -> str:
    if isinstance(value, dt.date):
        return f"{MONTHS[value.month - 1]} {value.day}, {value.year}"
    text = str(value)
    if re.match(r"^\d{4}-\d{2}$", text):
        return f"{MONTHS[int(text[5:]) - 1]} {text[:4]}"
    return text


def instant_words(value: object) -> str:
    """One of start, at, end of a `when:` in words."""
    if isinstance(value, dict):
        low, high = value.get("not_before"), value.get("not_after")
        if low is not None and high is not None:
            return f"some time between {instant_words(low)} and {instant_words(high)}"
        if low is not None:
            return f"some time after {instant_words(low)}"
        return f"some time before {instant_words(high)}"
    return {
        "publication": "the time of the report",
        "past": "an earlier date",
        "future": "a later date",
    }.get(str(value), date_words(value))


def when_words(when: object) -> str:
    """When a fact holds, as a phrase to end its sentence with (with a leading space)."""
    if when is None:
        return ""
    if isinstance(when, dict):
        words = f" from {instant_words(when['start'])}" if "start" in when else ""
        at = when.get("at")
        if isinstance(at, dict) or at in ("publication", "past", "future"):
            words += f" at {instant_words(at)}"
        elif at is not None:
            words += when_words(at)
        words += f" for {duration_words(when['duration'])}" if when.get("duration") else ""
        end = when.get("end")
        if end == "past":
            words += ", ending before the report"
        elif end == "future":
            words += ", continuing after the report"
        elif end is not None:
            words += f" until {instant_words(end)}"
        return words
    shorthand = {"present": "at present", "past": "in the past", "future": "in the future"}
    if isinstance(when, str) and when in shorthand:
        return " " + shorthand[when]
    full = isinstance(when, dt.date) or bool(re.match(r"^\d{4}-\d{2}-\d{2}$", str(when)))
    return f" {'on' if full else 'in'} {date_words(when)}"


def duration_words(value: object) -> str:
    parts = re.findall(r"(\d+)([YMD])", str(value))
    names = {"Y": "year", "M": "month", "D": "day"}
    return _join([f"{n} {names[u]}{'s' if n != '1' else ''}" for n, u in parts])


def code_words(value: object) -> str:
    return str(value).replace("-", " ")


# ---------------------------------------------------------------- the generator


@dataclass
class Article:
    id: str
    meta: dict[str, Any]
    text: str
    facts: list[dict[str, Any]]


@dataclass(frozen=True)
class Clock:
    """When a synthetic article was published: `day` is the latest date an actual fact may
    name; `high` the latest the publication may be (later of the two for an undated one)."""

    day: dt.date
    high: dt.date

    @classmethod
    def of(cls, meta: dict[str, Any]) -> Clock:
        published, bounds = meta.get("published"), meta.get("bounds") or {}
        if isinstance(published, dt.date):
            return cls(published, published)
        return cls(bounds["not_before"], bounds["not_after"])


@dataclass
class Generator:
    """Builds one synthetic corpus; every random choice comes from one seeded RNG."""

    profile: Profile
    articles: int
    seed: int
    facts_per_article: float
    rng: random.Random = field(init=False)
    entities: dict[str, Entity] = field(default_factory=dict)
    pools: dict[tuple[str, str], Pool] = field(default_factory=dict)
    figures: list[dict[str, Any]] = field(default_factory=list)
    counted: set[tuple[object, ...]] = field(default_factory=set)
    referenced: set[str] = field(default_factory=set)
    """Entities some fact or author line names: only these go into the registry."""
    qids: int = 0
    namer: Namer = field(init=False)
    claims: dict[str, list[str]] = field(default_factory=dict)
    """Fact type -> `article-id/fact-id` of recent synthetic claims of that type."""
    real_types: dict[str, str] = field(init=False)
    """`article-id/fact-id` of each real fact -> its type."""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.real_types = {
            f"{m.meta['id']}/{f['id']}": f["type"] for m in self.profile.models for f in m.facts
        }
        taken = {e["label"] for entries in self.profile.registry.values() for e in entries}
        acronyms = {
            e["acronym"]
            for entries in self.profile.registry.values()
            for e in entries
            if e.get("acronym")
        }
        self.namer = Namer(self.rng, taken, acronyms)
        sizes = pool_sizes(self.articles)
        for kind, entries in self.profile.registry.items():
            by_class: dict[str, list[dict[str, Any]]] = {}
            default = next(d for k, d in self.profile.sections.values() if k == kind)
            for entry in entries:
                by_class.setdefault(entry.get("class") or default or "", []).append(entry)
            total = sum(len(v) for v in by_class.values()) or 1
            for cls, real in by_class.items():
                share = max(1, round(sizes.get(kind, 10) * len(real) / total))
                self.pools[(kind, cls)] = Pool(
                    kind, cls, share, real, real, self.profile.zipf.get(kind, 1.0)
                )

    # ---- entities

    def synthetic_entity(self, kind: str, cls: str, template: dict[str, Any]) -> Entity:
        """A new registry entry modelled on a real one of the same class: same fields, new
        identity (label, id, acronym, links); its references are resolved when written."""
        label = self.namer.label(kind, cls)
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        entry: dict[str, Any] = {}
        for key, value in template.items():
            if key == "id":
                entry[key] = f"{slug}-{len(self.entities)}"
            elif key == "label":
                entry[key] = label
            elif key == "acronym":
                entry[key] = self.namer.acronym(label)
            elif key == "alt_labels":
                entry[key] = [f"{label} (former name)"]
            elif key == "wikipedia":
                entry[key] = "https://en.wikipedia.org/wiki/" + label.replace(" ", "_")
            elif key == "wikidata" and isinstance(value, dict):
                self.qids += 1
                entry[key] = {**value, "qid": f"Q{990_000_000 + self.qids}"}
            elif key == "note":
                entry[key] = "A synthetic entity of the benchmark corpus."
            else:
                entry[key] = copy.deepcopy(value)
        return Entity(f"{kind}/{entry['id']}", kind, cls, label, entry)

    def pool_for(self, real_ref: str) -> Pool:
        kind = real_ref.split("/", 1)[0]
        cls = self.profile.classes.get(real_ref)
        pool = self.pools.get((kind, cls or ""))
        if pool is None:  # a reference the real registry lacks: the kind's largest class
            pool = max((p for (k, _), p in self.pools.items() if k == kind), key=lambda p: p.size)
        return pool

    # ---- values

    def day_between(self, low: dt.date, high: dt.date) -> dt.date:
        """A random day from `low` to `high` (both included; `high` wins if they cross)."""
        low = min(low, high)
        return low + dt.timedelta(days=self.rng.randint(0, (high - low).days))

    @staticmethod
    def date_like(day: dt.date, model: object) -> object:
        """`day` at the model's precision, in the YAML type the model used."""
        if isinstance(model, dt.date) or (
            isinstance(model, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", model)
        ):
            return day
        if isinstance(model, str) and re.match(r"^\d{4}-\d{2}$", model):
            return f"{day.year}-{day.month:02d}"
        return day.year

    def when_like(self, model: object, actual: bool, clock: Clock, reported: str) -> object:
        """A `when:` like the model's: its keywords kept, its dates drawn anew, in order.

        A date comes after the synthetic publication if the model's came after its own
        article's (only a plan can say that) or follows `future`/`publication`; every other
        date is not after it, so an actual fact never lies after its article. A duration
        that ends by publication pushes the dates back by its length.
        """
        leaves = _leaves(model)
        if not any(_is_date(leaf) for leaf in leaves):
            return copy.deepcopy(model)
        latest = clock.day
        if isinstance(model, dict) and model.get("end") in ("past", "publication"):
            latest -= dt.timedelta(days=_days(model.get("duration") or ""))
        earliest = dt.date(self.profile.fact_years[0], 1, 1)
        anchored, drawn, models = False, [], []
        for leaf in leaves:
            if leaf in ("future", "publication"):
                anchored = True
            elif _is_date(leaf):
                after = anchored or (not actual and _later(_iso(leaf), reported))
                if after:
                    low = clock.high + dt.timedelta(days=1)
                    drawn.append(self.day_between(low, low + dt.timedelta(days=730)))
                else:
                    drawn.append(self.day_between(earliest, latest))
                models.append(leaf)
        dates = iter(self.date_like(d, m) for d, m in zip(sorted(drawn), models, strict=True))
        return _replace(model, dates)

    def number_like(self, model: int) -> int:
        value = model * math.exp(self.rng.uniform(-0.7, 0.7))
        if value >= 100:
            digits = 10 ** (int(math.log10(value)) - 1)
            value = round(value / digits) * digits
        return max(1, round(value))

    # ---- one fact

    def fact(
        self,
        template: dict[str, Any],
        mapping: dict[str, Entity],
        position: float,
        clock: Clock,
        reported: str,
    ) -> dict[str, Any]:
        """A fact like `template` (of an article published `reported`), with new entities,
        values and dates; its derivation is added by `derive`, once all facts exist."""
        kinds = frozenset(kind for kind, _ in self.profile.sections.values())

        def entity(real_ref: str) -> str:
            if real_ref not in mapping:
                mapping[real_ref] = self.pool_for(real_ref).draw(self, position)
            return mapping[real_ref].ref

        repeat = self.rng.random() < self.profile.figure_repeat
        if template.get("type") == "figure" and self.figures and repeat:
            repeated = self.repeated_figure(clock)
            if repeated is not None:
                return repeated
        actual = template.get("status", "actual") == "actual"
        fact: dict[str, Any] = {}
        for key, value in template.items():
            if key in ("id", "quote", "occurrence", *DERIVATION):
                continue
            if key == "when":
                fact[key] = self.when_like(value, actual, clock, reported)
            elif key == "entities" and template.get("type") == "identity":
                fact[key] = self.distinct(value, mapping, position)
            elif _refs_in(value, kinds) and not isinstance(value, list):
                fact[key] = entity(value)
            elif isinstance(value, list) and _refs_in(value, kinds):
                fact[key] = list(dict.fromkeys(entity(v) for v in value))
            elif key == "value" and isinstance(value, int) and not isinstance(value, bool):
                fact[key] = self.number_like(value)
            else:
                fact[key] = copy.deepcopy(value)
        if fact.get("type") == "event" and "label" in fact:
            fact["label"] = self.event_label(fact)
        if fact.get("type") == "figure":
            self.fresh_figure(
                fact, lambda: self.when_like(template["when"], actual, clock, reported)
            )
        return fact

    def distinct(self, refs: list[str], mapping: dict[str, Entity], position: float) -> list[str]:
        """Entities for an identity: one per real reference, all different."""
        chosen: list[str] = []
        for real_ref in refs:
            pool = self.pool_for(real_ref)
            entity = mapping.get(real_ref) or pool.draw(self, position)
            for _attempt in range(20):
                if entity.ref not in chosen:
                    break
                entity = pool.draw(self, position)
            else:
                entity = pool.introduce(self)
            mapping.setdefault(real_ref, entity)
            chosen.append(entity.ref)
        return chosen

    @staticmethod
    def figure_keys(fact: dict[str, Any]) -> set[tuple[object, ...]]:
        """What a figure counts, as queries/disagreeing-figures.rq pairs figures."""
        ops = fact.get("operations") or []
        ops = ops if isinstance(ops, list) else [ops]
        return {(*_figure_key(fact), op) for op in ops}

    def fresh_figure(self, fact: dict[str, Any], retime: Any) -> None:
        """Give a new figure a count no earlier figure gave, where the field usage allows.

        The real articles count the same thing again only at the measured repeat rate (done by
        repeated_figure); with few kinds, units and missions, random figures would otherwise
        collide far more often, and the pairs of disagreeing figures would grow quadratically.
        `retime` draws the figure's `when` anew.
        """
        for _attempt in range(10):
            if not self.figure_keys(fact) & self.counted:
                break
            if "when" in fact:
                fact["when"] = retime()
            if fact.get("operations"):
                ops = fact["operations"]
                known = [
                    e.ref for (k, _), p in self.pools.items() if k == "operation" for e in p.members
                ]
                n = len(ops) if isinstance(ops, list) else 1
                picked = self.rng.sample(known, min(n, len(known)))
                fact["operations"] = picked if isinstance(ops, list) else picked[0]
        self.counted |= self.figure_keys(fact)

    def repeated_figure(self, clock: Clock) -> dict[str, Any] | None:
        """A figure an earlier article gave, the same count, agreeing or not; None if the
        figures tried hold only after this article's publication."""
        for _attempt in range(10):
            earlier = self.rng.choice(self.figures)
            if _fits(earlier.get("when"), clock.day):
                break
        else:
            return None
        skip = ("id", "said_by", "quote", *DERIVATION)
        fact = {k: copy.deepcopy(v) for k, v in earlier.items() if k not in skip}
        if self.rng.random() < self.profile.figure_disagree:
            value = earlier["value"]
            while (new := self.number_like(value)) == value:
                value += 1
            fact["value"] = new
        return fact

    def derive(
        self, templates: list[dict[str, Any]], facts: list[dict[str, Any]], article_id: str
    ) -> list[dict[str, Any]]:
        """The facts with the models' derivations: `derived_from` points at the facts made from
        the same models in this article, or at a recent claim of the same type in an earlier
        synthetic article. A fact whose inputs are all gone loses `derived_from` and `rule`;
        an identity, which must be derived, is dropped (and so are derivations from it)."""
        ids = {t["id"]: f["id"] for t, f in zip(templates, facts, strict=False)}
        derived: dict[str, list[str]] = {}
        for template, fact in zip(templates, facts, strict=False):
            refs: list[str] = []
            for ref in template.get("derived_from") or []:
                article, _, fact_id = str(ref).rpartition("/")
                if not article:
                    target = ids.get(fact_id)
                else:
                    kind = self.real_types.get(str(ref))
                    earlier = self.claims.get(kind or "") or [
                        claim for recent in self.claims.values() for claim in recent
                    ]
                    target = self.rng.choice(earlier) if earlier else None
                if target and target != fact["id"] and target not in refs:
                    refs.append(target)
            if template.get("derived_from") or fact["type"] == "identity":
                derived[fact["id"]] = refs
        dropped: set[str] = set()
        while True:
            for refs in derived.values():
                refs[:] = [r for r in refs if r not in dropped]
            gone = {
                f["id"]
                for f in facts
                if f["type"] == "identity" and not derived.get(f["id"]) and f["id"] not in dropped
            }
            if not gone:
                break
            dropped |= gone
        out = []
        for fact in facts:
            if fact["id"] in dropped:
                continue
            if refs := derived.get(fact["id"]):
                fact["derived_from"] = refs
                fact["rule"] = f"Follows from {_join(refs)} (synthetic)."
            out.append(fact)
        for fact in out:
            if fact["type"] != "mention":
                recent = self.claims.setdefault(fact["type"], [])
                recent.append(f"{article_id}/{fact['id']}")
                del recent[:-RECENT_CLAIMS]
        return out

    def event_label(self, fact: dict[str, Any]) -> str:
        subjects = fact.get("about") or fact.get("participants") or fact.get("place")
        refs = subjects if isinstance(subjects, list) else [subjects] if subjects else []
        names = [self.entities[r].label for r in refs[:2]]
        kind = code_words(fact.get("kind", "event")).capitalize()
        return f"{kind} of {_join(names)}" if names else kind

    # ---- sentences

    def names(self, value: object) -> str:
        refs = value if isinstance(value, list) else [value]
        return _join([self.entities[r].named for r in refs if r in self.entities])

    def clause(self, fact: dict[str, Any]) -> str:
        """What the fact says, in one sentence (without the lead)."""
        kind, n = fact.get("type"), self.names
        when = fact.get("when")
        period = when_words(when)
        status = fact.get("status", "actual")
        if kind == "deployment":
            rank = f"{code_words(fact['rank']).title()} " if fact.get("rank") else ""
            role = f" as {code_words(fact['role'])}" if fact.get("role") else ""
            verb = "serves" if when == "present" else "served"
            verb = verb if status == "actual" else f"is {status} to serve"
            return f"{rank}{n(fact['member'])} {verb}{role} in {n(fact['operation'])}{period}."
        if kind == "post":
            return (
                f"{n(fact['member'])} serves as {code_words(fact['role'])} of "
                f"{n(fact['organization'])}{period}."
            )
        if kind == "rank":
            tail = self.rng.choice(RANK_TAILS)
            period = "" if when == "present" else f", holding that rank{period}"
            return f"{code_words(fact['rank']).title()} {n(fact['person'])} {tail}{period}."
        if kind == "figure":
            qualifier = fact.get("qualifier")
            amount = f"{code_words(qualifier)} " if qualifier and qualifier != "exactly" else ""
            who = f" from {n(fact['contributor'])}" if fact.get("contributor") else ""
            roles = fact.get("roles") or []
            roles = roles if isinstance(roles, list) else [roles]
            who += f" serving as {_join([code_words(r) + 's' for r in roles])}" if roles else ""
            where = f" in {n(fact['operations'])}" if fact.get("operations") else ""
            where += f" in {n(fact['territories'])}" if fact.get("territories") else ""
            figure = "figure" if status == "actual" else f"{status} figure"
            return (
                f"The {figure} for {code_words(fact['kind'])} stands at {amount}"
                f"{fact['value']:,} {code_words(fact['unit'])}{who}{where}{period}."
            )
        if kind == "event":
            place = f" in {n(fact['place'])}" if fact.get("place") else ""
            who = f", with {n(fact['participants'])}" if fact.get("participants") else ""
            label = fact["label"][0].lower() + fact["label"][1:]
            verb = "took place" if status == "actual" else f"is {status}"
            return f"The {label} {verb}{place}{period}{who}."
        if kind == "group":
            roles = fact.get("roles") or []
            roles = roles if isinstance(roles, list) else [roles]
            what = f" as {_join([code_words(r) + 's' for r in roles])}" if roles else ""
            where = f" in {n(fact['territories'])}" if fact.get("territories") else ""
            ops = f" with {n(fact['operations'])}" if fact.get("operations") else ""
            return f"Members of the {n(fact['group'])} served{ops}{where}{what}{period}."
        period = "" if when == "present" else period  # the default of the rest
        if kind == "hosting":
            return f"{n(fact['operation'])} operates in {n(fact['territories'])}{period}."
        if kind == "classification":
            cls = _words(str(fact["class"]))
            return f"{n(fact['subject'])} is described as a {cls}{period}."
        if kind == "identity":
            return f"{n(fact['entities'])} are one and the same{period}."
        kinds = frozenset(k for k, _ in self.profile.sections.values())
        refs = [r for v in fact.values() for r in _refs_in(v, kinds)]
        return f"The report records a {code_words(kind)} concerning {n(refs)}."

    def sentence(self, fact: dict[str, Any], used: set[str]) -> str:
        """A sentence for the fact that no other sentence of the article contains."""
        body = self.clause(fact)
        speaker = fact.get("said_by")
        for attempt in range(40):
            if speaker and attempt % 2 == 0:
                text = f"According to {self.names(speaker)}, {body}"
            else:
                text = self.rng.choice(LEADS) + body
            if attempt >= 20:
                text = text[:-1] + f" (report {attempt})."
            if not any(text in s or s in text for s in used):
                return text
        raise RuntimeError(f"no unique sentence for {fact}")

    # ---- one article

    def article(self, index: int) -> Article:
        rng = self.rng
        position = (index + 1) / self.articles
        model = rng.choice(self.profile.models)
        scale = self.facts_per_article / self.profile.mean_facts
        wanted = len(model.facts) * scale * rng.uniform(0.7, 1.3)
        count = max(1, int(wanted) + (rng.random() < wanted - int(wanted)))
        templates = rng.sample(model.facts, min(count, len(model.facts)))
        mapping: dict[str, Entity] = {}
        meta = self.metadata(index, model.meta, mapping, position)
        clock = Clock.of(meta)
        facts: list[dict[str, Any]] = []
        for number, template in enumerate(templates, 1):
            fact = self.fact(template, mapping, position, clock, model.published)
            facts.append({"id": f"{fact['type']}-{number}", **fact})
        facts = self.derive(templates, facts, meta["id"])
        refs = {r.split("/", 1)[0] for f in facts for r in self._refs(f)}
        if "group" in refs and "person" not in refs:  # a group needs persons to be members
            person = next(p for (k, _), p in self.pools.items() if k == "person")
            entity = person.draw(self, position)
            number = len(templates) + 1
            facts.append({"id": f"mention-{number}", "type": "mention", "entity": entity.ref})
        text, facts = self.text(meta, facts)
        self.figures.extend(f for f in facts if f["type"] == "figure")
        self.referenced.update(r for f in facts for r in self._refs(f))
        if isinstance(meta.get("author"), str):
            self.referenced.add(meta["author"])
        return Article(meta["id"], meta, text, facts)

    def metadata(
        self, index: int, model: dict[str, Any], mapping: dict[str, Entity], position: float
    ) -> dict[str, Any]:
        """An articles.yaml entry with the model's fields: dated or bounded, author or not."""
        rng = self.rng
        lo, hi = self.profile.published
        day = lo + dt.timedelta(days=rng.randint(0, max(0, (hi - lo).days)))
        dated = isinstance(model.get("published"), dt.date)
        article_id = f"{day.isoformat() if dated else 'undated'}-a{index:06d}"
        meta: dict[str, Any] = {}
        for key, value in model.items():
            if key == "id":
                meta[key] = article_id
            elif key == "file":
                meta[key] = f"{article_id}.txt"
            elif key == "original_file":
                meta[key] = f"{index:06d}_synthetic.txt"
            elif key == "published":
                meta[key] = day if dated else value
            elif key == "modified" and isinstance(value, dt.date):
                meta[key] = day + dt.timedelta(days=rng.randint(1, 120))
            elif key == "bounds" and isinstance(value, dict):
                after = day + dt.timedelta(days=rng.randint(30, 500))
                meta[key] = {
                    "not_before": day,
                    "not_before_reason": "It reports an earlier event as past.",
                    "not_after": after,
                    "not_after_reason": "It names an office holder who left office later.",
                }
            elif key == "author" and isinstance(value, str):
                if value not in mapping:
                    mapping[value] = self.pool_for(value).draw(self, position)
                meta[key] = mapping[value].ref
            elif key == "publisher" and value not in (None, "unknown"):
                meta[key] = f"The {self.namer.region()} Times"
            elif key == "source" and value not in (None, "unknown"):
                meta[key] = f"press service of the {self.namer.region()} Ministry of Defence"
            elif key == "dateline" and value:
                meta[key] = self.namer.region().upper()
            else:
                meta[key] = copy.deepcopy(value)
        return meta

    def evidence(self, meta: dict[str, Any]) -> list[str]:
        """Lines of text that back the metadata, filling each `*_evidence` field."""
        lines = []
        for key in [k for k in meta if k.endswith("_evidence")]:
            base = meta.get(key.removesuffix("_evidence"))
            if isinstance(base, dt.date) and key == "published_evidence":
                hour, minute = self.rng.randint(7, 19), self.rng.randint(0, 59)
                line = f"{base:%d/%m/%Y} - {hour:02d}:{minute:02d}"
            elif isinstance(base, dt.date):
                line = f"Last update: {date_words(base)}"
            elif key == "author_evidence" and isinstance(base, str) and base in self.entities:
                line = f"By {self.entities[base].label}"
            elif key == "publisher_evidence" and base:
                line = f"Get {base} stories sent directly to you!"
            elif base:
                line = f"Source: {base}"
            else:
                line = f"Reference {meta['id']}"
            meta[key] = line
            lines.append(line)
        return lines

    def text(
        self, meta: dict[str, Any], facts: list[dict[str, Any]]
    ) -> tuple[str, list[dict[str, Any]]]:
        """The article's text, one sentence per fact, and the facts with their quotes.

        A claim quotes its whole sentence. A mention quotes the entity's name where the text
        names it exactly once (often inside a claim's sentence, as in the real articles), and
        otherwise gets a sentence of its own.
        """
        rng = self.rng
        named = [self.entities[r].label for f in facts for r in self._refs(f)]
        title = rng.choice(TITLES).format(
            a=named[0] if named else "Peacekeepers", b=named[-1] if named else "the UN"
        )
        meta["title"] = title
        head = [title, *self.evidence(meta)]
        used: set[str] = set()
        sentences: dict[int, str] = {}
        order: list[int] = []
        for i, fact in enumerate(facts):
            if fact["type"] != "mention":
                sentences[i] = self.sentence(fact, used)
                used.add(sentences[i])
                order.append(i)
        quotes = {i: sentences[i] for i in order}
        mentions = [i for i, f in enumerate(facts) if f["type"] == "mention"]
        text = self.compose(head, [sentences[i] for i in order])
        for _round in range(len(mentions) + 1):
            missing = []
            for i in mentions:
                name = self.entities[facts[i]["entity"]].named
                if text.count(name) == 1:
                    quotes[i] = name
                elif i in sentences:
                    quotes[i] = sentences[i]
                else:
                    missing.append(i)
            if not missing:
                break
            for i in missing:
                entity = self.entities[facts[i]["entity"]]
                sentences[i] = self.sentence_for_mention(rng.choice(MENTION_LEADS), entity, used)
                used.add(sentences[i])
                order.insert(rng.randint(0, len(order)), i)
            text = self.compose(head, [sentences[i] for i in order])
        for i, fact in enumerate(facts):
            if text.count(quotes.get(i, "")) != 1:
                raise RuntimeError(f"{meta['id']}: quote not found once: {quotes.get(i)!r}")
            fact["quote"] = quotes[i]
        return text, facts

    @staticmethod
    def sentence_for_mention(lead: str, entity: Entity, used: set[str]) -> str:
        for attempt in range(50):
            extra = f" (note {attempt})" if attempt else ""
            text = f"{lead} {entity.named}{extra}."
            if not any(text in s or s in text for s in used):
                return text
        raise RuntimeError(f"no unique mention of {entity.ref}")

    def compose(self, head: list[str], sentences: list[str]) -> str:
        paragraphs, current = [], []
        for sentence in sentences:
            current.append(sentence)
            if len(current) >= 3:
                paragraphs.append(" ".join(current))
                current = []
        if current:
            paragraphs.append(" ".join(current))
        return "\n".join(head) + "\n\n" + "\n\n".join(paragraphs) + "\n"

    def _refs(self, fact: dict[str, Any]) -> list[str]:
        kinds = frozenset(k for k, _ in self.profile.sections.values())
        return [r for v in fact.values() for r in _refs_in(v, kinds) if r in self.entities]

    # ---- the registry

    def registry(self) -> dict[str, list[dict[str, Any]]]:
        """Every introduced entity (only those: each must be named by some article), with the
        references inside entries (located_in, unit_of, members, ...) pointed at entities
        that exist, of the same kind and, where possible, the same class."""
        kinds = frozenset(k for k, _ in self.profile.sections.values())
        present = {e.ref for e in self.entities.values() if e.ref in self.referenced}
        by_kind: dict[str, list[Entity]] = {}
        for entity in self.entities.values():
            if entity.ref in present:
                by_kind.setdefault(entity.kind, []).append(entity)
        rng = random.Random(self.seed + 1)

        def resolve(ref: str, real: bool) -> str | None:
            """A real entry keeps a target that exists; a synthetic one, modelled on a real
            entry, gets a random existing entity of the target's class (or loses the field)."""
            if real and ref in present:
                return ref
            cls = self.profile.classes.get(ref)
            same = [e for e in by_kind.get(ref.split("/", 1)[0], []) if e.cls == cls]
            return rng.choice(same).ref if same else None

        doc: dict[str, list[dict[str, Any]]] = {}
        for section, (kind, _default) in self.profile.sections.items():
            entries = []
            for entity in sorted(by_kind.get(kind, []), key=lambda e: e.ref):
                entry = {}
                for key, value in entity.entry.items():
                    if isinstance(value, list) and _refs_in(value, kinds):
                        targets = [t for v in value if (t := resolve(v, entity.real))]
                        if key == "members":
                            targets = self._members(targets, by_kind, rng)
                        if targets:
                            entry[key] = list(dict.fromkeys(targets))
                    elif isinstance(value, str) and _refs_in(value, kinds):
                        if (target := resolve(value, entity.real)) and target != entity.ref:
                            entry[key] = target
                    else:
                        entry[key] = value
                if kind == "group" and "members" not in entry:
                    entry["members"] = self._members([], by_kind, rng)
                entries.append(entry)
            doc[section] = entries
        return doc

    @staticmethod
    def _members(
        targets: list[str], by_kind: dict[str, list[Entity]], rng: random.Random
    ) -> list[str]:
        persons = sorted(e.ref for e in by_kind.get("person", []))
        if len(targets) >= 2 or not persons:
            return targets
        return sorted(set(targets) | set(rng.sample(persons, min(len(persons), rng.randint(2, 5)))))


# ---------------------------------------------------------------- writing a project


def _dump(data: object) -> str:
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000, indent=2
    )


def check_target(out: Path) -> None:
    """Refuse to write anywhere but a new directory or an earlier synthetic corpus (never into
    the real project)."""
    out = out.resolve()
    if out == REAL_ROOT or (out / ".git").exists() or REAL_ROOT.is_relative_to(out):
        raise SystemExit(f"refusing to write a synthetic corpus into {out}")
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise SystemExit(f"{out} is not empty and holds no {MARKER}; choose a new directory")


def _prepare(out: Path) -> None:
    check_target(out)
    if (out / MARKER).is_file():
        for name in ("seeds", "mappings", *COPIED):
            shutil.rmtree(out / name, ignore_errors=True)
        (out / MARKER).unlink()
    (out / "seeds").mkdir(parents=True, exist_ok=True)
    (out / "mappings" / "articles").mkdir(parents=True, exist_ok=True)


def generate(
    out: Path,
    articles: int,
    seed: int,
    facts_per_article: float,
    profile: Profile | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Write the corpus under `out` and return its summary (also written to bench-corpus.json)."""
    profile = profile or load_profile()
    _prepare(out)
    gen = Generator(profile, articles, seed, facts_per_article)
    metas: list[dict[str, Any]] = []
    facts = Counter[str]()
    bar = None if not quiet and articles >= BAR_FROM else False  # None: on a terminal
    for index in progress(range(articles), articles, "articles", bar):
        article = gen.article(index)
        metas.append(article.meta)
        facts.update(f["type"] for f in article.facts)
        (out / "seeds" / article.meta["file"]).write_text(article.text, encoding="utf-8")
        mapping = {"article": article.id, "facts": article.facts}
        (out / "mappings" / "articles" / f"{article.id}.yaml").write_text(
            f"# Synthetic article (bench/generate.py, seed {seed}).\n" + _dump(mapping),
            encoding="utf-8",
        )
    header = f"# Synthetic corpus of {articles} articles (bench/generate.py, seed {seed}).\n"
    (out / "seeds" / "articles.yaml").write_text(header + _dump(metas), encoding="utf-8")
    registry = gen.registry()
    (out / "mappings" / "registry.yaml").write_text(header + _dump(registry), encoding="utf-8")
    for name in COPIED:
        shutil.copytree(REAL_ROOT / name, out / name, dirs_exist_ok=True)
    summary = {
        "generator": "bench/generate.py",
        "articles": articles,
        "seed": seed,
        "facts_per_article": round(facts_per_article, 4),
        "facts": dict(sorted(facts.items())),
        "entities": {s: len(v) for s, v in registry.items()},
        "profile": {
            "real_articles": len(profile.models),
            "real_fact_types": dict(sorted(profile.type_counts().items())),
            "figure_repeat": round(profile.figure_repeat, 4),
            "figure_disagree": round(profile.figure_disagree, 4),
            "zipf": {k: round(v, 3) for k, v in sorted(profile.zipf.items())},
        },
    }
    (out / MARKER).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


# ---------------------------------------------------------------- measuring and calibrating


def measure(root: Path) -> tuple[int, int]:
    """(triples, articles) the pipeline makes of the project under `root`: the mapped and the
    inferred quads, as a build would store them, without the slow HermiT and SHACL checks."""
    from peacekg.build.dataset import assemble
    from peacekg.build.reasoning import materialise
    from peacekg.config import Settings
    from peacekg.namespaces import Namespaces

    settings = Settings(root=root, build_dir=root / "build")
    dataset = assemble(settings)
    quads = set(dataset.quads)
    inferred = materialise(list(quads), Namespaces(settings.base_iri))
    return len(quads) + len(inferred), len(dataset.articles)


def calibrate(profile: Profile, target: float, seed: int) -> tuple[float, float, float]:
    """Facts per article for `target` triples per article, from two pilot corpora.

    triples(N, m) = fixed + N * (a + b * m): two pilots of different sizes and fact counts give
    the per-article cost `a` (metadata, registry share) and the per-fact cost `b`.
    Returns (facts per article, a, b).
    """
    sizes = ((250, 2.0), (500, 6.0), (500, 2.0))
    measured = []
    with tempfile.TemporaryDirectory(prefix="peacekg-calibrate-") as tmp:
        for n, m in sizes:
            out = Path(tmp) / f"n{n}-m{m:g}"
            generate(out, n, seed, m, profile, quiet=True)
            measured.append(measure(out)[0])
    (n1, _), (n2, m2), (_, m3) = sizes
    t1, t2, t3 = measured
    per_fact = (t2 - t3) / (n2 * (m2 - m3))
    per_article = (t3 - t1) / (n2 - n1) - per_fact * m3
    facts = max(1.0, (target - per_article) / per_fact)
    return facts, per_article, per_fact


def touch_article(root: Path, article_id: str, tag: str) -> None:
    """Change one article consistently: a new last sentence in its text, and a mention fact
    that quotes it. Nothing else changes (the registry and every other article stay as they
    are), as when a curator corrects one article."""
    mapping_path = root / "mappings" / "articles" / f"{article_id}.yaml"
    mapping = load_yaml(mapping_path)
    metas = load_yaml(root / "seeds" / "articles.yaml")
    meta = next(m for m in metas if m["id"] == article_id)
    text_path = root / "seeds" / meta["file"]
    kinds = frozenset(kind for kind, _ in _sections().values())
    ref = next(r for f in mapping["facts"] for v in f.values() for r in _refs_in(v, kinds))
    sentence = f"Correction {tag}: this article was updated."
    text = text_path.read_text(encoding="utf-8")
    if sentence in text:
        raise ValueError(f"{article_id} already carries {sentence!r}")
    text_path.write_text(text + "\n" + sentence + "\n", encoding="utf-8")
    mapping["facts"].append(
        {"id": f"correction-{tag}", "type": "mention", "entity": ref, "quote": sentence}
    )
    mapping_path.write_text("# Synthetic article, touched.\n" + _dump(mapping), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", type=int, required=True, help="how many articles (N)")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same bytes)")
    p.add_argument("--out", type=Path, required=True, help="the project directory to write")
    p.add_argument(
        "--triples-per-article",
        type=float,
        default=DEFAULT_TRIPLES_PER_ARTICLE,
        help="calibration target (default %(default)s)",
    )
    p.add_argument(
        "--facts-per-article",
        type=float,
        help="mean facts per article; skips the calibration (a few seconds)",
    )
    p.add_argument(
        "--measure",
        action="store_true",
        help="map and reason the written corpus and print its triples/article "
        f"(always done up to {BAR_FROM} articles)",
    )
    args = p.parse_args(argv)
    if args.articles < 1:
        p.error("--articles must be at least 1")
    check_target(args.out)
    started = time.perf_counter()
    profile = load_profile()
    print(
        f"profile: {len(profile.models)} real articles, "
        f"{sum(profile.type_counts().values())} facts {dict(profile.type_counts())}; "
        f"figures repeated {profile.figure_repeat:.0%}, of which disagree "
        f"{profile.figure_disagree:.0%}",
        flush=True,
    )
    facts = args.facts_per_article
    if facts is None:
        facts, a, b = calibrate(profile, args.triples_per_article, args.seed)
        print(
            f"calibrated: {facts:.2f} facts/article "
            f"({a:.1f} triples per article + {b:.1f} per fact) "
            f"for {args.triples_per_article:g} triples/article",
            flush=True,
        )
    summary = generate(args.out, args.articles, args.seed, facts, profile)
    print(
        f"wrote {args.articles} articles, {sum(summary['facts'].values())} facts, "
        f"{sum(summary['entities'].values())} entities to {args.out} "
        f"in {time.perf_counter() - started:.1f}s",
        flush=True,
    )
    if args.measure or args.articles <= BAR_FROM:
        triples, n = measure(args.out)
        print(f"measured: {triples} triples, {triples / n:.1f} triples/article", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
