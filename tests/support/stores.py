"""Oxigraph's own server (the `oxigraph` command of the `oxigraph` package) over a store
directory, for the tests that publish to a remote store or serve in front of one."""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from peacekg.endpoint.process import running

OXIGRAPH = Path(sys.executable).with_name("oxigraph")


@contextlib.contextmanager
def oxigraph_server(
    location: Path, *, read_only: bool, union_default_graph: bool = False
) -> Iterator[str]:
    """`oxigraph serve[-read-only]` on a free loopback port for a block; yields its base URL
    (http://127.0.0.1:PORT: /query, /update and /store under it). It has no /health, so it is
    ready when `/` answers."""
    command = [
        str(OXIGRAPH),
        "serve-read-only" if read_only else "serve",
        "--location",
        str(location),
        "--bind",
        "127.0.0.1:{port}",
    ]
    if union_default_graph:
        command.append("--union-default-graph")
    with (
        tempfile.TemporaryDirectory() as logs,
        running(command, Path(logs) / "oxigraph.log", health="/") as server,
    ):
        yield server.base
