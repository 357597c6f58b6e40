"""Helpers for the robustness tests (fuzzing, faults, security): a server whose log we keep,
raw HTTP exchanges, the processes behind a server, and the check that errors leak nothing.

The server's stderr goes to a file, not a pipe: a pipe nobody reads fills up after a few
logged errors and then blocks the server, which would look like a hang of the server itself.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIENT_TIMEOUT = 20.0
"""Seconds a client waits for a whole response before calling it a hang (server timeout: 2)."""

# What an error body must never show: a traceback, the source tree, the virtualenv, the build
# directory. Checked only when the request itself did not contain the text (a 404 may echo the
# path it was asked for).
_LEAKS = (
    b"Traceback (most recent call last)",
    b'File "',
    b"site-packages",
    b'.py"',
    b".py:",
    b"/work/",
    str(ROOT).encode(),
    sys.prefix.encode(),
    b"/pytest-of-",
)
_PATHLIKE = re.compile(rb"(?<![\w:/.])/(?:usr|home|root|tmp|var|etc|opt|proc|work)/[\w.-]+")


# ---------------------------------------------------------------- raw HTTP


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float
    closed_without_answer: bool = False

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


def request_bytes(
    method: str, target: str | bytes, headers: list[tuple[str, str]], body: bytes = b""
) -> bytes:
    """An HTTP/1.1 request exactly as given: nothing is validated, encoded or added but Host,
    Connection: close and a Content-Length for a body (unless the headers frame it already)."""
    raw_target = target if isinstance(target, bytes) else target.encode("latin-1")
    names = {k.lower() for k, _ in headers}
    lines = [method.encode("latin-1") + b" " + raw_target + b" HTTP/1.1"]
    if "host" not in names:
        lines.append(b"Host: 127.0.0.1")
    lines.append(b"Connection: close")
    for name, value in headers:
        lines.append(name.encode("latin-1") + b": " + value.encode("latin-1", "replace"))
    if body and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def exchange(
    port: int,
    raw: bytes,
    *,
    head: bool = False,
    half_close: bool = False,
    timeout: float = CLIENT_TIMEOUT,
) -> Reply:
    """Send raw bytes to 127.0.0.1:port and read one response.

    `half_close` shuts our side after sending, for garbage that may never form a complete
    request: the server then sees the end instead of waiting for more, and may just close.
    """
    started = time.monotonic()
    head = head or raw.startswith(b"HEAD ")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, OSError):
            sock.sendall(raw)  # the server may answer (413, 431) and close before it all went
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(sock, method="HEAD" if head else "GET")
        try:
            response.begin()
        except (http.client.RemoteDisconnected, ConnectionResetError):
            return Reply(0, {}, b"", time.monotonic() - started, closed_without_answer=True)
        body = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return Reply(response.status, headers, body, time.monotonic() - started)


def call(
    base: str,
    method: str,
    target: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    timeout: float = CLIENT_TIMEOUT,
) -> Reply:
    """One ordinary request (http.client builds it) to the server at base."""
    parts = urllib.parse.urlsplit(base)
    started = time.monotonic()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, target, body=body or None, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        headers_out = {k.lower(): v for k, v in response.getheaders()}
        return Reply(response.status, headers_out, data, time.monotonic() - started)
    finally:
        conn.close()


# ---------------------------------------------------------------- what an error may say


def leaks(body: bytes, sent: bytes = b"") -> list[str]:
    """Internals an error body shows that the request did not itself contain."""
    echoed = sent + b"\n" + urllib.parse.unquote_to_bytes(sent.replace(b"+", b" "))
    found = [n.decode() for n in _LEAKS if n in body and n not in echoed]
    found += [m.decode() for m in _PATHLIKE.findall(body) if m not in echoed]
    return found


def problems(reply: Reply, sent: bytes = b"", *, head: bool = False) -> list[str]:
    """Why this reply breaks the endpoint's promises (empty when it keeps them):
    no 5xx but the deliberate 503, plain-text errors, nothing about our internals."""
    found = []
    if reply.closed_without_answer:
        found.append("the server closed the connection without an answer")
        return found
    deliberate = (reply.status == 503 and (head or reply.body.startswith(b"503 Service"))) or (
        reply.status == 501 and b"Transfer-Encoding" in reply.body  # RFC 9112 6.1: unknown coding
    )
    if reply.status >= 500 and not deliberate:
        found.append(f"status {reply.status}")
    # a 400, 414 or 431 with no body that closes the connection is the HTTP layer's own (hyper,
    # in granian: bytes that are not HTTP, a request line over 64 KB, headers over its buffer),
    # before any of our code: the status is the whole message; our own errors always say why
    by_http_layer = (
        reply.status in (400, 414, 431) and not reply.body and reply.header("connection") == "close"
    )
    if reply.status >= 400 and not head and not by_http_layer:
        if not reply.header("content-type").startswith("text/plain"):
            found.append(f"error is {reply.header('content-type')!r}, not text/plain")
        found += [f"error body shows {leak!r}" for leak in leaks(reply.body, sent)]
    return found


def describe(sent: bytes, reply: Reply) -> str:
    shown = sent if len(sent) < 600 else sent[:300] + b" ... " + sent[-200:]
    return (
        f"request ({len(sent)} bytes): {shown!r}\n"
        f"response: {reply.status} in {reply.seconds:.2f}s {reply.body[:400]!r}"
    )


# ---------------------------------------------------------------- processes


def children(pid: int) -> list[int]:
    """Direct children of a process, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            if ppid == pid:
                found.append(int(entry.name))
    return found


def cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def descendants(pid: int) -> list[int]:
    """Children, their children, and so on."""
    found = children(pid)
    return found + [d for child in found for d in descendants(child)]


def workers(server_pid: int) -> list[int]:
    """The server's query worker processes (multiprocessing 'spawn' children of its web
    worker process, granian's child)."""
    return [p for p in descendants(server_pid) if "spawn_main" in cmdline(p)]


def cpu_ticks(pid: int) -> int:
    """User + system CPU time of a process in clock ticks (0 if it is gone)."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return 0
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])
