"""The remote store over HTTP (standard library only): SPARQL queries and updates, and the
SPARQL 1.1 Graph Store HTTP Protocol, with every failure turned into one readable error.

Why urllib: four request shapes, no sessions or streaming needed, and no new dependency.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT = 300.0
"""Seconds one request may take: a large graph's PUT is one request."""
MESSAGE_CHARS = 500
"""How much of a store's error message an error repeats."""
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

    @classmethod
    def of(cls, to: str, graph_store: str | None = None, update: str | None = None) -> Endpoints:
        """A bare server URL (no path) is read as Oxigraph server's layout: /query, /update,
        /store; any other URL is a SPARQL endpoint taking queries, and updates unless `update`
        names another (GraphDB's /repositories/ID/statements), with a Graph Store only if
        `graph_store` is given."""
        for option, url in (("--to", to), ("--update", update), ("--graph-store", graph_store)):
            parts = urllib.parse.urlsplit(url or "http://given")
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{option} must be an http(s) URL, not {url!r}")
        if urllib.parse.urlsplit(to).path in ("", "/"):
            base = to.rstrip("/")
            return cls(f"{base}/query", update or f"{base}/update", graph_store or f"{base}/store")
        return cls(to, update or to, graph_store)


@dataclass(frozen=True)
class Credentials:
    """A user and password (HTTP Basic, or Digest where the store asks for it) or a bearer
    token; neither: anonymous."""

    user: str | None = None
    password: str | None = None
    token: str | None = None

    def header(self) -> dict[str, str]:
        """A token goes with every request; a user and password answer the store's challenge
        (see `_opener`)."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


class Remote:
    """One remote store: every request goes through `_send`, which names what failed."""

    def __init__(self, endpoints: Endpoints, credentials: Credentials = Credentials()) -> None:
        self.endpoints = endpoints
        self._auth = credentials.header()
        self._opener = _opener(credentials, endpoints)

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

    def _send(
        self, method: str, url: str, body: bytes, headers: dict[str, str], *, what: str
    ) -> bytes:
        request = urllib.request.Request(
            url, data=body, method=method, headers={**headers, **self._auth}
        )
        try:
            with self._opener.open(request, timeout=TIMEOUT) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            raise _refused(exc, url, what) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            host = urllib.parse.urlsplit(url).netloc
            raise PublishError(f"cannot reach the store at {host} ({reason})") from None


def _opener(credentials: Credentials, endpoints: Endpoints) -> urllib.request.OpenerDirector:
    """The user and password in answer to the store's challenge, Basic or Digest (Virtuoso's
    /sparql-auth and /sparql-graph-crud-auth ask for Digest), as `curl --anyauth` does; sending
    Basic unasked would make a Digest store refuse the request."""
    if credentials.user is None:
        return urllib.request.build_opener()
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    urls = [u for u in (endpoints.query, endpoints.update, endpoints.graph_store) if u]
    passwords.add_password(None, urls, credentials.user, credentials.password or "")
    return urllib.request.build_opener(
        urllib.request.HTTPBasicAuthHandler(passwords),
        urllib.request.HTTPDigestAuthHandler(passwords),
    )


def _refused(exc: urllib.error.HTTPError, url: str, what: str) -> StoreRefused:
    status = f"{exc.code} {exc.reason}"
    if exc.code in (401, 403):
        return StoreRefused(
            f"the store at {url} refused the credentials ({status}): give --user and "
            "--password, or set PEACEKG_PUBLISH_TOKEN",
            exc.code,
        )
    try:
        said = exc.read().decode("utf-8", "replace").strip()[:MESSAGE_CHARS]
    except OSError:  # the connection broke while reading the message
        said = ""
    return StoreRefused(
        f"the store rejected {what} ({status}){': ' + said if said else ''}", exc.code
    )
