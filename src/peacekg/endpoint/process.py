"""Run a server as a child process group on a free loopback port, and stop all of it.

The tests, the benchmarks and the soak start `peacekg serve` (and the servers they compare
it with) the same way: in a session of its own, so that stopping it also stops its query
workers; ready when `GET /health` answers 200.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

PEACEKG = Path(sys.executable).with_name("peacekg")
START_TIMEOUT = 60.0
STOP_GRACE = 10.0


class ServerStartError(RuntimeError):
    """The server died or never answered /health; the message says where its log is."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(
    base: str,
    process: subprocess.Popen[bytes],
    timeout: float = START_TIMEOUT,
    health: str = "/health",
) -> None:
    """Return once `base + health` answers 200; RuntimeError if the process dies or time runs
    out. Other servers (Oxigraph's, Virtuoso) are ready when some page of theirs answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(base + health, timeout=2) as r:
            if r.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server at {base} did not become healthy in {timeout:g} s")


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group (a server and its workers, a build and its HermiT), SIGKILL
    what is left after a grace period, and any straggler of the group after that."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_GRACE)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(STOP_GRACE)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@dataclass(frozen=True)
class Running:
    base: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path


@contextlib.contextmanager
def running(
    command: list[str],
    log: Path,
    env: dict[str, str] | None = None,
    *,
    started: Callable[[subprocess.Popen[bytes]], None] | None = None,
    timeout: float = START_TIMEOUT,
    health: str = "/health",
    port: int | None = None,
) -> Iterator[Running]:
    """Run `command` ('{port}' in it becomes `port`, else a free port of 127.0.0.1) until the
    block ends (a `port` chosen beforehand is for servers configured by a file).

    Its stdout and stderr go to `log`; `started` sees the process first (to track it).
    """
    port = port or free_port()
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [part.replace("{port}", str(port)) for part in command],
            env={**os.environ, **(env or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    if started is not None:
        started(process)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(base, process, timeout, health)
        except RuntimeError as exc:
            raise ServerStartError(f"{exc}; see {log}") from None
        yield Running(base, port, process, log)
    finally:
        stop_group(process)


def serve_command(*args: str) -> list[str]:
    """`peacekg ARGS --host 127.0.0.1 --port {port}`: ARGS end with `serve` and its options."""
    return [str(PEACEKG), *args, "--host", "127.0.0.1", "--port", "{port}"]
