"""How SPARQL stores behind `serve --backend` differ from the embedded one, in one table: how
each is asked for what the embedded store does by default, and how its answers are put back in
the embedded store's terms. Measured on Oxigraph server 0.5 and Virtuoso 7.2.5 (Debian);
docs/deploy.md lists the differences that remain.

A store is recognised by the `Server` header of its answers (Oxigraph/…, Virtuoso/…) unless
`--backend-dialect` names it; anything else is spoken to in plain SPARQL 1.1 protocol.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

XSD = "http://www.w3.org/2001/XMLSchema#"
MONTH_DURATIONS = (XSD + "duration", XSD + "yearMonthDuration")


@dataclass(frozen=True)
class Dialect:
    name: str
    union: Literal["parameter", "native", "graphs"]
    """How a query without a dataset sees the union of our graphs, as the embedded store's does:
    Oxigraph's `union-default-graph` parameter; nothing, where the store's default graph is the
    union of its graphs already (Virtuoso, whose few system graphs are then visible too: its
    `input:default-graph-exclude` pragma would hide them, but then GRAPH <g> misses triples);
    or our graphs listed as default-graph-uri and named-graph-uri (plain SPARQL 1.1 protocol;
    Virtuoso would not follow a property path from one listed graph into another)."""
    timeout_parameter: str | None = None
    """The store's own per-query timeout, in milliseconds, sent with every query."""
    incomplete: tuple[str, str] | None = None
    """A header and value by which the store says that it stopped at its timeout and sent what
    it had (Virtuoso's "anytime" answers): such an answer is a timeout, never a result."""
    describe_pragma: str = ""
    """Put before a DESCRIBE so that it means what Oxigraph's does: the resource's own triples
    and, through blank nodes, theirs (a Concise Bounded Description without reification)."""
    ascii_query: bool = False
    """Non-ASCII characters in the query's text are sent as codepoint escapes (peacekg.escaping):
    Virtuoso reads them as Latin-1 otherwise."""
    repair_literals: bool = False
    """Literals the store gives back in a form of its own: year-month durations as a number of
    months ("60" for P5Y), booleans as 1 and 0."""


DIALECTS = {
    "oxigraph": Dialect("oxigraph", union="parameter"),
    "virtuoso": Dialect(
        "virtuoso",
        union="native",
        timeout_parameter="timeout",
        incomplete=("X-SQL-State", "S1TAT"),
        describe_pragma='define sql:describe-mode "CBD"\n',
        ascii_query=True,
        repair_literals=True,
    ),
    "sparql11": Dialect("sparql11", union="graphs"),
}
NAMES = ("auto", *DIALECTS)


def recognise(server: str) -> Dialect:
    """The dialect of a store from its `Server` header; plain SPARQL 1.1 if unknown."""
    product = server.split("/")[0].strip().lower()
    return DIALECTS.get(product, DIALECTS["sparql11"])


# ------------------------------------------------------------ literals put back


def _duration(months: int, datatype: str) -> str:
    """A number of months as the canonical duration the embedded store writes (P5Y, -P1Y2M)."""
    years, rest = divmod(abs(months), 12)
    if not months:
        return "P0M" if datatype.endswith("yearMonthDuration") else "PT0S"
    text = (f"{years}Y" if years else "") + (f"{rest}M" if rest else "")
    return ("-" if months < 0 else "") + "P" + text


def _repaired(value: str, datatype: str) -> str:
    if datatype in MONTH_DURATIONS and re.fullmatch(r"-?\d+", value):
        return _duration(int(value), datatype)
    if datatype == XSD + "boolean" and value in ("0", "1"):
        return "true" if value == "1" else "false"
    return value


def repair_json(body: bytes) -> bytes:
    """SPARQL JSON results with the store's own literal forms put back (see Dialect)."""
    if b"#duration" not in body and b"Duration" not in body and b"#boolean" not in body:
        return body
    results: dict[str, Any] = json.loads(body)
    for row in results.get("results", {}).get("bindings", ()):
        for term in row.values():
            if "datatype" in term:
                term["value"] = _repaired(term["value"], term["datatype"])
    return json.dumps(results).encode()


_NT_LITERAL = re.compile(
    rb'"(-?\d+)"\^\^<(' + re.escape(XSD.encode()) + rb"(?:duration|yearMonthDuration|boolean))>"
)


def repair_ntriples(body: bytes) -> bytes:
    """N-Triples with the store's own literal forms put back (see Dialect)."""
    return _NT_LITERAL.sub(
        lambda m: b'"%s"^^<%s>' % (_repaired(m[1].decode(), m[2].decode()).encode(), m[2]),
        body,
    )


def boolean_from_rows(results: dict[str, Any]) -> bool:
    """An ASK the store answered as one-column rows (Virtuoso's `__ASK_RETVAL`, 1 or no row):
    true when a row holds something other than 0 or false."""
    return any(
        term.get("value") not in ("0", "false")
        for row in results.get("results", {}).get("bindings", ())
        for term in row.values()
    )
