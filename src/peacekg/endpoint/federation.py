"""SERVICE calls are off unless the configured allowlist names the endpoint.

pyoxigraph performs SERVICE calls over HTTP by itself, so a public endpoint would fetch any
URL a visitor writes. Queries that mention SERVICE are parsed (rdflib's SPARQL parser, only
for those queries) and every SERVICE target must be an IRI on the allowlist; a variable
target, or a query mentioning SERVICE that we cannot parse, is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pyparsing import ParseException
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef

MENTIONS_SERVICE = re.compile(r"service", re.IGNORECASE)


class ServiceRefusedError(Exception):
    """The query calls a SERVICE this endpoint is not allowed to call."""


def _targets(node: object, found: list[object]) -> None:
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            found.append(node.get("term"))
        for value in node.values():
            _targets(value, found)
    elif isinstance(node, list | tuple):
        for item in node:
            _targets(item, found)


def service_targets(query: str, prefixes: Mapping[str, str] | None = None) -> list[object]:
    """The SERVICE targets of a query (IRIs or variables); [] when it has none. `prefixes`
    are the predeclared ones the query may use without declaring them."""
    if not MENTIONS_SERVICE.search(query):
        return []
    try:
        algebra = translateQuery(parseQuery(query), initNs=dict(prefixes or {}))
    except ParseException as exc:  # safe by default: what we cannot check does not run
        raise ServiceRefusedError(
            f"this query mentions SERVICE but could not be parsed to check it: {exc}"
        ) from None
    except Exception as exc:
        raise ServiceRefusedError(
            f"this query's SERVICE clauses could not be checked: {exc}"
        ) from None
    found: list[object] = []
    _targets(algebra.algebra, found)
    return found


def check_services(
    query: str, allowlist: tuple[str, ...], prefixes: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """The endpoints the query calls by SERVICE (none: a local query); ServiceRefusedError
    unless every one is on the allowlist."""
    targets = service_targets(query, prefixes)
    for target in targets:
        if not isinstance(target, URIRef):
            raise ServiceRefusedError("SERVICE with a variable endpoint is not allowed here")
        if str(target) not in allowlist:
            allowed = ", ".join(allowlist) if allowlist else "none: federation is off"
            raise ServiceRefusedError(
                f"SERVICE <{target}> is not allowed on this endpoint (allowed: {allowed})"
            )
    return tuple(str(t) for t in targets)
