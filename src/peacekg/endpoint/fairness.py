"""Sharing the query workers fairly among clients, as the Wikidata Query Service does: each
client may have a few queries in flight and spend so many seconds of query time a minute; past
either it is refused (429, with when to come back); and no client holds more than its share of
the workers, so that one client's heavy queries never make everyone else wait for them.

Why a share and not first come, first served: a worker running a query cannot be handed over
before the query ends (up to the timeout), so a client that held every worker would make the
next client wait that long. With a share (by default half the workers, at least one), the rest
stays free for others; waiting queries are started fewest-running-client first, then in order.
"""

from __future__ import annotations

import collections
import contextlib
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

WINDOW = 60.0
"""The query-time budget is per this many seconds, rolling."""
SWEEP_EVERY = 256
"""Admissions between two sweeps of the books of clients gone quiet."""


@dataclass(frozen=True)
class ClientLimits:
    queries: int = 5
    """Queries one client may have running or waiting at once."""
    seconds: float = 60.0
    """Seconds of query time one client may spend in any minute."""
    share: int = 1
    """Workers one client may hold at once."""


class OverLimitError(Exception):
    """A client is over one of its limits: which, and in how many seconds to come back."""

    def __init__(self, limit: str, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.retry_after = retry_after


@dataclass
class _Waiter:
    client: str
    order: int


@dataclass
class Counts:
    """What /metrics shows: totals since the start and the state now."""

    refused: collections.Counter[str] = field(default_factory=collections.Counter)
    """429s by limit (queries, seconds)."""
    admitted: int = 0


@dataclass(frozen=True)
class Snapshot:
    """The gate's state at one moment; clients by count of queries, never by address (the
    metrics are public)."""

    running: int
    waiting: int
    clients_by_queries: dict[int, int]
    """Queries in flight -> clients with that many."""
    refused: dict[str, int]
    admitted: int


class ClientGate:
    """Admission to `capacity` workers under per-client limits (see the module's docstring)."""

    def __init__(self, limits: ClientLimits, capacity: int, timeout: float) -> None:
        self.limits = limits
        self.capacity = capacity
        self._timeout = timeout
        self._lock = threading.Condition()
        self._running: collections.Counter[str] = collections.Counter()
        self._in_flight: collections.Counter[str] = collections.Counter()
        self._started: dict[str, list[float]] = collections.defaultdict(list)
        self._spent: dict[str, collections.deque[tuple[float, float]]] = {}
        self._waiting: list[_Waiter] = []
        self._order = 0
        self.counts = Counts()

    @contextlib.contextmanager
    def admit(self, client: str) -> Iterator[None]:
        """Hold a worker slot for `client` for the block; OverLimitError (refused now) or
        TimeoutError (no slot within the timeout)."""
        with self._lock:
            now = time.monotonic()
            if self._order % SWEEP_EVERY == 0:
                self._sweep(now)
            self._check(client, now)
            self._order += 1
            waiter = _Waiter(client, self._order)
            self._waiting.append(waiter)
            self._in_flight[client] += 1
            try:
                self._wait_turn(waiter)
            except TimeoutError:
                self._in_flight[client] -= 1
                self._lock.notify_all()
                raise
            finally:
                self._waiting.remove(waiter)
            self._running[client] += 1
            started = time.monotonic()
            self._started[client].append(started)
            self.counts.admitted += 1
        try:
            yield
        finally:
            with self._lock:
                now = time.monotonic()
                self._running[client] -= 1
                self._in_flight[client] -= 1
                self._started[client].remove(started)
                self._spent.setdefault(client, collections.deque()).append((now, now - started))
                self._lock.notify_all()

    def _check(self, client: str, now: float) -> None:
        """Refuse a client over its number of queries or its query time (both 429)."""
        limits = self.limits
        if self._in_flight[client] >= limits.queries:
            oldest = min(self._started[client], default=now)
            wait = max(1, math.ceil(oldest + self._timeout - now))
            self._refuse(
                "queries",
                f"this client already has {limits.queries} queries running or waiting (the "
                f"limit per client); try again in {wait} s",
                wait,
            )
        spent = self._spent.get(client, collections.deque())
        while spent and spent[0][0] <= now - WINDOW:
            spent.popleft()
        total = sum(seconds for _, seconds in spent)
        if total >= limits.seconds:
            wait, freed = 0.0, total
            for ended, seconds in spent:  # when enough of the window has passed
                freed -= seconds
                wait = ended + WINDOW - now
                if freed < limits.seconds:
                    break
            wait_s = max(1, math.ceil(wait))
            self._refuse(
                "seconds",
                f"this client spent {total:.0f} s of query time in the last minute (the limit "
                f"per client is {limits.seconds:g} s a minute); try again in {wait_s} s",
                wait_s,
            )

    def _refuse(self, limit: str, message: str, retry_after: int) -> None:
        self.counts.refused[limit] += 1
        raise OverLimitError(limit, message, retry_after)

    def _wait_turn(self, waiter: _Waiter) -> None:
        deadline = time.monotonic() + self._timeout
        while not self._is_turn(waiter):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self._lock.wait(left)

    def _is_turn(self, waiter: _Waiter) -> bool:
        """A free worker, the client under its share, and no eligible waiter ahead of it
        (ahead: its client runs fewer queries, or as many and it came first)."""
        if sum(self._running.values()) >= self.capacity:
            return False
        eligible = [w for w in self._waiting if self._running[w.client] < self.limits.share]
        if not eligible:
            return False
        return min(eligible, key=lambda w: (self._running[w.client], w.order)) is waiter

    def _sweep(self, now: float) -> None:
        """Drop the books of clients with nothing in flight and nothing spent in the window,
        so that many one-off addresses do not grow them."""
        for client in list(self._spent):
            spent = self._spent[client]
            if not self._in_flight[client] and (not spent or spent[-1][0] <= now - WINDOW):
                for books in (self._running, self._in_flight, self._started, self._spent):
                    books.pop(client, None)

    def snapshot(self) -> Snapshot:
        """The state now, for /metrics and /health."""
        with self._lock:
            return Snapshot(
                running=sum(self._running.values()),
                waiting=len(self._waiting),
                clients_by_queries=dict(
                    collections.Counter(n for n in self._in_flight.values() if n)
                ),
                refused=dict(self.counts.refused),
                admitted=self.counts.admitted,
            )
