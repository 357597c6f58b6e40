"""The HTTP server: granian (HTTP parsed in Rust, on tokio) running the front (web.front) in one
worker process, set for fairness: thousands of connections held at once (a slow one costs a
socket, never a thread), a request's headers given at most the read timeout (granian closes the
connection past it; the front gives the body the same), HTTP/1.1 only.

Why granian, measured on this machine (2 cores, wrk with 8 connections, a constant answer):
waitress ~3,300 requests a second, granian's WSGI interface ~15,000-25,000 but a body that
trickles in holds one of its threads, granian's RSGI interface ~20,000 with the body read on
its event loop. Oxigraph's own server answers a trivial ASK at ~35,000-40,000.
"""

from __future__ import annotations

import resource
from collections.abc import Callable
from typing import Any

from granian.constants import HTTPModes, Interfaces, Loops
from granian.http import HTTP1Settings
from granian.server import Server

from peacekg.config import ServerSettings

LONGEST_HEADER_WAIT_MS = 60_000
"""The longest header read timeout granian takes."""


def _room_for(connections: int) -> None:
    """Raise this process's open-file limit to fit the connections (up to the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 256  # the store, logs, pipes to the workers
    if soft != resource.RLIM_INFINITY and soft < wanted:
        ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))


def run(settings: ServerSettings, load: Callable[[], Any]) -> None:
    """Serve, until SIGINT or SIGTERM, the RSGI app that `load` makes in the worker process
    (so that the query workers and threads it starts are that process's)."""
    _room_for(settings.connection_limit)
    header_wait = round(settings.read_timeout * 1000)
    server = Server(
        "peacekg",
        address=settings.host,
        port=settings.port,
        interface=Interfaces.RSGI,
        workers=1,
        http=HTTPModes.http1,
        loop=Loops.uvloop,
        websockets=False,
        backlog=max(128, min(settings.connection_limit, 65535)),
        backpressure=settings.connection_limit,
        http1_settings=HTTP1Settings(
            header_read_timeout=max(1, min(header_wait, LONGEST_HEADER_WAIT_MS)),
            keep_alive=True,
        ),
        log_level="warning",
    )
    server.serve(target_loader=load, wrap_loader=False)
