"""`/metrics`: the endpoint's load in Prometheus' text format, for operators and their scrapers:
queries running and waiting, clients by number of queries in flight (never their addresses:
this is public), 429s by limit, queries stopped at the timeout or refused as busy, and the
limits in force."""

from __future__ import annotations

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue

from peacekg.web.state import state

blueprint = Blueprint("metrics", __name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Samples = list[tuple[str, float]]
"""A metric's samples: its labels ("" or '{name="value"}') and value."""


def _family(name: str, kind: str, about: str, samples: Samples) -> list[str]:
    lines = [f"# HELP {name} {about}", f"# TYPE {name} {kind}"]
    return lines + [f"{name}{labels} {value:g}" for labels, value in samples]


def _labelled(label: str, values: dict[str, float]) -> Samples:
    return [(f'{{{label}="{key}"}}', value) for key, value in values.items()]


@blueprint.get("/metrics")
def metrics() -> ResponseReturnValue:
    app = state()
    now, settings = app.gate.snapshot(), app.settings
    running, waiting = app.pool.load()
    families = [
        ("peacekg_queries_running", "gauge", "Queries on a worker now.", [("", running)]),
        ("peacekg_queries_waiting", "gauge", "Queries waiting for a worker.", [("", waiting)]),
        (
            "peacekg_clients_in_flight",
            "gauge",
            "Clients with queries running or waiting, by how many they have.",
            _labelled("queries", {str(n): c for n, c in sorted(now.clients_by_queries.items())}),
        ),
        ("peacekg_queries_admitted_total", "counter", "Queries let through the limits.",
         [("", now.admitted)]),
        ("peacekg_refused_total", "counter", "Queries answered 429, by the limit they passed.",
         _labelled("limit", {k: app.failures[f"refused-{k}"] for k in ("queries", "seconds")})),
        ("peacekg_query_failures_total", "counter",
         "Queries stopped at the timeout or past their memory budget, refused as busy or "
         "lost with their worker (503).",
         _labelled("kind", {k: app.failures[k] for k in ("timeout", "memory", "busy", "lost")})),
        ("peacekg_answers_total", "counter",
         "Cacheable answers: given again from those kept, or worked out (web.answers), and "
         "query answers run again by the front without the app (web.prepared).",
         _labelled("source", {"kept": app.answers.hits, "worked_out": app.answers.misses,
                              "rerun": app.prepared.reruns if app.prepared else 0})),
        ("peacekg_answers_kept_bytes", "gauge", "Bytes of answers kept.",
         [("", app.answers.size)]),
        ("peacekg_limit", "gauge", "The limits in force.", _labelled("name", {
            "workers": settings.workers,
            "client_workers": settings.client_share,
            "client_queries": settings.client_queries,
            "client_seconds_per_minute": settings.client_seconds,
            "timeout_seconds": settings.timeout,
            "query_memory_mb": settings.query_memory_mb,
            "read_timeout_seconds": settings.read_timeout,
            "connection_limit": settings.connection_limit,
        })),
    ]  # fmt: skip
    lines = [line for family in families for line in _family(*family)]
    return Response("\n".join(lines) + "\n", content_type=CONTENT_TYPE)
