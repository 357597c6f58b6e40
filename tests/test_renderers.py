"""Every renderer of the table on a real SELECT, ASK and CONSTRUCT result, in process: what the
query workers write parses back to the same answer, cut exactly at the row limit; and /sparql
serves each one under its media type."""

from __future__ import annotations

import csv
import io
import urllib.parse

import pytest
from flask.testing import FlaskClient
from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    parse,
    parse_query_results,
)

from peacekg.endpoint.formats import Kind, Renderer, for_kind
from peacekg.endpoint.pool import QueryJob, execute
from peacekg.namespaces import Namespaces

PK = "https://w3id.org/peacekg/ontology#"
PERSON = "https://w3id.org/peacekg/id/person/ermek-tulesov"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SELECT = f"SELECT ?p ?label WHERE {{ ?p a <{PK}Officer> ; <{LABEL}> ?label }} ORDER BY ?p"
ASK = f"ASK {{ <{PERSON}> a <{PK}Officer> }}"
CONSTRUCT = f"CONSTRUCT {{ <{PERSON}> ?p ?o }} WHERE {{ <{PERSON}> ?p ?o }}"
ROW_LIMIT = 3


def _run(store: Store, query: str, renderer: Renderer, row_limit: int = 10_000):
    """A query as a worker answers it, rendered by `renderer` whatever its kind."""
    job = QueryJob(query, renderer.name, renderer.name, row_limit=row_limit)
    return execute(store, job, Namespaces().prefixes())


def _rows(body: bytes, fmt: QueryResultsFormat) -> list[tuple[str, ...]]:
    """The lexical values of each row (pyoxigraph reads every results format but CSV, which
    is lossy: it keeps only lexical values, so those are what every format is compared on)."""
    if fmt is QueryResultsFormat.CSV:
        return [tuple(row) for row in csv.reader(io.StringIO(body.decode()))][1:]
    result = parse_query_results(body, format=fmt)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [tuple(s[n].value for n in names) for s in result]


def _triples(body: bytes, fmt: RdfFormat) -> set[tuple[str, str, str]]:
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in parse(body, format=fmt)}


@pytest.mark.parametrize("renderer", for_kind(Kind.RESULTS), ids=lambda r: r.name)
def test_select_renders_and_parses_back(store: Store, renderer: Renderer):
    assert isinstance(renderer.native, QueryResultsFormat)
    reference = _rows(_run(store, SELECT, for_kind(Kind.RESULTS)[0]).body, QueryResultsFormat.JSON)
    outcome = _run(store, SELECT, renderer)
    assert outcome.status == "ok" and outcome.renderer == renderer.name
    assert outcome.rows == len(reference) > ROW_LIMIT and not outcome.truncated
    assert _rows(outcome.body, renderer.native) == reference
    cut = _run(store, SELECT, renderer, row_limit=ROW_LIMIT)
    assert cut.truncated and cut.rows == ROW_LIMIT
    assert _rows(cut.body, renderer.native) == reference[:ROW_LIMIT]


@pytest.mark.parametrize("renderer", for_kind(Kind.RESULTS), ids=lambda r: r.name)
def test_ask_renders_and_parses_back(store: Store, renderer: Renderer):
    outcome = _run(store, ASK, renderer)
    assert outcome.status == "ok" and outcome.rows == 1
    if renderer.native in (QueryResultsFormat.CSV, QueryResultsFormat.TSV):
        assert outcome.body == b"true"  # SPARQL defines no such form; this is Oxigraph's
        return
    result = parse_query_results(outcome.body, format=renderer.native)  # type: ignore[arg-type]
    assert isinstance(result, QueryBoolean) and bool(result)


@pytest.mark.parametrize("renderer", for_kind(Kind.GRAPH), ids=lambda r: r.name)
def test_construct_renders_and_parses_back(store: Store, renderer: Renderer):
    assert isinstance(renderer.native, RdfFormat)
    reference = _triples(_run(store, CONSTRUCT, for_kind(Kind.GRAPH)[1]).body, RdfFormat.N_TRIPLES)
    outcome = _run(store, CONSTRUCT, renderer)
    assert outcome.status == "ok" and outcome.rows == len(reference) > ROW_LIMIT
    assert _triples(outcome.body, renderer.native) == reference
    assert (b"@prefix pk:" in outcome.body or b'xmlns:pk="' in outcome.body) is renderer.prefixes
    cut = _run(store, CONSTRUCT, renderer, row_limit=ROW_LIMIT)
    assert cut.truncated and cut.rows == ROW_LIMIT
    assert len(_triples(cut.body, renderer.native)) == ROW_LIMIT


@pytest.mark.parametrize(
    ("query", "kind"), [(SELECT, Kind.RESULTS), (ASK, Kind.RESULTS), (CONSTRUCT, Kind.GRAPH)]
)
def test_without_a_renderer_of_its_kind_a_result_is_not_acceptable(
    store: Store, query: str, kind: Kind
):
    results, graph = (None, "turtle") if kind is Kind.RESULTS else ("json", None)
    outcome = execute(store, QueryJob(query, results, graph), {})
    assert (outcome.status, outcome.message) == ("not-acceptable", kind.value)


@pytest.mark.parametrize(
    ("query", "renderer"),
    [(SELECT, r) for r in for_kind(Kind.RESULTS)]
    + [(ASK, r) for r in for_kind(Kind.RESULTS)]
    + [(CONSTRUCT, r) for r in for_kind(Kind.GRAPH)],
    ids=lambda v: v.name if isinstance(v, Renderer) else v.split()[0],
)
def test_sparql_serves_every_renderer_by_name(client: FlaskClient, query: str, renderer: Renderer):
    qs = urllib.parse.urlencode({"query": query, "format": renderer.name})
    response = client.get(f"/sparql?{qs}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == renderer.content_type
    assert int(response.headers["X-Result-Rows"]) > 0
