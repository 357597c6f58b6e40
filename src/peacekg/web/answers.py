"""Answers kept by their ETag, so that the same request to the same release is answered again
without running its query (or rendering its page) a second time.

Why it is sound: an ETag is made by `peacekg.web.http.conditional` from everything the body
depends on (the release, the query and its dataset, the renderer, ...), and a release never
changes; so an answer kept under its ETag is the answer. What is kept is what the route made
(status 200, its headers and body), before the rules every response gets (release header, CORS,
gzip), which still run. Bounded in bytes, least recently used first out. A request with
`Cache-Control: no-cache` (or `Pragma: no-cache`) is answered afresh, as a shared HTTP cache
would, and its answer replaces the kept one.

The server's front (web.front) keeps answers here too, as they were sent (every rule applied),
under the request itself: the same request to the same release is then answered before any
Flask work. Both kinds share the one budget.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from flask import Response
from werkzeug.http import parse_cache_control_header, parse_set_header

KEEPABLE = "peacekg.keepable"
"""Set in a request's WSGI environ when its answer is one kept by ETag (web.http.conditional),
so that the front may keep it as sent too."""


def asks_afresh(cache_control: str, pragma: str) -> bool:
    """Whether a request with these Cache-Control and Pragma values asks not to be answered
    from what is kept (`no-cache` in either), as a shared HTTP cache reads them; the one rule
    for the route (web.http) and the front (web.front)."""
    if cache_control == "no-cache":  # the usual form, known without parsing
        return True
    return bool(parse_cache_control_header(cache_control).no_cache) or (
        "no-cache" in parse_set_header(pragma)
    )


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
        self._kept: OrderedDict[Hashable, Kept] = OrderedDict()
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
        kept = None if afresh else self.find(etag)
        if kept is None:
            self.misses += 1
            return None
        return kept.response()

    def find(self, key: Hashable) -> Kept | None:
        """The answer kept under `key`, counted as given again; a miss is not counted here (the
        front's miss goes on to the route, which counts it)."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is None:
                return None
            self._kept.move_to_end(key)
            self.hits += 1
        return kept

    def keep(self, etag: str, response: Response) -> None:
        """Keep a route's answer if it is a whole 200 (not a file, not a stream)."""
        if response.status_code != 200 or response.direct_passthrough or response.is_streamed:
            return
        self.hold(etag, Kept(response.get_data(), tuple(response.headers.items())))

    def hold(self, key: Hashable, kept: Kept) -> None:
        """Keep `kept` under `key` if it is small enough, dropping the least recently used."""
        if len(kept.body) > self._largest:
            return
        with self._lock:
            old = self._kept.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._kept[key] = kept
            self._bytes += len(kept.body)
            while self._bytes > self._budget:
                _, dropped = self._kept.popitem(last=False)
                self._bytes -= len(dropped.body)
