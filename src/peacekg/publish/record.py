"""The publication record a remote store keeps in a graph of its own (`{base}graph/publication`):
which release it holds, when it was published, and the digest of every graph sent.

Why on the remote: publishing from another machine, or after losing the build directory, must
still know what the remote holds. A graph's digest is taken out of the record before the graph is
replaced and put back after (a batch of graphs at a time), and the release is recorded only once
every count matched, so an interrupted publish leaves a record that is true graph by graph and
the next run sends only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from peacekg.namespaces import DCTERMS, XSD
from peacekg.publish.remote import Remote

CHECKSUM = "http://spdx.org/rdf/terms#checksumValue"
"""Predicate of a digest (SPDX): of a graph (its canonical N-Triples) or of the release."""


@dataclass(frozen=True)
class Record:
    """What the remote's publication graph says (all empty: never published to)."""

    release: str | None = None
    published: str | None = None
    digest: str | None = None
    """The release's content digest (its manifest's `digest`)."""
    graphs: dict[str, str] = field(default_factory=dict)
    """Graph IRI -> digest of the content last sent to it."""


def read_record(remote: Remote, publication: str) -> Record:
    rows = remote.select(f"SELECT ?s ?p ?o {{ GRAPH <{publication}> {{ ?s ?p ?o }} }}")
    about: dict[str, str] = {}
    graphs: dict[str, str] = {}
    for row in rows:
        subject, predicate, value = (row[k]["value"] for k in ("s", "p", "o"))
        if subject == publication:
            about[predicate] = value
        elif predicate == CHECKSUM:
            graphs[subject] = value
    return Record(
        release=about.get(DCTERMS + "identifier"),
        published=about.get(DCTERMS + "modified"),
        digest=about.get(CHECKSUM),
        graphs=graphs,
    )


def forget_graphs(publication: str, names: list[str]) -> str:
    """The update operation that takes the digests of `names` out of the record: done before
    they are replaced (or dropped), so that no interruption leaves a digest recorded for a graph
    whose content is no longer that."""
    values = " ".join(f"<{name}>" for name in names)
    return (
        f"DELETE {{ GRAPH <{publication}> {{ ?g <{CHECKSUM}> ?d }} }} "
        f"WHERE {{ VALUES ?g {{ {values} }} GRAPH <{publication}> {{ ?g <{CHECKSUM}> ?d }} }}"
    )


def record_graphs(remote: Remote, publication: str, digests: dict[str, str]) -> None:
    """Note that each graph now holds the content with its digest (after `forget_graphs`)."""
    recorded = " ".join(f'<{name}> <{CHECKSUM}> "{digest}" .' for name, digest in digests.items())
    remote.update(
        f"INSERT DATA {{ GRAPH <{publication}> {{ {recorded} }} }}",
        what=f"the publication record of {len(digests)} graph(s)",
    )


def record_release(remote: Remote, publication: str, release: str, digest: str, when: str) -> None:
    """Say which release the remote now holds, once all of its graphs are there."""
    remote.update(
        f"DELETE WHERE {{ GRAPH <{publication}> {{ <{publication}> ?p ?o }} }};\n"
        f"INSERT DATA {{ GRAPH <{publication}> {{ <{publication}> "
        f'<{DCTERMS}identifier> "{release}" ; <{CHECKSUM}> "{digest}" ; '
        f'<{DCTERMS}modified> "{when}"^^<{XSD}dateTime> }} }}',
        what="the publication record",
    )
