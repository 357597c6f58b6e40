"""The words the drafter reads facts by: ranks and roles from the ontology's code lists, the
nouns that figures count, and the number words of English.

Ranks and roles come from `ontology/codelists.ttl` (their English labels), so a code added
there is drafted without touching this module; a drafted code is always one the compiler knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from peacekg.inputs.ontology import Ontology

from .page import words

EXTRA_RANKS = ("General", "Brigadier General", "Brigadier", "Admiral", "Corporal")
"""Ranks that mark a name as a person's although the rank code list has no member for them
(no rank fact is drafted for these)."""

UNIT_NOUNS: dict[str, str] = {
    "officers": "officer",
    "officer": "officer",
    "servicemen": "military-personnel",
    "serviceman": "military-personnel",
    "servicewomen": "military-personnel",
    "military personnel": "military-personnel",
    "personnel": "military-personnel",
    "troops": "military-personnel",
    "soldiers": "military-personnel",
    "service members": "military-personnel",
    "military observers": "officer",
    "staff officers": "officer",
    "peacekeepers": "peacekeeper",
    "blue helmets": "peacekeeper",
    "rotations": "rotation",
    "rotation": "rotation",
    "munitions": "munition",
    "ammunition": "munition",
    "mines": "munition",
    "explosive devices": "munition",
    "shells": "munition",
}
"""What a counted noun counts (the `unit` code list)."""


NUMBER_WORDS: dict[str, int] = {
    word: value
    for value, word in enumerate(
        words(
            """zero one two three four five six seven eight nine ten eleven twelve thirteen
            fourteen fifteen sixteen seventeen eighteen nineteen twenty"""
        )
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80}
NUMBER_WORDS |= {"ninety": 90, "hundred": 100, "dozen": 12}
MULTIPLIERS = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}


@dataclass(frozen=True)
class Lexicon:
    """The ranks and roles of the ontology's code lists, as articles write them."""

    ranks: dict[str, str | None]
    """A rank as written (any case of its words, '-' or ' ' between them) -> its code."""
    roles: dict[str, str]
    """A role's label ("staff officer") -> its code."""

    @property
    def rank_pattern(self) -> str:
        """Alternatives for the ranks, longest first, a hyphen allowed between words."""
        words = sorted(self.ranks, key=len, reverse=True)
        return "|".join(re.escape(w).replace(r"\ ", r"[\s-]") for w in words)

    def rank(self, written: str) -> str | None:
        key = re.sub(r"[\s-]+", " ", written).strip()
        return self.ranks.get(key.removesuffix("s")) or self.ranks.get(key)

    def role(self, written: str) -> str | None:
        key = re.sub(r"\s+", " ", written.lower()).strip()
        return self.roles.get(key) or self.roles.get(key.removesuffix("s"))


def lexicon(ontology: Ontology) -> Lexicon:
    """The lexicon of an ontology: its rank and role codes by their English labels."""

    def labels(scheme: str) -> dict[str, str]:
        return {ontology.label(node): key for key, node in ontology.codes[scheme].items()}

    ranks: dict[str, str | None] = {
        label: key for label, key in labels("rank").items() if label[0].isupper()
    }
    for extra in EXTRA_RANKS:
        ranks.setdefault(extra, None)
    return Lexicon(ranks, {label.lower(): key for label, key in labels("role").items()})


def number_value(words: str) -> float | None:
    """The value of a number as written: "430", "15,000", "4.5 million", "six", "two hundred"."""
    words = words.strip().lower().replace(",", "")
    parts = words.split()
    if not parts:
        return None
    multiplier = 1
    if len(parts) > 1 and parts[-1] in MULTIPLIERS:
        multiplier = MULTIPLIERS[parts.pop()]
    if len(parts) == 2 and parts[1] == "hundred" and parts[0] in NUMBER_WORDS:
        return NUMBER_WORDS[parts[0]] * 100 * multiplier
    if len(parts) != 1:
        return None
    token = parts[0]
    if token in NUMBER_WORDS:
        return NUMBER_WORDS[token] * multiplier
    try:
        return float(token) * multiplier
    except ValueError:
        return None
