"""`/health`: a cheap probe for load balancers and tests: the graph version and worker state."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from peacekg.web import context

blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
def health() -> ResponseReturnValue:
    pool = context.pool()
    return jsonify(
        status="ok",
        graph_version=context.source().version(),
        workers=context.server().workers,
        workers_replaced=pool.replaced,
    )
