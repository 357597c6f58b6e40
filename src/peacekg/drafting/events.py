"""Events (a cue word of an event kind, dated by the nearest date of its clause) and hostings
(an operation placed by its own name or by "missions in <place>").

A date goes to every cue of the part of the sentence it stands in ("The proposal, put forward
… on January 19, received unanimous support" dates both), never across a break such as ", with"
("scheduled for March 2024, with an international agreement to be concluded" dates only the
deployment). A deployment start is drafted only when it is dated or planned, and not where the
sentence counts the people sent (the figure says it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from peacekg.mapping.coverage import Sentence

from .dates import FoundDate
from .figures import figures_in
from .model import Candidate, references
from .reading import Reading
from .scope import operations, year_of
from .timing import dates_in, segments, since, timing

UNIT_WORD = re.compile(r"\b(?:battalion|contingent|brigade|company|unit)\b", re.I)
MISSION_WORD = re.compile(r"\b(?:mission|operation|force)\b", re.I)
MISSIONS_IN = re.compile(r"\bmissions? in (?:[^.;:]*?,\s*|[^.;:]*? and\s+)?(?:the\s+)?$")
APPROVED_PROPOSAL = re.compile(r"approv\w*\s+(?:this|the|that|such an?)\s+proposal", re.I)
APPROVAL = r"\bapprov(?:ed|al)\b|\bunanimous support\b|\bratifi\w+|\bvoted\b"
"""An approval's words: a parliamentary approval when the sentence names a parliament."""
PARLIAMENT = re.compile(r"parliament|deputies|senate|assembly|congress|chamber|mazhilis", re.I)
KINDS: tuple[tuple[str, str], ...] = (
    (r"\bestablish(?:ed|ment)\b|\bfounded\b|\bcreated\b|\bset up\b", "establishment"),
    (
        r"\bresolution\b[^.]*\bend(?:ing|ed)?\b|\bterminat\w*|\bend(?:ing|ed)? (?:the |its )?"
        r"(?:mandate|operations)",
        "mission-termination",
    ),
    (r"\bwithdraw\w*|\bclosing the mission\b|\bdrawdown\b", "withdrawal"),
    (r"\bpropos(?:ed|al)\b", "proposal"),
    (APPROVAL, "parliamentary-approval"),
    (r"\bcelebrat\w+|\bobserv(?:ed|ance)\b|\bcommemorat\w+", "observance"),
    (r"\bindependence\b", "independence"),
    (r"\bagreement\b|\bmemorandum\b", "agreement"),
    (r"\breturn(?:ed|s)? (?:from|home|to (?:their|his|her) homeland)", "return"),
    (r"\bsend-off\b|\bseen off\b|\bfarewell ceremony\b", "send-off-ceremony"),
    (r"\bready to (?:provide|allocate|deploy|send)\b|\breadiness (?:of [\w ]+ )?to\b", "offer"),
    (
        r"\bdeploy(?:ment|ed)?\b|\bscheduled\b|\bdispatch\w*|\bsent\b|\bbegan\b|"
        r"\bhave served\b|\barriv\w+",
        "deployment-start",
    ),
)


def events(reading: Reading, served: list[Candidate]) -> list[Candidate]:
    """The events of each sentence but the headline. `served`: the drafted deployments; where
    one is of a known person or unit, it is that sentence's deployment start."""
    found: list[Candidate] = []
    for sentence in reading.sentences:
        if reading.is_headline(sentence):
            continue
        counted = bool(figures_in(reading, sentence)) or any(
            d.type == "deployment"
            and sentence.start <= d.end
            and d.start <= sentence.end
            and reading.entry(str(d.fields["member"])).proposal is None
            for d in served
        )
        found.extend(_events(reading, sentence, counted))
    return found


def _events(reading: Reading, sentence: Sentence, started: bool) -> Iterator[Candidate]:
    """`started`: a figure or a deployment of the sentence already says who was sent."""
    text = sentence.text
    approval = re.search(APPROVAL, text, re.I) and PARLIAMENT.search(text)
    approved_proposal = APPROVED_PROPOSAL.search(text)
    for start, end in segments(sentence):
        dates = dates_in(reading.article, start, end)
        for pattern, kind in KINDS:
            m = re.search(pattern, reading.text[start:end], re.I)
            if not m:
                continue
            kind = _refine(reading, sentence, kind, start + m.start())
            if kind is None or (kind == "proposal" and approved_proposal):
                continue
            if kind == "parliamentary-approval" and not approval:
                continue
            cue = start + m.start()
            when, status, how = _when(reading, sentence, cue, dates)
            dated = not isinstance(when, str) or when[:1].isdigit()
            if kind == "deployment-start" and (started or not (dated or status)):
                continue
            yield _event(reading, sentence, kind, m.group(), when, status, how, dated)


def _refine(reading: Reading, sentence: Sentence, kind: str, cue: int) -> str | None:
    """An establishment is a mission's or a unit's: whichever the text names last before it."""
    if kind != "establishment":
        return kind
    before = reading.text[sentence.start : cue]
    last = {
        "unit-establishment": max(
            [m.end for m in reading.within(sentence.start, cue, "unit")]
            + [sentence.start + m.end() for m in UNIT_WORD.finditer(before)],
            default=-1,
        ),
        "mission-establishment": max(
            [m.end for m in reading.within(sentence.start, cue, "operation")]
            + [sentence.start + m.end() for m in MISSION_WORD.finditer(before)],
            default=-1,
        ),
    }
    found = max(last, key=lambda k: last[k])
    return found if last[found] >= 0 else None


def _when(
    reading: Reading, sentence: Sentence, cue: int, dates: list[tuple[FoundDate, str]]
) -> tuple[object, str | None, str]:
    """The nearest date of the cue's segment (a start, after "since"), else the clause's cues."""
    if dates:
        d, value = min(dates, key=lambda dv: abs(dv[0].start - cue))
        time = timing(reading.article, sentence, cue, "event")
        status = time.status if time.status == "scheduled" else None
        when = {"start": value} if since(reading.article, d) else value
        return when, status, f"the date '{d.text}'"
    time = timing(reading.article, sentence, cue, "event")
    return time.when, time.status, time.cue


def _event(
    reading: Reading,
    sentence: Sentence,
    kind: str,
    word: str,
    when: object,
    status: str | None,
    how: str,
    dated: bool,
) -> Candidate:
    fields: dict[str, object] = {"kind": kind, "label": _label(sentence.text)}
    about = [op for _, op, _ in operations(reading, sentence.start, sentence.end)]
    about += [m.ref for m in reading.within(sentence.start, sentence.end, "unit")]
    people = reading.within(sentence.start, sentence.end, "person", "organization")
    if participants := list(dict.fromkeys(m.ref for m in people)):
        fields["participants"] = participants
    if about := list(dict.fromkeys(about)):
        fields["about"] = about
    return Candidate(
        "event",
        fields,
        sentence.start,
        sentence.end,
        0.7 if dated else 0.4,
        f"'{word}' ({kind}); {how}",
        when=when,
        status=status,
        name=kind,
        refs=references(fields),
    )


def _label(text: str) -> str:
    """The sentence, shortened: a reviewer rewrites it as a label."""
    text = re.sub(r"\s+", " ", text).strip().rstrip(".")
    return text if len(text) <= 120 else text[:117].rsplit(" ", 1)[0] + " …"


def hostings(reading: Reading) -> list[Candidate]:
    """An operation whose own words place it ("… Mission in Mali (MINUSMA)", "(UNDOF, Syria -
    Israel)"), and "missions in A, B and C" for places that host one."""
    found: dict[str, Candidate] = {}
    for m in reading.matches:
        if not m.ref.startswith("operation/") or m.ref in found:
            continue
        tail = re.match(r"\s*\((?:[A-Z]+,\s*)?(?P<places>[^()]+)\)", reading.text[m.end :])
        end = m.end + tail.end() if tail else m.end
        places = [
            p.ref
            for p in reading.within(m.start, end, "place")
            if p.ref in reading.entry(m.ref).hosts or tail
        ]
        if places:
            found[m.ref] = _hosting(m.ref, places, m.start, end, "the operation's own name")
    for m in reading.matches:
        before = reading.text[max(0, m.start - 60) : m.start]
        if m.ref.startswith("place/") and (named := MISSIONS_IN.search(before)):
            year = year_of(reading, reading.sentence_at(m.start))
            operation = reading.known.operation_in(m.ref, year)
            if operation and operation.ref not in found:
                start = m.start - len(before) + named.start()
                found[operation.ref] = _hosting(
                    operation.ref, [m.ref], start, m.end, "'mission in' a place"
                )
    return list(found.values())


def _hosting(operation: str, places: list[str], start: int, end: int, cue: str) -> Candidate:
    fields: dict[str, object] = {"operation": operation, "territories": places}
    return Candidate(
        "hosting",
        fields,
        start,
        end,
        0.6,
        cue,
        name=f"{operation.split('/')[1]}-hosting",
        refs=references(fields),
    )
