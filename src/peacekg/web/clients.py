"""Who the client is: the peer address, or what the named reverse proxy says it forwarded for.

Per-client limits (endpoint.fairness) are only as good as this: a forwarding header is believed
only on a connection from the proxy named by `--trusted-proxy`, and only the entry that proxy
added (the last), since anything before it came from the client. Every forwarding header is
removed from the request the app sees, so no route can be misled by one.
"""

from __future__ import annotations

from collections.abc import Iterable

FORWARDING = frozenset(
    {
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-forwarded-port",
        "x-forwarded-by",
        "x-real-ip",
    }
)
"""Headers by which a proxy describes the original request (RFC 7239 and the de facto ones)."""


def host_of(address: str) -> str:
    """The host of `host`, `host:port`, `[v6]` or `[v6]:port` (a bare v6 address is kept)."""
    if address.startswith("["):
        return address[1 : address.find("]")] if "]" in address else address[1:]
    if address.count(":") == 1:
        return address.split(":", 1)[0]
    return address


def _forwarded_for(value: str) -> str | None:
    """The `for=` of the last element of a `Forwarded` header (RFC 7239), unquoted."""
    last = value.split(",")[-1]
    for pair in last.split(";"):
        name, _, found = pair.strip().partition("=")
        if name.strip().lower() == "for" and found.strip():
            return host_of(found.strip().strip('"'))
    return None


def client_address(
    peer: str, headers: Iterable[tuple[str, str]], proxy: str | None, header: str
) -> str:
    """The client of a request that came from `peer` with `headers` (lower-case names): the
    last address in `header` when `peer` is the trusted `proxy`, else `peer`."""
    if proxy is None or peer != proxy:
        return peer
    values = [value for name, value in headers if name == header]
    if not values:
        return peer
    if header == "forwarded":
        found = _forwarded_for(values[-1])
    else:
        found = host_of(values[-1].split(",")[-1].strip())
    return found or peer
