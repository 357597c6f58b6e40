"""The package follows the data: inputs -> mapping -> build -> releases -> endpoint -> web.

Build code never imports serving code and the reverse; the two meet only in
`peacekg.releases` (what a build leaves on disk). Checked on the import statements.
"""

from __future__ import annotations

import ast
from pathlib import Path

import peacekg

PACKAGE = Path(peacekg.__file__).parent
# stage -> the stages it may not import
FORBIDDEN = {
    "inputs": ("mapping", "build", "endpoint", "web", "wikidata"),
    "mapping": ("build", "endpoint", "web", "wikidata"),
    "build": ("endpoint", "web", "wikidata"),
    "endpoint": ("inputs", "mapping", "build", "wikidata"),
    "web": ("inputs", "mapping", "build", "wikidata"),
    # publishing reads releases only: never the build, and not the serving side
    "publish": ("inputs", "mapping", "build", "endpoint", "web", "wikidata"),
    # drafting writes inputs (seeds, draft mappings) for people to review: nothing downstream
    "drafting": ("build", "endpoint", "web", "publish", "wikidata"),
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_stages_import_only_upstream():
    crossings = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for stage, forbidden in FORBIDDEN.items()
        for path in sorted((PACKAGE / stage).glob("*.py"))
        for module in sorted(_imports(path))
        if module.split(".")[:2] in (["peacekg", other] for other in forbidden)
    ]
    assert crossings == []


def test_every_module_belongs_to_a_stage_or_is_shared():
    top = {p.stem for p in PACKAGE.glob("*.py")}
    assert top == {
        "__init__",
        "cli",  # the entry point: the one place every stage meets
        "config",
        "diagram",
        "errors",
        "escaping",  # SPARQL text every store reads alike: for publish and serve --backend
        "files",  # writing a file atomically, for the build's cache and the registry's editor
        "namespaces",
        "progress",
        "releases",  # the interface between build and endpoint
        "terms",
    }
