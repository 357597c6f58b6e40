"""The WSGI server's side of fairness: waitress set to hold thousands of connections, to close
one that has not sent a complete request within the read timeout, and to take the client's
address from a reverse proxy's header only when that proxy is named (waitress's own handling;
the header is removed from everyone else's requests).

Why waitress still: it reads each request whole on its event loop before a thread sees it, so a
slow client costs a socket, never a thread; what it lacked were the settings (100 connections,
idle ones kept 120 s, `select()` capped at 1,024 sockets) and a deadline for a request that
trickles in a byte at a time (its timeout only counts silence). Both are added here.
"""

from __future__ import annotations

import resource
import time
from typing import Any

import waitress.server
from waitress.channel import HTTPChannel

from peacekg.config import ServerSettings

MAINTENANCE_SECONDS = 1
"""How often waitress looks for connections to close (its default is 30 s)."""


class _DeadlineChannel(HTTPChannel):  # type: ignore[misc]
    """A connection that notes when its current, incomplete request began."""

    request_began: float | None = None

    def received(self, data: bytes) -> bool:
        answer = bool(super().received(data))
        if self.request is None:  # nothing half-read
            self.request_began = None
        elif self.request_began is None:
            self.request_began = time.monotonic()
        return answer


def _close_slow_requests(server: Any, read_timeout: float) -> None:
    """Make waitress's maintenance also close connections whose request is incomplete after
    `read_timeout` seconds, however slowly it keeps arriving."""
    idle_check = server.maintenance

    def maintenance(now: float) -> None:
        idle_check(now)
        cutoff = time.monotonic() - read_timeout
        for channel in list(server.active_channels.values()):
            began = getattr(channel, "request_began", None)
            if began is not None and began < cutoff:
                channel.will_close = True

    server.maintenance = maintenance


def _room_for(connections: int) -> None:
    """Raise this process's open-file limit to fit the connections (up to the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 256  # the store, logs, pipes to the workers
    if soft != resource.RLIM_INFINITY and soft < wanted:
        ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))


def create_server(app: Any, settings: ServerSettings) -> Any:
    """waitress's server for `app`, with the settings above; `run()` serves until stopped."""
    _room_for(settings.connection_limit)
    proxy: dict[str, Any] = {}
    if settings.trusted_proxy:
        proxy = {
            "trusted_proxy": settings.trusted_proxy,
            "trusted_proxy_count": 1,
            "trusted_proxy_headers": {settings.trusted_proxy_header},
        }
    server = waitress.server.create_server(
        app,
        host=settings.host,
        port=settings.port,
        threads=settings.threads,
        ident="peacekg",
        clear_untrusted_proxy_headers=True,
        connection_limit=settings.connection_limit,
        channel_timeout=max(1, round(settings.read_timeout)),
        cleanup_interval=MAINTENANCE_SECONDS,
        asyncore_use_poll=True,
        **proxy,
    )
    server.channel_class = _DeadlineChannel
    _close_slow_requests(server, settings.read_timeout)
    return server
