"""Where our IRIs live on this server, and SPARQL for pages (through the same worker pool, so
page queries get the same timeouts as everyone's).

Cool URIs (docs/iris.md): entity, claim, article, code and graph IRIs are answered with
303 See Other to an HTML page (/page/...) or an RDF document (/data/...), by content
negotiation; ontology terms are hash IRIs of the one ontology document (/ontology).
"""

from __future__ import annotations

import json

from peacekg.endpoint.pool import QueryJob
from peacekg.web import context

DEREFERENCEABLE = ("id/", "code/", "graph/")


def local_path(iri: str) -> str | None:
    """The path of the page for one of our IRIs (keeping any #fragment), or None if not ours."""
    base = context.namespaces().base
    if not iri.startswith(base):
        return None
    rest = iri[len(base) :]
    if rest.startswith("ontology"):
        return "/" + rest
    if rest.startswith("id/"):
        return "/page/" + rest[3:]
    if rest.startswith(("code/", "graph/")):
        return "/page/" + rest
    return None


def iri_for(path: str) -> str:
    """The IRI a /page/ or /data/ path is about (the inverse of local_path)."""
    base = context.namespaces().base
    return base + path if path.startswith(("code/", "graph/")) else base + "id/" + path


def href(iri: str) -> str:
    """Where a link to an IRI should go: our page, or the IRI itself."""
    return local_path(iri) or iri


def select(query: str) -> list[dict[str, str]]:
    """Rows of a SELECT (lexical values only), run by a query worker on the union graph."""
    server = context.server()
    outcome = context.pool().run(QueryJob(query, "json", None, row_limit=server.row_limit))
    if outcome.status != "ok":
        raise RuntimeError(f"page query failed ({outcome.status}): {outcome.message}")
    data = json.loads(outcome.body)
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


def construct(query: str, renderer: str) -> bytes:
    """A CONSTRUCT serialised by the worker in the given graph renderer."""
    outcome = context.pool().run(QueryJob(query, None, renderer, row_limit=10**9))
    if outcome.status != "ok":
        raise RuntimeError(f"page query failed ({outcome.status}): {outcome.message}")
    return outcome.body


def prefixed(query: str) -> str:
    """The query with the project's prefixes declared, so page queries read like the docs."""
    declarations = "".join(
        f"PREFIX {p}: <{iri}>\n" for p, iri in context.namespaces().prefixes().items()
    )
    return declarations + query
