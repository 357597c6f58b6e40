"""The query help WDQS users are used to, on each entry point: /sparql (the query UI sends its
queries there and shows its answer: tests/test_query_ui.py), `peacekg query` and the function
behind it. The project's prefixes are predeclared; a refused query gets a message that names
what to change, in the same words everywhere; a `format=` that names nothing is a 400."""

from __future__ import annotations

import io
import json
import sys
import urllib.parse

import pytest
import rdflib
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from peacekg import cli
from peacekg.endpoint.explain import explain
from peacekg.endpoint.federation import check_services
from peacekg.endpoint.local import run
from peacekg.endpoint.sparqltext import prefixes_used
from peacekg.namespaces import Namespaces

PREFIXES = Namespaces().prefixes()
WALL = ("expected one of", "['", "..=", "\\u{")
"""What Oxigraph's raw messages carry and ours must not: its lists of token classes."""

CASES = [
    # (what, query, words the message must hold)
    ("empty", "", "the query is empty; send a SELECT, CONSTRUCT, ASK or DESCRIBE query"),
    ("only comments", "# nothing yet\n", "the query is empty"),
    ("only a prologue", "PREFIX ex: <http://example.org/>\n", "the query is empty"),
    (
        "an update",
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "this endpoint is read-only; SPARQL Update is not accepted here. The request starts "
        "with INSERT (line 1, column 1), an update; send a query: SELECT, CONSTRUCT, ASK or "
        "DESCRIBE.",
    ),
    ("a LOAD", "LOAD <http://example.org/data>", "this endpoint is read-only"),
    (
        "no query form",
        "SELEC ?x WHERE { ?x ?p ?o }",
        "line 1, column 1: a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE",
    ),
    (
        "a well-known prefix",
        "SELECT ?name WHERE {\n  ?p foaf:name ?name\n}",
        "SPARQL syntax error at line 2, column 6: the prefix foaf: is not declared; add "
        "PREFIX foaf: <http://xmlns.com/foaf/0.1/> at the top of the query",
    ),
    (
        "a Wikidata prefix we do not predeclare",
        "SELECT ?s WHERE { ?s p:P31 ?o }",
        "add PREFIX p: <http://www.wikidata.org/prop/>",
    ),
    (
        "a prefix nobody knows",
        "SELECT * WHERE { ?s zzz:p ?o }",
        "the prefix zzz: is not declared; declare it with PREFIX zzz: <…> at the top of the "
        "query, or write the full IRI in <…>",
    ),
    (
        "a misspelt prefix of ours",
        "SELECT * WHERE { ?s shema:name ?o }",
        "the prefix shema: is not declared (did you mean schema:?)",
    ),
    (
        "a variable not grouped",
        "SELECT ?officer ?name (COUNT(DISTINCT ?mission) AS ?missions) WHERE {\n"
        "  ?officer a pk:Officer ; rdfs:label ?name ; pk:servedIn ?mission .\n"
        "} GROUP BY ?officer",
        "SPARQL syntax error at line 1, column 17: ?name is selected but not grouped; add it to "
        "GROUP BY, or select an aggregate of it, e.g. (SAMPLE(?name) AS ?name1)",
    ),
    (
        "an aggregate without GROUP BY",
        "SELECT ?p (COUNT(?o) AS ?n) WHERE { ?s ?p ?o }",
        "?p is selected but not grouped",
    ),
    (
        "a brace never closed",
        "SELECT * WHERE { ?s ?p ?o",
        "SPARQL syntax error at line 1, column 16: this '{' is never closed",
    ),
    ("a string never closed", "ASK { ?s ?p 'abc }", "this ' starts a string that is never closed"),
    (
        "a parser message",
        "SELECT ?x WHERE { ?x ?p ?o } ORDER ?x",
        "SPARQL syntax error at line 1, column 38: expected BY",
    ),
    (
        "the parser's own sentence",
        "SELECT ?x ?x WHERE { ?x ?p ?o }",
        "duplicated variable name in SELECT",
    ),
]
IDS = [c[0] for c in CASES]


def _message(store, query: str) -> str:
    with pytest.raises(SyntaxError) as refused:
        run(store, query, PREFIXES)
    return str(refused.value)


def _cli(built, query: str, capsys, monkeypatch, *options: str) -> tuple[int, str, str]:
    """`peacekg query -` in this process, the query on stdin: exit code, stdout, stderr."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(query))
    code = cli.main(["--build-dir", str(built[0].build_dir), "query", "-", *options])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _sparql(client: FlaskClient, query: str, **params: str):
    return client.get("/sparql?" + urllib.parse.urlencode({"query": query, **params}))


# ---------------------------------------------------------------- messages


@pytest.mark.parametrize(("what", "query", "words"), CASES, ids=IDS)
def test_the_message_names_what_to_change(store, what: str, query: str, words: str):
    message = _message(store, query)
    assert words in message, message
    assert not any(noise in message for noise in WALL), message


@pytest.mark.parametrize(("what", "query", "words"), CASES, ids=IDS)
def test_the_same_message_on_sparql_and_in_peacekg_query(
    store, built, client, capsys, monkeypatch, what: str, query: str, words: str
):
    message = _message(store, query)
    response = client.post("/sparql", data={"query": query})
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == f"400 Bad Request: {message}\n"
    code, out, err = _cli(built, query, capsys, monkeypatch)
    assert (code, out, err) == (2, "", f"-: {message}\n")


def test_positions_show_the_line_with_a_caret(store):
    message = _message(store, "SELECT ?x WHERE {\n  ?x a ?y\n  OPTINAL { ?x ?p ?o }\n}")
    said, line, caret = message.split("\n")
    assert said == "SPARQL syntax error at line 3, column 11: expected OPTIONAL"
    assert line == "    OPTINAL { ?x ?p ?o }" and caret == "  " + " " * 10 + "^"
    assert line[caret.index("^")] == "{"


def test_several_undeclared_prefixes_are_each_named(store):
    message = _message(store, "SELECT * WHERE { ?s foaf:knows ?o . ?o dcat:title ?t }")
    assert "the prefix foaf: is not declared" in message
    assert "PREFIX dcat: <http://www.w3.org/ns/dcat#>" in message


def test_a_long_line_is_cut_around_the_caret():
    query = "SELECT * WHERE { " + "?s ?p ?o . " * 30 + "?s zzz:p ?o }"
    message = explain(query, "error at 1:1: expected [_]", PREFIXES)
    _, line, caret = message.split("\n")
    assert len(line) <= 2 + 72 and line[caret.index("^") :].startswith("zzz:p")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("SELECTWHRGOUPBYASK{}()[]?$:'\"#<>.\n pkfo"), max_size=80))
def test_any_text_gets_a_message(query: str):
    error = "error at 1:1: expected one of \"{\", ['a'..='z'], a variable that is unbound"
    said = [line for line in explain(query, error, PREFIXES).split("\n") if line[:2] != "  "]
    assert said and not any(noise in line for noise in WALL for line in said)  # query lines aside


def test_an_unknown_parser_message_is_kept():
    assert explain("ASK {}", "something new", PREFIXES) == "SPARQL syntax error: something new"


# ---------------------------------------------------------------- predeclared prefixes

EVERY_PREFIX = (
    f"SELECT ?namespace WHERE {{ VALUES ?namespace {{ {' '.join(p + ':' for p in PREFIXES)} }} }}"
)
OFFICERS = """SELECT ?name WHERE {
  ?deployment org:member ?officer ; pk:status status:actual .
  ?officer a pk:Officer ; rdfs:label ?name .
  FILTER (STRSTARTS(STR(wdt:P31), "http://www.wikidata.org/prop/direct/"))
} GROUP BY ?name ORDER BY ?name"""


def test_the_projects_prefixes_and_wikidatas_are_predeclared():
    for prefix in ("pk", "schema", "prov", "org", "skos", "rdfs", "rdf", "xsd", "owl", "time"):
        assert prefix in PREFIXES
    for prefix in ("oa", "dcterms", "wd", "wdt", "rank", "role", "status", "linkstatus"):
        assert prefix in PREFIXES
    assert PREFIXES["wdt"] == "http://www.wikidata.org/prop/direct/"
    assert PREFIXES["linkstatus"] == "https://w3id.org/peacekg/code/link-status/"


def test_every_predeclared_prefix_works_on_sparql_and_in_peacekg_query(
    store, built, client, capsys, monkeypatch
):
    response = _sparql(client, EVERY_PREFIX, format="json")
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = json.loads(response.get_data())["results"]["bindings"]
    assert [r["namespace"]["value"] for r in rows] == list(PREFIXES.values())
    code, out, err = _cli(built, EVERY_PREFIX, capsys, monkeypatch, "--format", "csv")
    assert (code, err) == (0, "")
    assert out.split()[1:] == list(PREFIXES.values())


def test_a_query_without_prefix_lines_answers_as_with_them(
    store, built, client, capsys, monkeypatch
):
    declared = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items()) + OFFICERS
    expected = [row["name"].value for row in run(store, declared, {})]
    assert "Ermek Tulesov" in expected
    response = _sparql(client, OFFICERS, format="json")
    names = [r["name"]["value"] for r in json.loads(response.get_data())["results"]["bindings"]]
    assert names == expected
    code, out, _ = _cli(built, OFFICERS, capsys, monkeypatch, "--format", "csv")
    assert code == 0 and out.split("\r\n")[1 : len(expected) + 1] == expected


def test_a_querys_own_prefix_wins(client):
    query = "PREFIX pk: <http://example.org/other#> ASK { ?officer a pk:Officer }"
    assert json.loads(_sparql(client, query, format="json").get_data())["boolean"] is False
    assert json.loads(_sparql(client, query[39:], format="json").get_data())["boolean"] is True


def test_a_predeclared_prefix_the_lexer_misreads_still_works(client):
    """The engine is given only the predeclared prefixes a query seems to use (sparqltext
    .prefixes_used); here `label-prefix pk:` reads as a declaration of pk, which it is not,
    and the query runs all the same, with all of them."""
    query = "ASK { ?officer rdfs:label-prefix pk:Officer }"
    assert "pk" not in (prefixes_used(query) or ())
    response = _sparql(client, query, format="json")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert json.loads(response.get_data())["boolean"] is False


def test_the_service_description_lists_the_predeclared_prefixes(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.get_data(as_text=True), format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    declared = {
        str(graph.value(d, sh.prefix)): str(graph.value(d, sh.namespace))
        for d in graph.objects(None, sh.declare)
    }
    assert declared == PREFIXES
    namespaces = list(graph.objects(None, sh.namespace))
    assert all(n.datatype == rdflib.XSD.anyURI for n in namespaces)
    comments = [str(c) for c in graph.objects(None, rdflib.RDFS.comment)]
    assert any("without PREFIX lines" in c for c in comments)


def test_service_checks_know_the_predeclared_prefixes():
    query = "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { wd:Q1 wdt:P31 ?c } }"
    allowed = ("https://query.wikidata.org/sparql",)
    assert check_services(query, allowed, PREFIXES) == allowed


# ---------------------------------------------------------------- format=


def test_a_format_that_names_nothing_is_a_400_listing_the_formats(client):
    response = _sparql(client, "ASK {}", format="png")
    assert response.status_code == 400
    assert response.get_data(as_text=True) == (
        "400 Bad Request: format='png' names no format here; use json, xml, csv, tsv (SELECT, "
        "ASK) or turtle, ntriples, jsonld, rdfxml, trig, nquads (CONSTRUCT, DESCRIBE), or a "
        "media type, or leave format out and send an Accept header\n"
    )
    description = client.get("/sparql?format=yaml")
    assert description.status_code == 400 and "names no format" in description.get_data(True)


@pytest.mark.parametrize(
    ("formats", "media_type"),
    [
        ([""], "application/sparql-results+json"),  # empty: as if absent
        (["rdf+xml", "application/rdf+xml"], "application/rdf+xml"),  # SPARQLWrapper: one known
        (["tsv"], "text/tab-separated-values"),
    ],
)
def test_format_values_that_name_something_still_choose(client, formats, media_type):
    query = "CONSTRUCT WHERE { ?s a ?o } LIMIT 1" if "rdf+xml" in formats else "ASK {}"
    target = "/sparql?" + urllib.parse.urlencode(
        [("query", query)] + [("format", f) for f in formats]
    )
    response = client.get(target)
    assert response.status_code == 200 and response.mimetype == media_type


def test_other_routes_still_fall_back_on_an_unknown_format(client):
    page = client.get("/data/person/ermek-tulesov?format=png")
    assert page.status_code == 200 and page.mimetype == "text/turtle"
