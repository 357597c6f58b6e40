"""HTTP concerns shared by every route: CORS, gzip, and plain-text errors without internals."""

from __future__ import annotations

import gzip
import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from peacekg.endpoint.pool import PoolBusyError, QueryTimeoutError, WorkerLostError

log = logging.getLogger(__name__)
GZIP_MIN_BYTES = 1024
EXPOSED = "ETag, X-Result-Rows, X-Result-Limit, X-Result-Truncated"


def plain(status: int, message: str, **headers: str) -> Response:
    """A plain-text response: what went wrong, in words, and nothing about our internals."""
    text = message if message.endswith("\n") else message + "\n"
    response = Response(text, status=status, mimetype="text/plain", headers=headers)
    response.headers["X-Content-Type-Options"] = "nosniff"  # errors echo request text
    return response


def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, If-None-Match"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _gzip(response: Response) -> Response:
    """Compress a large enough 2xx body for clients that accept gzip. Only such a body varies
    with Accept-Encoding, so only it says so (Vary), which keeps small answers cheap."""
    if (
        response.direct_passthrough
        or response.status_code < 200
        or response.status_code >= 300
        or "Content-Encoding" in response.headers
        or (response.content_length or 0) < GZIP_MIN_BYTES
    ):
        return response
    response.vary.add("Accept-Encoding")
    if "gzip" not in request.headers.get("Accept-Encoding", "").lower():
        return response
    response.set_data(gzip.compress(response.get_data(), compresslevel=5))
    response.headers["Content-Encoding"] = "gzip"
    return response


def install(app: Flask) -> None:
    app.after_request(_cors)
    app.after_request(_gzip)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return plain(exc.code or 500, f"{exc.code} {exc.name}: {exc.description}")

    @app.errorhandler(QueryTimeoutError)
    @app.errorhandler(PoolBusyError)
    @app.errorhandler(WorkerLostError)
    def overloaded(exc: Exception) -> Response:
        return plain(
            503,
            "503 Service Unavailable: the server is busy; try again shortly",
            **{"Retry-After": "5"},
        )

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unexpected error serving %s %s", request.method, request.path)
        return plain(500, "500 Internal Server Error: the error was logged on the server")
