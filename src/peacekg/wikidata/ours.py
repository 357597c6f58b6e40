"""What our graph says about each registry entity, to set beside a Wikidata item.

Names and class come from the registry; dates come from the articles' claims: when an
establishment or termination event says the entity began or ended, and the earliest date any
claim about it holds as of (or a period of it begins), by which the entity must have existed.
The mappings are compiled afresh (no build needed), so the comparison sees what the next
build would publish.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from pyoxigraph import Store

from peacekg.build.dataset import assemble
from peacekg.config import Settings
from peacekg.inputs.registry import WIKIPEDIA, Entity
from peacekg.namespaces import Namespaces

BEGINNINGS = ("mission-establishment", "unit-establishment")
ENDINGS = ("mission-termination",)


@dataclass(frozen=True)
class Ours:
    entity: Entity
    established: tuple[str, ...] = ()
    ended: tuple[str, ...] = ()
    earliest: str | None = None

    @property
    def wikipedia_title(self) -> str | None:
        url = self.entity.wikipedia
        return urllib.parse.unquote(url.removeprefix(WIKIPEDIA)).replace("_", " ") if url else None

    @property
    def names(self) -> tuple[str, ...]:
        """Every name we know the entity by: label, other labels, acronym, Wikipedia title."""
        entity = self.entity
        names = (entity.label, *entity.alt_labels, entity.acronym, self.wikipedia_title)
        return tuple(dict.fromkeys(n for n in names if n))


def our_entities(settings: Settings) -> dict[str, Ours]:
    """Every registry entity with the dates the articles give, keyed by reference."""
    dataset = assemble(settings)
    ns = Namespaces(settings.base_iri)
    store = Store()
    store.extend(dataset.quads)
    kinds = " ".join(f"<{ns.code('event-kind', k).value}>" for k in BEGINNINGS + ENDINGS)
    events: dict[str, dict[str, list[str]]] = {}
    for row in _select(
        store,
        ns,
        f"""SELECT ?entity ?kind ?date WHERE {{
              ?event pk:about ?entity ; pk:eventKind ?kind ; schema:startDate ?date .
              VALUES ?kind {{ {kinds} }} }} ORDER BY ?date""",
    ):
        kind = row["kind"].rsplit("/", 1)[-1]
        events.setdefault(row["entity"], {}).setdefault(kind, []).append(row["date"])
    earliest = {
        row["entity"]: row["earliest"]
        for row in _select(
            store,
            ns,
            """SELECT ?entity (MIN(STR(?date)) AS ?earliest) WHERE {
                 ?claim ?p ?entity . FILTER isIRI(?entity)
                 { ?claim pk:reportedOn|pk:reportedNotBefore ?date } UNION
                 { ?claim pk:validDuring/(time:hasBeginning|time:inside)/
                          (time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear|pk:notBefore) ?date }
               } GROUP BY ?entity""",
        )
    }
    return {
        ref: Ours(
            entity,
            established=_dates(events.get(entity.iri.value, {}), BEGINNINGS),
            ended=_dates(events.get(entity.iri.value, {}), ENDINGS),
            earliest=earliest.get(entity.iri.value),
        )
        for ref, entity in dataset.registry.entities.items()
    }


def _dates(events: dict[str, list[str]], kinds: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(date for kind in kinds for date in events.get(kind, [])))


def _select(store: Store, ns: Namespaces, query: str) -> list[dict[str, str]]:
    result = store.query(query, use_default_graph_as_union=True, prefixes=ns.prefixes())
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]  # type: ignore[union-attr]
