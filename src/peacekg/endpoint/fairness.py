"""Sharing the query workers fairly among clients, as the Wikidata Query Service does: each
client may have a few queries in flight and spend so many seconds of query time a minute; past
either it is refused (429, with when to come back); and no client holds more than its share of
the workers, so that one client's heavy queries never make everyone else wait for them.
`ClientGate` counts a client's queries in flight (in the web app, where requests come in);
`FairQueue` hands out the pool's idle workers (or a remote store's free slots) and keeps the
time each client's queries ran.

Why a share and not first come, first served: a worker running a query cannot be handed over
before the query ends (up to the timeout), so a client that held every worker would make the
next client wait that long. With a share (by default half the workers, at least one), the rest
stays free for others. A freed worker goes to the waiting client that runs the fewest queries,
then to the one that came first; it is the pool that hands it out, so a worker being replaced
after a timeout is never promised to anyone.
"""

from __future__ import annotations

import collections
import contextlib
import math
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

WINDOW = 60.0
"""The query-time budget is per this many seconds, rolling."""
SWEEP_EVERY = 256
"""Admissions between two sweeps of the books of clients gone quiet."""
T = TypeVar("T")


# ---------------------------------------------------------------- handing out workers


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
class _Spent:
    """One client's query time in the window: (when each hold ended, its seconds), oldest
    first, and their sum, kept as they come and go (a sum per request would cost as much as
    the window holds: tens of thousands at a busy minute)."""

    holds: collections.deque[tuple[float, float]] = field(default_factory=collections.deque)
    total: float = 0.0

    def add(self, ended: float, seconds: float) -> None:
        self.holds.append((ended, seconds))
        self.total += seconds

    def since(self, start: float) -> float:
        """Forget holds that ended before `start`; the seconds left."""
        holds = self.holds
        while holds and holds[0][0] <= start:
            self.total -= holds.popleft()[1]
        if not holds:
            self.total = 0.0  # no rounding left over
        return self.total


class FairQueue(Generic[T]):
    """Idle items (workers, slots) handed to waiting clients: at most `share` to one client at
    once, the fewest-running client first, then first come; and none to a client that held
    items for `seconds` or more in the last minute (the time its queries actually ran, waiting
    not counted): OverLimitError. A `get` is paired with a `done` when the client no longer
    holds the item (returned, replaced or lost)."""

    def __init__(self, share: int, seconds: float = math.inf) -> None:
        self.share = max(1, share)
        self.seconds = seconds
        self._lock = threading.Condition()
        self._items: collections.deque[T] = collections.deque()
        self._running: collections.Counter[str] = collections.Counter()
        self._held: dict[str, list[float]] = collections.defaultdict(list)
        self._spent: dict[str, _Spent] = {}
        self._waiting: list[_Waiter] = []
        self._order = 0

    def put(self, item: T) -> None:
        with self._lock:
            self._items.append(item)
            self._lock.notify_all()

    def get(self, client: str, timeout: float) -> T:
        """An item for `client` within `timeout` seconds, else queue.Empty; OverLimitError
        if the client spent its query time."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self._check_budget(client, time.monotonic())
            self._order += 1
            if self._order % SWEEP_EVERY == 0:
                self._sweep(time.monotonic())
            waiter = _Waiter(client, self._order)
            self._waiting.append(waiter)
            try:
                while not self._is_turn(waiter):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise queue.Empty
                    self._lock.wait(left)
            finally:
                self._waiting.remove(waiter)
                self._lock.notify_all()  # the next in line may be eligible now
            self._running[client] += 1
            self._held[client].append(time.monotonic())
            return self._items.popleft()

    def done(self, client: str) -> None:
        """`client` no longer holds what it got; the time it held it is spent."""
        with self._lock:
            now = time.monotonic()
            began = self._held[client].pop(0)  # sums alike whichever hold ends
            self._spent.setdefault(client, _Spent()).add(now, now - began)
            self._running[client] -= 1
            if not self._running[client]:
                del self._running[client]
            self._lock.notify_all()

    def _check_budget(self, client: str, now: float) -> None:
        spent = self._spent.get(client)
        if spent is None:
            return
        total = spent.since(now - WINDOW)
        if total < self.seconds:
            return
        freed, wait = total, 0.0
        for ended, seconds in spent.holds:  # when enough of the window will have passed
            freed -= seconds
            wait = ended + WINDOW - now
            if freed < self.seconds:
                break
        wait_s = max(1, math.ceil(wait))
        raise OverLimitError(
            "seconds",
            f"this client's queries ran {total:.0f} s in the last minute (the limit per client "
            f"is {self.seconds:g} s a minute); try again in {wait_s} s",
            wait_s,
        )

    def _is_turn(self, waiter: _Waiter) -> bool:
        if not self._items:
            return False
        eligible = [w for w in self._waiting if self._running[w.client] < self.share]
        if not eligible:
            return False
        return min(eligible, key=lambda w: (self._running[w.client], w.order)) is waiter

    def _sweep(self, now: float) -> None:
        """Forget what clients gone quiet spent, so that many one-off addresses do not grow
        the books."""
        for client, spent in list(self._spent.items()):
            if not self._running[client] and (
                not spent.holds or spent.holds[-1][0] <= now - WINDOW
            ):
                del self._spent[client]
                self._held.pop(client, None)

    def load(self) -> tuple[int, int]:
        """Items held and clients' requests waiting, now."""
        with self._lock:
            return sum(self._running.values()), len(self._waiting)


# ---------------------------------------------------------------- queries in flight


@dataclass(frozen=True)
class Snapshot:
    """The gate's state at one moment; clients by count of queries, never by address (the
    metrics are public)."""

    in_flight: int
    clients_by_queries: dict[int, int]
    """Queries in flight -> clients with that many."""
    admitted: int


class ClientGate:
    """At most `queries` queries of one client in flight (running or waiting) at once."""

    def __init__(self, queries: int, timeout: float) -> None:
        self.queries = queries
        self._timeout = timeout
        self._lock = threading.Lock()
        self._started: dict[str, list[float]] = {}
        self._admitted = 0

    @contextlib.contextmanager
    def admit(self, client: str) -> Iterator[None]:
        """Count the block as a query of `client`'s; OverLimitError if it has too many."""
        with self._lock:
            now = time.monotonic()
            started = self._started.setdefault(client, [])
            if len(started) >= self.queries:
                wait = max(1, math.ceil(min(started) + self._timeout - now))
                raise OverLimitError(
                    "queries",
                    f"this client already has {self.queries} queries running or waiting (the "
                    f"limit per client); try again in {wait} s",
                    wait,
                )
            self._admitted += 1
            started.append(now)
        try:
            yield
        finally:
            with self._lock:
                started.remove(now)
                if not started:
                    del self._started[client]

    def snapshot(self) -> Snapshot:
        """The state now, for /metrics."""
        with self._lock:
            counts = [len(s) for s in self._started.values()]
            return Snapshot(sum(counts), dict(collections.Counter(counts)), self._admitted)
