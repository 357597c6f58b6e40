"""`peacekg wikidata check`: re-fetch every linked item and report where it no longer fits.

A link verified once can rot: items are merged (the QID redirects), deleted, relabelled or
retyped. Each link is compared by the rules resolve uses (compare.py), and an entity with an
English Wikipedia article must still be the item Wikidata pairs with that article.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from peacekg.wikidata.api import Wikidata
from peacekg.wikidata.compare import compare
from peacekg.wikidata.ours import Ours


@dataclass(frozen=True)
class Finding:
    ours: Ours
    qid: str
    agreements: tuple[str, ...]
    problems: tuple[str, ...]


def check(entities: Sequence[Ours], wikidata: Wikidata) -> list[Finding]:
    """One finding per linked entity: what still agrees, and every mismatch."""
    linked = [(ours, ours.entity.wikidata.qid) for ours in entities if ours.entity.wikidata]
    items = wikidata.items([qid for _ours, qid in linked])
    labels = wikidata.type_labels(sorted({t for i in items.values() if i for t in i.types}))
    findings = []
    for ours, qid in linked:
        item = items[qid]
        agreements: list[str] = []
        problems: list[str] = []
        if item is None:
            problems.append(f"{qid} does not exist on Wikidata (deleted, or never created)")
        else:
            if item.qid != qid:
                problems.append(f"{qid} now redirects to {item.qid} (the items were merged)")
            comparison = compare(ours, item, labels)
            agreements += comparison.agreements
            problems += comparison.disagreements
        if title := ours.wikipedia_title:
            paired = wikidata.item_by_enwiki(title)
            if paired is None:
                problems.append(f"Wikidata pairs no item with our Wikipedia article {title!r}")
            elif paired.qid != qid:
                problems.append(
                    f"Wikidata pairs our Wikipedia article {title!r} with {paired.qid}, not {qid}"
                )
            else:
                agreements.append(f"Wikidata pairs our Wikipedia article {title!r} with it")
        findings.append(Finding(ours, qid, tuple(agreements), tuple(problems)))
    return findings
