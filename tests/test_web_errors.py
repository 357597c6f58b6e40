"""The one error handler, in process: each typed error becomes its status, headers and words,
as plain text without internals; and the failures of the query pool say the same on /sparql
and on pages, because both raise the same typed errors."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from flask import Flask
from pyoxigraph import Store
from werkzeug.exceptions import BadRequest, MethodNotAllowed, NotFound

from peacekg.build.pipeline import BuildResult
from peacekg.config import ServerSettings, Settings
from peacekg.endpoint.formats import Kind, for_kind
from peacekg.endpoint.pool import (
    Outcome,
    PoolBusyError,
    QueryJob,
    QueryTimeoutError,
    WorkerLostError,
    answer,
)
from peacekg.endpoint.served import GraphSource
from peacekg.web import create_app
from peacekg.web.errors import (
    NoFormat,
    PoolBusy,
    QueryTimeout,
    ServiceFailed,
    WorkerLost,
    error_response,
)

BUSY = "503 Service Unavailable: every query worker stayed busy; try again shortly"
LOST = (
    "503 Service Unavailable: the query worker stopped unexpectedly and is being replaced; "
    "try again"
)
TIMEOUT = (
    "503 Service Unavailable: the query ran longer than 2 s and was stopped; narrow it (more "
    "specific patterns, LIMIT) and try again"
)
LOGGED = "500 Internal Server Error: the error was logged on the server"

TYPED = [
    # (the error, status, Retry-After, the whole body without its newline)
    (QueryTimeout(2), 503, "1", TIMEOUT),
    (WorkerLost(), 503, "1", LOST),
    (PoolBusy(), 503, "5", BUSY),
    (
        ServiceFailed("OSError: refused"),
        502,
        None,
        "502 Bad Gateway: a SERVICE call failed: OSError: refused",
    ),
    (
        NoFormat(for_kind(Kind.QUERY)),
        406,
        None,
        "406 Not Acceptable: no format of this resource matches the Accept header or 'format'; "
        "it comes as text/plain, application/sparql-query",
    ),
    (BadRequest("no 'query' parameter"), 400, None, "400 Bad Request: no 'query' parameter"),
    (NotFound("no dump named x"), 404, None, "404 Not Found: no dump named x"),
    (RuntimeError("engine broke at /srv/peacekg/store"), 500, None, LOGGED),
    (KeyError("secret"), 500, None, LOGGED),
]


@pytest.mark.parametrize(("error", "status", "retry", "text"), TYPED)
def test_each_error_is_its_status_headers_and_words(
    web_app: Flask, error: Exception, status: int, retry: str | None, text: str
):
    with web_app.test_request_context("/somewhere"):
        response = error_response(error)
    assert response.status_code == status
    assert response.headers.get("Retry-After") == retry
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_data(as_text=True) == text + "\n"


def test_an_errors_own_headers_are_kept(web_app: Flask):
    with web_app.test_request_context("/health", method="DELETE"):
        response = error_response(MethodNotAllowed(["GET", "HEAD"]))
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"


def test_routes_errors_go_through_the_handler(client):
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and missing.mimetype == "text/plain"
    assert missing.get_data(as_text=True).startswith("404 Not Found: ")
    refused = client.delete("/health")
    assert refused.status_code == 405 and "GET" in refused.headers["Allow"]
    update = client.post(
        "/sparql", data="CLEAR ALL", headers={"Content-Type": "application/sparql-update"}
    )
    assert update.status_code == 403
    assert update.get_data(as_text=True) == (
        "403 Forbidden: this endpoint is read-only; SPARQL Update is not accepted here.\n"
    )


# ---------------------------------------------------------------- the pool's failures


@dataclass
class StubPool:
    """A pool that fails as told (raises, or answers with an outcome), and keeps the jobs."""

    answer: Callable[[QueryJob], Outcome]
    jobs: list[QueryJob] = field(default_factory=list)
    replaced: int = 0

    def run(self, job: QueryJob) -> Outcome:
        self.jobs.append(job)
        return self.answer(job)

    def close(self) -> None:
        pass


ALLOWED = "http://127.0.0.1:9/sparql"


def _app(built: tuple[Settings, BuildResult], answer: Callable[[QueryJob], Outcome]) -> Flask:
    settings, _ = built
    server = ServerSettings(timeout=2, service_allowlist=(ALLOWED,))
    source = GraphSource(build_dir=settings.output_dir)
    return create_app(server, source, StubPool(answer), settings)


def _raise(error: type[Exception]) -> Callable[[QueryJob], Outcome]:
    def answer(job: QueryJob) -> Outcome:
        raise error

    return answer


def _outcome(status: str, message: str) -> Callable[[QueryJob], Outcome]:
    return lambda job: Outcome(status, message=message)


SPARQL = "/sparql?query=" + urllib.parse.quote("SELECT * { ?s ?p ?o }")
PAGE = "/page/person/ermek-tulesov"
FAILURES = [
    # (what the pool does, status, Retry-After, the body's start)
    (_raise(QueryTimeoutError), 503, "1", TIMEOUT),
    (_raise(WorkerLostError), 503, "1", LOST),
    (_raise(PoolBusyError), 503, "5", BUSY),
    (
        _outcome("service-failed", "OSError: connection refused"),
        502,
        None,
        "502 Bad Gateway: a SERVICE call failed: OSError: connection refused",
    ),
    (_outcome("failed", "RuntimeError: broke at /srv/peacekg"), 500, None, LOGGED),
    (
        _outcome("syntax", "SPARQL syntax error at line 1, column 9: expected BY"),
        400,
        None,
        "400 Bad Request: SPARQL syntax error at line 1, column 9: expected BY",
    ),
    (
        _outcome("not-acceptable", "graph"),
        406,
        None,
        "406 Not Acceptable: no format of this query's graph matches",
    ),
]


@pytest.mark.parametrize("path", [SPARQL, PAGE])
@pytest.mark.parametrize(("answer", "status", "retry", "text"), FAILURES)
def test_pool_failures_say_the_same_on_sparql_and_pages(
    built, path: str, answer: Callable[[QueryJob], Outcome], status: int, retry: str, text: str
):
    response = _app(built, answer).test_client().get(path)
    assert response.status_code == status
    assert response.headers.get("Retry-After") == retry
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith(text)
    assert "/srv/peacekg" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "remote"),
    [
        (f"SELECT * {{ SERVICE <{ALLOWED}> {{ ?s ?p ?o }} }}", True),
        ('SELECT * { ?s ?p "SERVICE <x> {}" }', False),  # the word alone calls nothing
        ("SELECT * { ?s ?p ?o } # SERVICE", False),
        ("SELECT * { ?service ?p ?o }", False),
    ],
)
def test_a_failure_is_the_services_only_when_the_query_calls_one(built, query: str, remote: bool):
    """The worker reports `service-failed` for a job marked remote; the mark comes from the
    parsed SERVICE clauses the allowlist check found, never from the words of the query."""
    app = _app(built, _outcome("service-failed", "OSError: refused"))
    response = app.test_client().get("/sparql?" + urllib.parse.urlencode({"query": query}))
    (job,) = app.extensions["peacekg"].pool.jobs
    assert job.remote is remote
    assert response.status_code == 502


@pytest.mark.parametrize(("remote", "status"), [(True, "service-failed"), (False, "failed")])
def test_the_worker_blames_the_service_only_for_a_remote_job(remote: bool, status: str):
    """What `answer` makes of an evaluation error (here pyoxigraph's OSError for a port it
    will not call): the remote endpoint's failure if the job calls SERVICE, else ours."""
    query = f"SELECT * {{ SERVICE <{ALLOWED}> {{ ?s ?p ?o }} }}"
    outcome = answer(Store(), QueryJob(query, "json", None, remote=remote), {})
    assert outcome.status == status and outcome.message.startswith("OSError: ")
