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

import bisect
import contextlib
import gzip
import hashlib
import os
import pickle
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
from peacekg.files import write_atomically
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


def input_digests(settings: Settings, known: Path | None = None) -> dict[str, str]:
    """A digest of each input folder and of the code that shapes the graph: what the build's
    provenance says it used. A folder's digest is the SHA-256 over its files in name order,
    each one's path and the SHA-256 of its bytes, each prefixed by its length (`digest`).

    With `known` (a file of this function's), a file whose size, times and inode are those
    recorded there is not read again: a rebuild reads the files that changed, not the tens of
    thousands of a corpus."""
    seen: dict[str, tuple[tuple[int, ...], bytes]] = {}
    if known is not None:
        with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, ValueError):
            seen = pickle.loads(known.read_bytes())  # our own file, written below
    now: dict[str, tuple[tuple[int, ...], bytes]] = {}
    found = {name: _folder_digest(settings.root / name, seen, now) for name in INPUTS}
    found["code"] = digest(*(path.read_bytes() for path in code_files()))
    if known is not None and now != seen:
        write_atomically(known, pickle.dumps(now, protocol=pickle.HIGHEST_PROTOCOL))
    return found


def _folder_digest(
    folder: Path,
    seen: dict[str, tuple[tuple[int, ...], bytes]],
    now: dict[str, tuple[tuple[int, ...], bytes]],
) -> str:
    """The digest of a folder (`input_digests`), with the files' digests from `seen` where
    their signature did not change, and every file's digest noted in `now`."""
    files = sorted(_files(os.fspath(folder)), key=lambda f: f[0].split("/"))
    parts: list[bytes] = []
    for relative, entry in files:
        st = entry.stat()
        signature = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        known = seen.get(entry.path)
        if known is None or known[0] != signature:
            known = signature, hashlib.sha256(_read(entry.path)).digest()
        now[entry.path] = known
        parts += [relative.encode(), known[1].hex().encode()]
    return digest(*parts)


def _files(base: str, inner: str = "") -> Iterator[tuple[str, os.DirEntry[str]]]:
    """The files under `base` (symbolic links to files included, to folders not followed),
    by their path relative to it with "/": one stat each, from the directory listing (the
    corpus has tens of thousands)."""
    try:
        entries = os.scandir(os.path.join(base, inner) if inner else base)
    except OSError:
        return
    with entries:
        for entry in entries:
            relative = f"{inner}/{entry.name}" if inner else entry.name
            if entry.is_dir(follow_symlinks=False):
                yield from _files(base, relative)
            elif entry.is_file():
                yield relative, entry


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


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


# ---------------------------------------------------------------- from parts


def canonical_nquads(quads: Iterable[Quad]) -> bytes:
    """The quads' canonical N-Quads (RDFC-1.0), a line each, in no order: the lines the
    content digest sorts. A part whose blank nodes are all its own (the shared graphs: no
    article has any) is canonicalised alone to the same lines as within the whole dataset,
    since RDFC-1.0 labels a blank node from the quads that name blank nodes only."""
    canonical = Dataset(list(dict.fromkeys(quads)))
    canonical.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return "".join(f"{q} .\n" for q in canonical).encode()


BUCKET_BYTES = 1 << 20
"""About how many bytes of the sorted lines one bucket of `SortedLines` holds."""
Buckets = list[tuple[bytes, str]]
"""The sorted lines of a release's content as files: (first line, file name), in order."""


def digest_of_parts(
    directory: Path,
    buckets: Buckets | None,
    removed: list[bytes],
    added: list[bytes],
    paths: list[str],
) -> tuple[str, Buckets]:
    """The content digest (`summarise`): the SHA-256 of the canonical N-Quads lines, sorted.

    The sorted lines are kept in `directory`, cut into buckets of about `BUCKET_BYTES` named
    by their content, so that a rebuild removes and adds the lines of what changed in the few
    buckets where they fall instead of sorting a million lines again; then it hashes the
    buckets in order. Without the last build's buckets (`buckets` None, or a file gone), the
    lines are read from `paths` (the parts' canonical N-Quads) and sorted. The digest and the
    new buckets (`forget_buckets` removes the others once the build succeeded); runs in a
    process of its own."""
    directory.mkdir(parents=True, exist_ok=True)
    if buckets is None or not all((directory / name).is_file() for _, name in buckets):
        lines: list[bytes] = []
        for path in paths:
            lines += Path(path).read_bytes().splitlines(keepends=True)
        lines.sort()
        new = _cut(directory, lines)
    else:
        new = _edit(
            directory, buckets, sorted(set(removed) - set(added)), sorted(set(added) - set(removed))
        )
    h = hashlib.sha256()
    for _, name in new:
        h.update((directory / name).read_bytes())
    return h.hexdigest(), new


def forget_buckets(directory: Path, buckets: Buckets) -> None:
    """After a successful build: remove the bucket files other than `buckets` (those of the
    last build stay until then, for the next one to edit if this one fails)."""
    keep = {name for _, name in buckets}
    for entry in directory.iterdir():
        if entry.name not in keep and not entry.name.startswith("."):
            entry.unlink(missing_ok=True)


def release_digests(
    directory: Path,
    buckets: Buckets | None,
    removed: list[bytes],
    added: list[bytes],
    paths: list[str],
    settings: Settings,
    known: Path,
) -> tuple[str, Buckets, dict[str, str]]:
    """`digest_of_parts`, and the inputs' digests (`input_digests`, its file's digests kept in
    `known`): what a release's manifest says it holds and was made from, computed in one
    process of its own beside the build."""
    digest, new = digest_of_parts(directory, buckets, removed, added, paths)
    return digest, new, input_digests(settings, known)


def _cut(directory: Path, lines: list[bytes]) -> Buckets:
    """Sorted lines written as buckets of about BUCKET_BYTES."""
    buckets: Buckets = []
    start, size = 0, 0
    for end, line in enumerate(lines, 1):
        size += len(line)
        if size >= BUCKET_BYTES or end == len(lines):
            buckets.append(_bucket(directory, lines[start:end]))
            start, size = end, 0
    return buckets or [_bucket(directory, [])]


def _bucket(directory: Path, lines: list[bytes]) -> tuple[bytes, str]:
    data = b"".join(lines)
    name = hashlib.sha256(data).hexdigest() + ".lines"
    if not (directory / name).is_file():
        write_atomically(directory / name, data)
    return (lines[0] if lines else b""), name


def _edit(directory: Path, buckets: Buckets, removed: list[bytes], added: list[bytes]) -> Buckets:
    """The buckets with `removed` lines taken out and `added` put in, each bucket rewritten
    only if a line of it changed (and cut again if it grew past twice its size)."""
    firsts = [first for first, _ in buckets]
    edits: dict[int, tuple[list[bytes], list[bytes]]] = {}
    for index, lines in ((0, removed), (1, added)):
        for line in lines:
            at = max(0, bisect.bisect_right(firsts, line) - 1)
            edits.setdefault(at, ([], []))[index].append(line)
    new: Buckets = []
    for at, (first, name) in enumerate(buckets):
        if at not in edits:
            new.append((first, name))
            continue
        out, into = edits[at]
        lines = (directory / name).read_bytes().splitlines(keepends=True)
        gone = set(out)
        lines = sorted([line for line in lines if line not in gone] + into)
        if not lines:
            continue
        if sum(map(len, lines)) > 2 * BUCKET_BYTES:
            new += _cut(directory, lines)
        else:
            new.append(_bucket(directory, lines))
    if new and new[0][0] != b"":  # the first bucket takes every line sorted before the rest
        new[0] = (b"", new[0][1])
    return new or [_bucket(directory, [])]


def triples_of(lines: Iterable[bytes]) -> set[str]:
    """The triples of N-Quads lines without blank nodes, as `summarise` writes them."""
    return {line.rstrip(b" .\n").rpartition(b" <")[0].decode() for line in lines if line}


def stable_triples(quads: Iterable[Quad]) -> set[str]:
    """The triples of quads that may have blank nodes, named stably (`summarise`)."""
    return {str(q.triple) for q in _stably_named(list(dict.fromkeys(quads)))}


def part_changes(
    before: dict[str, str],
    after: dict[str, str],
    removed: set[str],
    added: set[str],
) -> dict[str, object]:
    """`changes` from the article digests of two releases and the triples of the parts that
    differ between them (each triple is in one part only: peacekg.build.parts)."""
    return {
        "articles": {
            "added": sorted(after.keys() - before.keys()),
            "changed": sorted(a for a in after.keys() & before.keys() if after[a] != before[a]),
            "removed": sorted(before.keys() - after.keys()),
        },
        "triples": {"added": len(added - removed), "removed": len(removed - added)},
    }
