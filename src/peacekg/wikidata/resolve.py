"""`peacekg wikidata resolve`: candidates for entities without a QID, side by side with ours.

An entity with an English Wikipedia article is looked up by that title: Wikidata's sitelink
joins the article we verified to one item, which is evidence, not a guess. An entity without
one is searched by exact English label or alias through the query service. Each candidate is
compared (compare.py) and gets a verdict:

- accept: found by our Wikipedia title, and names, type and dates agree; `--accept` links it;
- review: found by label only, and nothing disagrees; a person decides, and links it by hand
  with the evidence they checked;
- reject: something disagrees; it is never linked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from peacekg.inputs.registry import EvidenceSource, WikidataLink
from peacekg.wikidata.api import DATE_PROPERTIES, Endpoints, Item, Wikidata
from peacekg.wikidata.compare import Comparison, compare
from peacekg.wikidata.ours import Ours

ACCEPT, REVIEW, REJECT = "accept", "review", "reject"
RESOLVED = "resolved"


@dataclass(frozen=True)
class Candidate:
    item: Item
    found_by: str
    by_title: bool
    comparison: Comparison
    instance_of: tuple[str, ...]
    """The item's P31 classes as 'label (QID)', for the reviewer."""

    @property
    def verdict(self) -> str:
        if not self.comparison.agrees:
            return REJECT
        return ACCEPT if self.by_title else REVIEW


@dataclass(frozen=True)
class Proposal:
    ours: Ours
    candidates: tuple[Candidate, ...]

    @property
    def accepted(self) -> Candidate | None:
        chosen = [c for c in self.candidates if c.verdict == ACCEPT]
        return chosen[0] if len(chosen) == 1 else None


def resolve(
    entities: Sequence[Ours], wikidata: Wikidata, taken: Mapping[str, str]
) -> list[Proposal]:
    """Candidates for each entity, compared with what our graph says about it.

    `taken` maps the QIDs already linked to the entity that holds each: one item, one entity.
    """
    found = [(ours, *_lookup(ours, wikidata)) for ours in entities]
    types = sorted({t for _ours, _how, _title, items in found for i in items for t in i.types})
    labels = wikidata.type_labels(types)
    return [
        Proposal(ours, tuple(_judge(ours, item, how, by_title, labels, taken) for item in items))
        for ours, how, by_title, items in found
    ]


def _judge(
    ours: Ours,
    item: Item,
    how: str,
    by_title: bool,
    labels: Mapping[str, str],
    taken: Mapping[str, str],
) -> Candidate:
    comparison = compare(ours, item, labels)
    if holder := taken.get(item.qid):
        already = f"{item.qid} is already the link of {holder}"
        comparison = Comparison(comparison.agreements, (*comparison.disagreements, already))
    shown = tuple(f"{labels.get(t, '(no English label)')} ({t})" for t in item.types)
    return Candidate(item, how, by_title, comparison, shown)


def _lookup(ours: Ours, wikidata: Wikidata) -> tuple[str, bool, list[Item]]:
    """How candidates were found, whether by our Wikipedia title, and the items."""
    if (title := ours.wikipedia_title) and (item := wikidata.item_by_enwiki(title)):
        return f"enwiki title {title!r}", True, [item]
    qids = wikidata.search_label(ours.names)
    items = [item for item in wikidata.items(qids).values() if item is not None]
    return f"English label or alias {' / '.join(ours.names)!r}", False, items


def accepted_links(
    proposals: Sequence[Proposal], endpoints: Endpoints, today: dt.date
) -> dict[str, WikidataLink]:
    """The links `--accept` writes: one per entity with exactly one accepted candidate."""
    links = {}
    for proposal in proposals:
        if chosen := proposal.accepted:
            agreed = "; ".join(chosen.comparison.agreements)
            source = EvidenceSource(
                document=f"Wikidata Action API: {chosen.found_by} gives {chosen.item.qid}",
                matched=chosen.item.label or proposal.ours.entity.label,
                url=endpoints.api,
            )
            links[proposal.ours.entity.ref] = WikidataLink(
                qid=chosen.item.qid,
                status=RESOLVED,
                sources=(source,),
                checked=today,
                note=f"Accepted by wikidata resolve on {today}; agreed: {agreed}.",
            )
    return links


def write_review(
    path: Path, proposals: Sequence[Proposal], endpoints: Endpoints, today: dt.date
) -> None:
    """The review file: our side and each candidate's side, the verdict and its reasons."""
    document = {
        "resolved": today,
        "wikidata": {"api": endpoints.api, "sparql": endpoints.sparql},
        "verdicts": {
            ACCEPT: "found by our Wikipedia title and nothing disagrees: --accept links it",
            REVIEW: "found by label only and nothing disagrees: link by hand if you confirm it",
            REJECT: "something disagrees: never linked",
        },
        "entities": [_entry(p) for p in proposals],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(text, encoding="utf-8")


def _entry(proposal: Proposal) -> dict[str, Any]:
    ours = proposal.ours
    return {
        "entity": ours.entity.ref,
        "ours": {
            "label": ours.entity.label,
            "class": ours.entity.cls,
            "names": list(ours.names),
            "wikipedia": ours.entity.wikipedia,
            "established": list(ours.established),
            "ended": list(ours.ended),
            "earliest claim": ours.earliest,
        },
        "candidates": [_candidate(c) for c in proposal.candidates],
    }


def _candidate(candidate: Candidate) -> dict[str, Any]:
    item = candidate.item
    return {
        "qid": item.qid,
        "verdict": candidate.verdict,
        "found by": candidate.found_by,
        "label": item.label,
        "description": item.description,
        "aliases": list(item.aliases),
        "instance of": list(candidate.instance_of),
        **{f"{DATE_PROPERTIES[p]} ({p})": list(d) for p, d in item.dates.items() if d},
        "enwiki": item.enwiki,
        "agrees": list(candidate.comparison.agreements),
        "disagrees": list(candidate.comparison.disagreements),
    }
