"""`/sparql`: the SPARQL 1.1 Protocol for queries (read-only), by GET, form POST and direct POST.

Errors are the client's to fix, so they come back as 4xx plain text that says what to change
(endpoint.explain: the position, the undeclared prefix, the variable not grouped, ...). Queries
may use the project's prefixes without declaring them. Updates are refused: this endpoint never
changes the graph. A `format=` that names no format is a 400 that lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from pyoxigraph import NamedNode
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import (
    BadRequest,
    Forbidden,
    RequestEntityTooLarge,
    UnsupportedMediaType,
)

from peacekg.endpoint.explain import READ_ONLY
from peacekg.endpoint.federation import ServiceRefusedError, check_services
from peacekg.endpoint.formats import BY_RENDERER_NAME, Kind, for_kind, named, negotiate
from peacekg.endpoint.pool import QueryJob
from peacekg.web import description, prepared
from peacekg.web.errors import NoFormat, UnknownFormat
from peacekg.web.http import conditional
from peacekg.web.linked import run
from peacekg.web.state import state

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
GRAPH_PARAMETERS = ("default-graph-uri", "named-graph-uri")


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
        raise BadRequest(f"the {what} is not UTF-8 ({exc.reason} at byte {exc.start})") from None


def _single(params: MultiDict[str, str], name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"{len(values)} '{name}' parameters; send one")
    return values[0] if values else None


def _post_params(url: MultiDict[str, str]) -> MultiDict[str, str]:
    """The parameters of a POST: a form's body and URL, or a direct POST's query and URL."""
    mimetype = request.mimetype
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8", "us-ascii"):
        raise UnsupportedMediaType(f"charset {charset}; send the body as UTF-8")
    body = request.get_data(cache=False)
    if mimetype == FORM:
        params = MultiDict(parse_qsl(_utf8(body, "request body"), keep_blank_values=True))
        params.update(url)
        return params
    if mimetype == QUERY:
        if "query" in url:
            raise BadRequest(
                "a direct POST carries the query in its body, not also in a 'query' parameter"
            )
        params = MultiDict(url)
        params["query"] = _utf8(body, "request body")
        return params
    if mimetype == UPDATE:
        raise Forbidden(READ_ONLY)
    if not mimetype:
        raise BadRequest(f"a POST needs a Content-Type: {FORM} or {QUERY}")
    raise UnsupportedMediaType(f"{mimetype}; send {FORM} or {QUERY}")


def _parse() -> ProtocolRequest:
    """Read the protocol operation from the request, or raise the HTTP error that says why not."""
    url = MultiDict(parse_qsl(_utf8(request.query_string, "query string"), keep_blank_values=True))
    params = url if request.method == "GET" else _post_params(url)
    if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise Forbidden(READ_ONLY)
    query = _single(params, "query")
    limit = state().settings.max_query_chars
    if query is not None and len(query) > limit:
        raise RequestEntityTooLarge(f"the query has {len(query)} characters; the limit is {limit}")
    graphs = {name: tuple(params.getlist(name)) for name in GRAPH_PARAMETERS}
    for name, iris in graphs.items():
        for iri in iris:
            try:
                NamedNode(iri)
            except ValueError as exc:
                raise BadRequest(f"{name} {iri!r} is not an absolute IRI ({exc})") from None
    formats = tuple(f for f in params.getlist("format") if f.strip())
    if formats and not named(formats):
        raise UnknownFormat(formats, for_kind(Kind.RESULTS) + for_kind(Kind.GRAPH))
    return ProtocolRequest(query, graphs["default-graph-uri"], graphs["named-graph-uri"], formats)


def _job(operation: ProtocolRequest) -> QueryJob:
    """The query job: renderers for results and for graphs (which one applies is known only
    once the query runs), the dataset, and whether it calls SERVICE (checked here)."""
    assert operation.query is not None
    results, graph = (
        negotiate(for_kind(kind), request.accept_mimetypes, operation.formats)
        for kind in (Kind.RESULTS, Kind.GRAPH)
    )
    if results is None and graph is None:
        raise NoFormat(for_kind(Kind.RESULTS) + for_kind(Kind.GRAPH), "query answers")
    settings = state().settings
    try:
        services = check_services(
            operation.query, settings.service_allowlist, state().namespaces.prefixes()
        )
    except ServiceRefusedError as exc:
        raise Forbidden(str(exc)) from None
    explicit = bool(operation.default_graphs or operation.named_graphs)
    return QueryJob(
        query=operation.query,
        results_format=results.name if results else None,
        graph_format=graph.name if graph else None,
        default_graphs=operation.default_graphs if explicit else None,
        named_graphs=operation.named_graphs if explicit else None,
        row_limit=settings.row_limit,
        # the service-defined base IRI: the endpoint itself (composed, not request.base_url,
        # which re-parses the URL and cost a trivial query a tenth of its time)
        base_iri=f"{request.scheme}://{request.host}{request.root_path}{request.path}",
        remote=bool(services),
    )


def _results(job: QueryJob) -> Response:
    """The answer to a query, saying how many rows it has and whether the row limit cut it."""
    outcome = run(job)
    prepared.offer(request.environ, job, outcome)
    renderer = BY_RENDERER_NAME[outcome.renderer]
    response = Response(outcome.body, content_type=renderer.content_type)
    response.headers["X-Result-Rows"] = str(outcome.rows)
    if outcome.truncated:
        limit = state().settings.row_limit
        response.headers["X-Result-Truncated"] = "true"
        response.headers["X-Result-Limit"] = str(limit)
        response.headers["Warning"] = (
            f'199 peacekg "result cut at the row limit of {limit}; '
            'add LIMIT/OFFSET or download a dump"'
        )
    return response


@blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS"])
@blueprint.route("/sparql/", methods=["GET", "POST", "OPTIONS"])
def sparql() -> ResponseReturnValue:
    if request.method == "OPTIONS":
        return Response(status=204)
    operation = _parse()
    if operation.query is None:
        if request.method == "POST":
            raise BadRequest("no 'query' parameter")
        return description.service_description()
    job = _job(operation)
    # an answer that called a SERVICE depends on that service's data too: never kept
    key = (state().source.version(), job)
    return conditional(key, lambda: _results(job), keep=not job.remote)
