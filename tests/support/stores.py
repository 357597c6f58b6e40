"""Established SPARQL stores started on loopback for a block: Oxigraph's own server (the
`oxigraph` command of the `oxigraph` package) and Virtuoso (Debian's), for the tests that
publish to a remote store or serve in front of one, and for the benchmarks that time them
(bench/run.py imports this module, so both start the stores the same way)."""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from peacekg.endpoint.process import free_port, running

OXIGRAPH = Path(sys.executable).with_name("oxigraph")
Started = Callable[[subprocess.Popen[bytes]], None]
"""Sees each store's process first (see peacekg.endpoint.process.running): to track it."""


@contextlib.contextmanager
def oxigraph_server(
    location: Path,
    *,
    read_only: bool,
    union_default_graph: bool = False,
    log: Path | None = None,
    started: Started | None = None,
) -> Iterator[str]:
    """`oxigraph serve[-read-only]` on a free loopback port for a block; yields its base URL
    (http://127.0.0.1:PORT: /query, /update and /store under it). It has no /health, so it is
    ready when `/` answers. Its output goes to `log` (default: a temporary file)."""
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
    with contextlib.ExitStack() as stack:
        if log is None:
            log = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "oxigraph.log"
        server = stack.enter_context(running(command, log, health="/", started=started))
        yield server.base


VIRTUOSO = Path("/usr/bin/virtuoso-t")
"""Debian's virtuoso-opensource-7-bin (7.2.5): `make test` installs it (with its isql-vt)."""
ISQL = VIRTUOSO.with_name("isql-vt")
VIRTUOSO_DEFAULT_USER = ("dba", "dba")
"""The administrator of a new Virtuoso database, with its well-known default password..."""
VIRTUOSO_USER = ("dba", "peacekg-" + secrets.token_hex(8))
"""...which is changed at start, so that tests use a password of their own."""
VIRTUOSO_INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = ., {dir}
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{port}
ServerRoot = {dir}
ServerThreads = 10
MaxClientConnections = 10

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 400
"""


@contextlib.contextmanager
def virtuoso_server(directory: Path, started: Started | None = None) -> Iterator[str]:
    """Virtuoso over a new database in `directory` (its own ini file, loopback ports), for a
    block; yields its base URL (/sparql; /sparql-auth and /sparql-graph-crud-auth with HTTP
    Digest for VIRTUOSO_USER, whose password is set at start). The settings are Debian's
    defaults, on two free ports."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    ini = directory / "virtuoso.ini"
    sql_port = free_port()
    ini.write_text(VIRTUOSO_INI.format(dir=directory, port=port, sql_port=sql_port))
    command = [str(VIRTUOSO), "+foreground", "+configfile", str(ini)]
    health = "/sparql?query=ASK%7B%7D"
    with running(
        command, directory / "server.log", health=health, port=port, started=started
    ) as server:
        user, default = VIRTUOSO_DEFAULT_USER
        change = f"exec=USER_SET_PASSWORD('{user}', '{VIRTUOSO_USER[1]}');"
        subprocess.run(
            [str(ISQL), f"127.0.0.1:{sql_port}", user, default, change],
            check=True,
            capture_output=True,
            timeout=30,
        )
        yield server.base
