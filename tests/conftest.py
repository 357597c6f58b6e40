"""Shared fixtures: the real project inputs, built once per session into a temporary directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pyoxigraph import Store

from peacekg.build import BuildResult, build
from peacekg.config import Settings
from peacekg.namespaces import Namespaces
from peacekg.store import open_store

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


def select(store: Store, query: str, ns: Namespaces) -> list[dict[str, str]]:
    """Run a SELECT on the union graph; rows as {variable: lexical value}."""
    result = store.query(query, use_default_graph_as_union=True, prefixes=ns.prefixes())
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]
