"""Where our IRIs live on this server, and running SPARQL: `run` for every route (/sparql and
pages go through the same worker pool, so page queries get the same timeouts and the same
errors as everyone's), `select` and `construct` for pages.

Cool URIs (docs/iris.md): entity, claim, article, code and graph IRIs are answered with
303 See Other to an HTML page (/page/...) or an RDF document (/data/...), by content
negotiation; ontology terms are hash IRIs of the one ontology document (/ontology).
"""

from __future__ import annotations

import dataclasses
import json

from flask import request
from werkzeug.exceptions import BadRequest

from peacekg.endpoint.fairness import OverLimitError
from peacekg.endpoint.formats import Kind, for_kind
from peacekg.endpoint.pool import (
    Outcome,
    PoolBusyError,
    QueryJob,
    QueryMemoryError,
    QueryTimeoutError,
    WorkerLostError,
)
from peacekg.web.errors import (
    BackendFailed,
    NoFormat,
    OverLimit,
    PoolBusy,
    QueryMemory,
    QueryTimeout,
    ServiceFailed,
    WorkerLost,
)
from peacekg.web.state import state

DEREFERENCEABLE = ("id/", "code/", "graph/")


def local_path(iri: str) -> str | None:
    """The path of the page for one of our IRIs (keeping any #fragment), or None if not ours."""
    base = state().namespaces.base
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
    base = state().namespaces.base
    return base + path if path.startswith(("code/", "graph/")) else base + "id/" + path


def href(iri: str) -> str:
    """Where a link to an IRI should go: our page, or the IRI itself."""
    return local_path(iri) or iri


def run(job: QueryJob) -> Outcome:
    """Run a query on the pool, for /sparql and for pages alike: its answer, or the typed HTTP
    error that says why there is none (a failure of ours stays an exception: a logged 500)."""
    app = state()
    client = request.remote_addr or "unknown"
    try:
        with app.gate.admit(client):
            outcome = app.pool.run(dataclasses.replace(job, client=client))
    except OverLimitError as exc:
        app.failures[f"refused-{exc.limit}"] += 1
        raise OverLimit(str(exc), exc.retry_after) from None
    except QueryTimeoutError:
        app.failures["timeout"] += 1
        raise QueryTimeout(app.settings.timeout) from None
    except PoolBusyError:
        app.failures["busy"] += 1
        raise PoolBusy from None
    except QueryMemoryError:
        app.failures["memory"] += 1
        raise QueryMemory(app.settings.query_memory_mb) from None
    except WorkerLostError:
        app.failures["lost"] += 1
        raise WorkerLost from None
    if outcome.status == "syntax":  # the worker's words: endpoint.explain
        raise BadRequest(outcome.message)
    if outcome.status == "not-acceptable":
        raise NoFormat(for_kind(Kind(outcome.message)), f"this query's {outcome.message}")
    if outcome.status == "service-failed":
        raise ServiceFailed(outcome.message)
    if outcome.status == "backend-failed":  # serve --backend: endpoint.remote
        raise BackendFailed(outcome.message)
    if outcome.status != "ok":
        raise RuntimeError(f"query failed ({outcome.status}): {outcome.message}")
    return outcome


def select(query: str, row_limit: int | None = None) -> list[dict[str, str]]:
    """Rows of a SELECT (lexical values only), run by a query worker on the union graph, cut at
    `row_limit` rows (the endpoint's limit unless given)."""
    limit = state().settings.row_limit if row_limit is None else row_limit
    job = QueryJob(query, "json", None, row_limit=limit)
    data = json.loads(run(job).body)
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


def construct(query: str, renderer: str) -> bytes:
    """A CONSTRUCT serialised by the worker in the given graph renderer."""
    return construct_counted(query, renderer)[0]


def construct_counted(query: str, renderer: str) -> tuple[bytes, int]:
    """A CONSTRUCT serialised in the given graph renderer, and how many triples it has (none:
    the resource is not in the graph, found without asking a second query)."""
    outcome = run(QueryJob(query, None, renderer, row_limit=10**9))
    return outcome.body, outcome.rows
