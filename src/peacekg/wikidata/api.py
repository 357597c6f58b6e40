"""Wikidata's read APIs as peacekg needs them, parsed into small typed items.

Items come from the Action API's wbgetentities (by id, or by English Wikipedia title through the
item's enwiki sitelink); items named by an exact English label or alias come from the query
service. Only what the comparison rules read is kept: names, description, instance of (P31),
the dates of beginning and end (P571/P576, P569/P570) at their stated precision, and the enwiki
sitelink. An answer of the wrong shape raises WikidataError; odd details inside an item are read
as absent, which makes the comparison reject rather than accept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from peacekg.inputs.registry import QID
from peacekg.namespaces import WD
from peacekg.wikidata.client import Http, WikidataError

API_URL = "https://www.wikidata.org/w/api.php"
SPARQL_URL = "https://query.wikidata.org/sparql"
BATCH = 50  # wbgetentities takes at most 50 ids per request
ITEM_PROPS = "labels|descriptions|aliases|claims|sitelinks"
DATE_PROPERTIES = {"P569": "born", "P570": "died", "P571": "inception", "P576": "dissolved"}
_TIME = re.compile(r"^\+(\d{4})-(\d{2})-(\d{2})T")
_PRECISION = {9: 4, 10: 7}  # Wikibase precision year, month -> ISO prefix; day or finer: 10


@dataclass(frozen=True)
class Endpoints:
    """Where Wikidata's services are; tests point these at a local replay server."""

    api: str = API_URL
    sparql: str = SPARQL_URL


@dataclass(frozen=True)
class Item:
    qid: str
    label: str | None
    description: str | None
    aliases: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    dates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    enwiki: str | None = None
    redirected_from: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return ((self.label,) if self.label else ()) + self.aliases


class Wikidata:
    """The few read requests resolve and check make, over one Http client."""

    def __init__(self, http: Http, endpoints: Endpoints) -> None:
        self.http = http
        self.endpoints = endpoints

    def items(self, qids: Sequence[str]) -> dict[str, Item | None]:
        """Each id's item (the target, if the id now redirects), or None if Wikidata has none."""
        found: dict[str, Item] = {}
        for batch in _batches(qids):
            what = f"wbgetentities ids={'|'.join(batch)}"
            params = {"ids": "|".join(batch), "props": ITEM_PROPS, "sitefilter": "enwiki"}
            for doc in self._entities(params, what):
                item = _item(doc, what)
                found[item.redirected_from or item.qid] = item
        return {qid: found.get(qid) for qid in qids}

    def item_by_enwiki(self, title: str) -> Item | None:
        """The item whose English Wikipedia sitelink is `title` (redirects followed), if any."""
        what = f"wbgetentities enwiki title {title!r}"
        params = {"sites": "enwiki", "titles": title, "redirects": "yes", "props": ITEM_PROPS}
        params["sitefilter"] = "enwiki"
        items = [_item(doc, what) for doc in self._entities(params, what)]
        if len(items) > 1:
            raise WikidataError(f"Wikidata answered {what} with {len(items)} items, expected one")
        return items[0] if items else None

    def type_labels(self, qids: Sequence[str]) -> dict[str, str]:
        """English labels of the items that instance-of statements point to."""
        labels: dict[str, str] = {}
        for batch in _batches(qids):
            what = f"wbgetentities labels of {'|'.join(batch)}"
            for doc in self._entities({"ids": "|".join(batch), "props": "labels"}, what):
                if (label := _english(doc.get("labels"))) and isinstance(doc.get("id"), str):
                    labels[doc["id"]] = label
        return labels

    def search_label(self, names: Sequence[str], limit: int = 10) -> list[str]:
        """Ids of items whose English label or alias is exactly one of `names`."""
        values = " ".join(_sparql_literal(name) for name in names)
        query = (
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            f"SELECT DISTINCT ?item WHERE {{ VALUES ?name {{ {values} }} "
            f"?item rdfs:label|skos:altLabel ?name . }} LIMIT {limit}"
        )
        what = f"label search for {' / '.join(names)}"
        data = self.http.get_json(
            self.endpoints.sparql,
            {"query": query, "format": "json"},
            what,
            accept="application/sparql-results+json",
        )
        bindings = _get(_get(data, "results", dict, what), "bindings", list, what)
        qids: list[str] = []
        for row in bindings:
            value = _dict(_dict(row).get("item")).get("value")
            qid = value.removeprefix(WD) if isinstance(value, str) else ""
            if value != qid and QID.match(qid) and qid not in qids:
                qids.append(qid)
        return qids

    def _entities(self, params: dict[str, str], what: str) -> list[dict[str, Any]]:
        """The entity documents of a wbgetentities answer, without the ones reported missing."""
        data = self.http.get_json(
            self.endpoints.api,
            {"action": "wbgetentities", "languages": "en", "format": "json", **params},
            what,
            accept="application/json",
        )
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            error = data["error"]
            raise WikidataError(
                f"the Wikidata API refused {what}: {error.get('code')}: {error.get('info')}"
            )
        entities = _get(data, "entities", dict, what)
        docs = [doc for doc in entities.values() if isinstance(doc, dict)]
        return [doc for doc in docs if "missing" not in doc]


def _batches(qids: Sequence[str]) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(qids))
    for start in range(0, len(unique), BATCH):
        yield unique[start : start + BATCH]


def _get(data: object, key: str, kind: type, what: str) -> Any:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, kind):
        raise WikidataError(
            f"Wikidata answered {what} without the expected {key!r} {kind.__name__}; "
            "the API may have changed or a proxy answered instead"
        )
    return value


def _sparql_literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@en'


def _dict(value: object) -> dict[str, Any]:
    """The value if it is a JSON object, else an empty one: odd details read as absent."""
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _english(values: object) -> str | None:
    return _text(_dict(_dict(values).get("en")).get("value"))


def _item(doc: dict[str, Any], what: str) -> Item:
    qid = doc.get("id")
    if not isinstance(qid, str) or not QID.match(qid):
        raise WikidataError(f"Wikidata answered {what} with an entity whose id is {qid!r}")
    claims = _dict(doc.get("claims"))
    aliases = _dict(doc.get("aliases")).get("en")
    types = [_dict(value).get("id") for value in _best(claims.get("P31"))]
    return Item(
        qid=qid,
        label=_english(doc.get("labels")),
        description=_english(doc.get("descriptions")),
        aliases=tuple(a["value"] for a in aliases or () if isinstance(_dict(a).get("value"), str)),
        types=tuple(t for t in types if isinstance(t, str) and QID.match(t)),
        dates={p: tuple(filter(None, map(_date, _best(claims.get(p))))) for p in DATE_PROPERTIES},
        enwiki=_text(_dict(_dict(doc.get("sitelinks")).get("enwiki")).get("title")),
        redirected_from=_text(_dict(doc.get("redirects")).get("from")),
    )


def _best(statements: object) -> list[object]:
    """Values of the best-ranked statements: preferred if any, else normal; never deprecated."""
    ranked: dict[str, list[object]] = {"preferred": [], "normal": []}
    for statement in statements if isinstance(statements, list) else ():
        snak = _dict(_dict(statement).get("mainsnak"))
        rank = _dict(statement).get("rank", "normal")
        if rank in ranked and snak.get("snaktype") == "value":
            ranked[rank].append(_dict(snak.get("datavalue")).get("value"))
    return ranked["preferred"] or ranked["normal"]


def _date(value: object) -> str | None:
    """A Wikibase time as an ISO date cut to its precision; None if coarser than a year, or BCE."""
    time, precision = _dict(value).get("time"), _dict(value).get("precision")
    match = _TIME.match(time) if isinstance(time, str) else None
    if not match or not isinstance(precision, int) or precision < 9:
        return None
    return "-".join(match.groups())[: _PRECISION.get(precision, 10)]
