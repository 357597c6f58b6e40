"""`/sparql`: the SPARQL 1.1 Protocol for queries (read-only), by GET, form POST and direct POST.

Errors are the client's to fix, so they come back as 4xx plain text with the parser's own
message and position. Updates are refused: this endpoint never changes the graph.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from pyoxigraph import NamedNode
from werkzeug.datastructures import MultiDict

from peacekg.endpoint.federation import ServiceRefusedError, check_services
from peacekg.endpoint.formats import BY_RENDERER_NAME, Kind, by_name, negotiate
from peacekg.endpoint.pool import PoolBusyError, QueryJob, QueryTimeoutError, WorkerLostError
from peacekg.web import context, description
from peacekg.web.http import plain

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
READ_ONLY = "403 Forbidden: this endpoint is read-only; SPARQL Update is not accepted here."


class ProtocolError(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ProtocolRequest:
    query: str | None
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    formats: tuple[str, ...]


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            400, f"400 Bad Request: the {what} is not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None


def _single(params: MultiDict[str, str], name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise ProtocolError(400, f"400 Bad Request: {len(values)} '{name}' parameters; send one")
    return values[0] if values else None


def _parse() -> ProtocolRequest:
    """Read the protocol operation from the request, or raise ProtocolError."""
    url = MultiDict(parse_qsl(_utf8(request.query_string, "query string"), keep_blank_values=True))
    if request.method == "GET":
        params = url
    else:
        mimetype = request.mimetype
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8", "us-ascii"):
            raise ProtocolError(
                415, f"415 Unsupported Media Type: charset {charset}; send the body as UTF-8"
            )
        body = request.get_data(cache=False)
        if mimetype == FORM:
            params = MultiDict(parse_qsl(_utf8(body, "request body"), keep_blank_values=True))
            params.update(url)
        elif mimetype == QUERY:
            if "query" in url:
                raise ProtocolError(
                    400,
                    "400 Bad Request: a direct POST carries the query in "
                    "its body, not also in a 'query' parameter",
                )
            params = MultiDict(url)
            params["query"] = _utf8(body, "request body")
        elif mimetype == UPDATE:
            raise ProtocolError(403, READ_ONLY)
        elif not mimetype:
            raise ProtocolError(
                400, f"400 Bad Request: a POST needs a Content-Type: {FORM} or {QUERY}"
            )
        else:
            raise ProtocolError(
                415, f"415 Unsupported Media Type: {mimetype}; send {FORM} or {QUERY}"
            )
    if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise ProtocolError(403, READ_ONLY)
    query = _single(params, "query")
    limit = context.server().max_query_chars
    if query is not None and len(query) > limit:
        raise ProtocolError(
            413,
            f"413 Content Too Large: the query has {len(query)} characters; the limit is {limit}",
        )
    names = ("default-graph-uri", "named-graph-uri")
    graphs = {name: tuple(params.getlist(name)) for name in names}
    for name, iris in graphs.items():
        for iri in iris:
            try:
                NamedNode(iri)
            except ValueError as exc:
                raise ProtocolError(
                    400, f"400 Bad Request: {name} {iri!r} is not an absolute IRI ({exc})"
                ) from None
    return ProtocolRequest(
        query,
        graphs["default-graph-uri"],
        graphs["named-graph-uri"],
        tuple(params.getlist("format")),
    )


def _renderers(wanted: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The renderer for results and for graphs: the first `format` value we know wins (clients
    such as SPARQLWrapper send several, e.g. format=rdf+xml&format=application/rdf+xml); when
    no value names a format we have, the Accept header decides."""
    known = [w for w in wanted if any(by_name(w, k) for k in Kind)]
    chosen = []
    for kind in (Kind.RESULTS, Kind.GRAPH):
        if known:
            renderer = next((r for w in known if (r := by_name(w, kind))), None)
        else:
            renderer = negotiate(request.accept_mimetypes, kind)
        chosen.append(renderer.name if renderer else None)
    return chosen[0], chosen[1]


def _etag(version: str, job: QueryJob) -> str:
    return hashlib.sha256(repr((version, job)).encode()).hexdigest()[:32]


def _answer(operation: ProtocolRequest) -> Response:
    server = context.server()
    assert operation.query is not None
    results, graph = _renderers(operation.formats)
    if results is None and graph is None:
        return plain(
            406,
            "406 Not Acceptable: no result format matches the Accept header or "
            "'format'; try application/sparql-results+json or text/turtle",
        )
    check_services(operation.query, server.service_allowlist)
    explicit = bool(operation.default_graphs or operation.named_graphs)
    job = QueryJob(
        query=operation.query,
        results_format=results,
        graph_format=graph,
        default_graphs=operation.default_graphs if explicit else None,
        named_graphs=operation.named_graphs if explicit else None,
        row_limit=server.row_limit,
        # the service-defined base IRI: the endpoint itself (composed, not request.base_url,
        # which re-parses the URL and cost a trivial query a tenth of its time)
        base_iri=f"{request.scheme}://{request.host}{request.root_path}{request.path}",
    )
    etag = _etag(context.source().version(), job)
    if etag in request.if_none_match:
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    outcome = context.pool().run(job)
    if outcome.status == "syntax":
        return plain(400, f"400 Bad Request: SPARQL syntax error: {outcome.message}")
    if outcome.status == "not-acceptable":
        return plain(
            406,
            f"406 Not Acceptable: this query returns {outcome.message}, and no "
            "format of that kind matches the Accept header or 'format'",
        )
    if outcome.status == "failed":
        if "SERVICE" in operation.query.upper():
            return plain(502, f"502 Bad Gateway: a SERVICE call failed: {outcome.message}")
        raise RuntimeError(outcome.message)
    renderer = BY_RENDERER_NAME[outcome.renderer]
    headers = {
        "ETag": f'"{etag}"',
        "Cache-Control": f"public, max-age={server.cache_seconds}",
        "X-Result-Rows": str(outcome.rows),
        "Vary": "Accept",
    }
    response = Response(outcome.body, content_type=renderer.content_type, headers=headers)
    if outcome.truncated:
        response.headers["X-Result-Truncated"] = "true"
        response.headers["X-Result-Limit"] = str(server.row_limit)
        response.headers["Warning"] = (
            f'199 peacekg "result cut at the row limit of {server.row_limit}; '
            'add LIMIT/OFFSET or download a dump"'
        )
    return response


@blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS"])
@blueprint.route("/sparql/", methods=["GET", "POST", "OPTIONS"])
def sparql() -> ResponseReturnValue:
    if request.method == "OPTIONS":
        return Response(status=204)
    try:
        operation = _parse()
        if operation.query is None:
            if request.method == "POST":
                return plain(400, "400 Bad Request: no 'query' parameter")
            return description.service_description(operation.formats)
        return _answer(operation)
    except ProtocolError as exc:
        return plain(exc.status, exc.message)
    except ServiceRefusedError as exc:
        return plain(403, f"403 Forbidden: {exc}")
    except QueryTimeoutError:
        limit = context.server().timeout
        return plain(
            503,
            f"503 Service Unavailable: the query ran longer than {limit:g} s and "
            "was stopped; narrow it (more specific patterns, LIMIT) and try again",
            **{"Retry-After": "1"},
        )
    except WorkerLostError:
        return plain(
            503,
            "503 Service Unavailable: the query worker stopped unexpectedly and is being "
            "replaced; try again",
            **{"Retry-After": "1"},
        )
    except PoolBusyError:
        return plain(
            503,
            "503 Service Unavailable: every query worker stayed busy; try again shortly",
            **{"Retry-After": "5"},
        )
