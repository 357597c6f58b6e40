"""What the tests of `serve --backend` share, whatever the store behind it: the example queries,
a request to the endpoint, a result set to compare, and peacekg served in front of a store."""

from __future__ import annotations

import json
import urllib.parse
from contextlib import AbstractContextManager

from peacekg.build.pipeline import BuildResult
from peacekg.config import Settings
from support import ROOT
from support.serving import request, running_server

QUERIES = [
    q for q in sorted((ROOT / "queries").glob("*.rq")) if "federated" not in q.name
]  # the federated one calls Wikidata
ORDERED = "SELECT ?s ?o WHERE { ?s a ?o FILTER(isIRI(?s)) } ORDER BY ?s ?o LIMIT 20"
RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def serve_backend(
    built: tuple[Settings, BuildResult], backend: str, *options: str
) -> AbstractContextManager[str]:
    """`peacekg serve --backend URL` over the built release's pages and dumps."""
    build_dir = str(built[0].output_dir)
    return running_server("--build-dir", build_dir, "serve", "--backend", backend, *options)


def get(base: str, query: str, accept: str = "", **params: str):
    encoded = urllib.parse.urlencode({"query": query, **params})
    return request(base, "GET", f"/sparql?{encoded}", headers={"Accept": accept} if accept else {})


def rows(body: bytes) -> set[frozenset[tuple[str, str]]]:
    """The result set, each row as (variable, term) pairs; blank nodes only as blank."""
    data = json.loads(body)
    if "boolean" in data:
        return {frozenset({("boolean", str(data["boolean"]))})}
    return {
        frozenset(
            (name, "_:" if term["type"] == "bnode" else json.dumps(term, sort_keys=True))
            for name, term in row.items()
        )
        for row in data["results"]["bindings"]
    }
