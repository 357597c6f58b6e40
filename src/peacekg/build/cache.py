"""A content-addressed cache of compiled article graphs, so a rebuild redoes only what changed.

An article's entry is keyed by the hash of everything its graph depends on: its text and
metadata, its mapping, the registry, the ontology, the shapes, the base IRI and the compiler
itself. An entry is marked *checked* only after a build that validated it succeeded, so a
rebuild re-validates exactly the articles whose inputs changed (and everything when the
registry, ontology, shapes or code change, since those are in every key).
"""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Quad, RdfFormat, parse, serialize

from peacekg.files import write_atomically

PACKAGE = Path(__file__).resolve().parents[1]
SHAPING = (
    "peacekg.mapping.compiler",
    "peacekg.mapping.metadata",
    "peacekg.build.validation",
    "peacekg.build.consistency",
)
"""Modules whose code decides an article's graph or whether it passes its checks."""


def code_files(roots: tuple[str, ...] = SHAPING) -> list[Path]:
    """The source files of `roots` and of every peacekg module they import, transitively.

    Read from the import statements, so a module that starts to shape the output is in every
    cache key as soon as it is imported, with no list to keep by hand.
    """
    seen: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        path = _source(name)
        if name in seen or path is None:
            continue
        seen[name] = path
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                todo.append(node.module)
                todo.extend(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                todo.extend(alias.name for alias in node.names)
    return sorted(seen.values())


def _source(module: str) -> Path | None:
    """The file of one of our modules (a package's __init__.py), or None for anything else."""
    if module != "peacekg" and not module.startswith("peacekg."):
        return None
    base = PACKAGE.joinpath(*module.split(".")[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def shared_inputs(root: Path, base_iri: str) -> bytes:
    """What every article's graph depends on: registry, ontology, shapes, compiler, base IRI."""
    files = [
        root / "mappings" / "registry.yaml",
        *sorted((root / "ontology").glob("*.ttl")),
        *sorted((root / "shapes").glob("*.ttl")),
        *code_files(),
    ]
    return digest(base_iri.encode(), *(f.read_bytes() for f in files if f.is_file())).encode()


@dataclass(frozen=True)
class Entry:
    quads: list[Quad]
    references: set[str]
    checked: bool


class ArticleCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.parsed = directory.with_name(directory.name + "-yaml")
        """Where parsed YAML is kept (peacekg.inputs.located.load_yaml); not an article's."""

    def _paths(self, article_id: str, key: str) -> tuple[Path, Path, Path]:
        folder = self.directory / article_id
        return folder / f"{key}.nq", folder / f"{key}.refs.json", folder / f"{key}.checked"

    def get(self, article_id: str, key: str) -> Entry | None:
        quads_path, refs_path, checked_path = self._paths(article_id, key)
        if not (quads_path.is_file() and refs_path.is_file()):
            return None
        try:
            quads = list(parse(path=quads_path, format=RdfFormat.N_QUADS))
            references = set(json.loads(refs_path.read_text(encoding="utf-8")))
        except (SyntaxError, ValueError, OSError):
            return None  # a damaged entry is a miss, never an error
        return Entry(quads, references, checked_path.exists())

    def put(self, article_id: str, key: str, quads: list[Quad], references: set[str]) -> None:
        """Write an entry atomically (a crash leaves no half-written entry behind)."""
        quads_path, refs_path, _ = self._paths(article_id, key)
        quads_path.parent.mkdir(parents=True, exist_ok=True)
        for path, data in (
            (quads_path, serialize(quads, format=RdfFormat.N_QUADS)),
            (refs_path, json.dumps(sorted(references)).encode()),
        ):
            write_atomically(path, data or b"")

    def mark_checked(self, article_id: str, key: str) -> None:
        """After a successful build: this entry passed validation; older entries go."""
        quads_path, _, checked_path = self._paths(article_id, key)
        checked_path.touch()
        for stale in quads_path.parent.iterdir():
            if not stale.name.startswith(key):
                stale.unlink(missing_ok=True)

    def prune(self, keep: set[str]) -> None:
        """Forget articles that are no longer mapped."""
        if self.directory.is_dir():
            for folder in self.directory.iterdir():
                if folder.name not in keep:
                    shutil.rmtree(folder, ignore_errors=True)
