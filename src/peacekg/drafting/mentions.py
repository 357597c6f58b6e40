"""Where the article names entities, and the units it names that nobody has registered yet.

Names are matched case-sensitively, longest first, never inside a longer word or name: "the
Democratic Republic of the Congo" is one place, not "Congo". Each entity gets one `mention`
fact per distinct way the article writes it, as the reviewed mappings do ("Ermek Tulesov",
"E. Tulesov").
"""

from __future__ import annotations

import re

from .ids import slug
from .knowledge import Entry
from .model import Candidate, Proposal
from .people import person_matches, propose_people
from .reading import Match, Reading

UNIT_NOUN = r"(?:contingent|battalion|brigade|company|detachment|regiment|unit)"
UNIT_PHRASE = re.compile(
    rf"\b(?:[Tt]he|[Tt]his)\s+(?P<core>(?:(?!of\b|the\b|and\b)[\w’'-]+\s+){{0,4}}?peacekeeping\s+{UNIT_NOUN})\b"
    rf"|\b(?:[Tt]he|[Aa])\s+(?P<national>[A-Z][a-z]+\s+{UNIT_NOUN})\b"
)
UNIT_ACRONYM = re.compile(r"\b[A-Z][A-Za-z]{2,5}(?:BAT|bat|COY|MED|ENGR)(?:-\d+)?\b")
CONFIDENCE = {
    "registry name": 0.9,
    "name proposed for the registry": 0.6,
    "initial and surname": 0.8,
    "surname after the full name": 0.6,
}


def read_names(reading: Reading) -> None:
    """Propose the persons and units the article introduces, then find every name in it."""
    propose_people(reading)
    _propose_units(reading)
    reading.matches = _match(reading)


def _propose_units(reading: Reading) -> None:
    """Units named with "the … peacekeeping battalion", a nationality ("a Nepalese battalion")
    or a contingent acronym ("NEPBAT") that no known name covers."""
    for m in UNIT_PHRASE.finditer(reading.text):
        core = m.group("core") or m.group("national")
        if m.group("national") and not reading.known.country(core.split()[0]):
            continue
        _propose_unit(reading, core)
    for m in UNIT_ACRONYM.finditer(reading.text):
        _propose_unit(reading, m.group())


def _propose_unit(reading: Reading, name: str) -> None:
    if name in reading.known.owner:
        return
    key = slug(name)
    reading.known.add(
        Entry(f"unit/{key}", name, [name], Proposal("unit", key, name, "pk:Contingent"))
    )


def _match(reading: Reading) -> list[Match]:
    names = sorted(reading.known.owner, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w’'-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w’'-])"
    )
    found: list[Match] = []
    for m in pattern.finditer(reading.text):
        ref = reading.known.owner[m.group()]
        cue = (
            "registry name"
            if reading.entry(ref).proposal is None
            else ("name proposed for the registry")
        )
        found.append(Match(m.start(), m.end(), ref, cue))
    for extra in person_matches(reading):
        if not any(f.start < extra.end and extra.start < f.end for f in found):
            found.append(extra)
    return sorted(found, key=lambda f: f.start)


def mentions(reading: Reading) -> list[Candidate]:
    """One mention per entity and distinct wording, at its first occurrence."""
    seen: set[tuple[str, str]] = set()
    found = []
    for m in reading.matches:
        words = reading.words(m.start, m.end)
        if (m.ref, words) in seen:
            continue
        seen.add((m.ref, words))
        found.append(
            Candidate(
                "mention",
                {"entity": m.ref},
                m.start,
                m.end,
                CONFIDENCE.get(m.cue, 0.7),
                m.cue,
                name=f"mention-{m.ref.split('/')[1]}",
                refs=[m.ref],
            )
        )
    return found
