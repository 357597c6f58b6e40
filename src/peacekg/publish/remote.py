"""The remote store over HTTP (standard library only): SPARQL queries and updates, and the
SPARQL 1.1 Graph Store HTTP Protocol, with every failure turned into one readable error.

Why urllib: four request shapes, no sessions or streaming needed, and no new dependency.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from peacekg.publish.authorization import Authorizer, Credentials

TIMEOUT = 300.0
"""Seconds one request may take: a large graph's PUT is one request."""
MESSAGE_CHARS = 500
"""How much of a store's error message an error repeats."""
DEADLOCK = re.compile(r"\b40001\b|deadlock", re.IGNORECASE)
"""A store's answer that the request lost a deadlock, and may be sent again."""
DEADLOCK_RETRIES = 5
DEADLOCK_PAUSE = 0.25
"""Seconds before the first retry after a deadlock; doubled each time."""
FALLBACK_STATUSES = frozenset({404, 405, 415})
"""What a store without the Graph Store Protocol answers a PUT with (`--protocol auto`)."""


class PublishError(RuntimeError):
    """Publishing failed; the message says where (host, graph) and what the store said."""


class StoreRefused(PublishError):
    """The store answered with an error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Endpoints:
    """Where the remote answers queries, updates and Graph Store requests."""

    query: str
    update: str
    graph_store: str | None
    dataset: str | None = None
    """Where a POST of N-Quads adds them to the dataset, graph names and all (Oxigraph server's
    /store): many graphs in one request."""

    @classmethod
    def of(cls, to: str, graph_store: str | None = None, update: str | None = None) -> Endpoints:
        """A bare server URL (no path) is read as Oxigraph server's layout: /query, /update,
        /store (which also takes a whole dataset); any other URL is a SPARQL endpoint taking
        queries, and updates unless `update` names another (GraphDB's
        /repositories/ID/statements), with a Graph Store only if `graph_store` is given."""
        for option, url in (("--to", to), ("--update", update), ("--graph-store", graph_store)):
            parts = urllib.parse.urlsplit(url or "http://given")
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{option} must be an http(s) URL, not {url!r}")
        if urllib.parse.urlsplit(to).path in ("", "/"):
            base = to.rstrip("/")
            store = graph_store or f"{base}/store"
            return cls(f"{base}/query", update or f"{base}/update", store, f"{base}/store")
        return cls(to, update or to, graph_store)


class Remote:
    """One remote store: every request goes through `_send`, which names what failed."""

    def __init__(self, endpoints: Endpoints, credentials: Credentials | None = None) -> None:
        self.endpoints = endpoints
        urls = [u for u in (endpoints.query, endpoints.update, endpoints.graph_store) if u]
        self._authorizer = Authorizer(credentials or Credentials(), urls)
        self._opener = urllib.request.build_opener()

    def select(self, query: str) -> list[dict[str, Any]]:
        """The bindings of a SELECT, as SPARQL JSON results."""
        body = urllib.parse.urlencode({"query": query}).encode()
        answer = self._send(
            "POST",
            self.endpoints.query,
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            },
            what="a query",
        )
        return list(json.loads(answer)["results"]["bindings"])

    def update(self, update: str, what: str) -> None:
        headers = {"Content-Type": "application/sparql-update"}
        self._send("POST", self.endpoints.update, update.encode(), headers, what=what)

    def put_graph(self, name: str, ntriples: bytes) -> None:
        """Replace graph `name` whole (Graph Store Protocol PUT, indirect graph identification)."""
        if self.endpoints.graph_store is None:
            raise PublishError("the Graph Store Protocol needs --graph-store URL")
        url = f"{self.endpoints.graph_store}?{urllib.parse.urlencode({'graph': name})}"
        headers = {"Content-Type": "application/n-triples"}
        self._send("PUT", url, ntriples, headers, what=f"graph <{name}>")

    def post_dataset(self, nquads: bytes, what: str) -> None:
        """Add quads to the dataset, each in its named graph (Oxigraph server's POST /store)."""
        if self.endpoints.dataset is None:
            raise PublishError("this store takes no dataset in one request")
        headers = {"Content-Type": "application/n-quads"}
        self._send("POST", self.endpoints.dataset, nquads, headers, what=what)

    def _send(
        self, method: str, url: str, body: bytes, headers: dict[str, str], *, what: str
    ) -> bytes:
        """One request, authorised before its body goes (see peacekg.publish.authorization).
        Sent again only when the store asked for (new) credentials or cut the connection
        before it had them (once), or answered that the request lost a deadlock (SQLSTATE
        40001, which a database asks its clients to retry; Virtuoso's loader meets it on large
        graphs), after a pause that doubles. Every request here is safe to repeat: a graph is
        replaced whole, an update drops before it inserts."""
        authorizer = self._authorizer
        answered_challenge = False
        for attempt in range(DEADLOCK_RETRIES + 2):  # a challenge answered, and the retries
            if authorizer.challenged and not authorizer.probed:
                self._probe(url)
            request = urllib.request.Request(url, data=body, method=method, headers=headers)
            for name, value in authorizer.headers(request).items():
                request.add_unredirected_header(name, value)
            try:
                with self._opener.open(request, timeout=TIMEOUT) as response:
                    return bytes(response.read())
            except urllib.error.HTTPError as exc:
                offered = exc.headers.get_all("WWW-Authenticate") or []
                if exc.code == 401 and not answered_challenge and authorizer.learn(offered):
                    answered_challenge = True
                    continue
                said = _message(exc)
                if exc.code >= 500 and DEADLOCK.search(said) and attempt < DEADLOCK_RETRIES:
                    time.sleep(DEADLOCK_PAUSE * 2**attempt)
                    continue
                raise _refused(exc.code, exc.reason, said, url, what) from None
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                cut = isinstance(reason, ConnectionError) and authorizer.probed
                if cut and not answered_challenge:
                    answered_challenge = True
                    authorizer.forget()  # cut off unread: a stale answer, ask again
                    continue
                raise _unreachable(url, reason) from None
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _probe(self, url: str) -> None:
        """Learn the store's challenge from a request with no body (HEAD on the same URL)."""
        self._authorizer.probed = True
        try:
            with self._opener.open(urllib.request.Request(url, method="HEAD"), timeout=TIMEOUT):
                return  # no challenge here: the store asks (401) when it wants one
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                self._authorizer.learn(exc.headers.get_all("WWW-Authenticate") or [])
        except (urllib.error.URLError, OSError) as exc:
            raise _unreachable(url, getattr(exc, "reason", exc)) from None


def _unreachable(url: str, reason: object) -> PublishError:
    return PublishError(f"cannot reach the store at {urllib.parse.urlsplit(url).netloc} ({reason})")


def _message(exc: urllib.error.HTTPError) -> str:
    """The start of what the store said with its error status."""
    try:
        return exc.read().decode("utf-8", "replace").strip()[:MESSAGE_CHARS]
    except OSError:  # the connection broke while reading the message
        return ""


def _refused(code: int, reason: str, said: str, url: str, what: str) -> StoreRefused:
    status = f"{code} {reason}"
    if code in (401, 403):
        return StoreRefused(
            f"the store at {url} refused the credentials ({status}): give --user and "
            "--password, or set PEACEKG_PUBLISH_TOKEN",
            code,
        )
    return StoreRefused(f"the store rejected {what} ({status}){': ' + said if said else ''}", code)
