"""Dumps to download: all graphs (TriG, N-Quads) and their union (Turtle, N-Triples).

Statements come in the order the build makes them (ontology, registry, article metadata, each
article in turn, inferred), which is stable from build to build, so dumps diff cleanly with
no sort: Oxigraph's writers stream the quads as they come, and sorting them as strings in
Python would cost more than all the writing. Blank nodes are numbered in that order too
(`numbered_blank_nodes`), so the same content gives the same bytes, and a release's checksums
are those of any rebuild of it.
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Triple, parse, serialize

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


ESCAPED = re.compile(r"[~.!$&'()*+,;=/?#@%]")
"""Characters a Turtle local name must escape (PN_LOCAL_ESC), beyond a name's own letters."""


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
