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
    HTTPException,
    InternalServerError,
    NotAcceptable,
    ServiceUnavailable,
)

from peacekg.endpoint.formats import Renderer

log = logging.getLogger(__name__)


class QueryTimeout(ServiceUnavailable):
    """The query overran the timeout and its worker was killed: worth trying again soon."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"the query ran longer than {seconds:g} s and was stopped; narrow it (more "
            "specific patterns, LIMIT) and try again",
            retry_after=1,
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


class ServiceFailed(BadGateway):
    """A remote endpoint the query called by SERVICE failed or answered nonsense."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"a SERVICE call failed: {reason}")


class NoFormat(NotAcceptable):
    """Nothing on offer matches the Accept header or `format=`; says what is offered."""

    def __init__(self, offered: Sequence[Renderer], what: str = "this resource") -> None:
        types = ", ".join(r.media_type for r in offered)
        super().__init__(
            f"no format of {what} matches the Accept header or 'format'; it comes as {types}"
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
