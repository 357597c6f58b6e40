"""`peacekg serve`: the endpoint on waitress, a production WSGI server (set up by
web.connections), over the built graph or over RDF files given with --data; with --backend,
queries go to a remote store instead."""

from __future__ import annotations

import logging
import shutil
import signal
import sys

from peacekg.config import ServerSettings, Settings
from peacekg.endpoint.pool import Pool, QueryPool
from peacekg.endpoint.remote import RemotePool
from peacekg.endpoint.served import GraphSource, load_data_files
from peacekg.namespaces import Namespaces
from peacekg.releases import current_release, open_store
from peacekg.web import create_app
from peacekg.web.connections import create_server

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


def serve(project: Settings, server: ServerSettings) -> None:
    source = _source(project, server)
    pool = _pool(source, server, Namespaces(project.base_iri).prefixes())
    app = create_app(server, source, pool, project)
    answered = f" (queries answered by {server.backend})" if server.backend else ""
    print(
        f"serving {source.version()} on http://{server.host}:{server.port}/sparql{answered}",
        flush=True,
    )
    # SIGTERM (a service manager stopping us) must run the clean-up below like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        create_server(app, server).run()
    finally:
        pool.close()
        if source.data_store is not None:
            shutil.rmtree(source.data_store, ignore_errors=True)
