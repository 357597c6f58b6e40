"""Run the real endpoint (`peacekg serve`, waitress) on 127.0.0.1 with a free port, for tests."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PEACEKG = Path(sys.executable).with_name("peacekg")
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(
    base: str, process: subprocess.Popen[bytes], timeout: float = START_TIMEOUT
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server at {base} did not become healthy in {timeout} s")


@dataclass
class Server:
    base: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path


@contextlib.contextmanager
def serve(*args: str, log: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """`peacekg ARGS --host 127.0.0.1 --port <free>` (ARGS end with `serve ...`) for a block."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(log, "wb") as stderr:
        process = subprocess.Popen(
            [str(PEACEKG), *args, "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        wait_healthy(base, process)
        yield Server(base, port, process, log)
    finally:
        stop(process)


@contextlib.contextmanager
def running_server(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`serve` with its log in a temporary file; yields http://127.0.0.1:<port>."""
    with tempfile.TemporaryDirectory() as logs, serve(*args, log=Path(logs) / "log", env=env) as s:
        yield s.base


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group (server and workers), SIGKILL what is left after 10 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def request(
    base: str,
    method: str,
    path: str,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
):
    host = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=timeout)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, data
