"""Shared fixtures: the real project inputs, built once per session into a temporary directory."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser
from pyoxigraph import Quad, Store

from peacekg.build.dataset import assemble
from peacekg.build.pipeline import BuildResult, build
from peacekg.build.reasoning import materialise
from peacekg.config import ServerSettings, Settings
from peacekg.endpoint.pool import InProcessPool
from peacekg.endpoint.served import GraphSource
from peacekg.namespaces import Namespaces
from peacekg.releases import open_store
from peacekg.web import create_app
from support import INPUTS, ROOT
from support.browser import chromium
from support.serving import serve

SITE_LOG_LINES = 40
"""The last lines of the shared server's log that a failing test using it prints."""
SITE_LOGS: list[Path] = []


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, BuildResult]:
    """The real graph, built from the checked-in inputs into a throwaway build directory."""
    settings = Settings(root=ROOT, build_dir=tmp_path_factory.mktemp("build"))
    return settings, build(settings)


@pytest.fixture(scope="session")
def store(built: tuple[Settings, BuildResult]) -> Store:
    return open_store(built[0].output_dir)


@pytest.fixture(scope="session")
def ns() -> Namespaces:
    return Namespaces()


@pytest.fixture
def project(tmp_path: Path) -> Settings:
    """A private copy of the project's inputs that a test may break without harming others."""
    for name in INPUTS:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, tmp_path / name)
    return Settings(root=tmp_path, build_dir=tmp_path / "build")


@pytest.fixture(scope="session")
def site(
    built: tuple[Settings, BuildResult], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The real endpoint (`peacekg serve`, default settings) over the built graph; its log is
    printed with any failure of a test that uses it (pytest_runtest_makereport below)."""
    log = tmp_path_factory.mktemp("site") / "serve.log"
    with serve("--build-dir", str(built[0].output_dir), "serve", log=log) as running:
        SITE_LOGS.append(log)
        yield running.base


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """A failing test that used the shared server shows the end of that server's log."""
    report = yield
    if report.failed and "site" in getattr(item, "fixturenames", ()) and SITE_LOGS:
        lines = SITE_LOGS[-1].read_text(errors="replace").splitlines()[-SITE_LOG_LINES:]
        report.sections.append(("peacekg serve log (its last lines)", "\n".join(lines)))
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (see tests/support/browser.py)."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def real_quads() -> list[Quad]:
    """The real graph, asserted and inferred, in memory: the base of the bad-data examples."""
    quads = assemble(Settings(root=ROOT)).quads
    return quads + materialise(quads, Namespaces())


@pytest.fixture(scope="session")
def web_app(built: tuple[Settings, BuildResult]) -> Iterator[Flask]:
    """The endpoint app over the real graph, its queries answered in this process (no server,
    no worker processes): the fast tier for HTTP rules, pages and renderers."""
    settings, _ = built
    source = GraphSource(build_dir=settings.output_dir)
    pool = InProcessPool(source.store_path, Namespaces(settings.base_iri).prefixes())
    yield create_app(ServerSettings(), source, pool, settings)
    pool.close()


@pytest.fixture
def client(web_app: Flask) -> FlaskClient:
    """A Flask test client of `web_app`."""
    return web_app.test_client()
