"""What the drafter knows before it reads an article, and the names it looks for.

Four sources, in order of trust: the registry (labels, acronyms, alternative labels); the words
reviewed mappings quote for its entities (how articles actually name them, e.g. "Ivory Coast");
the UN's peace operations (mappings/un-peace-operations.yaml: names, acronyms, hosts, years);
and the world's countries (ISO 3166, from pycountry), so that a mission or contributing
country no article has named yet is still recognised and proposed. A name belongs to the first
source that gives it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pycountry

from peacekg.inputs.located import Located, load_mapping
from peacekg.inputs.reference import Operation
from peacekg.inputs.registry import Registry
from peacekg.mapping.drafts import is_draft

from .ids import slug
from .model import Proposal

UN_LONG, UN_SHORT = "United Nations", "UN"
LEADING = re.compile(r"^(?:(?:the|a|an|in|of|to|by|from|at|this|these)\s+)+", re.IGNORECASE)
MAX_NAME_WORDS = 5
DEMONYM_ENDINGS = ("", "i", "is", "n", "ns", "an", "ans", "ian", "ians", "ese", "ish", "ean", "ani")
SPELLINGS = (("Centre", "Center"), ("Defence", "Defense"), ("Organisation", "Organization"))
"""British and American spellings of the words institutions' names share."""
ENTITY_REF = re.compile(r"^(person|operation|organization|unit|place|group)/[a-z0-9-]+$")


@dataclass
class Entry:
    """One entity the drafter can name: in the registry, or proposed if the article names it."""

    ref: str
    label: str
    names: list[str] = field(default_factory=list)
    proposal: Proposal | None = None
    hosts: set[str] = field(default_factory=set)
    """For operations: the places that host them."""
    years: tuple[int | None, int | None] = (None, None)
    """For operations: the years they began and ended, if known."""
    political: bool = False
    """For operations: a special political mission, not a peacekeeping one."""

    @property
    def kind(self) -> str:
        return self.ref.split("/", 1)[0]

    @property
    def surname(self) -> str:
        return self.label.split()[-1] if self.kind == "person" else ""


@dataclass
class Knowledge:
    """Every name the drafter looks for, and which entity it names."""

    entries: dict[str, Entry] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)
    """name -> the ref it names (the first source that gave it)."""
    countries: dict[str, str] = field(default_factory=dict)
    """A country's short name -> its ref, for nationality adjectives ("Nepalese")."""

    def add(self, entry: Entry) -> Entry:
        known = self.entries.setdefault(entry.ref, entry)
        for name in entry.names if known is not entry else list(entry.names):
            self.name(known, name)
        return known

    def name(self, entry: Entry, name: str) -> None:
        """Give `entry` one more name (and its curly-apostrophe twin) unless another has it."""
        for variant in {name.strip(), name.strip().replace("'", "’")}:
            mine = len(variant) > 1 and self.owner.setdefault(variant, entry.ref) == entry.ref
            if mine and variant not in entry.names:
                entry.names.append(variant)

    def copy(self) -> Knowledge:
        """A copy an article's own proposals can be added to without touching this one."""
        entries = {
            ref: replace(e, names=list(e.names), hosts=set(e.hosts))
            for ref, e in self.entries.items()
        }
        return Knowledge(entries, dict(self.owner), dict(self.countries))

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for e in self.entries.values() if e.kind == kind]

    def operation_in(self, place: str, year: int | None, past: bool = False) -> Entry | None:
        """The peacekeeping operation "the mission in <place>" means: one the registry knows
        before one it does not, one under way in `year` before others, the one serving fewest
        places (UNIFIL, not UNTSO, for Lebanon), the latest. An operation only the UN's list
        knows must be under way in `year` (or, for `past` service, have begun by then), and a
        political mission is named, never inferred (the contributing country may host one)."""

        def rank(e: Entry) -> tuple[bool, bool, int, int]:
            start, end = e.years
            running = year is None or ((start or 0) <= year <= (end or 9999))
            return (e.proposal is not None, not running, len(e.hosts), -(end or 9999))

        found = [
            e
            for e in self.of_kind("operation")
            if place in e.hosts
            and not e.political
            and (
                e.proposal is None or not rank(e)[1] or (past and (e.years[0] or 0) <= (year or 0))
            )
        ]
        return min(found, key=rank) if found else None

    def country(self, word: str) -> str | None:
        """The country a nationality adjective or name refers to ("Kazakhstani", "Nepalese")."""
        best: tuple[int, str] | None = None
        for name, ref in self.countries.items():
            for stem in _stems(name):
                rest = word[len(stem) :]
                if word.startswith(stem) and rest in DEMONYM_ENDINGS:
                    best = max(best or (0, ref), (len(stem), ref))
        return best[1] if best else None


def _stems(name: str) -> list[str]:
    """A country name with the endings a nationality adjective replaces ("Leban|on")."""
    if " " in name or len(name) < 4:
        return [name]
    stems = [name, name[:-1], name[:-2]] if len(name) > 5 else [name, name[:-1]]
    if name.endswith("stan"):
        stems.append(name[: -len("stan")])
    return [s for s in stems if len(s) >= 4]


def variants(label: str) -> list[str]:
    """The names a label stands for: itself, without a parenthesis, the parenthesis, and with
    "United Nations" written "UN" (and back), as articles write them."""
    names = [label]
    if m := re.fullmatch(r"(.+?)\s*\((.+)\)", label):
        names = [m.group(1)]
        if re.fullmatch(r"[A-Z][\w-]*", m.group(2)):
            names.append(m.group(2))
    for name in list(names):
        if UN_LONG in name:
            names.append(name.replace(UN_LONG, UN_SHORT))
        elif re.search(rf"\b{UN_SHORT}\b", name):
            names.append(re.sub(rf"\b{UN_SHORT}\b", UN_LONG, name))
    names += [LEADING.sub("", n) for n in names]
    for british, american in SPELLINGS:
        names += [n.replace(british, american) for n in names if british in n]
        names += [n.replace(american, british) for n in names if american in n]
    names += [n[0].lower() + n[1:] for n in names if len(n.split()) >= 3]
    return [n for n in dict.fromkeys(names) if n]


def quoted_name(quote: str) -> str | None:
    """The name a short mention quote gives ("The Kazakh peacekeeping battalion" -> "Kazakh
    peacekeeping battalion"), or None for a longer passage or one with no proper noun."""
    name = LEADING.sub("", quote.strip())
    words = name.split()
    if not words or len(words) > MAX_NAME_WORDS or not re.search(r"\b[A-Z]", name):
        return None
    if any(ch.isdigit() for ch in name) or not name[0].isupper():
        return None
    return name


def knowledge(
    registry: Registry,
    mappings: Iterable[Path],
    operations: Iterable[Operation],
) -> Knowledge:
    """Everything the drafter knows: the registry, what reviewed mappings quote for its
    entities and where they place operations, the UN's operations, the world's countries."""
    known = Knowledge()
    for entity in registry.entities.values():
        names = [*variants(entity.label), *entity.alt_labels]
        if entity.acronym:
            names.append(entity.acronym)
        known.add(Entry(entity.ref, entity.label, names))
    for path in mappings:
        _learn_from_mapping(known, load_mapping(path, "an article's mapping"))
    _add_countries(known)
    for record in operations:
        _add_operation(known, record)
    return known


def _learn_from_mapping(known: Knowledge, top: Located) -> None:
    """The names a reviewed mapping quotes for an entity, and the hosts it gives operations."""
    for fact in top.get("facts") or []:
        if not isinstance(fact, dict) or is_draft(fact):
            continue
        if fact.get("type") == "mention" and (entry := known.entries.get(fact.get("entity"))):
            if name := quoted_name(str(fact.get("quote", ""))):
                known.name(entry, name)
        elif fact.get("type") == "hosting" and (entry := known.entries.get(fact.get("operation"))):
            territories = fact.get("territories")
            for place in territories if isinstance(territories, list) else [territories]:
                if isinstance(place, str) and ENTITY_REF.match(place):
                    entry.hosts.add(place)


def _country_names(country: object) -> list[str]:
    """ISO 3166 names as English prose writes them ("Congo, The Democratic Republic of the"
    -> "The Democratic Republic of the Congo")."""
    names = []
    for attr in ("common_name", "name", "official_name"):
        name = getattr(country, attr, None)
        if not name:
            continue
        if ", " in name:
            head, _, tail = name.partition(", ")
            name = f"{tail} {head}"
        names.append(LEADING.sub("", name))
    return list(dict.fromkeys(names))


def _add_countries(known: Knowledge) -> None:
    places = {e.label: e for e in known.of_kind("place")}
    for country in pycountry.countries:
        names = _country_names(country)
        entry = next((places[n] for n in names if n in places), None)
        if entry is None:
            entry = next((known.entries[known.owner[n]] for n in names if n in known.owner), None)
        if entry is None or entry.kind != "place":
            label = names[0]
            entry = known.add(
                Entry(
                    f"place/{slug(label)}",
                    label,
                    proposal=Proposal("place", slug(label), label, "schema:Country"),
                )
            )
        for name in names:
            known.name(entry, name)
        known.countries.setdefault(names[0], entry.ref)


def _add_operation(known: Knowledge, record: Operation) -> None:
    """A UN operation: the registry's entry with its acronym, or a proposed one."""
    acronym = record.acronym
    entry = next((e for e in known.of_kind("operation") if acronym and acronym in e.names), None)
    if entry is None:
        cls = "pk:UNPeacekeepingMission" if "peacekeeping" in record.kind else "pk:PeaceOperation"
        key = slug(acronym or record.name)
        entry = known.add(
            Entry(
                f"operation/{key}",
                record.name,
                proposal=Proposal("operation", key, record.name, cls, acronym or None),
            )
        )
    for name in [*variants(record.name), *(record.aliases or []), acronym]:
        if name:
            known.name(entry, name)
    for host in record.hosts:
        if ref := known.owner.get(host):
            entry.hosts.add(ref)
    entry.years = (record.start, record.end)
    entry.political = record.kind != "peacekeeping"
