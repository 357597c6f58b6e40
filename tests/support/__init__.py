"""Helpers the tests share: the project's paths, SPARQL on a store, bad-data examples.

Fixtures live in conftest.py; everything a test imports comes from this package
(`support.serving` runs the real server, `support.browser` drives Chromium,
`support.hardening` speaks raw HTTP and inspects processes).
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Quad, Store

from peacekg.build.validation import Problem, Report, validate
from peacekg.namespaces import Namespaces

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
INPUTS = ("seeds", "mappings", "ontology", "shapes", "queries")


def validate_after(real_quads: list[Quad], update: str) -> Report:
    """Validate the real graph after one SPARQL UPDATE (our prefixes declared)."""
    prefixes = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in Namespaces().prefixes().items())
    store = Store()
    store.extend(real_quads)
    store.update(prefixes + update)
    return validate(list(store), ROOT / "shapes", Namespaces())


def caught(real_quads: list[Quad], update: str, path: str, words: str) -> Problem:
    """The violation a bad example (one SPARQL UPDATE) must cause: on `path` (any if empty)
    with `words` in its message; fails with the whole report if there is none."""
    report = validate_after(real_quads, update)
    matching = [v for v in report.violations if (not path or v.path == path) and words in v.message]
    assert matching, report.text()
    return matching[0]


def select(store: Store, query: str, ns: Namespaces) -> list[dict[str, str]]:
    """Run a SELECT on the union graph; rows as {variable: lexical value}."""
    result = store.query(query, use_default_graph_as_union=True, prefixes=ns.prefixes())
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]
