"""The web application: `create_app` wires one blueprint per concern around a query pool."""

from __future__ import annotations

from flask import Flask

from peacekg.config import ServerSettings, Settings
from peacekg.endpoint.fairness import ClientGate
from peacekg.endpoint.pool import Pool
from peacekg.endpoint.served import GraphSource
from peacekg.namespaces import Namespaces
from peacekg.web import (
    dumps,
    editor,
    health,
    http,
    metrics,
    ontology_docs,
    pages,
    protocol,
    resources,
    void,
)
from peacekg.web.answers import Answers
from peacekg.web.prepared import PreparedRequests
from peacekg.web.state import EXTENSION, AppState

LARGEST_ANSWER = 8 << 20
"""Bytes of the largest answer kept (web.answers): a bigger one is rare and cheap to redo."""


def create_app(
    settings: ServerSettings, source: GraphSource, pool: Pool, project: Settings
) -> Flask:
    """The endpoint app over `source`, configured by its arguments alone. The caller owns the
    pool (the server's worker processes, or an in-process pool in tests) and closes it."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    namespaces = Namespaces(project.base_iri)
    gate = ClientGate(settings.client_queries, settings.timeout)
    answers = Answers(settings.answer_cache_mb << 20, LARGEST_ANSWER)
    prepared = None if settings.backend else PreparedRequests(source, namespaces.prefixes())
    app.extensions[EXTENSION] = AppState(
        settings, project, namespaces, source, pool, gate, answers, prepared
    )
    http.install(app)
    blueprints = (health, metrics, protocol, pages, dumps, resources, void, ontology_docs, editor)
    for blueprint in blueprints:
        app.register_blueprint(blueprint.blueprint)
    return app
