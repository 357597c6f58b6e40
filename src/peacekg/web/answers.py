"""Answers kept by their ETag, so that the same request to the same release is answered again
without running its query (or rendering its page) a second time.

Why it is sound: an ETag is made by `peacekg.web.http.conditional` from everything the body
depends on (the release, the query and its dataset, the renderer, ...), and a release never
changes; so an answer kept under its ETag is the answer. What is kept is what the route made
(status 200, its headers and body), before the rules every response gets (release header, CORS,
gzip), which still run. Bounded in bytes, least recently used first out. A request with
`Cache-Control: no-cache` (or `Pragma: no-cache`) is answered afresh, as a shared HTTP cache
would, and its answer replaces the kept one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import Response


@dataclass(frozen=True)
class Kept:
    """One answer as the route made it."""

    body: bytes
    headers: tuple[tuple[str, str], ...]

    def response(self) -> Response:
        return Response(self.body, headers=list(self.headers))


class Answers:
    """The kept answers of one app: at most `budget` bytes, none over `largest` bytes."""

    def __init__(self, budget: int, largest: int) -> None:
        self._budget = budget
        self._largest = min(largest, budget)
        self._kept: OrderedDict[str, Kept] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def size(self) -> int:
        """Bytes kept now."""
        return self._bytes

    def get(self, etag: str, afresh: bool = False) -> Response | None:
        """The kept answer, as a new Response; None (a miss) when there is none or the request
        asks `afresh`."""
        with self._lock:
            kept = None if afresh else self._kept.get(etag)
            if kept is None:
                self.misses += 1
                return None
            self._kept.move_to_end(etag)
            self.hits += 1
        return kept.response()

    def keep(self, etag: str, response: Response) -> None:
        """Keep a route's answer if it is a whole 200 small enough (not a file, not a stream)."""
        if response.status_code != 200 or response.direct_passthrough or response.is_streamed:
            return
        body = response.get_data()
        if len(body) > self._largest:
            return
        kept = Kept(body, tuple(response.headers.items()))
        with self._lock:
            old = self._kept.pop(etag, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._kept[etag] = kept
            self._bytes += len(body)
            while self._bytes > self._budget:
                _, dropped = self._kept.popitem(last=False)
                self._bytes -= len(dropped.body)
