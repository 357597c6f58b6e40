"""`peacekg serve`: the endpoint on granian (web.connections) behind its front (web.front),
over the built graph or over RDF files given with --data; with --backend, queries go to a
remote store instead. What is served is checked here, before the server starts; the query pool
and the app are made in the server's worker process, all of it on the configured allocator."""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
from functools import partial

from peacekg.config import ServerSettings, Settings
from peacekg.endpoint.pool import Pool, QueryPool
from peacekg.endpoint.remote import RemotePool
from peacekg.endpoint.served import GraphSource, load_data_files
from peacekg.namespaces import Namespaces
from peacekg.releases import current_release, open_store
from peacekg.web import create_app
from peacekg.web.connections import run
from peacekg.web.front import Front
from peacekg.web.state import EXTENSION

log = logging.getLogger("peacekg")


def _source(project: Settings, server: ServerSettings) -> GraphSource:
    """What is served: --data files, or the build directory's current release (with --backend,
    only its manifest and dumps are read; the remote holds the store)."""
    if server.data_files:
        if server.backend:
            raise ValueError("--data and --backend exclude each other: serve one or the other")
        return load_data_files(server.data_files)
    if server.backend:
        current_release(project.output_dir)  # fail now, clearly, if no release is there
    else:
        open_store(project.output_dir)  # fail now, clearly, if nothing (readable) is built
    return GraphSource(build_dir=project.output_dir)


def _pool(source: GraphSource, server: ServerSettings, prefixes: dict[str, str]) -> Pool:
    """Worker processes over the embedded store, or requests to the --backend store."""
    if not server.backend:
        return QueryPool(
            source.store_path,
            server.workers,
            server.timeout,
            prefixes,
            server.worker_memory,
            server.client_share,
            server.client_seconds,
            server.query_memory_mb << 20,
        )
    remote = RemotePool(
        server.backend,
        server.timeout,
        prefixes,
        source.graph_names,
        server.workers,
        server.backend_dialect,
        server.client_share,
        server.client_seconds,
    )
    remote.check()
    return remote


def _front(project: Settings, server: ServerSettings, source: GraphSource) -> Front:
    """The app as the server's worker process runs it: its own query pool, closed with it."""
    pool = _pool(source, server, Namespaces(project.base_iri).prefixes())
    app = create_app(server, source, pool, project)
    kept = app.extensions[EXTENSION]
    return Front(app, server, kept.answers, source.version, pool.close, kept.prepared)


def _run_on(allocator: str) -> None:
    """Run this very command again with `allocator` preloaded, unless it already is: a process
    takes its malloc when it starts, and every process of the server (granian's, the web
    process, which reruns cheap queries itself, and the query workers it spawns) inherits the
    environment. Oxigraph evaluates a quarter to a third faster on jemalloc (bench/README.md)."""
    preloaded = os.environ.get("LD_PRELOAD", "")
    if not allocator or allocator in re.split(r"[\s:]+", preloaded):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    environment = {**os.environ, "LD_PRELOAD": f"{allocator} {preloaded}".strip()}
    os.execve(sys.executable, sys.orig_argv, environment)


def serve(project: Settings, server: ServerSettings) -> None:
    _run_on(server.allocator)
    source = _source(project, server)
    if server.backend:  # fail now, clearly, if the remote store does not answer
        _pool(source, server, {}).close()
    answered = (
        f" (queries answered by {server.backend})"
        if server.backend
        else f" (on {server.allocator or 'the system malloc'})"
    )
    print(
        f"serving {source.version()} on http://{server.host}:{server.port}/sparql{answered}",
        flush=True,
    )
    try:
        run(server, partial(_front, project, server, source))
    finally:
        if source.data_store is not None:
            shutil.rmtree(source.data_store, ignore_errors=True)
