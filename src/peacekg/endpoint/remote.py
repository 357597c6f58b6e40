"""Answer queries from a remote SPARQL store (`peacekg serve --backend URL`) instead of the
embedded one, with everything else of the endpoint unchanged.

Each job goes to the remote over the SPARQL 1.1 protocol, in a form every store reads: the
query POSTed as application/sparql-query, with our predeclared prefixes (and the service's base
IRI) prepended, since the remote does not know them, and the dataset passed on as
default-graph-uri / named-graph-uri. The answer is asked for in formats we parse (SPARQL JSON
results, N-Triples) and re-rendered by the same `pool.render` as the embedded store's, so every
format, `SELECT *` order and the row limit behave the same.

The union default graph: where the embedded store would query the union of all graphs (no
dataset in the request, no FROM in the query), the request carries `union-default-graph`,
Oxigraph server's parameter for it. Its `--union-default-graph` flag is not the same: it
overrides a query's FROM and refuses default-graph-uri.

The timeout is the client's: at the limit the request is abandoned (503). The remote may go on
evaluating; give it a timeout of its own (Oxigraph: `--timeout-s`, or a parameter named by
`--backend-timeout-param`, e.g. Virtuoso's `timeout` in ms).
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
import urllib.parse
from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, Store, parse_query_results

from peacekg.endpoint.explain import explain
from peacekg.endpoint.pool import (
    Answer,
    Outcome,
    PoolBusyError,
    QueryJob,
    QueryTimeoutError,
    render,
)
from peacekg.endpoint.sparqltext import outer_clauses

log = logging.getLogger(__name__)
RESULTS_JSON, NTRIPLES = "application/sparql-results+json", "application/n-triples"
ACCEPT = f"{RESULTS_JSON}, {NTRIPLES};q=0.9"
CHUNK = 1 << 16


@dataclass(frozen=True)
class Reply:
    """The remote's HTTP answer: status, media type (without parameters) and body."""

    status: int
    media_type: str
    body: bytes


class BackendError(Exception):
    """The remote could not be reached, dropped the connection or answered nonsense."""


class RemotePool:
    """The Pool interface over a remote SPARQL endpoint: at most `workers` queries at a time."""

    def __init__(
        self,
        url: str,
        timeout: float,
        prefixes: dict[str, str],
        workers: int = 2,
        timeout_param: str | None = None,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--backend {url!r} is not an http(s) URL of a SPARQL endpoint")
        self.url = url
        self._parts = parts
        self._timeout = timeout
        self._prefixes = prefixes
        self._timeout_param = timeout_param
        self._slots = threading.BoundedSemaphore(workers)
        self.replaced = 0

    def run(self, job: QueryJob) -> Outcome:
        deadline = time.monotonic() + self._timeout
        if not self._slots.acquire(timeout=self._timeout):
            raise PoolBusyError
        try:
            reply = self._post(self._text(job), self._parameters(job), deadline)
        except BackendError as exc:
            return Outcome("backend-failed", message=f"the backend store at {self.url} {exc}")
        finally:
            self._slots.release()
        return self._outcome(job, reply)

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

    def _text(self, job: QueryJob) -> str:
        """The query with our predeclared prefixes and the base IRI, which the remote lacks; the
        query's own BASE and PREFIX lines come after, so they still win."""
        lines = [f"BASE <{job.base_iri}>"] if job.base_iri else []
        lines += [f"PREFIX {name}: <{iri}>" for name, iri in self._prefixes.items()]
        return "\n".join([*lines, job.query])

    def _parameters(self, job: QueryJob) -> list[tuple[str, str]]:
        """The dataset, as the protocol passes it, or the union where the embedded store would
        use it; and the remote's own timeout if it has one."""
        if job.default_graphs is None and job.named_graphs is None:
            has_from, _ = outer_clauses(job.query)
            params = [] if has_from else [("union-default-graph", "true")]
        else:
            params = [("default-graph-uri", g) for g in job.default_graphs or ()]
            params += [("named-graph-uri", g) for g in job.named_graphs or ()]
        if self._timeout_param:
            params.append((self._timeout_param, str(int(self._timeout * 1000))))
        return params

    def _post(self, query: str, params: list[tuple[str, str]], deadline: float) -> Reply:
        """POST the query; QueryTimeoutError when the answer is not all in by `deadline`."""
        parts = self._parts
        connection_type = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_type(parts.hostname, parts.port, timeout=_left(deadline))  # type: ignore[arg-type]
        target = (parts.path or "/") + "?" + urllib.parse.urlencode(params + _query_of(parts))
        headers = {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": ACCEPT}
        try:
            connection.request("POST", target, query.encode(), headers)
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
        return Reply(response.status, media_type, b"".join(chunks))

    # ------------------------------------------------------------ the answer

    def _outcome(self, job: QueryJob, reply: Reply) -> Outcome:
        """The remote's answer as the embedded store's would be."""
        if reply.status == 400:
            return self._refused(job, reply.body.decode(errors="replace").strip())
        if reply.status != 200:
            words = reply.body.decode(errors="replace").strip()[:500]
            status = "service-failed" if job.remote else "backend-failed"
            return Outcome(status, message=f"the backend store answered {reply.status}: {words}")
        try:
            result = _parsed(reply)
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


def _parsed(reply: Reply) -> Answer:
    """Solutions or a boolean from SPARQL JSON, a graph as N-Triples bytes."""
    if reply.media_type == NTRIPLES:
        return reply.body
    if reply.media_type in (RESULTS_JSON, "application/json"):
        return parse_query_results(reply.body, QueryResultsFormat.JSON)  # type: ignore[return-value]
    raise ValueError(f"it came as {reply.media_type or 'no media type'}, not as {ACCEPT}")


def _query_of(parts: urllib.parse.SplitResult) -> list[tuple[str, str]]:
    """Parameters already in the --backend URL (some endpoints are /sparql?dataset=...)."""
    return urllib.parse.parse_qsl(parts.query)


def _left(deadline: float) -> float:
    """Seconds to the deadline; at or past it, the request is over."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise QueryTimeoutError
    return left
