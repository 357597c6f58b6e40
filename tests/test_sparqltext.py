"""The lexical SPARQL helpers of endpoint/sparqltext.py: a top-level FROM, the outer `SELECT *`,
and the order of its variables, the prefixes a query leaves undeclared, and its functions that
change between runs, with keywords hidden in comments, strings and IRIs."""

from __future__ import annotations

import pytest

from peacekg.endpoint.sparqltext import (
    outer_clauses,
    prefixes_used,
    reorder_tsv,
    star_order,
    volatile,
)

CLAUSES = [
    # (query, has a top-level FROM, has an outer SELECT *)
    ("SELECT * WHERE { ?s ?p ?o }", False, True),
    ("SELECT ?s WHERE { ?s ?p ?o }", False, False),
    ("select * from <http://ex.org/g> { ?s ?p ?o }", True, True),
    ("SELECT DISTINCT * { ?s ?p ?o }", False, True),
    ("SELECT REDUCED * { ?s ?p ?o }", False, True),
    ("SELECT ?s FROM NAMED <http://ex.org/g> { GRAPH ?g { ?s ?p ?o } }", True, False),
    ("ASK FROM <http://ex.org/g> { ?s ?p ?o }", True, False),
    ("CONSTRUCT { ?s ?p ?o } FROM <http://ex.org/g> WHERE { ?s ?p ?o }", True, False),
    ("DESCRIBE ?s WHERE { ?s ?p ?o }", False, False),
    # the first SELECT is the outer one; a sub-select's * is not it, nor is its FROM (invalid)
    ("SELECT ?s WHERE { { SELECT * WHERE { ?s ?p ?o } } }", False, False),
    ("SELECT * WHERE { { SELECT ?s FROM <http://ex.org/g> { ?s ?p ?o } } }", False, True),
    # keywords that are not keywords: in a comment, a string, an IRI, a name
    ("# SELECT * FROM <http://ex.org/g>\nSELECT ?s { ?s ?p ?o }", False, False),
    ("SELECT ?s { ?s ?p 'FROM' }", False, False),
    ('SELECT ?s { ?s ?p "a \\" FROM" }', False, False),
    ("SELECT ?s { ?s ?p '''x\nFROM y''' }", False, False),
    ('SELECT ?s { ?s ?p """FROM""" }', False, False),
    ("SELECT ?s { ?s <http://ex.org/FROM> ?o }", False, False),
    ("SELECT ?from { ?from ?p ?o }", False, False),
    ("SELECT $from { $from ?p ?o }", False, False),
    ("PREFIX from: <http://ex.org/> SELECT ?s { ?s from:p ?o }", False, False),
    ("SELECT ?s { ?s ex:FROM ?o }", False, False),
    ("SELECT ?s { ?s ?p ?o } # }", False, False),  # a brace in a comment does not nest
]


@pytest.mark.parametrize(("query", "has_from", "has_star"), CLAUSES)
def test_outer_clauses(query: str, has_from: bool, has_star: bool):
    found_from, star = outer_clauses(query)
    assert found_from is has_from
    assert (star is not None) is has_star
    if star is not None:
        assert query[:star].rstrip().endswith("*")


ORDERS = [
    # (query, variables as Oxigraph sorts them, in order of first appearance)
    ("SELECT * WHERE { ?b ?a ?c }", ["a", "b", "c"], ["b", "a", "c"]),
    ("SELECT * { $y ?x }", ["x", "y"], ["y", "x"]),
    ("SELECT * { ?ab ?a }", ["a", "ab"], ["ab", "a"]),  # ?a is not the start of ?ab
    (
        "SELECT * { ?x ?p ?o OPTIONAL { ?o ?q ?z } }",
        ["o", "p", "q", "x", "z"],
        ["x", "p", "o", "q", "z"],
    ),
    ("SELECT * { ?b ?a ?c } ORDER BY ?c", ["a", "b", "c"], ["b", "a", "c"]),
    ("SELECT * { ?b ?p ?o }", ["b", "o", "p", "unseen"], ["b", "p", "o", "unseen"]),
]


@pytest.mark.parametrize(("query", "names", "order"), ORDERS)
def test_star_order(query: str, names: list[str], order: list[str]):
    _, star = outer_clauses(query)
    assert star is not None
    assert star_order(query, star, names) == order


@pytest.mark.parametrize(
    ("lines", "order", "names", "reordered"),
    [
        (b"?a\t?b\n1\t2\n3\t4\n", ["b", "a"], ["a", "b"], b"?b\t?a\n2\t1\n4\t3\n"),
        (b"?a\t?b\t?c\n1\t2\t3\n", ["c", "a", "b"], ["a", "b", "c"], b"?c\t?a\t?b\n3\t1\t2\n"),
        (b"?a\t?b\n", ["b", "a"], ["a", "b"], b"?b\t?a\n"),  # no rows
        (b"?a\t?b\n\t2\n", ["b", "a"], ["a", "b"], b"?b\t?a\n2\t\n"),  # an unbound value
    ],
)
def test_reorder_tsv(lines: bytes, order: list[str], names: list[str], reordered: bytes):
    assert reorder_tsv(lines, order, names) == reordered


USED = [
    # (query, the prefixes it may use undeclared; None: any of them)
    ("SELECT * { ?s a pk:Officer }", {"pk"}),
    ("PREFIX pk: <http://ex.org/> SELECT * { ?s a pk:Officer }", set()),
    ("prefix pk: <http://ex.org/> SELECT * { ?s rdfs:label ?l }", {"rdfs"}),
    ("PREFIX : <http://ex.org/> SELECT * { ?s :p xsd:string }", {"xsd"}),
    ("SELECT * { ?s ?p 'pk:no' } # rdfs:no", set()),  # in a string, in a comment
    ('SELECT * { ?s ?p """owl:no""" }', set()),
    ("SELECT * { ?s <http://ex.org/a#owl:no> ?o }", set()),  # in an IRI
    ("SELECT * { ?s pk:a:b ?o }", {"pk", "a"}),  # a superset: `a` is part of the local name
    ("SELECT * { ?s person:x.y/org:z ?o }", {"person", "org"}),
    ("SELECT * { ?s p\\u006B:x ?o }", None),  # a codepoint escape could spell any name
]


@pytest.mark.parametrize(("query", "used"), USED)
def test_prefixes_used(query: str, used: set[str] | None):
    assert prefixes_used(query) == (None if used is None else frozenset(used))


@pytest.mark.parametrize(
    ("query", "changes"),
    [
        ("SELECT (RAND() AS ?r) {}", True),
        ("SELECT * { ?s ?p ?o FILTER (?o < now ()) }", True),
        ("SELECT (STRUUID() AS ?u) (UUID() AS ?v) {}", True),
        ("CONSTRUCT { ?s ?p [] } WHERE { BIND (BNODE() AS ?b) ?s ?p ?o }", True),
        ("SELECT * { ?s ?p ?o }", False),
        ("SELECT * { ?s ?p 'RAND()' } # NOW()", False),  # in a string, in a comment
        ("SELECT ?now ?rand { ?s pk:now ?now ; ex:rand() ?rand }", False),  # names, not calls
        ("SELECT (SHA256(?o) AS ?h) { ?s ?p ?o }", False),
    ],
)
def test_volatile(query: str, changes: bool):
    assert volatile(query) is changes
