"""The app's one state object: everything a route needs that is not in the request.

`create_app` builds it once from its explicit arguments and stores it on the app; routes read
it with `state()`. Nothing in the web app reads the environment or `app.config` for it, so an
app is configured entirely by whoever creates it (the server, a test, a benchmark).
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field

from flask import current_app

from peacekg.config import ServerSettings, Settings
from peacekg.endpoint.fairness import ClientGate
from peacekg.endpoint.pool import Pool
from peacekg.endpoint.served import GraphSource
from peacekg.namespaces import Namespaces
from peacekg.web.answers import Answers
from peacekg.web.prepared import PreparedRequests

EXTENSION = "peacekg"
"""The key of the state in `app.extensions`."""


@dataclass(frozen=True)
class AppState:
    settings: ServerSettings
    """How the endpoint serves: limits, timeouts, caching, the SERVICE allowlist."""
    project: Settings
    """Where the project's files are: the example queries and the docs."""
    namespaces: Namespaces
    source: GraphSource
    """What is served, and its version (for ETags)."""
    pool: Pool
    """Where every query runs, the routes' own included."""
    gate: ClientGate
    """Who may run a query now: per-client limits and fair shares of the pool."""
    answers: Answers
    """Answers kept by their ETag (web.answers)."""
    prepared: PreparedRequests | None
    """Requests whose query alone the front runs again when asked afresh (web.prepared); None
    where queries go to a remote store."""
    failures: collections.Counter[str] = field(default_factory=collections.Counter)
    """Queries answered with an error, by kind (timeout, busy, lost, refused-queries,
    refused-seconds): /metrics."""


def state() -> AppState:
    """The state of the app handling the current request."""
    return current_app.extensions[EXTENSION]
