"""`/health`: a cheap probe for load balancers and tests: the graph version and worker state."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from peacekg.web.state import state

blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
def health() -> ResponseReturnValue:
    app = state()
    return jsonify(
        status="ok",
        graph_version=app.source.version(),
        workers=app.settings.workers,
        workers_replaced=app.pool.replaced,
    )
