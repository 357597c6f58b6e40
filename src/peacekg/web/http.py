"""The HTTP rules every route shares, each written once: which format a request gets (`choose`),
when an answer is unchanged (`conditional`), which release answered (a header), CORS, gzip,
and the error handler's installation."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from flask import Flask, Response, request, send_from_directory
from werkzeug.exceptions import NotFound

from peacekg.endpoint.formats import Renderer, negotiate
from peacekg.releases import NoGraphError
from peacekg.web.answers import KEEPABLE, asks_afresh
from peacekg.web.errors import NoFormat, error_response
from peacekg.web.state import state

GZIP_MIN_BYTES = 1024
RELEASE_HEADER = "X-Peacekg-Release"
EXPOSED = f"ETag, X-Result-Rows, X-Result-Limit, X-Result-Truncated, {RELEASE_HEADER}"


def choose(
    offered: Sequence[Renderer],
    extension: str | None = None,
    *,
    fallback: Renderer | None = None,
) -> Renderer:
    """The renderer this request gets among `offered` (`negotiate`: the URL's extension, then
    `format=`, then Accept). When none fits: an extension we lack is a 404; otherwise the
    `fallback` if there is one (a page's HTML, so browsers and curl always get an answer),
    else a 406."""
    formats = request.args.getlist("format")
    renderer = negotiate(offered, request.accept_mimetypes, formats, extension)
    if renderer is not None:
        return renderer
    if extension is not None:
        raise NotFound(f"there is no .{extension} form of this resource")
    if fallback is not None:
        return fallback
    raise NoFormat(offered)


def conditional(
    key: object, make: Callable[[], Response], *, file: bool = False, keep: bool = True
) -> Response:
    """The one way a cacheable answer is sent: an ETag from `key` (everything the body depends
    on: the graph version, the renderer, ...), a 304 when the client already holds it, found
    before `make` does the work, and Cache-Control. The answer `make` gave for the same ETag
    before is given again without the work (web.answers), unless the request asks afresh
    (Cache-Control: no-cache) or the answer is not to be kept (`keep`: False for what depends
    on more than the key, a remote SERVICE's data). A negotiated answer varies with Accept; a
    `file` does not, and also answers Range requests."""
    etag = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    # `If-None-Match: *` (any representation) is not honoured: whether there is one is known
    # only after the work, and a full answer is always correct
    fresh = etag in request.if_none_match.as_set(include_weak=True)
    response = Response(status=304) if fresh else _answer(etag, make, keep and not file)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={state().settings.cache_seconds}"
    if not file:
        response.vary.add("Accept")
    elif not fresh:
        response.make_conditional(
            request, accept_ranges=True, complete_length=response.content_length
        )
    return response


def _answer(etag: str, make: Callable[[], Response], keep: bool) -> Response:
    """The kept answer for `etag`, or `make`'s (kept for next time)."""
    if not keep:
        return make()
    request.environ[KEEPABLE] = True
    answers = state().answers
    afresh = asks_afresh(
        request.headers.get("Cache-Control", ""), request.headers.get("Pragma", "")
    )
    kept = answers.get(etag, afresh)
    if kept is not None:
        return kept
    response = make()
    answers.keep(etag, response)
    return response


def file_in(directory: Path, name: str) -> Response:
    """A file as it is, typed by its name (a .gz is Content-Encoding: gzip); `conditional`
    answers If-None-Match and Range for it."""
    return send_from_directory(directory, name, conditional=False, etag=False)


def _release(response: Response) -> Response:
    """Name the release that answered, on every response from a built graph (SPARQL results
    above all), so that a result can be traced to the dumps it can be re-obtained from."""
    try:
        release = state().source.release()
    except NoGraphError:
        return response
    if release:
        response.headers[RELEASE_HEADER] = release
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


def _pin() -> None:
    """A request reads one release from start to end: the one current when it starts
    (peacekg.endpoint.served.GraphSource.pin). Without a graph, the route says so itself."""
    with contextlib.suppress(NoGraphError):
        state().source.pin()


def _unpin(_error: BaseException | None) -> None:
    state().source.unpin()


def install(app: Flask) -> None:
    app.before_request(_pin)
    app.teardown_request(_unpin)
    app.after_request(_release)
    app.after_request(_cors)
    app.after_request(_gzip)
    app.register_error_handler(Exception, error_response)
