"""Dumps to download: all graphs (TriG, N-Quads) and their union (Turtle, N-Triples).

Statements come in the order the build makes them (ontology, registry, article metadata, each
article in turn, inferred), which is stable from build to build, so dumps diff cleanly with
no sort: Oxigraph's writers stream the quads as they come, and sorting them as strings in
Python would cost more than all the writing. Blank nodes are numbered in that order too
(`numbered_blank_nodes`), so the same content gives the same bytes, and a release's checksums
are those of any rebuild of it.

A build that goes part by part (peacekg.build.parts) writes each dump as chunks of parts, kept
by what they hold, and concatenates them (`write_part_dumps`): a rebuild writes only the chunks
with a changed part. Those dumps hold the same statements in the same order; a TriG graph may
be split into several blocks, and each gzipped dump is a series of gzip members.
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from peacekg.build.parts import ESCAPED
from peacekg.files import write_atomically

DUMPS = {
    "peacekg.trig": "all named graphs, TriG",
    "peacekg.nq.gz": "all named graphs, gzipped N-Quads",
    "peacekg.ttl": "union of all graphs without graph names, Turtle",
    "peacekg.nt.gz": "union of all graphs without graph names, gzipped N-Triples",
}


def numbered_blank_nodes(quads: list[Quad]) -> list[Quad]:
    """The quads with blank nodes named b0, b1, ... in order of first appearance, instead of
    the random names a parser gives them (the ontology's restrictions), one name per node."""
    names: dict[BlankNode, BlankNode] = {}

    def named(term: object) -> object:
        if not isinstance(term, BlankNode):
            return term
        return names.setdefault(term, BlankNode(f"b{len(names)}"))

    return [
        Quad(*(named(t) for t in q))  # type: ignore[arg-type]
        if any(isinstance(t, BlankNode) for t in q)
        else q
        for q in quads
    ]


def _union(quads: Iterable[Quad]) -> list[Triple]:
    """Distinct triples across graphs, each where it first occurs."""
    return list(dict.fromkeys(q.triple for q in quads))


def plain_prefixes(quads: list[Quad], prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes under which every IRI of the data is a plain prefixed name.

    A local name such as `kazakhstan#wikidata` is valid Turtle only escaped, `place:x\\#wikidata`,
    and some stores (Virtuoso) keep the backslash in the IRI; a namespace that would need such
    an escape is left out, so its IRIs are written in full and load the same everywhere."""
    names = sorted(
        {
            t.value
            for q in quads
            for t in (q.subject, q.predicate, q.object, q.graph_name)
            if isinstance(t, NamedNode)
        }
    )

    def plain(namespace: str) -> bool:
        start = bisect.bisect_left(names, namespace)
        end = bisect.bisect_left(names, namespace + "\U0010ffff")
        return not any(ESCAPED.search(n, len(namespace)) for n in names[start:end])

    return {prefix: namespace for prefix, namespace in prefixes.items() if plain(namespace)}


def write_dumps(
    quads: Iterable[Quad], directory: Path, prefixes: dict[str, str]
) -> dict[str, dict[str, object]]:
    """Write every dump; return file name -> size, statement count, SHA-256, description.

    Quads of one graph should come together: TriG writes a block each time the graph changes.
    """
    directory.mkdir(parents=True, exist_ok=True)
    ordered = list(dict.fromkeys(quads))
    triples = _union(ordered)
    plain = plain_prefixes(ordered, prefixes)
    serialize(ordered, directory / "peacekg.trig", RdfFormat.TRIG, prefixes=plain)
    serialize(triples, directory / "peacekg.ttl", RdfFormat.TURTLE, prefixes=plain)
    # mtime=0 keeps the gzip bytes identical for identical content (reproducible dumps);
    # level 6, gzip's own default: close to the size of Python's default 9 in far less time.
    for name, data, fmt in (
        ("peacekg.nq.gz", ordered, RdfFormat.N_QUADS),
        ("peacekg.nt.gz", triples, RdfFormat.N_TRIPLES),
    ):
        with (
            open(directory / name, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=6) as gz,
        ):
            serialize(data, gz, fmt)
    counts = {
        "peacekg.trig": len(ordered),
        "peacekg.nq.gz": len(ordered),
        "peacekg.ttl": len(triples),
        "peacekg.nt.gz": len(triples),
    }
    manifest: dict[str, dict[str, object]] = {}
    for name, description in DUMPS.items():
        path = directory / name
        manifest[name] = {
            "bytes": path.stat().st_size,
            "statements": counts[name],
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "description": description,
        }
    return manifest


def dump_file(
    source: Path, directory: Path, prefixes: dict[str, str]
) -> dict[str, dict[str, object]]:
    """`write_dumps` of the quads in an N-Quads file, in their order (a build runs this in a
    process of its own, alongside validation)."""
    return write_dumps(parse(path=source, format=RdfFormat.N_QUADS), directory, prefixes)


# ---------------------------------------------------------------- from parts

GROUP = 32
"""About how many parts (articles' graphs, or their nodes in the metadata graph) one chunk of
a dump holds; the inferred graph's lines go by `LINE_GROUP`."""
LINE_GROUP = 1024
CHUNK_CODE = hashlib.sha256(Path(__file__).read_bytes() + pyoxigraph.__version__.encode())
"""What renders a chunk: a chunk is reused only if made by the same code and writers."""
EXTENSIONS = {
    "peacekg.trig": "trig",
    "peacekg.nq.gz": "nq.gz",
    "peacekg.ttl": "ttl",
    "peacekg.nt.gz": "nt.gz",
}


@dataclass(frozen=True)
class Member:
    """One part of a dump (peacekg.build.parts): its name, digest and N-Quads file."""

    name: str
    digest: str
    path: str


@dataclass(frozen=True)
class Section:
    """Parts that follow one another in the dumps, cut into chunks of about `GROUP` parts;
    or (`lines`) one part cut into chunks of about `LINE_GROUP` lines."""

    members: tuple[Member, ...]
    lines: bool = False


def _boundary(label: bytes, every: int) -> bool:
    """Whether a chunk ends after this part (by its name) or line: decided by the label alone,
    so that adding or changing one part changes one chunk, not every chunk after it."""
    return zlib.crc32(label) % every == 0


def _groups(section: Section) -> Iterator[tuple[str, Callable[[], bytes]]]:
    """The section's chunks: a key (of what it holds, and how it is written), and its N-Quads."""
    if section.lines:
        (member,) = section.members
        lines = Path(member.path).read_bytes().splitlines(keepends=True)
        start = 0
        for end, line in enumerate(lines, 1):
            if _boundary(line, LINE_GROUP) or end == len(lines):
                data = b"".join(lines[start:end])
                yield hashlib.sha256(data).hexdigest(), lambda data=data: data
                start = end
        return
    group: list[Member] = []
    for number, member in enumerate(section.members, 1):
        group.append(member)
        if _boundary(member.name.encode(), GROUP) or number == len(section.members):
            key = hashlib.sha256("\n".join(m.digest for m in group).encode()).hexdigest()
            yield key, lambda group=tuple(group): b"".join(Path(m.path).read_bytes() for m in group)
            group = []


def _header(prefixes: dict[str, str], fmt: RdfFormat) -> bytes:
    """The prefix lines Oxigraph's writer starts a document with (none without prefixes)."""
    probe = Quad(
        NamedNode("urn:x:s"), NamedNode("urn:x:p"), NamedNode("urn:x:o"), NamedNode("urn:x:g")
    )
    data: list = [probe] if fmt.supports_datasets else [probe.triple]  # type: ignore[type-arg]
    full = serialize(data, format=fmt, prefixes=prefixes) or b""
    body = serialize(data, format=fmt) or b""
    if not full.endswith(body):
        raise RuntimeError("unexpected output from the Turtle/TriG writer")
    return full[: len(full) - len(body)]


def _render(data: bytes, prefixes: dict[str, str], headers: dict[str, bytes]) -> dict[str, bytes]:
    """A chunk in each dump's format: TriG and Turtle without their prefix lines (the dump has
    them once, at its start), N-Quads and N-Triples as gzip members (members concatenate)."""
    quads = list(parse(data, format=RdfFormat.N_QUADS))
    triples = [q.triple for q in quads]

    def bare(written: bytes | None, ext: str) -> bytes:
        written = written or b""
        if written and not written.startswith(headers[ext]):
            raise RuntimeError("unexpected output from the Turtle/TriG writer")
        return written[len(headers[ext]) :] if written else b""

    def gz(written: bytes) -> bytes:
        return gzip.compress(written, compresslevel=6, mtime=0)

    return {
        "trig": bare(serialize(quads, format=RdfFormat.TRIG, prefixes=prefixes), "trig"),
        "nq.gz": gz(data),
        "ttl": bare(serialize(triples, format=RdfFormat.TURTLE, prefixes=prefixes), "ttl"),
        "nt.gz": gz(serialize(triples, format=RdfFormat.N_TRIPLES) or b""),
    }


def write_part_dumps(
    sections: list[Section],
    directory: Path,
    chunks: Path,
    prefixes: dict[str, str],
    statements: int,
) -> dict[str, dict[str, object]]:
    """Every dump, as `write_dumps` returns it, made of chunks kept in `chunks` by what they
    hold: only chunks with a changed part are written again. Each dump is its prefix lines
    followed by its chunks, in order; the gzipped ones are one gzip member a chunk.

    The union dumps (Turtle, N-Triples) are the chunks' triples too: the build makes sure no
    triple is in two graphs (peacekg.build.parts) before it writes dumps this way. Runs in a
    process of its own."""
    directory.mkdir(parents=True, exist_ok=True)
    chunks.mkdir(parents=True, exist_ok=True)
    headers = {
        "trig": _header(prefixes, RdfFormat.TRIG),
        "ttl": _header(prefixes, RdfFormat.TURTLE),
    }
    code = CHUNK_CODE.copy()
    code.update(repr(sorted(prefixes.items())).encode())
    used: list[str] = []
    present = set(os.listdir(chunks))  # one listing, not a stat for each of 10,000 files
    for section in sections:
        for key, data in _groups(section):
            name = hashlib.sha256(code.digest() + key.encode()).hexdigest()
            if not all(f"{name}.{ext}" in present for ext in EXTENSIONS.values()):
                for ext, written in _render(data(), prefixes, headers).items():
                    write_atomically(chunks / f"{name}.{ext}", written)
            used.append(name)
    manifest: dict[str, dict[str, object]] = {}
    for dump, description in DUMPS.items():
        ext = EXTENSIONS[dump]
        digest, size = hashlib.sha256(), 0
        with open(directory / dump, "wb") as out:
            for data in (
                headers.get(ext, b""),
                *((chunks / f"{n}.{ext}").read_bytes() for n in used),
            ):
                digest.update(data)
                out.write(data)
                size += len(data)
        manifest[dump] = {
            "bytes": size,
            "statements": statements,
            "sha256": digest.hexdigest(),
            "description": description,
        }
    kept = {f"{n}.{ext}" for n in used for ext in EXTENSIONS.values()}
    for name in present - kept:
        (chunks / name).unlink(missing_ok=True)
    return manifest
