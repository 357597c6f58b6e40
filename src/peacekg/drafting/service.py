"""Deployments: a named person or unit, a verb of service, and an operation in one sentence.

"Captain X is currently serving in Western Sahara", "Lieutenant Colonel X, who recently returned
from the Republic of Mali", "This contingent will serve as a reserve company to the UN mission
… in the Golan Heights", "Several years ago, he served as part of the UN mission in Western
Sahara" (the person named last before). Several persons in one such sentence ("Kazakh female
soldiers including A, B and C also took part in …") are a group claim, never a deployment of
each (docs/data-model.md).
"""

from __future__ import annotations

import re

from peacekg.mapping.coverage import Sentence

from .ids import slug
from .knowledge import Entry
from .model import Candidate, Proposal, references
from .reading import Match, Reading
from .scope import operations
from .timing import clause, timing

SERVICE = re.compile(
    r"\b(?:serv(?:e|es|ed|ing)|deploy(?:ed|ment)?|sent|send-off|dispatch(?:ed)?|"
    r"participat(?:e|es|ed|ing)|took part|take part|joined|returned from|role in|began|"
    r"assigned to|posted to|seen off|command(?:ed|s|ing)?)\b",
    re.IGNORECASE,
)
STARTED = re.compile(r"\b(?:sent|send-off|dispatched|seen off|deployed|began)\b", re.IGNORECASE)
SERVING_UNIT = re.compile(
    r"contingent|battalion|brigade|company|detachment|regiment|\bunit\b|bat\b", re.I
)
SPEAKS = re.compile(
    r",?\s+(?:said|says|noted|stated|told|added|announced|stressed|mentioned|assured)\b"
)
"""After a name: the person is the one speaking, not the one serving."""
PRONOUN = re.compile(r"\b(?:he|she)\b")
ANAPHOR = re.compile(r"\b(?:[Tt]his|[Tt]he) (?:contingent|battalion|unit|company)\b")
GROUP = re.compile(
    r"(?P<head>(?:[A-Z][a-z]+ )?[a-z]+(?: [a-z]+)?) (?:including|such as|among them)\b"
)
NEXT_SCHEDULE = re.compile(
    r"^The (?:deployment|dispatch|departure|rotation) is scheduled for", re.IGNORECASE
)


def deployments(reading: Reading) -> list[Candidate]:
    """A deployment for each sentence with a verb of service, a member and an operation; one
    group claim where it names several persons together."""
    found: list[Candidate] = []
    for sentence in reading.sentences:
        verb = SERVICE.search(sentence.text)
        if not verb:
            continue
        start, words = clause(sentence, sentence.start + verb.start())
        named = operations(reading, sentence.start, sentence.end)
        members = _members(reading, sentence, start, start + len(words), verb.start())
        if not named or not members:
            continue
        persons = [m for m in members if m.ref.startswith("person/")]
        if len({p.ref for p in persons}) > 1 and GROUP.search(sentence.text):
            found.append(_group(reading, sentence, persons, [op for _, op, _ in named]))
            continue
        for member in members[:1]:
            for place_match, operation, _place in named:
                found.append(_deployment(reading, sentence, member, operation, place_match, verb))
    return found


def _members(reading: Reading, sentence: Sentence, start: int, end: int, verb: int) -> list[Match]:
    """Who serves: persons and units that can serve (contingents, battalions: not a training
    centre) named in the clause or before it in the sentence, nearest the verb first; else the
    one "he" or "this contingent" refers to (the last named before)."""
    named = [
        m
        for m in reading.within(sentence.start, end, "person", "unit")
        if (m.ref.startswith("person/") or SERVING_UNIT.search(reading.entry(m.ref).label))
        and not SPEAKS.match(reading.text, m.end)
    ]
    if named:
        return sorted(named, key=lambda m: abs(m.start - (sentence.start + verb)))
    words = reading.text[start:end]
    for pattern, kind in ((PRONOUN, "person"), (ANAPHOR, "unit")):
        if (m := pattern.search(words)) and (
            earlier := reading.last_before(start + m.start(), kind)
        ):
            return [earlier]
    return []


def _deployment(
    reading: Reading,
    sentence: Sentence,
    member: Match,
    operation: str,
    place: Match,
    verb: re.Match[str],
) -> Candidate:
    anchor = max(member.start, sentence.start)
    time = timing(reading.article, sentence, anchor, "deployment")
    when, status = time.when, time.status
    if status is None and STARTED.search(verb.group()) and when == "past":
        when = {"start": "past"}
    elif status is None and verb.group().lower().startswith("returned"):
        when = {"end": when} if isinstance(when, str) and when[:1].isdigit() else when
    start = min(member.start, sentence.start)
    end = max(place.end, verb.end() + sentence.start)
    if status == "planned" and (after := _schedule(reading, sentence)):
        when, status, end = {"start": after[0]}, "scheduled", after[1]
    fields: dict[str, object] = {"member": member.ref, "operation": operation}
    if role := _role(reading, sentence.text):
        fields["role"] = role
    return Candidate(
        "deployment",
        fields,
        start,
        end,
        0.7 if member.start >= sentence.start else 0.5,
        f"'{verb.group()}' with a person or unit and an operation; {time.cue}",
        when=when,
        status=status,
        name=f"{member.ref.split('/')[1]}-{operation.split('/')[1]}",
        refs=references(fields),
    )


def _schedule(reading: Reading, sentence: Sentence) -> tuple[str, int] | None:
    """ "… will serve as a reserve company … The deployment is scheduled for March 2024": the
    next sentence dates the plan."""
    index = reading.sentences.index(sentence)
    if index + 1 >= len(reading.sentences):
        return None
    following = reading.sentences[index + 1]
    if not NEXT_SCHEDULE.match(following.text):
        return None
    found = timing(reading.article, following, following.start, "event")
    if found.status != "scheduled" or not isinstance(found.when, str):
        return None
    at = reading.text.find(found.when[:4], following.start)
    return found.when, (at + 4 if at >= 0 else following.end)


def _role(reading: Reading, words: str) -> str | None:
    for m in re.finditer(r"\bas (?:an? )?(?P<role>[a-z]+(?: [a-z]+)?)", words):
        for written in (m.group("role"), m.group("role").split()[0]):
            if role := reading.lexicon.role(written):
                return role
    return None


def _group(
    reading: Reading, sentence: Sentence, persons: list[Match], operations_: list[str]
) -> Candidate:
    """One claim about the persons together, under a group proposed for the draft registry."""
    head = GROUP.search(sentence.text)
    label = head.group("head") if head else "Persons named together"
    key = slug(label)
    members = tuple(dict.fromkeys(p.ref for p in persons))
    reading.known.add(
        Entry(f"group/{key}", label, [label], Proposal("group", key, label, members=members))
    )
    if head:
        at = sentence.start + head.start("head")
        reading.matches.append(Match(at, at + len(label), f"group/{key}", "group named"))
    time = timing(reading.article, sentence, persons[0].start, "group")
    fields: dict[str, object] = {"group": f"group/{key}", "operations": operations_}
    return Candidate(
        "group",
        fields,
        sentence.start,
        sentence.end,
        0.5,
        "several named persons with a verb of service: a group claim",
        when=time.when if time.status is None else "past",
        name=f"{key}-group",
        refs=references(fields),
    )
