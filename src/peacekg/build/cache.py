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
import os
import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Quad, RdfFormat, parse, serialize

from peacekg.build.parts import Summary
from peacekg.files import write_atomically

PACKAGE = Path(__file__).resolve().parents[1]
SHAPING = (
    "peacekg.mapping.compiler",
    "peacekg.mapping.metadata",
    "peacekg.build.validation",
    "peacekg.build.consistency",
    "peacekg.build.parts",
)
"""Modules whose code decides an article's graph, whether it passes its checks, or what the
cache keeps of it (its metadata, what it entails: `peacekg.build.parts`, which imports the
reasoning)."""


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
        todo.extend(_imports(path))
    return sorted(seen.values())


_IMPORTS: dict[tuple[Path, int, int], list[str]] = {}
"""The modules a source file imports, by its path and stat: parsed once per process, and
again only if the file changed."""


def _imports(path: Path) -> list[str]:
    stat = path.stat()
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _IMPORTS:
        found: list[str] = []
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append(node.module)
                found.extend(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                found.extend(alias.name for alias in node.names)
        _IMPORTS[key] = found
    return _IMPORTS[key]


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
        """An entry's article graph, its references (from the summary of an entry made part
        by part: `put_parts`), and whether it was checked; None if there is none."""
        quads_path, refs_path, checked_path = self._paths(article_id, key)
        if not quads_path.is_file():
            return None
        try:
            if refs_path.is_file():
                references = set(json.loads(refs_path.read_text(encoding="utf-8")))
            elif summary := self.summary(article_id, key, verify=True):
                references = set(summary.references)
            else:
                return None
            quads = list(parse(path=quads_path, format=RdfFormat.N_QUADS))
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

    def part_paths(self, article_id: str, key: str) -> tuple[str, str, str]:
        """Where an entry's article graph, metadata node (N-Quads) and summary are (strings:
        a build asks this of every article)."""
        base = os.path.join(self.directory, article_id, key)
        return base + ".nq", base + ".meta.nq", base + ".summary.pickle"

    def checked(self, article_id: str, key: str) -> bool:
        """The entry was validated by a successful build (and is complete: `put_parts` writes
        the summary last, and a build marks only entries it wrote or read whole)."""
        return os.path.exists(os.path.join(self.directory, article_id, key + ".checked"))

    def signature(self, article_id: str, key: str) -> tuple[int, ...] | None:
        """Size and modification time of an entry's two parts, or None if one is missing: a
        part rewritten since (damaged, or by hand) has another, as git notices changed files."""
        try:
            stats = [os.stat(p) for p in self.part_paths(article_id, key)[:2]]
        except OSError:
            return None
        return tuple(n for st in stats for n in (st.st_size, st.st_mtime_ns, st.st_ino))

    def summary(self, article_id: str, key: str, verify: bool = False) -> Summary | None:
        """The summary of an entry's parts, or None (none yet, or damaged: a miss). With
        `verify`, the parts are read and must still be what the summary says."""
        graph, metadata, path = self.part_paths(article_id, key)
        try:
            found = pickle.loads(Path(path).read_bytes())  # our own file, by `put_parts`
            if not isinstance(found, Summary):
                return None
            if verify and (
                hashlib.sha256(Path(graph).read_bytes()).hexdigest() != found.graph
                or hashlib.sha256(Path(metadata).read_bytes()).hexdigest() != found.metadata
            ):
                return None
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            return None
        return found

    def part_quads(self, article_id: str, key: str) -> list[Quad]:
        """The quads of an entry's two parts (article graph, then metadata node)."""
        graph, metadata, _ = self.part_paths(article_id, key)
        return [
            *parse(path=graph, format=RdfFormat.N_QUADS),
            *parse(path=metadata, format=RdfFormat.N_QUADS),
        ]

    def put_parts(
        self,
        article_id: str,
        key: str,
        graph: bytes,
        metadata: bytes,
        references: set[str],
        summary: Summary,
    ) -> None:
        """Write an entry with its metadata node and summary (which holds its references),
        each file atomically and the summary last: an entry with a summary is complete."""
        graph_path, metadata_path, summary_path = map(Path, self.part_paths(article_id, key))
        graph_path.parent.mkdir(parents=True, exist_ok=True)
        for path, data in (
            (graph_path, graph),
            (metadata_path, metadata),
            (summary_path, pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL)),
        ):
            write_atomically(path, data)

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
