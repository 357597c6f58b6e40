"""Run the real endpoint (`peacekg serve`, waitress) on 127.0.0.1 with a free port, for tests.

The starting and stopping is peacekg.endpoint.process, which the benchmarks use too."""

from __future__ import annotations

import contextlib
import http.client
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from peacekg.endpoint.process import (
    PEACEKG,
    Running,
    free_port,
    running,
    serve_command,
    stop_group,
    wait_healthy,
)

__all__ = [  # the process helpers, for tests that start a server their own way
    "PEACEKG",
    "Running",
    "free_port",
    "request",
    "running_server",
    "serve",
    "stop_group",
    "wait_healthy",
]


@contextlib.contextmanager
def serve(*args: str, log: Path, env: dict[str, str] | None = None) -> Iterator[Running]:
    """`peacekg ARGS --host 127.0.0.1 --port <free>` (ARGS end with `serve ...`) for a block."""
    with running(serve_command(*args), log, env) as server:
        yield server


@contextlib.contextmanager
def running_server(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`serve` with its log in a temporary file; yields http://127.0.0.1:<port>."""
    with tempfile.TemporaryDirectory() as logs, serve(*args, log=Path(logs) / "log", env=env) as s:
        yield s.base


def request(
    base: str,
    method: str,
    path: str,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
    source: str | None = None,
):
    """One request on a new connection; `source` is the client's address (127.0.0.2, … are
    distinct clients on the loopback interface)."""
    host = urllib.parse.urlsplit(base)
    address = (source, 0) if source else None
    conn = http.client.HTTPConnection(
        host.hostname, host.port, timeout=timeout, source_address=address
    )
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, data
