"""Persons: found by the rank or title the text gives them, with their ranks and posts.

"Lieutenant Colonel Ermek Tulesov", "Lieutenant Colonels A B and C D", "Major of the Army X Y",
"Defense Minister X Y", "Deputies of the Mazhilis X Y and Z W", "Senior Officer and Instructor
at the Centre …, Lieutenant Colonel X Y", "X Y, staff officer of MINUSMA": a rank or title
next to two or three capitalised words is a person's name. A name the registry knows is that
person (also written with an initial, "E. Tulesov", or by the surname alone); another is
proposed for the draft registry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .dates import MONTHS
from .ids import slug
from .knowledge import Entry
from .model import Candidate, Proposal
from .page import words
from .reading import Match, Reading

NOT_NAMES = frozenset(
    words(
        """The A An And Of In On At For To By From With As UN United Nations Republic Ministry
        Armed Forces Defense Defence Minister President Army Navy Air Force Head State
        Parliament Council Mission Operation Operations Centre Center Department National Flag
        Government Security General Generals Deputy Deputies Commander Peacekeeping
        Peacekeepers Photo Source Lieutenant Lieutenants Colonel Colonels Captain Captains Major
        Majors Sergeant Private Senior Brigadier Admiral Corporal"""
    )
    + [month.title() for month in MONTHS]
)
"""Capitalised words that are never part of a person's name (ranks, titles, institutions)."""
TOKEN = (
    rf"(?!(?:{'|'.join(sorted(NOT_NAMES))})\b)"
    r"[A-Z][a-zà-ÿ’']+(?:-(?!(?:General|Colonel)\b)[A-Z][a-zà-ÿ’']+)?"
)
NAME = rf"(?:[A-Z]\.\s?{TOKEN}|{TOKEN}(?:\s{TOKEN}){{1,2}})"
NAMES = rf"{NAME}(?:(?:,\s*|,?\s+and\s+){NAME})*"
SEPARATOR = re.compile(r",\s*|,?\s+and\s+")
TITLES: tuple[tuple[str, str | None], ...] = (
    (r"[Hh]ead of (?:the )?[Ss]tate,?(?: President)?", "president"),
    (r"President", "president"),
    (
        r"(?:Defen[cs]e|Foreign|Prime|Interior) Minister|Minister of [A-Z][a-z]+|Minister",
        "minister",
    ),
    (
        r"Deput(?:y|ies) of the (?P<org>[A-Z][\w’'-]*(?: (?:of the |of )?[A-Z][\w’'-]*){0,4}?)",
        "deputy",
    ),
    (r"(?:Force )?Commander", "commander"),
    (r"Secretary-General|Ambassador|Spokes(?:man|woman|person)", None),
    (r"By", None),
)
WHILE_SERVING = re.compile(r"\bwhile (?:serving|on duty|deployed)\b", re.IGNORECASE)


def _valid(name: str) -> bool:
    tokens = name.replace(".", ". ").split()
    return not any(t in NOT_NAMES for t in tokens)


def person_ref(reading: Reading, name: str, propose: bool) -> str | None:
    """The person a name refers to: a known one (full name, initial + surname, surname alone),
    else, with `propose`, a new entry for the draft registry."""
    name = re.sub(r"\s+", " ", name.strip())
    if not _valid(name):
        return None
    persons = reading.known.of_kind("person")
    if ref := reading.known.owner.get(name):
        return ref if ref.startswith("person/") else None
    tokens = name.split()
    if m := re.fullmatch(r"([A-Z])\.\s?(\S+)", name):
        found = [p for p in persons if p.surname == m.group(2) and p.label.startswith(m.group(1))]
        return found[0].ref if len(found) == 1 else None
    if len(tokens) == 1:
        found = [p for p in persons if p.surname == name]
        return found[0].ref if len(found) == 1 else None
    if not propose:
        return None
    key = slug(name)
    if f"person/{key}" not in reading.known.entries:
        reading.known.add(Entry(f"person/{key}", name, [name], Proposal("person", key, name)))
    return f"person/{key}"


def _rank_re(reading: Reading) -> re.Pattern[str]:
    ranks = reading.lexicon.rank_pattern
    return re.compile(
        rf"\b(?P<rank>{ranks})(?P<plural>s)?(?:\s+of\s+the\s+(?:Air Force|[A-Z][a-z]+))?"
        rf"\s+(?P<names>{NAMES}|{TOKEN}\b)"
    )


def _title_re(reading: Reading) -> re.Pattern[str]:
    titles = "|".join(f"(?:{t})" for t, _ in TITLES)
    return re.compile(
        rf"\b(?P<title>{titles})\s+(?:(?P<rank>{reading.lexicon.rank_pattern})\s+)?"
        rf"(?P<names>{NAMES}|{TOKEN}\b)"
    )


def _names(m: re.Match[str]) -> Iterator[tuple[int, int, str]]:
    """Each name of a match's `names` group, with its offsets."""
    base = m.start("names")
    at = 0
    for piece in SEPARATOR.split(m.group("names")):
        at = m.group("names").index(piece, at)
        yield base + at, base + at + len(piece), piece
        at += len(piece)


def propose_people(reading: Reading) -> None:
    """Add every person the article names with a rank or title to what the drafter knows."""
    for pattern in (_rank_re(reading), _title_re(reading)):
        for m in pattern.finditer(reading.text):
            for _start, _end, name in _names(m):
                person_ref(reading, name, propose=True)


def _person_at(reading: Reading, start: int, end: int) -> str | None:
    found = reading.within(start, end, "person")
    return found[0].ref if found else None


def ranks(reading: Reading) -> list[Candidate]:
    """A rank before a name: the person held that rank when the article names them so (a
    caption's "while serving" puts it in the past)."""
    found = []
    for m in _rank_re(reading).finditer(reading.text):
        code = reading.lexicon.rank(m.group("rank"))
        if code is None:
            continue
        sentence = reading.sentence_at(m.start())
        when = "past" if WHILE_SERVING.search(sentence.text) else "present"
        names = list(_names(m))
        for start, end, _name in names:
            person = _person_at(reading, start, end)
            if person is None:
                continue
            quote_end = names[-1][1] if m.group("plural") else end
            found.append(
                Candidate(
                    "rank",
                    {"person": person, "rank": code},
                    m.start(),
                    quote_end,
                    0.9,
                    f"rank word '{m.group('rank')}' before a name",
                    when=when,
                    name=f"{person.split('/')[1]}-rank",
                    refs=[person],
                )
            )
    return found


def posts(reading: Reading) -> list[Candidate]:
    """Titles before names ("Defense Minister X") and roles beside them ("X, staff officer of
    MINUSMA"; "Instructor at the Centre …, Lieutenant Colonel X"), held at publication."""
    return [*_titled(reading), *_appositions(reading)]


def _titled(reading: Reading) -> Iterator[Candidate]:
    for m in _title_re(reading).finditer(reading.text):
        title = m.group("title")
        role = next((r for t, r in TITLES if re.fullmatch(t, title)), None)
        if role is None:
            continue
        organization = _title_organization(reading, m, role)
        if organization is None:
            continue
        for start, end, _name in _names(m):
            if person := _person_at(reading, start, end):
                yield _post(person, organization, role, m.start(), end, f"title '{title}'")


def _title_organization(reading: Reading, m: re.Match[str], role: str) -> str | None:
    if role == "president":
        before = reading.text[max(0, m.start() - 30) : m.start()].split()
        country = reading.known.country(before[-1]) if before else None
        return country or reading.main_country()
    if role == "minister" and re.search("Defen[cs]e", m.group("title")):
        return _ministry_of_defence(reading, m)
    if role == "deputy" and m.group("org"):
        found = reading.within(m.start("org"), m.end("org"), "organization")
        return found[0].ref if found else None
    return None


def _ministry_of_defence(reading: Reading, m: re.Match[str]) -> str | None:
    """The ministry of defence of the country named before the title ("Ghana's Defence
    Minister"), else of the article's country; proposed if the registry lacks it."""
    before = reading.text[max(0, m.start() - 30) : m.start()].split()
    country = before and reading.known.country(before[-1].removesuffix("’s").removesuffix("'s"))
    country = country or reading.main_country()
    if not country:
        return None
    label = reading.entry(country).label
    for entry in reading.known.of_kind("organization"):
        if re.search(r"Ministry of Defen[cs]e", entry.label) and label in entry.label:
            return entry.ref
    name = f"Ministry of Defence of {label}"
    entry = reading.known.add(
        Entry(
            f"organization/{slug(name)}",
            name,
            [name],
            Proposal("organization", slug(name), name, "pk:Ministry"),
        )
    )
    return entry.ref


def _roles_re(reading: Reading) -> str:
    roles = sorted(reading.lexicon.roles, key=len, reverse=True)
    return "|".join(re.escape(r).replace(r"\ ", r"\s") for r in roles)


def _appositions(reading: Reading) -> Iterator[Candidate]:
    roles = _roles_re(reading)
    role_list = rf"(?P<roles>(?i:{roles})s?(?:\s+and\s+(?i:{roles})s?)*)"
    before = re.compile(
        rf"{role_list}\s+(?:at|of|in|with)\s+(?P<org>(?:the\s+)?[^,.;]+?),\s+"
        rf"(?:(?:{reading.lexicon.rank_pattern})\s+)?(?P<names>{NAME})"
    )
    after = re.compile(
        rf"(?P<names>{NAME}),\s+(?:the\s+|a\s+)?{role_list}\s+(?:at|of|in|with)\s+"
        rf"(?P<org>(?:the\s+)?[^,.;]+)"
    )
    for pattern in (before, after):
        for m in pattern.finditer(reading.text):
            organization = _organization_at(reading, m.start("org"), m.end("org"))
            person = _person_at(reading, m.start("names"), m.end("names"))
            if organization is None or person is None:
                continue
            for written in re.split(r"\s+and\s+", m.group("roles")):
                if role := reading.lexicon.role(written):
                    yield _post(
                        person, organization, role, m.start(), m.end(), "role beside a name"
                    )


def _organization_at(reading: Reading, start: int, end: int) -> str | None:
    """The organisation, unit or country named where a role's "of …" points (a post is never
    in an operation: that is a deployment); "the contingent" is the last unit named before."""
    found = reading.within(start, end, "organization", "unit", "place")
    if found:
        return max(found, key=lambda f: f.end - f.start).ref
    words = reading.text[start:end].lower()
    if re.fullmatch(r"(?:the|this)\s+(?:contingent|battalion|unit|company)", words.strip()):
        unit = reading.last_before(start, "unit")
        return unit.ref if unit else None
    return None


def _post(person: str, organization: str, role: str, start: int, end: int, cue: str) -> Candidate:
    return Candidate(
        "post",
        {"member": person, "organization": organization, "role": role},
        start,
        end,
        0.7,
        cue,
        when="present",
        name=f"{person.split('/')[1]}-{role}",
        refs=[person, organization],
    )


def person_matches(reading: Reading) -> list[Match]:
    """Where known persons are named by an initial and surname, or by the surname alone after
    their full name (the article's own short forms)."""
    found = []
    for person in reading.known.of_kind("person"):
        first = reading.text.find(person.label)
        if first < 0 or len(person.label.split()) < 2:
            continue
        initial = re.escape(person.label[0]) + r"\.\s?" + re.escape(person.surname)
        for m in re.finditer(rf"\b{initial}\b", reading.text):
            found.append(Match(m.start(), m.end(), person.ref, "initial and surname"))
        for m in re.finditer(rf"\b{re.escape(person.surname)}\b", reading.text):
            if m.start() > first:
                found.append(Match(m.start(), m.end(), person.ref, "surname after the full name"))
    return found
