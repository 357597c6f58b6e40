"""`peacekg serve`: the endpoint on waitress, a production WSGI server, over the built graph or
over RDF files given with --data."""

from __future__ import annotations

import logging
import shutil
import signal
import sys

import waitress

from peacekg.config import ServerSettings, Settings
from peacekg.endpoint.pool import QueryPool
from peacekg.endpoint.served import GraphSource, load_data_files
from peacekg.namespaces import Namespaces
from peacekg.releases import open_store
from peacekg.web import create_app

log = logging.getLogger("peacekg")


def serve(project: Settings, server: ServerSettings) -> None:
    if server.data_files:
        source = load_data_files(server.data_files)
    else:
        open_store(project.output_dir)  # fail now, clearly, if nothing (readable) is built
        source = GraphSource(build_dir=project.output_dir)
    prefixes = Namespaces(project.base_iri).prefixes()
    pool = QueryPool(
        source.store_path, server.workers, server.timeout, prefixes, server.worker_memory
    )
    app = create_app(server, source, pool, project)
    print(f"serving {source.version()} on http://{server.host}:{server.port}/sparql", flush=True)
    # SIGTERM (a service manager stopping us) must run the clean-up below like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        waitress.serve(
            app,
            host=server.host,
            port=server.port,
            threads=server.threads,
            ident="peacekg",
            clear_untrusted_proxy_headers=True,
        )
    finally:
        pool.close()
        if source.data_store is not None:
            shutil.rmtree(source.data_store, ignore_errors=True)
