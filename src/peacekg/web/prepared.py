"""Prepared requests: a query request asked afresh again is run again, and only run.

Why: `Cache-Control: no-cache` asks for the query to be evaluated anew, not for the protocol
to be worked out anew. Everything the route decides besides the result (the renderer, the
dataset, the base IRI, the ETag, the headers every response gets) is a function of the request
and the release, and a release never changes. So, as a database prepares a statement once and
executes it many times, the front (web.front) keeps, per request and release, the query job
the route made and the headers it sent; when the same request comes again asking afresh, it
runs the job with the workers' own `answer` on the same store and sends its result under those
headers, with no Flask work and no hop to a worker process.

Only queries that the workers measured at under CHEAP_SECONDS on this release are run so, on
the front's own thread: the same query on the same unchanging store does the same work, so it
needs neither the workers' kill-on-timeout nor their memory cap (a rerun that takes longer
after all is the last: the request goes back to the workers). Nor their deep stack: a query
nested deeper than NESTING is never prepared. And the front's thread is shared as the workers
are: while other requests are in flight, one client's reruns may take SHARE of it in any
second, its further requests go to the app and the workers, where its limits apply; a client
alone on the front may have all of it (as a work-conserving scheduler gives an idle machine's
time to whoever asks: holding it back from the app would serve nobody). Anything else, an
answer the route compressed, or one whose rerun comes out different from the first (rows,
cut, format), goes the whole way through the app and the workers, as before.

A rerun reads the release its request's key names (current when the request began), and a
steady query (no RAND, NOW, UUID, STRUUID or BNODE; rows not cut; no outer `SELECT *`) has, on
that release, the rows it had: it is serialised straight into its format, without the TSV
pass that counts and cuts the rows of a first answer.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, MutableMapping
from dataclasses import dataclass
from typing import Any

from peacekg.endpoint.pool import OpenStores, Outcome, QueryJob, answer
from peacekg.endpoint.served import GraphSource
from peacekg.endpoint.sparqltext import outer_clauses, volatile
from peacekg.releases import NoGraphError

PREPARABLE = "peacekg.preparable"
"""Set in a request's WSGI environ by the route that ran its query (web.protocol): the job and
its outcome, for the front to prepare if it qualifies."""
CHEAP_SECONDS = 0.002
"""A query the workers evaluated and serialised within this is rerun on the front's thread
(a light query takes 1-1.5 ms the first time in a worker, 0.3-0.5 ms after)."""
SHARE = 0.25
"""Seconds of reruns one client may have in any second of the front's thread while others'
requests are in flight."""
CLIENTS = 4096
"""Clients whose reruns are counted at once; past it, those of past seconds are forgotten."""
NESTING = 64
"""Brackets deeper than this: the query is left to the workers, whose stack is made for it."""
KEPT = 4096
"""Prepared requests kept, least recently used first out."""
LENGTH = "content-length"
"""The one header of the first answer not sent again: granian sets the length of the rerun's."""
_BRACKETS = re.compile(r"[{}()]")


@dataclass(frozen=True)
class Prepared:
    """What the route made of a request: its job, the headers it sent, and the shape of its
    result (a rerun with another shape is not sent under these headers)."""

    job: QueryJob
    headers: tuple[tuple[str, str], ...]
    renderer: str
    rows: int
    truncated: bool


def offer(environ: MutableMapping[str, Any], job: QueryJob, outcome: Outcome) -> None:
    """Mark a request whose query the workers answered cheaply (and that no SERVICE answered
    in part) as one the front may prepare."""
    if outcome.seconds <= CHEAP_SECONDS and not job.remote and _nesting(job.query) <= NESTING:
        environ[PREPARABLE] = (job, outcome)


def _steady(job: QueryJob, outcome: Outcome) -> bool:
    """Whether a rerun is known to have the rows the first run had (on the same release):
    they were not cut, their columns are in the engine's order (no outer `SELECT *` to
    reorder), and no function in the query changes its value between runs."""
    return not outcome.truncated and outer_clauses(job.query)[1] is None and not volatile(job.query)


def _nesting(query: str) -> int:
    """The deepest the query's braces and parentheses go (strings and comments counted too:
    an over-estimate only leaves a query to the workers)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(query):
        depth += 1 if bracket in "{(" else -1
        deepest = max(deepest, depth)
    return deepest


class PreparedRequests:
    """The prepared requests of one server process over `source`'s local store."""

    def __init__(self, source: GraphSource, prefixes: dict[str, str]) -> None:
        self._source = source
        self._prefixes = prefixes
        self._kept: OrderedDict[Hashable, Prepared] = OrderedDict()
        self._stores = OpenStores()
        self._spent: dict[str, list[float]] = {}
        """Per client: when its current second began, and its reruns' seconds in it."""
        self._lock = threading.Lock()
        self.reruns = 0

    def prepare(
        self, key: Hashable, environ: MutableMapping[str, Any], headers: list[tuple[str, str]]
    ) -> None:
        """Keep what the route made of the request under `key`, if the route offered it and
        sent it uncompressed."""
        offered = environ.get(PREPARABLE)
        if offered is None or any(n.lower() == "content-encoding" for n, _ in headers):
            return
        job, outcome = offered
        if _steady(job, outcome):
            job = dataclasses.replace(job, rows=outcome.rows)
        kept = tuple((n, v) for n, v in headers if n.lower() != LENGTH)
        with self._lock:
            self._kept[key] = Prepared(job, kept, outcome.renderer, outcome.rows, outcome.truncated)
            self._kept.move_to_end(key)
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)

    def find(self, key: Hashable) -> Prepared | None:
        with self._lock:
            return self._kept.get(key)

    def rerun(
        self, key: tuple[Hashable, ...], client: str, alone: bool = False
    ) -> tuple[tuple[tuple[str, str], ...], bytes] | None:
        """The headers prepared under `key` and its job's result, evaluated now on the release
        the key names (key[0], current when the request began); None when nothing is prepared
        under it or the result is not to be sent under those headers: that release is gone
        (pruned since), the store cannot be opened, the result has another shape, or `client`
        has had its share of the front's time and is not `alone` (no other request in
        flight)."""
        prepared = self.find(key)
        if prepared is None or not (alone or self._within_share(client)):
            return None
        try:
            self._source.pin(str(key[0]))
        except NoGraphError:
            return None
        try:
            store = self._stores.get(self._source.store_path())
            outcome = answer(store, prepared.job, self._prefixes)
        except OSError:
            return None
        finally:
            self._source.unpin()
        self._spend(client, outcome.seconds)
        if outcome.seconds > CHEAP_SECONDS:  # not cheap after all: the workers' from now on
            with self._lock:
                self._kept.pop(key, None)
        if (outcome.status, outcome.renderer, outcome.rows, outcome.truncated) != (
            "ok",
            prepared.renderer,
            prepared.rows,
            prepared.truncated,
        ):
            return None
        self.reruns += 1
        return prepared.headers, outcome.body

    def _within_share(self, client: str) -> bool:
        with self._lock:
            second = self._spent.get(client)
            return second is None or time.monotonic() - second[0] >= 1 or second[1] < SHARE

    def _spend(self, client: str, seconds: float) -> None:
        """Count `seconds` of the front's time to `client`, in the second that began with its
        first rerun in it."""
        now = time.monotonic()
        with self._lock:
            second = self._spent.get(client)
            if second is not None and now - second[0] < 1:
                second[1] += seconds
                return
            if len(self._spent) >= CLIENTS:
                self._spent = {c: s for c, s in self._spent.items() if now - s[0] < 1}
            self._spent[client] = [now, seconds]

    def close(self) -> None:
        self._stores.close()
