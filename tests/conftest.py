"""Shared fixtures: the real project inputs, built once per session into a temporary directory."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from pyoxigraph import Quad, Store

from browser import chromium
from peacekg.build import BuildResult, build
from peacekg.config import Settings
from peacekg.dataset import assemble
from peacekg.namespaces import Namespaces
from peacekg.reasoning import materialise
from peacekg.store import open_store
from peacekg.validation import Problem, Report, validate
from serving import running_server

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
INPUTS = ("seeds", "mappings", "ontology", "shapes", "queries")


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
def site(built: tuple[Settings, BuildResult]) -> Iterator[str]:
    """The real endpoint (`peacekg serve`, default settings) over the built graph."""
    with running_server("--build-dir", str(built[0].output_dir), "serve") as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (see tests/browser.py)."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def real_quads() -> list[Quad]:
    """The real graph, asserted and inferred, in memory: the base of the bad-data examples."""
    quads = assemble(Settings(root=ROOT)).quads
    return quads + materialise(quads, Namespaces())


def validate_after(real_quads: list[Quad], update: str) -> Report:
    """Validate the real graph after one SPARQL UPDATE (our prefixes declared)."""
    prefixes = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in Namespaces().prefixes().items())
    store = Store()
    store.extend(real_quads)
    store.update(prefixes + update)
    return validate(list(store), ROOT / "shapes", Namespaces())


def caught(real_quads: list[Quad], update: str, path: str, words: str) -> Problem:
    """The violation a bad example (one SPARQL UPDATE) must cause: on `path` (any if empty)
    with `words` in its message; fails with the whole report if there is none."""
    report = validate_after(real_quads, update)
    matching = [v for v in report.violations if (not path or v.path == path) and words in v.message]
    assert matching, report.text()
    return matching[0]


def select(store: Store, query: str, ns: Namespaces) -> list[dict[str, str]]:
    """Run a SELECT on the union graph; rows as {variable: lexical value}."""
    result = store.query(query, use_default_graph_as_union=True, prefixes=ns.prefixes())
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]
