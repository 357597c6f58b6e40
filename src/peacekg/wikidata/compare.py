"""Does a Wikidata item describe our entity? Names, type and dates, each rule conservative.

A link that is wrong corrupts every join made with it, and one that is missing costs a reviewer
a minute; so anything that disagrees, or that cannot be checked where the rule needs it,
counts against the candidate:

- names: one of our names (label, other labels, acronym, Wikipedia title) is the item's English
  label or an alias, ignoring case, accents and punctuation variants;
- type: one of the item's instance-of (P31) classes has an English label containing a word our
  class allows (TYPE_RULES). Types are matched by label, not by item id, so that no Wikidata
  id is written here from memory; a class without a rule is never matched automatically;
- dates: the item's inception (P571; birth P569 for persons) agrees with an establishment date
  our articles give and is not after the earliest date they speak of it; its dissolution (P576;
  death P570) is not before a termination date they give. A mission's liquidation can outlast
  its mandate, so a claim after dissolution is not held against it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from peacekg.wikidata.api import DATE_PROPERTIES, Item
from peacekg.wikidata.ours import Ours

TYPE_RULES: dict[str, tuple[str, ...]] = {
    "schema:Person": ("human",),
    "schema:Country": ("country", "sovereign state"),
    "schema:City": ("city", "capital", "metropolis"),
    "schema:Park": ("park",),
    "pk:Territory": ("territory", "region", "area", "plateau"),
    "pk:UNPeacekeepingMission": ("peacekeeping", "observer mission", "observer force"),
    "pk:CoalitionOperation": ("military operation", "multinational force", "coalition"),
    "pk:IntergovernmentalOrganization": (
        "intergovernmental organization",
        "international organization",
        "military alliance",
    ),
    "org:OrganizationalUnit": ("organ", "council", "secretariat", "committee"),
    "org:FormalOrganization": ("organization", "organisation", "government", "movement"),
    "pk:ArmedForces": ("armed forces", "military"),
    "pk:Ministry": ("ministry", "government department"),
    "pk:Parliament": ("parliament", "legislature"),
    "pk:ParliamentaryChamber": ("lower house", "upper house", "legislative chamber"),
    "pk:MilitaryUnit": ("military unit", "battalion", "brigade", "regiment"),
    "pk:Contingent": ("military unit", "battalion", "contingent"),
}
PERSON = "schema:Person"
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u2013": "-", "\u2014": "-"})


@dataclass(frozen=True)
class Comparison:
    agreements: tuple[str, ...]
    disagreements: tuple[str, ...]

    @property
    def agrees(self) -> bool:
        return not self.disagreements


def compare(ours: Ours, item: Item, type_labels: Mapping[str, str]) -> Comparison:
    """What agrees and what disagrees between our entity and the item, in plain words."""
    agree: list[str] = []
    disagree: list[str] = []
    for rule in (_names, _type, _dates):
        good, bad = rule(ours, item, type_labels)
        agree += good
        disagree += bad
    return Comparison(tuple(agree), tuple(disagree))


def normalise(name: str) -> str:
    """A name folded for comparison: no accents, case, quote or dash variants, extra spaces."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_QUOTES))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


Verdicts = tuple[list[str], list[str]]


def _names(ours: Ours, item: Item, _types: Mapping[str, str]) -> Verdicts:
    theirs = {normalise(n): n for n in item.names}
    common = [theirs[key] for key in map(normalise, ours.names) if key in theirs]
    if common:
        return [f"name {common[0]!r}"], []
    return [], [
        f"no name in common: ours {' / '.join(ours.names)}; "
        f"Wikidata's {' / '.join(item.names) or '(no English label or alias)'}"
    ]


def _type(ours: Ours, item: Item, type_labels: Mapping[str, str]) -> Verdicts:
    cls = ours.entity.cls
    words = TYPE_RULES.get(cls)
    if words is None:
        return [], [f"no type rule for {cls}: such entities are linked by hand, after review"]
    if not item.types:
        return [], ["no instance of (P31) to check the type against"]
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)
    fitting = [type_labels[t] for t in item.types if pattern.search(type_labels.get(t, ""))]
    if fitting:
        return [f"instance of {fitting[0]!r} fits {cls}"], []
    shown = ", ".join(f"{type_labels.get(t, '(no English label)')} ({t})" for t in item.types)
    return [], [f"instance of {shown}: not a {cls} (expected a kind of {' / '.join(words)})"]


def _dates(ours: Ours, item: Item, _types: Mapping[str, str]) -> Verdicts:
    person = ours.entity.cls == PERSON
    start, end = ("P569", "P570") if person else ("P571", "P576")
    start_name, end_name = DATE_PROPERTIES[start], DATE_PROPERTIES[end]
    agree: list[str] = []
    disagree: list[str] = []
    for theirs in item.dates.get(start, ()):
        for established in ours.established:
            if _same(theirs, established):
                agree.append(f"{start_name} {theirs} agrees with our establishment date")
            else:
                disagree.append(
                    f"{start_name} ({start}) {theirs} disagrees with the establishment date "
                    f"{established} our articles give"
                )
        if ours.earliest and _before(ours.earliest, theirs):
            disagree.append(
                f"{start_name} ({start}) {theirs} is after {ours.earliest}, the earliest date "
                "our articles speak of it"
            )
    for theirs in item.dates.get(end, ()):
        disagree += [
            f"{end_name} ({end}) {theirs} is before the termination date {ended} our articles give"
            for ended in ours.ended
            if _before(theirs, ended)
        ]
    return agree, disagree


def _cut(a: str, b: str) -> tuple[str, str]:
    """Both dates at the precision they share (YYYY, YYYY-MM or YYYY-MM-DD)."""
    n = min(len(a), len(b))
    return a[:n], b[:n]


def _same(a: str, b: str) -> bool:
    cut_a, cut_b = _cut(a, b)
    return cut_a == cut_b


def _before(a: str, b: str) -> bool:
    """a is before b at their shared precision (so 2013 is not before 2013-04-25)."""
    cut_a, cut_b = _cut(a, b)
    return cut_a < cut_b
