"""Answer queries from a remote SPARQL store (`peacekg serve --backend URL`) instead of the
embedded one, with everything else of the endpoint unchanged.

Each job goes to the remote over the SPARQL 1.1 protocol, in the form every store reads: an
URL-encoded POST (Virtuoso 7 never answers a direct application/sparql-query POST), with our
predeclared prefixes (and the service's base IRI) prepended, since the remote does not know
them, and the dataset passed on as default-graph-uri / named-graph-uri. The answer is asked
for in formats we parse (SPARQL JSON results, N-Triples) and re-rendered by the same
`pool.render` as the embedded store's, so every format, `SELECT *` order and the row limit
behave the same. What differs between stores (the union default graph, DESCRIBE, their own
literal forms and timeout parameter) is in `dialects`.

The timeout is the client's: at the limit the request is abandoned (503). The remote may go on
evaluating unless its dialect has a timeout parameter (Virtuoso's `timeout`); give other stores
a limit of their own (Oxigraph server: `--timeout-s`).
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import queue
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat, Store, parse, parse_query_results, serialize

from peacekg.endpoint.dialects import (
    DIALECTS,
    Dialect,
    boolean_from_rows,
    recognise,
    repair_json,
    repair_ntriples,
)
from peacekg.endpoint.explain import explain
from peacekg.endpoint.fairness import FairQueue
from peacekg.endpoint.pool import (
    Answer,
    Outcome,
    PoolBusyError,
    QueryJob,
    QueryTimeoutError,
    render,
)
from peacekg.endpoint.sparqltext import outer_clauses, query_form
from peacekg.escaping import ascii_escaped

log = logging.getLogger(__name__)
RESULTS_JSON, NTRIPLES = "application/sparql-results+json", "application/n-triples"
"""What is asked for: a graph as N-Triples, anything else as SPARQL JSON (asked for one at a
time: Virtuoso would send a DESCRIBE as JSON rows if both were acceptable)."""
CHUNK = 1 << 16


@dataclass(frozen=True)
class Reply:
    """The remote's HTTP answer: status, media type (without parameters), body, headers."""

    status: int
    media_type: str
    body: bytes
    headers: dict[str, str]


class BackendError(Exception):
    """The remote could not be reached, dropped the connection or answered nonsense."""


class RemotePool:
    """The Pool interface over a remote SPARQL endpoint: at most `workers` queries at a time."""

    def __init__(
        self,
        url: str,
        timeout: float,
        prefixes: dict[str, str],
        graphs: Callable[[], list[str]],
        workers: int = 2,
        dialect: str = "auto",
        share: int = 0,
        seconds: float = math.inf,
    ) -> None:
        """`graphs` names the served release's graphs, for dialects that list them (see
        `Dialect.union`); `dialect` is a name in `dialects.DIALECTS`, or auto: recognised from
        the store's first answer; `share` and `seconds`: the slots one client may hold and the time
        its queries may take a minute (endpoint.fairness)."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--backend {url!r} is not an http(s) URL of a SPARQL endpoint")
        self.url = url
        self._parts = parts
        self._timeout = timeout
        self._prefixes = prefixes
        self._graphs = graphs
        if dialect != "auto" and dialect not in DIALECTS:
            raise ValueError(f"no backend dialect {dialect!r}: auto, {', '.join(DIALECTS)}")
        self.dialect: Dialect | None = None if dialect == "auto" else DIALECTS[dialect]
        self._slots: FairQueue[int] = FairQueue(share or workers, seconds)
        for slot in range(workers):
            self._slots.put(slot)
        self.replaced = 0

    def run(self, job: QueryJob) -> Outcome:
        deadline = time.monotonic() + self._timeout
        try:
            slot = self._slots.get(job.client, self._timeout)
        except queue.Empty:
            raise PoolBusyError from None
        try:
            dialect = self.dialect or self._recognise(deadline)
            reply = self._post(self._form(job, dialect), deadline)
        except BackendError as exc:
            return Outcome("backend-failed", message=f"the backend store at {self.url} {exc}")
        finally:
            self._slots.done(job.client)
            self._slots.put(slot)
        if (
            dialect.incomplete
            and reply.headers.get(dialect.incomplete[0].lower()) == (dialect.incomplete[1])
        ):
            raise QueryTimeoutError
        return self._outcome(job, reply, dialect)

    def load(self) -> tuple[int, int]:
        return self._slots.load()

    def close(self) -> None:
        """Nothing held between requests: each opens its own connection."""

    def check(self) -> None:
        """Log at start whether the remote answers and holds a graph, so that a wrong --backend
        shows in the log before the first query (serving goes on: the remote may come later)."""
        try:
            outcome = self.run(QueryJob("ASK { ?s ?p ?o }", "json", None))
        except (QueryTimeoutError, PoolBusyError):
            outcome = Outcome("failed", message=f"{self.url} did not answer in time")
        if outcome.status != "ok":
            log.warning("the backend does not answer yet: %s", outcome.message)
        elif b"true" not in outcome.body:
            log.warning("the backend at %s holds no triples: load the release first", self.url)

    # ------------------------------------------------------------ the request

    def _recognise(self, deadline: float) -> Dialect:
        """The store's dialect from the `Server` header of an answer to a trivial query (once:
        it is kept, and a store that is down is asked again at the next query)."""
        reply = self._post([("query", "ASK {}")], deadline)
        self.dialect = recognise(reply.headers.get("server", ""))
        log.info("the backend at %s is spoken to as %s", self.url, self.dialect.name)
        return self.dialect

    def _form(self, job: QueryJob, dialect: Dialect) -> list[tuple[str, str]]:
        """The request's fields: the query with our predeclared prefixes and the base IRI, which
        the remote lacks (the query's own BASE and PREFIX lines come after, so they still win);
        the dataset, as the protocol passes it, or the union where the embedded store would use
        it; and the store's own timeout if it has one."""
        lines = [f"BASE <{job.base_iri}>"] if job.base_iri else []
        lines += [f"PREFIX {name}: <{iri}>" for name, iri in self._prefixes.items()]
        pragma = dialect.describe_pragma if query_form(job.query) == "DESCRIBE" else ""
        fields = []
        if job.default_graphs is not None or job.named_graphs is not None:
            fields += [("default-graph-uri", g) for g in job.default_graphs or ()]
            fields += [("named-graph-uri", g) for g in job.named_graphs or ()]
        elif not outer_clauses(job.query)[0]:  # a FROM of its own: the query's dataset holds
            if dialect.union == "parameter":
                fields.append(("union-default-graph", "true"))
            elif dialect.union == "graphs":
                graphs = self._graphs()
                fields += [("default-graph-uri", g) for g in graphs]
                fields += [("named-graph-uri", g) for g in graphs]
        if dialect.timeout_parameter:
            fields.append((dialect.timeout_parameter, str(int(self._timeout * 1000))))
        text = pragma + "\n".join([*lines, job.query])
        return [("query", ascii_escaped(text) if dialect.ascii_query else text), *fields]

    def _post(self, fields: list[tuple[str, str]], deadline: float) -> Reply:
        """POST the query's fields; QueryTimeoutError when the answer is not all in by
        `deadline`."""
        parts = self._parts
        connection_type = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_type(parts.hostname, parts.port, timeout=_left(deadline))  # type: ignore[arg-type]
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        form = query_form(dict(fields)["query"])
        accept = NTRIPLES if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_JSON
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        try:
            connection.request("POST", target, urllib.parse.urlencode(fields).encode(), headers)
            response = connection.getresponse()
            chunks = []
            while True:
                assert connection.sock is not None
                connection.sock.settimeout(_left(deadline))
                if not (chunk := response.read1(CHUNK)):
                    break
                chunks.append(chunk)
        except TimeoutError:
            raise QueryTimeoutError from None
        except ConnectionRefusedError:
            raise BackendError("refused the connection: is it running?") from None
        except (OSError, http.client.HTTPException) as exc:
            raise BackendError(f"failed during the query ({type(exc).__name__}: {exc})") from None
        finally:
            connection.close()
        media_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Reply(response.status, media_type, b"".join(chunks), headers)

    # ------------------------------------------------------------ the answer

    def _outcome(self, job: QueryJob, reply: Reply, dialect: Dialect) -> Outcome:
        """The remote's answer as the embedded store's would be."""
        if reply.status == 400:
            return self._refused(job, reply.body.decode(errors="replace").strip())
        if reply.status != 200:
            words = reply.body.decode(errors="replace").strip()[:500]
            status = "service-failed" if job.remote else "backend-failed"
            return Outcome(status, message=f"the backend store answered {reply.status}: {words}")
        try:
            result = _parsed(reply, job, dialect)
        except (SyntaxError, ValueError) as exc:
            return Outcome("backend-failed", message=f"the backend store's answer is broken: {exc}")
        _, star = outer_clauses(job.query)
        return render(result, job, self._prefixes, star)

    def _refused(self, job: QueryJob, words: str) -> Outcome:
        """A 400 in our words (endpoint.explain), as the embedded store would have refused the
        query; parsing it in an empty store costs nothing. The remote's words if we parse it."""
        try:
            Store().query(job.query, base_iri=job.base_iri, prefixes=self._prefixes)
        except SyntaxError as exc:
            return Outcome("syntax", message=explain(job.query, str(exc), self._prefixes))
        except Exception:  # it parsed: its evaluation is not our concern here
            log.debug("the backend refused a query we parse", exc_info=True)
        return Outcome("syntax", message=f"the backend store refused the query: {words[:500]}")


def _parsed(reply: Reply, job: QueryJob, dialect: Dialect) -> Answer:
    """Solutions or a boolean from SPARQL JSON, a graph as N-Triples bytes (written afresh: a
    store's own spacing or comments would pass into our answers and row counts)."""
    body = reply.body
    if reply.media_type == NTRIPLES:
        body = repair_ntriples(body) if dialect.repair_literals else body
        return serialize(parse(body, format=RdfFormat.N_TRIPLES), format=RdfFormat.N_TRIPLES) or b""
    if reply.media_type in (RESULTS_JSON, "application/json"):
        body = repair_json(body) if dialect.repair_literals else body
        if query_form(job.query) == "ASK" and b'"boolean"' not in body:
            asked = b"true" if boolean_from_rows(json.loads(body)) else b"false"
            body = b'{"head":{},"boolean":%s}' % asked
        return parse_query_results(body, QueryResultsFormat.JSON)  # type: ignore[return-value]
    raise ValueError(f"it came as {reply.media_type or 'no media type'}, not as asked for")


def _left(deadline: float) -> float:
    """Seconds to the deadline; at or past it, the request is over."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise QueryTimeoutError
    return left
