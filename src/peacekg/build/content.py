"""What a release holds, as digests that depend on its content only, and what changed since the
release before it.

Blank nodes get fresh labels each time a file is parsed (the ontology's OWL restrictions have
them), so the dumps of two builds of the same inputs differ in their bytes while holding the same
graph. Digests are therefore taken of canonical forms:

- the release's **content digest** is the SHA-256 of its canonical N-Quads (RDFC-1.0, lines
  sorted), which any RDFC-1.0 implementation can recompute from `peacekg.nq.gz`;
- to compare two releases statement by statement, each blank node is named after its own
  blank-node component (canonicalised alone), so a change elsewhere does not rename it.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import (
    BlankNode,
    CanonicalizationAlgorithm,
    Dataset,
    Quad,
    RdfFormat,
    parse,
)

from peacekg.build.cache import code_files, digest
from peacekg.config import Settings
from peacekg.namespaces import Namespaces

INPUTS = ("seeds", "mappings", "ontology", "shapes")
"""The project folders a release is made from (its code is the other input)."""


@dataclass(frozen=True)
class Content:
    """A release's content in comparable form."""

    digest: str
    """SHA-256 of the canonical N-Quads (RDFC-1.0)."""
    articles: dict[str, str]
    """Article id -> digest of its graph and of its node in the metadata graph."""
    triples: frozenset[str]
    """The union of all graphs, one N-Triples line per triple, blank nodes named stably."""


def summarise(quads: Iterable[Quad], ns: Namespaces) -> Content:
    """The content of a release from its quads (asserted and inferred)."""
    unique = list(dict.fromkeys(quads))
    canonical = Dataset(unique)
    canonical.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    named = list(_stably_named(unique))
    return Content(
        digest=_lines_digest(f"{q} .\n" for q in canonical),
        articles=_article_digests(named, ns),
        triples=frozenset(str(q.triple) for q in named),
    )


def summarise_dump(path: Path, ns: Namespaces) -> Content:
    """The content of a release from its gzipped N-Quads dump."""
    with gzip.open(path) as handle:
        return summarise(parse(handle.read(), format=RdfFormat.N_QUADS), ns)


def changes(before: Content, after: Content) -> dict[str, object]:
    """Articles added, changed and removed; triples of the union added and removed."""
    old, new = before.articles, after.articles
    return {
        "articles": {
            "added": sorted(new.keys() - old.keys()),
            "changed": sorted(a for a in new.keys() & old.keys() if new[a] != old[a]),
            "removed": sorted(old.keys() - new.keys()),
        },
        "triples": {
            "added": len(after.triples - before.triples),
            "removed": len(before.triples - after.triples),
        },
    }


def input_digests(settings: Settings) -> dict[str, str]:
    """A digest of each input folder (every file's path and bytes) and of the code that shapes
    the graph: what the build's provenance says it used."""
    found = {name: _folder_digest(settings.root / name) for name in INPUTS}
    found["code"] = digest(*(path.read_bytes() for path in code_files()))
    return found


def _folder_digest(folder: Path) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    return digest(
        *(
            part
            for p in files
            for part in (p.relative_to(folder).as_posix().encode(), p.read_bytes())
        )
    )


def _lines_digest(lines: Iterable[str]) -> str:
    h = hashlib.sha256()
    for line in sorted(lines):
        h.update(line.encode())
    return h.hexdigest()


def _article_digests(quads: list[Quad], ns: Namespaces) -> dict[str, str]:
    graph_prefix, node_prefix = ns.graph("article/").value, ns.id("article/").value
    metadata = ns.graph("metadata")
    lines: dict[str, list[str]] = defaultdict(list)
    for quad in quads:
        if quad.graph_name.value.startswith(graph_prefix):
            lines[quad.graph_name.value[len(graph_prefix) :]].append(str(quad))
        elif quad.graph_name == metadata and quad.subject.value.startswith(node_prefix):
            lines[quad.subject.value[len(node_prefix) :]].append(str(quad))
    return {article: _lines_digest(lines[article]) for article in sorted(lines)}


def _stably_named(quads: list[Quad]) -> Iterator[Quad]:
    """The quads with every blank node named after its component: the quads that blank nodes
    joined to it through other blank nodes are in, canonicalised on their own. Isomorphic
    components get the same name and a running number, which makes them interchangeable."""
    components = _blank_components(quads)
    seen: Counter[str] = Counter()
    for component in components:
        canonical = Dataset(component)
        canonical.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
        name = _lines_digest(str(q) for q in canonical)[:16]
        seen[name] += 1
        prefix = f"{name}n{seen[name]}"
        for quad in canonical:
            yield Quad(*(_renamed(t, prefix) for t in quad))  # type: ignore[arg-type]
    yield from (q for q in quads if not _blanks(q))


def _renamed(term: object, prefix: str) -> object:
    return BlankNode(prefix + term.value) if isinstance(term, BlankNode) else term


def _blanks(quad: Quad) -> list[BlankNode]:
    return [t for t in (quad.subject, quad.object, quad.graph_name) if isinstance(t, BlankNode)]


def _blank_components(quads: list[Quad]) -> list[list[Quad]]:
    """The quads with blank nodes, grouped by the connected blank nodes they hold."""
    parent: dict[BlankNode, BlankNode] = {}

    def root(node: BlankNode) -> BlankNode:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    with_blanks = [(q, b) for q in quads if (b := _blanks(q))]
    for _quad, blanks in with_blanks:
        for other in blanks[1:]:
            parent[root(other)] = root(blanks[0])
    groups: dict[BlankNode, list[Quad]] = defaultdict(list)
    for quad, blanks in with_blanks:
        groups[root(blanks[0])].append(quad)
    return list(groups.values())
