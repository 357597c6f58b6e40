"""The W3C result-format tests (sparql11/json-res and sparql11/csv-tsv-res), run over HTTP.

For each manifest entry: a server over its qt:data (Turtle, so the default graph), the qt:query
file sent as a direct POST asking (Accept) for the format of mf:result (.srj -> JSON, .csv -> CSV,
.tsv -> TSV), and the body compared with the expected file:

- JSON: as parsed structures. `head` and `boolean` exactly; bindings as term objects, exactly,
  except blank-node labels, which match up to a consistent renaming. Row order counts only when
  the query has ORDER BY.
- CSV: parsed as RFC 4180 records. The header row exactly (names and order); each row by column
  name, cells exactly, `_:` cells (blank nodes) up to renaming; row order as for JSON. Separately,
  the server's lines must end in CRLF, as RFC 4180 and the SPARQL 1.1 CSV format require. The
  W3C's expected .csv files end their lines in LF, so line endings are checked against the spec,
  not against those files (records are compared after CSV parsing, which reads either).
- TSV: each cell parsed as an RDF term. The header exactly; IRIs and non-numeric literals
  exactly; blank nodes up to renaming; numeric literals (xsd:integer and its subtypes, decimal,
  float, double) by datatype and value, because the expected csvtsv03.tsv itself writes the
  data's "1.0E6"^^xsd:double as `1.0e6`: no lexical comparison could pass it.

Each test collects every difference before failing, so one failure shows them all. mf:requires is
honoured (a test requiring a feature not in KNOWN_REQUIREMENTS is skipped); none has one today.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    parse_query_results,
)
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from support import SHARED
from support.serving import running_server

pytestmark = pytest.mark.process  # a real server, browser or process: not in make test-fast

SPARQL11 = SHARED / "w3c-rdf-tests" / "sparql" / "sparql11"
MANIFESTS = (SPARQL11 / "json-res" / "manifest.ttl", SPARQL11 / "csv-tsv-res" / "manifest.ttl")

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")

MEDIA_TYPES = {
    ".srj": "application/sparql-results+json",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
}
KNOWN_REQUIREMENTS: frozenset[str] = frozenset()
XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGER_TYPES = {
    XSD + name
    for name in (
        "integer", "nonPositiveInteger", "negativeInteger", "long", "int", "short", "byte",
        "nonNegativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
        "positiveInteger",
    )
}  # fmt: skip
QUOTED_FIELD = re.compile(r'"(?:[^"]|"")*"')
ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)


# ---------------------------------------------------------------- the manifests


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # the mf: test type's local name
    query: Path
    data: tuple[Path, ...]
    graph_data: tuple[Path, ...]
    result: Path
    requires: tuple[str, ...]
    approval: str

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.result.suffix]


def _file(node: Node | None) -> Path:
    assert isinstance(node, URIRef) and str(node).startswith("file://"), node
    return Path(urlsplit(str(node)).path)


def load_cases(manifest: Path) -> list[Case]:
    graph = Graph().parse(manifest, format="turtle")
    root = graph.value(predicate=RDF.type, object=MF.Manifest)
    cases = []
    for entry in Collection(graph, graph.value(root, MF.entries)):
        action = graph.value(entry, MF.action)
        requires = [str(r) for r in graph.objects(entry, MF.requires)]
        requires += [str(r) for r in graph.objects(action, MF.requires)]
        cases.append(
            Case(
                name=str(entry).rsplit("#", 1)[1],
                kind=str(graph.value(entry, RDF.type)).rsplit("#", 1)[1],
                query=_file(graph.value(action, QT.query)),
                data=tuple(sorted(_file(d) for d in graph.objects(action, QT.data))),
                graph_data=tuple(_file(d) for d in graph.objects(action, QT.graphData)),
                result=_file(graph.value(entry, MF.result)),
                requires=tuple(requires),
                approval=str(graph.value(entry, DAWGT.approval) or ""),
            )
        )
    return cases


JSON_CASES = load_cases(MANIFESTS[0])
CSV_TSV_CASES = load_cases(MANIFESTS[1])
CASES = JSON_CASES + CSV_TSV_CASES


# ---------------------------------------------------------------- comparing solutions

Key = tuple[object, ...]
Row = dict[str, Key]  # variable -> term key; a blank node's key is ("bnode", label)


def _unify(
    expected: Row, actual: Row, forward: dict[object, object], backward: dict[object, object]
) -> tuple[dict[object, object], dict[object, object]] | None:
    """The blank-node bijection extended so that the rows are equal, or None if it cannot be."""
    if expected.keys() != actual.keys():
        return None
    forward, backward = dict(forward), dict(backward)
    for var, want in expected.items():
        got = actual[var]
        if want[0] == "bnode" and got[0] == "bnode":
            if forward.setdefault(want[1], got[1]) != got[1]:
                return None
            if backward.setdefault(got[1], want[1]) != want[1]:
                return None
        elif want != got:
            return None
    return forward, backward


def same_rows(expected: list[Row], actual: list[Row], ordered: bool) -> bool:
    """Equal solution sequences (multisets unless ordered), blank nodes up to renaming."""
    if len(expected) != len(actual):
        return False

    def search(
        i: int, used: frozenset[int], fwd: dict[object, object], bwd: dict[object, object]
    ) -> bool:
        if i == len(expected):
            return True
        for j in [i] if ordered else [j for j in range(len(actual)) if j not in used]:
            unified = _unify(expected[i], actual[j], fwd, bwd)
            if unified is not None and search(i + 1, used | {j}, *unified):
                return True
        return False

    return search(0, frozenset(), {}, {})


def _show(rows: list[Row] | Counter[str]) -> str:
    lines = rows.elements() if isinstance(rows, Counter) else map(_text, rows)
    return "\n".join(f"    {line}" for line in lines) or "    (none)"


def _text(row: Row) -> str:
    return str(dict(sorted(row.items())))


def _rows_problem(expected: list[Row], actual: list[Row], ordered: bool) -> list[str]:
    if same_rows(expected, actual, ordered):
        return []
    want, got = Counter(map(_text, expected)), Counter(map(_text, actual))
    if want == got:
        return [f"same rows in another order (the query has ORDER BY):\n  expected\n"
                f"{_show(expected)}\n  actual\n{_show(actual)}"]  # fmt: skip
    return [
        f"solutions differ ({len(expected)} expected, {len(actual)} actual; rows with blank "
        f"nodes may be listed only for their labels):\n  only expected\n{_show(want - got)}\n"
        f"  only actual\n{_show(got - want)}"
    ]


# -- JSON


def _json_key(term: dict[str, str]) -> Key:
    if term.get("type") == "bnode":
        return ("bnode", term["value"])
    return ("term", *sorted(term.items()))


def json_problems(expected: dict, actual: dict, ordered: bool) -> list[str]:
    problems = []
    if expected.get("head") != actual.get("head"):
        problems.append(f"head: expected {expected.get('head')}, got {actual.get('head')}")
    if "boolean" in expected:
        if actual.get("boolean") != expected["boolean"] or "results" in actual:
            problems.append(f"boolean: expected {expected['boolean']}, got {actual}")
        return problems

    def rows(doc: dict) -> list[Row]:
        bindings = doc.get("results", {}).get("bindings", [])
        return [{v: _json_key(t) for v, t in b.items()} for b in bindings]

    return problems + _rows_problem(rows(expected), rows(actual), ordered)


# -- CSV


def _csv_records(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def csv_problems(expected: str, actual: str, ordered: bool) -> list[str]:
    problems = []
    outside_quotes = QUOTED_FIELD.sub("", actual)  # a quoted field may hold its own line breaks
    bare = outside_quotes.count("\n") - outside_quotes.count("\r\n")
    if bare:
        problems.append(f"{bare} record(s) end in a bare LF; CSV records must end in CRLF")
    want, got = _csv_records(expected), _csv_records(actual)
    if not got:
        return [*problems, "no header row"]
    if want[0] != got[0]:
        problems.append(f"header: expected {want[0]}, got {got[0]}")
    if sorted(want[0]) != sorted(got[0]):
        return problems  # different variables: rows cannot be compared by column

    def rows(records: list[list[str]]) -> list[Row]:
        header = records[0]
        return [
            {var: ("bnode", cell[2:]) if cell.startswith("_:") else ("csv", cell)
             for var, cell in zip(header, record, strict=True)}
            for record in records[1:]
        ]  # fmt: skip

    return problems + _rows_problem(rows(want), rows(got), ordered)


# -- TSV


def _number(literal: Literal) -> object | None:
    datatype = literal.datatype.value
    try:
        if datatype in INTEGER_TYPES:
            return int(literal.value)
        if datatype == XSD + "decimal":
            return Decimal(literal.value)
        if datatype in (XSD + "float", XSD + "double"):
            return float(literal.value)
    except ValueError:
        return None
    return None


def _tsv_key(term: object) -> Key:
    if isinstance(term, BlankNode):
        return ("bnode", term.value)
    if isinstance(term, NamedNode):
        return ("iri", term.value)
    assert isinstance(term, Literal), term
    number = _number(term)
    if number is not None:
        return ("number", term.datatype.value, number)
    return ("literal", term.value, term.datatype.value, term.language)


def tsv_problems(expected: bytes, actual: bytes, ordered: bool) -> list[str]:
    def solutions(data: bytes) -> tuple[list[str], list[Row]]:
        result = parse_query_results(data, format=QueryResultsFormat.TSV)
        assert isinstance(result, QuerySolutions)
        names = [v.value for v in result.variables]
        rows = [
            {n: _tsv_key(s[n]) for n in names if s[n] is not None}  # type: ignore[index]
            for s in result
        ]
        return names, rows

    (want_vars, want_rows), (got_vars, got_rows) = solutions(expected), solutions(actual)
    problems = []
    if want_vars != got_vars:
        problems.append(f"header: expected {want_vars}, got {got_vars}")
    if sorted(want_vars) != sorted(got_vars):
        return problems
    return problems + _rows_problem(want_rows, got_rows, ordered)


# ---------------------------------------------------------------- the servers


@pytest.fixture(scope="module")
def server_for() -> Iterator[Callable[[tuple[Path, ...]], str]]:
    """A server per distinct qt:data (Turtle -> default graph), started on first use."""
    servers: dict[tuple[Path, ...], str] = {}
    with ExitStack() as stack:

        def get(data: tuple[Path, ...]) -> str:
            if data not in servers:
                args = ["serve", "--data", *map(str, data), "--workers", "1"]
                servers[data] = stack.enter_context(running_server(*args))
            return servers[data]

        yield get


def post_query(base: str, query: str, accept: str) -> tuple[int, str, bytes]:
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        connection.request(
            "POST", "/sparql", body=query.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query", "Accept": accept},
        )  # fmt: skip
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


# ---------------------------------------------------------------- the tests


def test_manifest_counts() -> None:
    assert [c.name for c in JSON_CASES] == ["jsonres01", "jsonres02", "jsonres03", "jsonres04"]
    assert [c.name for c in CSV_TSV_CASES] == ["csv01", "tsv01", "csv02", "tsv02", "csv03", "tsv03"]
    assert all(c.result.suffix in MEDIA_TYPES for c in CASES)
    assert all(c.data and not c.graph_data for c in CASES), "a test needs named-graph data"
    assert not [c.name for c in CASES if c.requires], "a test now has mf:requires: review"


# Oxigraph stores literals by value: "1.0E6"^^xsd:double is read back as 1000000 and
# "-3"^^xsd:negativeInteger as an xsd:integer. Value-equal, but these two tests compare the
# lexical forms, so no endpoint over an Oxigraph store can pass them. Strict: if Oxigraph ever
# keeps lexical forms, these start passing and the marks must go.
CANONICALISED = pytest.mark.xfail(
    strict=True, reason="Oxigraph canonicalises literals on storage (value-preserving)"
)


def _marked(case: Case) -> object:
    return pytest.param(case, marks=CANONICALISED) if case.name in {"csv03", "tsv03"} else case


@pytest.mark.parametrize("case", [_marked(c) for c in CASES], ids=[c.name for c in CASES])
def test_result_format(case: Case, server_for: Callable[[tuple[Path, ...]], str]) -> None:
    unknown = set(case.requires) - KNOWN_REQUIREMENTS
    if unknown:
        pytest.skip(f"requires {sorted(unknown)}")
    if case.approval == str(DAWGT.Withdrawn):
        pytest.skip("withdrawn by the W3C")
    query = case.query.read_text(encoding="utf-8")
    status, content_type, body = post_query(server_for(case.data), query, case.media_type)
    shown = body[:800].decode("utf-8", "replace")
    assert status == 200, f"HTTP {status}: {shown}"
    assert content_type.split(";")[0].strip() == case.media_type, content_type

    ordered = bool(ORDER_BY.search(query))
    if case.result.suffix == ".srj":
        expected = json.loads(case.result.read_text(encoding="utf-8"))
        problems = json_problems(expected, json.loads(body), ordered)
    elif case.result.suffix == ".csv":
        expected_text = case.result.read_text(encoding="utf-8")
        problems = csv_problems(expected_text, body.decode("utf-8"), ordered)
    else:
        problems = tsv_problems(case.result.read_bytes(), body, ordered)
    assert not problems, (
        f"{case.name} ({case.query.name} on {', '.join(p.name for p in case.data)}):\n"
        + "\n".join(f"- {p}" for p in problems)
        + f"\n--- response body\n{shown}"
    )


# ---------------------------------------------------------------- the comparison itself


def test_comparison_accepts_renamed_blank_nodes_and_rejects_merged_ones() -> None:
    a = [{"x": ("bnode", "a")}, {"x": ("bnode", "b")}]
    assert same_rows(a, [{"x": ("bnode", "q")}, {"x": ("bnode", "p")}], ordered=False)
    assert not same_rows(a, [{"x": ("bnode", "q")}, {"x": ("bnode", "q")}], ordered=False)
    assert not same_rows(a, [{"x": ("iri", "a")}, {"x": ("bnode", "b")}], ordered=True)
    rows = [{"x": ("csv", "1")}, {"x": ("csv", "2")}]
    assert same_rows(rows, rows[::-1], ordered=False)
    assert not same_rows(rows, rows[::-1], ordered=True)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_comparison_accepts_the_expected_file(case: Case) -> None:
    """Each expected file, as a conforming server would send it, compares equal to itself."""
    ordered = bool(ORDER_BY.search(case.query.read_text(encoding="utf-8")))
    if case.result.suffix == ".srj":
        doc = json.loads(case.result.read_text(encoding="utf-8"))
        assert json_problems(doc, doc, ordered) == []
    elif case.result.suffix == ".csv":
        text = case.result.read_text(encoding="utf-8")
        assert "\r\n" not in text  # the W3C files use LF; a server must send CRLF
        assert csv_problems(text, text.replace("\n", "\r\n"), ordered) == []
        assert csv_problems(text, text, ordered) != []
    else:
        data = case.result.read_bytes()
        assert tsv_problems(data, data, ordered) == []
