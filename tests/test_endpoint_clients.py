"""Real SPARQL clients against the real server over the built graph: SPARQLWrapper and rdflib's
SPARQLStore, plus raw HTTP for the `format=` parameter.

Every answer is compared with the same query run directly on the built store (read-only, default
graph as the union of all graphs, as the endpoint serves it):
- SELECT ?s ?p ?o over the whole graph, in JSON, XML, CSV and TSV: the variables in projection
  order, and the rows read back as triples and compared as canonicalised (RDFC-1.0) sets, so blank
  nodes match up to renaming; CSV (which cannot tell IRIs from literals) as multisets of strings,
  blank nodes up to renaming;
- ASK, true and false, in JSON and XML;
- CONSTRUCT of the whole graph in Turtle, N-Triples, JSON-LD and RDF/XML through SPARQLWrapper,
  and TriG and N-Quads through `format=`: each parsed back must be isomorphic to the store's own
  CONSTRUCT;
- rdflib's SPARQLStore running the officers example query.
"""

from __future__ import annotations

import csv
import http.client
import io
import re
import urllib.error
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit
from xml.dom.minidom import Document, Element

import pytest
from pyoxigraph import (
    BlankNode,
    CanonicalizationAlgorithm,
    Dataset,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    parse,
    parse_query_results,
)
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.Wrapper import QueryResult

from support import ROOT

pytestmark = pytest.mark.process  # a real server, browser or process: not in make test-fast

Term = NamedNode | BlankNode | Literal
QUOTED_FIELD = re.compile(r'"(?:[^"]|"")*"')

SELECT_ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
CONSTRUCT_ALL = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
ASK_TRUE = "ASK { ?officer a <https://w3id.org/peacekg/ontology#Officer> }"
ASK_FALSE = "ASK { <urn:peacekg:test:nothing-has-this-subject> ?p ?o }"
OFFICERS = (ROOT / "queries" / "officers-in-more-than-one-mission.rq").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def endpoint(site: str) -> str:
    return site + "/sparql"


def _union(store: Store, query: str) -> object:
    return store.query(query, use_default_graph_as_union=True)


# ---------------------------------------------------------------- comparing graphs


def canonical(triples: Iterable[Triple]) -> set[Quad]:
    """The triples with blank nodes relabelled canonically (RDFC-1.0): equal iff isomorphic."""
    dataset = Dataset(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples)
    dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def difference(expected: set[Quad], actual: set[Quad]) -> str:
    missing = sorted(map(str, expected - actual))[:5]
    extra = sorted(map(str, actual - expected))[:5]
    return (
        f"{len(expected)} triples expected, {len(actual)} received; "
        f"missing e.g. {missing}; unexpected e.g. {extra}"
    )


@pytest.fixture(scope="module")
def store_graph(store: Store) -> set[Quad]:
    """The store's own CONSTRUCT of the whole (union) graph."""
    result = _union(store, CONSTRUCT_ALL)
    return canonical(result)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def store_rows(store: Store) -> list[dict[str, Term]]:
    result = _union(store, SELECT_ALL)
    assert isinstance(result, QuerySolutions)
    return [{v: s[v] for v in ("s", "p", "o")} for s in result]  # type: ignore[misc]


def _triples(rows: Iterable[dict[str, Term]]) -> list[Triple]:
    return [Triple(r["s"], r["p"], r["o"]) for r in rows]  # type: ignore[arg-type]


# ---------------------------------------------------------------- SELECT


def _json_term(term: dict[str, str]) -> Term:
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return NamedNode(value)
    if kind == "bnode":
        return BlankNode(value)
    assert kind in ("literal", "typed-literal"), term
    if "xml:lang" in term:
        return Literal(value, language=term["xml:lang"])
    if "datatype" in term:
        return Literal(value, datatype=NamedNode(term["datatype"]))
    return Literal(value)


def _text(element: Element) -> str:
    return "".join(
        c.data  # type: ignore[attr-defined]
        for c in element.childNodes
        if c.nodeType in (c.TEXT_NODE, c.CDATA_SECTION_NODE)
    )


def _xml_term(element: Element) -> Term:
    value = _text(element)
    if element.tagName == "uri":
        return NamedNode(value)
    if element.tagName == "bnode":
        return BlankNode(value)
    assert element.tagName == "literal", element.tagName
    if language := element.getAttribute("xml:lang"):
        return Literal(value, language=language)
    if datatype := element.getAttribute("datatype"):
        return Literal(value, datatype=NamedNode(datatype))
    return Literal(value)


def _xml_solutions(doc: Document) -> tuple[list[str], list[dict[str, Term]]]:
    names = [v.getAttribute("name") for v in doc.getElementsByTagName("variable")]
    rows = []
    for result in doc.getElementsByTagName("result"):
        row = {}
        for binding in result.getElementsByTagName("binding"):
            value = next(c for c in binding.childNodes if c.nodeType == c.ELEMENT_NODE)
            row[binding.getAttribute("name")] = _xml_term(value)  # type: ignore[arg-type]
        rows.append(row)
    return names, rows


def _select(endpoint: str, fmt: str, method: str | None = None) -> tuple[str, object]:
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(SELECT_ALL)
    sparql.setReturnFormat(fmt)
    if method:
        sparql.setMethod(method)
    result = _query(sparql)
    content_type = result.info()["content-type"]
    assert "x-result-truncated" not in result.info(), "the whole graph must fit the row limit"
    return content_type, result.convert()


@pytest.mark.parametrize(
    ("fmt", "method", "media_type"),
    [
        (JSON, None, "application/sparql-results+json"),
        (JSON, POST, "application/sparql-results+json"),
        (XML, None, "application/sparql-results+xml"),
        (TSV, None, "text/tab-separated-values"),
    ],
    ids=["json", "json-post", "xml", "tsv"],
)
def test_sparqlwrapper_select(
    endpoint: str, store_rows: list[dict[str, Term]], fmt: str, method: str | None,
    media_type: str,
) -> None:  # fmt: skip
    content_type, converted = _select(endpoint, fmt, method)
    assert content_type.split(";")[0] == media_type
    if fmt == JSON:
        assert isinstance(converted, dict)
        names = converted["head"]["vars"]
        rows = [{v: _json_term(t) for v, t in b.items()} for b in converted["results"]["bindings"]]
    elif fmt == XML:
        assert isinstance(converted, Document)
        names, rows = _xml_solutions(converted)
    else:
        assert isinstance(converted, bytes)
        result = parse_query_results(converted, format=QueryResultsFormat.TSV)
        assert isinstance(result, QuerySolutions)
        names = [v.value for v in result.variables]
        rows = [{n: s[n] for n in names} for s in result]  # type: ignore[misc]
    assert names == ["s", "p", "o"], "an explicit projection keeps its order"
    assert len(rows) == len(store_rows)
    expected, actual = canonical(_triples(store_rows)), canonical(_triples(rows))
    assert actual == expected, difference(expected, actual)


def test_sparqlwrapper_select_csv(endpoint: str, store_rows: list[dict[str, Term]]) -> None:
    content_type, converted = _select(endpoint, CSV)
    assert content_type.split(";")[0] == "text/csv"
    assert isinstance(converted, bytes)
    text = converted.decode("utf-8")
    outside_quotes = QUOTED_FIELD.sub("", text)  # a quoted field may hold its own line breaks
    assert outside_quotes.count("\n") == outside_quotes.count("\r\n"), "CSV records end in CRLF"
    header, *records = list(csv.reader(io.StringIO(text, newline="")))
    assert header == ["s", "p", "o"]

    def blank(cell: str) -> str:
        return "_:" if cell.startswith("_:") else cell

    def cell(term: Term) -> str:
        return "_:" if isinstance(term, BlankNode) else term.value

    expected = Counter(tuple(cell(r[v]) for v in ("s", "p", "o")) for r in store_rows)
    actual = Counter(tuple(blank(c) for c in record) for record in records)
    assert actual == expected, (
        f"only expected: {list((expected - actual).elements())[:5]}; "
        f"only received: {list((actual - expected).elements())[:5]}"
    )
    # Blank nodes up to renaming: as many distinct ones as the store has.
    labels = {c for record in records for c in record if c.startswith("_:")}
    nodes = {t for r in store_rows for t in r.values() if isinstance(t, BlankNode)}
    assert len(labels) == len(nodes)


# ---------------------------------------------------------------- ASK


@pytest.mark.parametrize("fmt", [JSON, XML])
@pytest.mark.parametrize("query", [ASK_TRUE, ASK_FALSE], ids=["true", "false"])
def test_sparqlwrapper_ask(endpoint: str, store: Store, fmt: str, query: str) -> None:
    expected = _union(store, query)
    assert isinstance(expected, QueryBoolean)
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    converted = _query(sparql).convert()
    if fmt == JSON:
        assert isinstance(converted, dict)
        answer = converted["boolean"]
    else:
        assert isinstance(converted, Document)
        answer = {"true": True, "false": False}[_text(converted.getElementsByTagName("boolean")[0])]
    assert answer is bool(expected)
    assert answer is (query == ASK_TRUE)


# ---------------------------------------------------------------- CONSTRUCT


@dataclass(frozen=True)
class GraphFormat:
    """How a SPARQLWrapper user asks for a graph format, and the media types that may answer."""

    return_format: str
    media_types: tuple[str, ...]
    accept: str | None = None  # a custom Accept header, sent with content negotiation only


CONSTRUCT_FORMATS = {
    "turtle": GraphFormat(TURTLE, ("text/turtle",)),
    # SPARQLWrapper has no N-Triples constant: it is N3 with an explicit Accept header.
    "ntriples": GraphFormat(N3, ("application/n-triples",), accept="application/n-triples"),
    "jsonld": GraphFormat(JSONLD, ("application/ld+json",)),
    "rdfxml": GraphFormat(RDFXML, ("application/rdf+xml",)),
    # SPARQLWrapper's own spelling for "Turtle or N-Triples" (its Accept lists both).
    "n3": GraphFormat(N3, ("text/turtle", "application/n-triples")),
}


def _query(sparql: SPARQLWrapper) -> QueryResult:
    """sparql.query(), failing with the request URL and the server's answer on an HTTP error."""
    try:
        return sparql.query()
    except urllib.error.HTTPError as exc:
        message = (
            f"HTTP {exc.code} for GET {exc.geturl()}\n(Accept: {sparql._getAcceptHeader()})\n"
            f"{exc.read().decode('utf-8', 'replace')}"
        )
    pytest.fail(message)


@pytest.mark.parametrize("name", list(CONSTRUCT_FORMATS))
def test_sparqlwrapper_construct(endpoint: str, store_graph: set[Quad], name: str) -> None:
    wanted = CONSTRUCT_FORMATS[name]
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(CONSTRUCT_ALL)
    sparql.setReturnFormat(wanted.return_format)
    if wanted.accept:
        sparql.setOnlyConneg(True)
        sparql.addCustomHttpHeader("Accept", wanted.accept)
    result = _query(sparql)
    media_type = result.info()["content-type"].split(";")[0]
    assert media_type in wanted.media_types
    assert "x-result-truncated" not in result.info(), "the whole graph must fit the row limit"
    rdf_format = RdfFormat.from_media_type(media_type)
    assert rdf_format is not None
    received = canonical(parse(result.response.read(), format=rdf_format))  # type: ignore[arg-type]
    assert received == store_graph, difference(store_graph, received)


@pytest.mark.parametrize(
    ("format_value", "media_type", "rdf_format"),
    [("trig", "application/trig", RdfFormat.TRIG),
     ("nquads", "application/n-quads", RdfFormat.N_QUADS)],
)  # fmt: skip
def test_construct_dataset_formats(
    endpoint: str, store_graph: set[Quad], format_value: str, media_type: str,
    rdf_format: RdfFormat,
) -> None:  # fmt: skip
    url = urlsplit(endpoint)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        query = urlencode({"query": CONSTRUCT_ALL, "format": format_value})
        connection.request("GET", f"{url.path}?{query}")
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 200, body[:500]
    assert (response.getheader("Content-Type") or "").split(";")[0] == media_type
    quads = list(parse(body, format=rdf_format))
    assert all(q.graph_name == DefaultGraph() for q in quads), "a CONSTRUCT is one graph"
    received = canonical(q.triple for q in quads)
    assert received == store_graph, difference(store_graph, received)


# ---------------------------------------------------------------- rdflib SPARQLStore


def _officers(rows: Iterable[object]) -> list[tuple[str, str, int]]:
    return [(str(r[0]), str(r[1]), int(str(r[2]))) for r in rows]  # type: ignore[index]


@pytest.mark.parametrize(
    ("method", "return_format"), [("GET", "xml"), ("POST", "json"), ("POST_FORM", "csv")]
)
def test_rdflib_sparqlstore_officers(
    endpoint: str, store: Store, method: str, return_format: str
) -> None:
    direct = _union(store, OFFICERS)
    assert isinstance(direct, QuerySolutions)
    expected = _officers(
        (s["officer"].value, s["name"].value, s["missions"].value)  # type: ignore[index,union-attr]
        for s in direct
    )

    remote = SPARQLStore(query_endpoint=endpoint, method=method, returnFormat=return_format)
    graph = Graph(store=remote)
    received = _officers((r.officer, r.name, r.missions) for r in graph.query(OFFICERS))  # type: ignore[union-attr]
    assert received == expected
    assert "Ermek Tulesov" in {name for _, name, _ in received}


def test_rdflib_graph_with_sparqlstore_plugin(endpoint: str) -> None:
    """The plugin spelling: Graph(store="SPARQLStore") opened on the endpoint URL."""
    graph = Graph(store="SPARQLStore")
    graph.open(endpoint)
    names = {str(row.name) for row in graph.query(OFFICERS)}  # type: ignore[union-attr]
    assert "Ermek Tulesov" in names
