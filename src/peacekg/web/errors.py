"""Every error the web app answers with: typed HTTP errors that routes raise, and the one handler
that writes them all, as plain text that says what went wrong and nothing of our internals.

Routes raise werkzeug's exceptions (BadRequest, NotFound, Forbidden, ...) or the subclasses
below, which fix the wording and headers of the errors several routes share; the status comes
from the type, never from looking at the request.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import Response, request
from werkzeug.exceptions import (
    BadGateway,
    BadRequest,
    HTTPException,
    InternalServerError,
    NotAcceptable,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
)

from peacekg.endpoint.formats import Kind, Renderer

log = logging.getLogger(__name__)
QUERY_FORMS = {Kind.RESULTS: "SELECT, ASK", Kind.GRAPH: "CONSTRUCT, DESCRIBE"}
"""Which queries answer in each kind of format, for messages about formats."""


class QueryTimeout(ServiceUnavailable):
    """The query overran the timeout and its worker was killed: worth trying again soon."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"the query ran longer than {seconds:g} s and was stopped; narrow it (more "
            "specific patterns, LIMIT) and try again",
            retry_after=1,
        )


class QueryMemory(ServiceUnavailable):
    """The query held more memory than its budget and its worker was killed: asking again the
    same way will not help, so no Retry-After."""

    def __init__(self, megabytes: int) -> None:
        super().__init__(
            f"the query needed more than {megabytes} MB of memory and was stopped; narrow it "
            "(more specific patterns, LIMIT, fewer rows to sort or group) or download a dump"
        )


class WorkerLost(ServiceUnavailable):
    """The worker died under the query (killed, out of memory) and is being replaced."""

    def __init__(self) -> None:
        super().__init__(
            "the query worker stopped unexpectedly and is being replaced; try again",
            retry_after=1,
        )


class PoolBusy(ServiceUnavailable):
    """No worker became free within the timeout: the server is loaded, so wait longer."""

    def __init__(self) -> None:
        super().__init__("every query worker stayed busy; try again shortly", retry_after=5)


class OverLimit(TooManyRequests):
    """This client is over one of its limits (endpoint.fairness): which, and when to return."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)


class ServiceFailed(BadGateway):
    """A remote endpoint the query called by SERVICE failed or answered nonsense."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"a SERVICE call failed: {reason}")


class BackendFailed(BadGateway):
    """The remote store that `serve --backend` queries is down, dropped the query or answered
    nonsense: the message names it, so the operator knows where to look."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason}; try again later")


class NoFormat(NotAcceptable):
    """Nothing on offer matches the Accept header or `format=`; says what is offered."""

    def __init__(self, offered: Sequence[Renderer], what: str = "this resource") -> None:
        types = ", ".join(r.media_type for r in offered)
        super().__init__(
            f"no format of {what} matches the Accept header or 'format'; it comes as {types}"
        )


class ReleaseNotFound(NotFound):
    """A release id this server does not keep (pruned, or never made): says which it does, so
    that whoever follows an old citation finds the nearest release that is still there."""

    def __init__(self, wanted: str, kept: Sequence[str], host: str) -> None:
        shown = wanted if len(wanted) <= 80 else wanted[:80] + "…"
        listed = ", ".join(f"{host}dumps/{release}/" for release in kept) or "none"
        super().__init__(
            f"no release {shown!r} here: it was pruned or never existed. Releases kept: "
            f"{listed}. What changed between them: {host}dumps"
        )


class UnknownFormat(BadRequest):
    """`format=` names no format we have (on /sparql, where the client chose it on purpose):
    says which names there are, by kind, rather than silently answering in another."""

    def __init__(self, given: Sequence[str], offered: Sequence[Renderer]) -> None:
        shown = ", ".join(repr(g if len(g) <= 40 else g[:40] + "…") for g in given[:3])
        kinds = dict.fromkeys(r.kind for r in offered)
        names = " or ".join(
            f"{', '.join(r.name for r in offered if r.kind is kind)} ({QUERY_FORMS.get(kind, '')})"
            for kind in kinds
        )
        super().__init__(
            f"format={shown} names no format here; use {names}, or a media type, or leave "
            "format out and send an Accept header"
        )


def error_response(exc: Exception) -> Response:
    """The one error handler: `<status> <reason>: <description>` as text/plain, with the
    error's own headers (Retry-After, Allow, ...). Anything not an HTTP error is our fault: it
    is logged, and the client learns only that."""
    if not isinstance(exc, HTTPException):
        log.error("unexpected error serving %s %s", request.method, request.path, exc_info=exc)
        exc = InternalServerError("the error was logged on the server")
    code = exc.code or 500
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    response = Response(
        f"{code} {exc.name}: {exc.description}\n", code, headers, mimetype="text/plain"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"  # errors echo request text
    return response
