"""The server's front: an RSGI app (granian's Python interface) in front of the Flask app.

Why a front: a request through a WSGI server and Flask costs about a millisecond of Python, a
hundred times what Oxigraph's own server spends on a trivial one. Most of a busy endpoint's
requests are repeats (the same page, the same example query), and a release never changes; so
the front answers a request it has answered before, for the same release, from the kept
answers (web.answers) as they were sent, before any Flask work. Everything else is read whole
on the event loop, body included, and only then handed to the Flask app on a thread: a slow
client costs a socket, never a thread. A request still incomplete at the read timeout is
answered 408 and its connection closed (granian closes one whose headers are that late).
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, Any

from granian.rsgi import ProtocolClosed, ProtocolError
from werkzeug.wsgi import FileWrapper

from peacekg.config import ServerSettings
from peacekg.web.answers import KEEPABLE, Answers, Kept, asks_afresh
from peacekg.web.clients import FORWARDING, client_address, host_of
from peacekg.web.http import RELEASE_HEADER
from peacekg.web.prepared import PreparedRequests

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Headers = list[tuple[str, str]]

STREAM_AFTER = 8 << 20
"""Bytes of an answer gathered on its thread before the rest is streamed (dumps, big results)."""
FILE_CHUNK = 1 << 18
"""Bytes a file is sent in: each chunk is one hop from the event loop to a thread."""
KEPT_METHODS = frozenset({"GET", "POST"})
CONDITIONAL = frozenset({"if-none-match", "if-modified-since", "if-range", "range"})
"""Requests with these go to the app, which answers 304s and ranges."""
CACHING = frozenset({"cache-control", "pragma"})
"""Where a request may say `no-cache` (answers.asks_afresh)."""
SKIPPED = CONDITIONAL | CACHING | FORWARDING | {"user-agent", "connection", "keep-alive"}
"""Request headers left out of a kept answer's key: they never change an answer (forwarding
headers only say who the client is), or are looked at first."""
DRAINED = 64 << 20
"""Bytes of a too-long body read and dropped before its 413; past this, the connection is cut."""
TIMED_OUT = b"The request was not received in full within the read timeout.\n"


def _file_wrapper(file: IO[bytes], buffer_size: int = 8192) -> FileWrapper:
    """`wsgi.file_wrapper`: a file sent in large chunks (werkzeug asks for 8 KB ones)."""
    return FileWrapper(file, max(buffer_size, FILE_CHUNK))


@dataclass
class Reply:
    """What the app answered: its status and headers, the body gathered so far, and the rest
    still to be read (None when the body is whole)."""

    status: int
    headers: Headers
    body: bytes
    rest: Iterator[bytes] | None = None
    close: Callable[[], None] | None = None


def call_app(app: WSGIApp, environ: dict[str, Any]) -> Reply:
    """Run `app` on `environ` (on a worker thread) and gather its answer, up to STREAM_AFTER
    bytes; beyond that the reply carries the rest, to be streamed."""
    started: list[Any] = []

    def start_response(status: str, headers: Headers, exc_info: object = None) -> Callable:
        started[:] = [int(status.split(" ", 1)[0]), headers]
        return _no_write

    result = app(environ, start_response)
    close = getattr(result, "close", None)
    chunks, size = [], 0
    iterator = iter(result)
    try:
        for chunk in iterator:
            if chunk:
                chunks.append(chunk)
                size += len(chunk)
            if size >= STREAM_AFTER:
                return Reply(started[0], started[1], b"".join(chunks), iterator, close)
    except BaseException:
        if close is not None:
            close()
        raise
    if close is not None:
        close()
    return Reply(started[0], started[1], b"".join(chunks))


def _no_write(_data: bytes) -> None:
    raise NotImplementedError("the app must return its body, not write() it")


class Front:
    """The RSGI app `peacekg serve` runs on granian: kept answers first, then the Flask app.

    `version` names what is served now (the current release): a kept answer is only ever
    given for the release it came from."""

    def __init__(
        self,
        app: WSGIApp,
        settings: ServerSettings,
        answers: Answers,
        version: Callable[[], str],
        on_close: Callable[[], None] = lambda: None,
        prepared: PreparedRequests | None = None,
    ) -> None:
        """`prepared`: the requests whose query alone is run again when asked afresh
        (web.prepared); None where queries go to a remote store."""
        self._app = app
        self._settings = settings
        self._answers = answers
        self._version = version
        self._on_close = on_close
        self._prepared = prepared
        self._threads = ThreadPoolExecutor(settings.threads, thread_name_prefix="peacekg")
        self._in_flight = 0
        """Requests begun and not yet answered (on the event loop's thread: no lock)."""

    def __rsgi_del__(self, _loop: object) -> None:
        """granian stops the worker: the threads, then what the app holds (its query pool)."""
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._on_close()

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return
        self._in_flight += 1
        try:
            await self._serve(scope, protocol)
        finally:
            self._in_flight -= 1

    async def _serve(self, scope: Any, protocol: Any) -> None:
        headers = scope.headers.items()
        body = b""
        if _has_body(headers):
            try:
                async with asyncio.timeout(self._settings.read_timeout):
                    body = await self._body(headers, protocol)
            except TimeoutError:
                protocol.response_bytes(
                    408, [("content-type", "text/plain"), ("connection", "close")], TIMED_OUT
                )
                return
        key, afresh = self._key(scope, headers, body)
        if key is not None and self._answered_before(key, afresh, scope, protocol):
            return
        environ = self._environ(scope, headers, body)
        loop = asyncio.get_running_loop()
        reply = await loop.run_in_executor(self._threads, call_app, self._app, environ)
        if reply.rest is None:
            protocol.response_bytes(reply.status, reply.headers, reply.body)
            if key is not None and reply.status == 200:
                self._remember(key, environ, reply)
            return
        await self._stream(protocol, reply, loop)

    def _answered_before(
        self, key: tuple[Any, ...], afresh: bool, scope: Any, protocol: Any
    ) -> bool:
        """Answer a request the app answered before for this release: as it was sent (unless it
        asks afresh), or by running its prepared query again (web.prepared)."""
        kept = None if afresh else self._answers.find(key)
        if kept is not None:
            protocol.response_bytes(200, kept.headers, kept.body)
            return True
        if (
            self._prepared is None
            or (rerun := self._prepared.rerun(key, self._client(scope), self._in_flight == 1))
            is None
        ):
            return False
        headers, body = rerun
        protocol.response_bytes(200, list(headers), body)
        return True

    def _remember(self, key: tuple[Any, ...], environ: dict[str, Any], reply: Reply) -> None:
        """Keep the app's whole 200 answer, and prepare its query, under the release that
        answered (a build may have swapped releases since the key was made)."""
        release = next((v for n, v in reply.headers if n.lower() == RELEASE_HEADER.lower()), None)
        key = (release or key[0], *key[1:])
        if environ.get(KEEPABLE):
            self._answers.hold(key, Kept(reply.body, tuple(reply.headers)))
        if self._prepared is not None:
            self._prepared.prepare(key, environ, reply.headers)

    async def _body(self, headers: Headers, protocol: Any) -> bytes:
        """The request body, kept up to one byte past the largest allowed (the app answers 413
        for more). The rest of a longer one is read and dropped, up to DRAINED bytes, so that
        the client, still sending, gets that 413 rather than a reset connection."""
        limit = self._settings.max_body_bytes
        declared = next((v for n, v in headers if n == "content-length"), None)
        if declared is not None and declared.isdigit():
            if int(declared) > DRAINED:
                return b""
            if int(declared) <= limit:  # one read, not a chunk at a time
                return bytes(await protocol())[: limit + 1]
        chunks, size = [], 0
        async for chunk in protocol:
            if size <= limit:
                chunks.append(chunk)
            size += len(chunk)
            if size > DRAINED:
                break
        return b"".join(chunks)[: limit + 1]

    def _key(
        self, scope: Any, headers: Headers, body: bytes
    ) -> tuple[tuple[Hashable, ...] | None, bool]:
        """What a kept answer is found by (the release, the request line, the headers that can
        change an answer, the body), None for a request the front leaves to the app; and
        whether the request asks afresh (no-cache: not answered from what is kept)."""
        if scope.method not in KEPT_METHODS:
            return None, False
        kept, caching = [], dict.fromkeys(CACHING, "")
        for name, value in headers:
            if name not in SKIPPED:
                kept.append((name, value))
            elif name in CONDITIONAL:
                return None, False
            elif name in caching:
                caching[name] = f"{caching[name]}, {value}" if caching[name] else value
        key = (self._version(), scope.method, scope.path, scope.query_string, tuple(kept), body)
        afresh = any(caching.values()) and asks_afresh(caching["cache-control"], caching["pragma"])
        return key, afresh

    def _client(self, scope: Any) -> str:
        """Who sent the request: its peer, or whom the trusted proxy names (web.clients)."""
        settings = self._settings
        return client_address(
            host_of(scope.client),
            scope.headers.items(),
            settings.trusted_proxy,
            settings.trusted_proxy_header,
        )

    def _environ(self, scope: Any, headers: Headers, body: bytes) -> dict[str, Any]:
        """The WSGI environ (PEP 3333) of a request read whole, its client as web.clients says."""
        server = scope.server.rsplit(":", 1)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": scope.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": scope.path.encode("utf-8", "surrogateescape").decode("latin-1"),
            "QUERY_STRING": scope.query_string,
            "SERVER_NAME": host_of(scope.server),
            "SERVER_PORT": server[-1],
            "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
            "REMOTE_ADDR": self._client(scope),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scope.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.file_wrapper": _file_wrapper,
        }
        for name, value in headers:
            if name in FORWARDING or "_" in name:  # X_Forwarded_For would pass for the real one
                continue
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
            elif name == "content-length":
                environ["CONTENT_LENGTH"] = value
            else:
                key = "HTTP_" + name.upper().replace("-", "_")
                environ[key] = f"{environ[key]}, {value}" if key in environ else value
        if body and "CONTENT_LENGTH" not in environ:  # a chunked body, read whole
            environ["CONTENT_LENGTH"] = str(len(body))
        return environ

    async def _stream(self, protocol: Any, reply: Reply, loop: asyncio.AbstractEventLoop) -> None:
        """Send a large answer as it is read, each next chunk read on a thread."""
        assert reply.rest is not None
        transport = protocol.response_stream(reply.status, reply.headers)
        try:
            chunk: bytes | None = reply.body
            while chunk is not None:
                if chunk:
                    await transport.send_bytes(chunk)
                chunk = await loop.run_in_executor(self._threads, next, reply.rest, None)
        except (ProtocolClosed, ProtocolError):  # the client went away: stop reading
            pass
        finally:
            if reply.close is not None:
                await loop.run_in_executor(self._threads, reply.close)


def _has_body(headers: Headers) -> bool:
    """Whether a request has a body to read (a length other than 0, or a chunked one)."""
    for name, value in headers:
        if (name == "content-length" and value != "0") or name == "transfer-encoding":
            return True
    return False
