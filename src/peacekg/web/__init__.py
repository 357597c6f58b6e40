"""The web application: `create_app` wires one blueprint per concern around a query pool."""

from __future__ import annotations

from flask import Flask

from peacekg.config import ServerSettings, Settings
from peacekg.endpoint.pool import QueryPool
from peacekg.endpoint.served import GraphSource
from peacekg.namespaces import Namespaces
from peacekg.web import (
    editor,
    health,
    http,
    ontology_docs,
    pages,
    protocol,
    resources,
    void,
)


def create_app(
    settings: ServerSettings,
    source: GraphSource,
    pool: QueryPool | None = None,
    project: Settings | None = None,
) -> Flask:
    """The endpoint app over `source`; starts its own query workers unless given a pool."""
    app = Flask(__name__)
    project = project or Settings.from_env()
    ns = Namespaces(project.base_iri)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        PEACEKG_SERVER=settings,
        PEACEKG_SOURCE=source,
        PEACEKG_POOL=pool
        or QueryPool(
            source.store_path,
            settings.workers,
            settings.timeout,
            ns.prefixes(),
            settings.worker_memory,
        ),
        PEACEKG_NAMESPACES=ns,
        PEACEKG_PROJECT=project,
    )
    http.install(app)
    for blueprint in (health, protocol, pages, resources, void, ontology_docs, editor):
        app.register_blueprint(blueprint.blueprint)
    return app
