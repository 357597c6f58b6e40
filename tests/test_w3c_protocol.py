"""The W3C SPARQL 1.1 Protocol tests, read from sparql11/protocol/manifest.ttl and sent as written.

Every mf:ProtocolTest in mf:entries order becomes one test (id: the test's local name). Its
ht:Request list is sent byte for byte with http.client, so nothing normalises the request: the
method, the path (the manifest's "/sparql/" prefix replaced by our "/sparql", as the manifest's
comment asks), the manifest's headers only (plus Host and Content-Length, which HTTP/1.1 needs),
and the body encoded in its cnt:characterEncoding. Each response is checked against
mf:expectedStatus (the hts:StatusCodeNxx classes), mf:expectedFormat ("boolean", "tabular" or
"RDF": the Content-Type must be one the protocol allows and the body must parse) and
mf:expectedBoolean.

The endpoint is read-only, so the tests split in two, derived from the manifest rather than listed:
- a positive update test (local name `update_...`, first request expecting 2xx) must be REFUSED
  with a 4xx, its follow-up ASKs (which look for the update's effect) must answer false, and the
  dataset must be unchanged afterwards;
- every other test (the queries and all bad_* requests) applies as written and must pass.
`test_manifest_counts` pins the totals (27 + 7), so a changed manifest is noticed.

All tests share one server over one TriG file that puts each data file in the named graph its
ut:graphData rdfs:label gives.
"""

from __future__ import annotations

import codecs
import csv
import http.client
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from pyoxigraph import (
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    parse,
    parse_query_results,
    serialize,
)
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from support import SHARED
from support.serving import running_server

pytestmark = pytest.mark.process  # a real server, browser or process: not in make test-fast

SUITE = SHARED / "w3c-rdf-tests" / "sparql" / "sparql11" / "protocol"
MANIFEST = SUITE / "manifest.ttl"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

MANIFEST_PREFIX = "/sparql/"
ENDPOINT_PATH = "/sparql"

# The media types the protocol allows for each mf:expectedFormat (the manifest's test names say
# "expect one of: XML, JSON[, CSV, TSV]" and "RDF/XML, Turtle, N-Triples, RDFa").
BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_TYPES = BOOLEAN_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {"application/rdf+xml", "text/turtle", "application/n-triples"}

EXPECTED_TOTAL = 34
EXPECTED_APPLICABLE = 27
EXPECTED_REFUSED_UPDATES = 7


# ---------------------------------------------------------------- the manifest


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # already rewritten to our endpoint path
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    statuses: frozenset[int]  # the hundreds digit of each acceptable status class
    format: str | None
    boolean: bool | None

    def describe(self) -> str:
        lines = [f"{self.method} {self.path} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.body is not None:
            lines += ["", repr(self.body)]
        return "\n".join(lines)


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    requests: tuple[Request, ...]
    graph_data: tuple[tuple[Path, str], ...]  # (file, graph IRI from rdfs:label)
    default_data: tuple[Path, ...]  # ut:data: files for the default graph

    @property
    def positive_update(self) -> bool:
        return self.name.startswith("update_") and 2 in self.requests[0].statuses


def _list(graph: Graph, head: Node | None) -> list[Node]:
    return list(Collection(graph, head)) if head is not None else []


def _endpoint_path(path: str) -> str:
    """The manifest's "/sparql/..." as our "/sparql...": "/sparql/?query=x" -> "/sparql?query=x"."""
    rest = path[len(MANIFEST_PREFIX) :]
    return ENDPOINT_PATH + ("" if not rest or rest.startswith("?") else "/") + rest


def _status_class(node: Node) -> int:
    name = str(node).removeprefix(str(HTS))
    assert name.startswith("StatusCode") and name.endswith("xx"), node
    return int(name[len("StatusCode")])


def _request(graph: Graph, node: Node) -> Request:
    path = str(graph.value(node, HT.absolutePath))
    assert path.startswith(MANIFEST_PREFIX), path
    headers = tuple(
        (str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue)))
        for h in _list(graph, graph.value(node, HT.headers))
    )
    body = None
    if (content := graph.value(node, HT.body)) is not None:
        encoding = str(graph.value(content, CNT.characterEncoding))
        # Python's codec for "UTF-16" writes a byte-order mark, then native (little-endian)
        # order: a real UTF-16 body, and never valid UTF-8 (0xFF 0xFE cannot start a character).
        body = str(graph.value(content, CNT.chars)).encode(codecs.lookup(encoding).name)
    response = graph.value(node, HT.resp)
    expected_format = graph.value(response, MF.expectedFormat)
    expected_boolean = graph.value(response, MF.expectedBoolean)
    return Request(
        method=str(graph.value(node, HT.methodName)),
        path=_endpoint_path(path),
        headers=headers,
        body=body,
        statuses=frozenset(_status_class(s) for s in graph.objects(response, MF.expectedStatus)),
        format=str(expected_format) if expected_format is not None else None,
        boolean=expected_boolean.toPython() if expected_boolean is not None else None,  # type: ignore[union-attr]
    )


def load_cases(manifest: Path = MANIFEST) -> list[Case]:
    graph = Graph().parse(manifest, format="turtle")
    root = graph.value(predicate=RDF.type, object=MF.Manifest)
    cases = []
    for entry in _list(graph, graph.value(root, MF.entries)):
        assert (entry, RDF.type, MF.ProtocolTest) in graph, entry
        action = graph.value(entry, MF.action)
        cases.append(
            Case(
                name=str(entry).rsplit("#", 1)[1],
                title=str(graph.value(entry, MF.name)),
                requests=tuple(
                    _request(graph, r) for r in _list(graph, graph.value(action, HT.requests))
                ),
                graph_data=tuple(
                    (_file(graph.value(g, UT.graph)), str(graph.value(g, RDFS.label)))
                    for g in graph.objects(entry, UT.graphData)
                ),
                default_data=tuple(_file(d) for d in graph.objects(entry, UT.data)),
            )
        )
    return cases


def _file(node: Node | None) -> Path:
    assert isinstance(node, URIRef) and str(node).startswith("file://"), node
    return Path(urlsplit(str(node)).path)


def graph_mapping(cases: list[Case]) -> tuple[dict[Path, str], list[str]]:
    """file -> graph IRI over all tests, and every conflict (a file given two graph names)."""
    mapping: dict[Path, str] = {}
    conflicts = []
    for case in cases:
        for path, graph_iri in case.graph_data:
            if mapping.setdefault(path, graph_iri) != graph_iri:
                conflicts.append(f"{case.name}: {path.name} -> {graph_iri}, not {mapping[path]}")
    return mapping, conflicts


CASES = load_cases()
APPLICABLE = [c for c in CASES if not c.positive_update]
REFUSED_UPDATES = [c for c in CASES if c.positive_update]


# ---------------------------------------------------------------- HTTP


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    def describe(self) -> str:
        text = self.body[:600].decode("utf-8", "replace")
        return f"HTTP {self.status}, Content-Type: {self.content_type!r}\n{text}"


def send(base: str, request: Request) -> Reply:
    """The request exactly as the manifest gives it (plus Host and Content-Length)."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        connection.putrequest(request.method, request.path, skip_accept_encoding=True)
        for name, value in request.headers:
            connection.putheader(name, value)
        if request.body is not None or request.method in ("POST", "PUT"):
            connection.putheader("Content-Length", str(len(request.body or b"")))
        connection.endheaders(request.body)
        response = connection.getresponse()
        return Reply(response.status, response.getheader("Content-Type") or "", response.read())
    finally:
        connection.close()


def check(request: Request, reply: Reply) -> None:
    """Assert that the reply is what the manifest's ht:resp expects."""
    context = f"\n--- request\n{request.describe()}\n--- response\n{reply.describe()}"
    assert reply.status // 100 in request.statuses, (
        f"status {reply.status}, expected "
        + " or ".join(f"{s}xx" for s in sorted(request.statuses))
        + context
    )
    if request.format == "boolean":
        assert reply.media_type in BOOLEAN_TYPES, f"not a boolean result type{context}"
        result = _results(reply)
        assert isinstance(result, QueryBoolean), f"not a boolean result{context}"
        if request.boolean is not None:
            assert bool(result) is request.boolean, f"expected {request.boolean}{context}"
    elif request.format == "tabular":
        assert reply.media_type in TABULAR_TYPES, f"not a tabular result type{context}"
        if reply.media_type == "text/csv":
            rows = list(csv.reader(io.StringIO(reply.body.decode("utf-8"), newline="")))
            assert rows and rows[0], f"no CSV header{context}"
        else:
            result = _results(reply)
            assert isinstance(result, QuerySolutions), f"not a solution sequence{context}"
            list(result)
    elif request.format == "RDF":
        assert reply.media_type in RDF_TYPES, f"not an RDF graph type{context}"
        fmt = RdfFormat.from_media_type(reply.media_type)
        assert fmt is not None
        try:
            list(parse(reply.body, format=fmt))  # no base IRI: the graph must be absolute
        except SyntaxError as exc:
            pytest.fail(f"the RDF body does not parse: {exc}{context}")
    else:
        assert request.format is None, f"unknown mf:expectedFormat {request.format!r}"


def _results(reply: Reply) -> QueryBoolean | QuerySolutions:
    fmt = QueryResultsFormat.from_media_type(reply.media_type)
    assert fmt is not None, reply.media_type
    result = parse_query_results(reply.body, format=fmt)
    assert isinstance(result, QueryBoolean | QuerySolutions)
    return result


# ---------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for every test: each data file in the named graph its label names."""
    mapping, _ = graph_mapping(CASES)
    quads = [
        Quad(t.subject, t.predicate, t.object, NamedNode(graph_iri))
        for path, graph_iri in sorted(mapping.items())
        for t in parse(path=str(path), format=RdfFormat.N_TRIPLES)
    ]
    trig = tmp_path_factory.mktemp("w3c-protocol") / "data.trig"
    trig.write_bytes(serialize(quads, format=RdfFormat.TRIG) or b"")
    with running_server("serve", "--data", str(trig), "--workers", "1") as base:
        yield base


DATASET_INTACT = Request(
    method="POST",
    path=ENDPOINT_PATH,
    headers=(("Content-Type", "application/sparql-query"),),
    body=b"ASK { "
    + b" ".join(
        f"GRAPH <{g}> {{ <{g}> a <http://xmlns.com/foaf/0.1/Document> }}".encode()
        for g in sorted(set(graph_mapping(CASES)[0].values()))
    )
    + b" }",
    statuses=frozenset({2}),
    format="boolean",
    boolean=True,
)


# ---------------------------------------------------------------- the tests


def test_manifest_counts() -> None:
    """The classification is derived from the manifest; these totals notice a changed one."""
    assert len(CASES) == EXPECTED_TOTAL
    assert len(APPLICABLE) == EXPECTED_APPLICABLE, [c.name for c in APPLICABLE]
    assert len(REFUSED_UPDATES) == EXPECTED_REFUSED_UPDATES, [c.name for c in REFUSED_UPDATES]
    assert sorted(c.name for c in REFUSED_UPDATES) == sorted(
        c.name for c in CASES if c.name.startswith("update_")
    )
    assert all(
        r.statuses == {4} for c in APPLICABLE if c.name.startswith("bad_") for r in c.requests
    )


def test_manifest_data_fits_one_server() -> None:
    """Every test names the same graph for the same file, and none wants default-graph data
    (ut:data): so one server over one TriG file serves them all."""
    mapping, conflicts = graph_mapping(CASES)
    assert not conflicts
    assert {p.name for p in mapping} == {"data1.nt", "data2.nt", "data3.nt"}
    assert not [c.name for c in CASES if c.default_data], "a test needs default-graph data"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_protocol(case: Case, endpoint: str) -> None:
    """In mf:entries order: a query or bad_* test as written; a positive update refused."""
    if case.positive_update:
        check_refused(case, endpoint)
    else:
        for request in case.requests:
            check(request, send(endpoint, request))


def check_refused(case: Case, endpoint: str) -> None:
    """A read-only endpoint refuses the update (4xx), and nothing it asked for happens."""
    update, *follow_ups = case.requests
    reply = send(endpoint, update)
    assert 400 <= reply.status < 500, (
        f"the update was not refused\n--- request\n{update.describe()}\n"
        f"--- response\n{reply.describe()}"
    )
    for request in follow_ups:
        # The manifest's follow-up ASK looks for the update's effect; it must not be there.
        assert request.format == "boolean" and request.boolean is True, request
        check(_negated(request), send(endpoint, request))
    check(DATASET_INTACT, send(endpoint, DATASET_INTACT))


def _negated(request: Request) -> Request:
    return Request(
        request.method, request.path, request.headers, request.body, request.statuses,
        request.format, not request.boolean,
    )  # fmt: skip


# ---------------------------------------------------------------- beyond the manifest
# With our union default graph the manifest's dataset tests would pass even if the protocol
# dataset were ignored; these ask questions whose answer changes if it is.

KASEI = "http://kasei.us/2009/09/sparql/data/"
DATASET_CHECKS = {
    "default-graph-uri limits the default graph": (
        f"ASK {{ <{KASEI}data2.rdf> a ?t }}", {"default-graph-uri": f"{KASEI}data1.rdf"}, False,
    ),
    "named-graph-uri alone leaves the default graph empty": (
        "ASK { ?s ?p ?o }", {"named-graph-uri": f"{KASEI}data1.rdf"}, False,
    ),
    "named-graph-uri limits the named graphs": (
        f"ASK {{ GRAPH ?g {{ <{KASEI}data2.rdf> a ?t }} }}",
        {"named-graph-uri": f"{KASEI}data1.rdf"}, False,
    ),
    "the protocol dataset overrides FROM": (
        f"ASK FROM <{KASEI}data3.rdf> {{ <{KASEI}data3.rdf> a ?t }}",
        {"default-graph-uri": f"{KASEI}data1.rdf"}, False,
    ),
    "FROM applies without a protocol dataset": (
        f"ASK FROM <{KASEI}data1.rdf> {{ <{KASEI}data2.rdf> a ?t }}", {}, False,
    ),
    "FROM selects its graph": (
        f"ASK FROM <{KASEI}data1.rdf> {{ <{KASEI}data1.rdf> a ?t }}", {}, True,
    ),
    "FROM NAMED limits the named graphs": (
        f"ASK FROM NAMED <{KASEI}data1.rdf> {{ GRAPH ?g {{ <{KASEI}data2.rdf> a ?t }} }}",
        {}, False,
    ),
    "FROM NAMED alone leaves the default graph empty": (
        f"ASK FROM NAMED <{KASEI}data1.rdf> {{ ?s ?p ?o }}", {}, False,
    ),
    "without a dataset the default graph is the union": (
        f"ASK {{ <{KASEI}data1.rdf> a ?t . <{KASEI}data2.rdf> a ?t . <{KASEI}data3.rdf> a ?t }}",
        {}, True,
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    "check_name", list(DATASET_CHECKS), ids=[n.replace(" ", "_") for n in DATASET_CHECKS]
)
def test_protocol_dataset_is_respected(check_name: str, endpoint: str) -> None:
    query, params, expected = DATASET_CHECKS[check_name]
    request = Request(
        method="GET",
        path=f"{ENDPOINT_PATH}?{urlencode({'query': query, **params})}",
        headers=(("Accept", "application/sparql-results+json"),),
        body=None,
        statuses=frozenset({2}),
        format="boolean",
        boolean=expected,
    )
    check(request, send(endpoint, request))
