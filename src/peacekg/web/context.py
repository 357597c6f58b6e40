"""Typed access to what `create_app` put in the app config, for the blueprints."""

from __future__ import annotations

from flask import current_app

from peacekg.config import ServerSettings
from peacekg.endpoint.pool import QueryPool
from peacekg.endpoint.served import GraphSource
from peacekg.namespaces import Namespaces


def server() -> ServerSettings:
    return current_app.config["PEACEKG_SERVER"]


def source() -> GraphSource:
    return current_app.config["PEACEKG_SOURCE"]


def pool() -> QueryPool:
    return current_app.config["PEACEKG_POOL"]


def namespaces() -> Namespaces:
    return current_app.config["PEACEKG_NAMESPACES"]
