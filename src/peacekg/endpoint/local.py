"""Run SPARQL on the built store with the Oxigraph engine, and render results for a terminal.

Queries see the union of all graphs as their default graph (GRAPH still picks one), which is
what researchers expect from a dataset split into per-article graphs, and may use the project's
prefixes without declaring them, as on /sparql.
"""

from __future__ import annotations

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    Store,
)

from peacekg.endpoint.explain import explain
from peacekg.endpoint.formats import Kind, for_kind
from peacekg.namespaces import XSD, prefixed_name

FORMATS = {r.name: r.native for r in for_kind(Kind.RESULTS)}
"""`peacekg query --format`: the renderers of SELECT and ASK results, by name."""


def run(store: Store, sparql: str, prefixes: dict[str, str]) -> object:
    """The query's result; a SyntaxError says what is wrong in the words /sparql uses."""
    try:
        return store.query(sparql, use_default_graph_as_union=True, prefixes=prefixes)
    except SyntaxError as exc:
        raise SyntaxError(explain(sparql, str(exc), prefixes)) from None


def _short(term: object, prefixes: dict[str, str]) -> str:
    if isinstance(term, NamedNode):
        return prefixed_name(term.value, prefixes) or f"<{term.value}>"
    if isinstance(term, Literal):
        plain = {
            XSD + "string",
            XSD + "integer",
            XSD + "date",
            XSD + "decimal",
            XSD + "nonNegativeInteger",
            XSD + "gYear",
            XSD + "gYearMonth",
        }
        if term.language or term.datatype.value in plain:
            return term.value
        return str(term)
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return "" if term is None else str(term)


def table(result: object, prefixes: dict[str, str]) -> str:
    """A plain-text table (SELECT), 'true'/'false' (ASK) or Turtle-ish lines (CONSTRUCT)."""
    if isinstance(result, QueryBoolean):
        return "true" if bool(result) else "false"
    if not isinstance(result, QuerySolutions):
        return "\n".join(
            f"{_short(t.subject, prefixes)} {_short(t.predicate, prefixes)} "
            f"{_short(t.object, prefixes)} ."
            for t in result
        )  # type: ignore[attr-defined]
    names = [v.value for v in result.variables]
    rows = [
        [_short(solution[name], prefixes).replace("\n", "\\n") for name in names]
        for solution in result
    ]  # one line per row: quotes that span paragraphs show their breaks as \n
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def serialize(result: object, fmt: str) -> bytes:
    if isinstance(result, QuerySolutions | QueryBoolean):
        return result.serialize(format=FORMATS[fmt])  # type: ignore[arg-type]
    raise ValueError(
        f"--format {'|'.join(FORMATS)} applies to SELECT and ASK; CONSTRUCT prints triples"
    )
