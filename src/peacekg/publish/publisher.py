"""Publish a release to a remote store: replace each changed graph whole, drop the graphs the
remote had from us that the release no longer has, check every graph's triple count against the
release's manifest, and only then record the release as published.

Safe to repeat (graphs whose digest the remote's record already holds are not sent) and to
interrupt (each graph is replaced in one request and recorded after it; see `record`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from peacekg.escaping import ascii_escaped
from peacekg.namespaces import Namespaces
from peacekg.progress import progress
from peacekg.publish.graphs import Graph, graph_names, read_graphs
from peacekg.publish.record import Record, read_record, record_graph, record_release
from peacekg.publish.remote import FALLBACK_STATUSES, PublishError, Remote, StoreRefused
from peacekg.releases import Release

Protocol = Literal["gsp", "update", "auto"]
COUNT_BATCH = 200
"""Graphs counted per query when checking the remote (keeps each query short)."""
UPDATE_BATCH = 1000
"""Triples per SPARQL Update request. Virtuoso refuses an INSERT DATA whose SQL would pass
10,000 lines (about 1,500 triples), and one long request per large graph is slow everywhere."""
BLANK = re.compile(r"^_:| _:\S+ \.$")
"""An N-Triples line with a blank node as subject or object."""


@dataclass
class Outcome:
    """What a publish did."""

    release: str
    protocol: str
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    triples_sent: int = 0


def publication_graph(base_iri: str) -> str:
    return Namespaces(base_iri).graph("publication").value


def status(remote: Remote, base_iri: str) -> Record:
    """What the remote says it holds."""
    return read_record(remote, publication_graph(base_iri))


def publish(release: Release, remote: Remote, protocol: Protocol = "auto") -> Outcome:
    """Push `release` to `remote`; PublishError naming the graph on any failure."""
    publication = publication_graph(str(release.manifest.get("base_iri", Namespaces().base)))
    before = read_record(remote, publication)
    names = graph_names(release)
    sender = _Sender(remote, protocol)
    outcome = Outcome(release.id, sender.protocol)
    read: dict[str, int] = {}
    for graph in progress(read_graphs(release, names), total=len(names), desc="graphs"):
        read[graph.name] = graph.triples
        if before.graphs.get(graph.name) == graph.digest:
            outcome.skipped.append(graph.name)
            continue
        sender.send(graph)
        record_graph(remote, publication, graph.name, graph.digest)
        outcome.sent.append(graph.name)
        outcome.triples_sent += graph.triples
    for gone in sorted(before.graphs.keys() - set(names)):
        remote.update(f"DROP SILENT GRAPH <{gone}>", what=f"graph <{gone}>")
        record_graph(remote, publication, gone, None)
        outcome.dropped.append(gone)
    outcome.protocol = sender.protocol
    _check_counts(remote, release, read, publication)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    record_release(remote, publication, release.id, release.digest, now)
    return outcome


class _Sender:
    """Replaces one graph at a time by the chosen protocol; `auto` starts with the Graph Store
    Protocol and falls back to SPARQL Update for good when the store has none."""

    def __init__(self, remote: Remote, protocol: Protocol) -> None:
        self._remote = remote
        self._auto = protocol == "auto"
        has_store = remote.endpoints.graph_store is not None
        self.protocol = ("gsp" if has_store else "update") if self._auto else protocol

    def send(self, graph: Graph) -> None:
        if self.protocol == "gsp":
            try:
                self._remote.put_graph(graph.name, graph.ntriples())
                return
            except StoreRefused as exc:
                if not (self._auto and exc.status in FALLBACK_STATUSES):
                    raise
                self.protocol = "update"
        for number, update in enumerate(_updates(graph)):
            self._remote.update(update, what=f"graph <{graph.name}> (request {number + 1})")


def _updates(graph: Graph) -> Iterator[str]:
    """SPARQL Update requests that replace `graph`: the first drops it, then batches of
    INSERT DATA. Triples with blank nodes all go in the first request, as one INSERT ... WHERE
    {} (a blank node is one node only within one operation, and Virtuoso refuses blank nodes in
    INSERT DATA). Non-ASCII characters go as codepoint escapes (peacekg.escaping). A graph
    bigger than a batch is not replaced atomically: an interrupted
    publish leaves it unrecorded, and the next publish sends it again."""
    blank = [line for line in graph.lines if BLANK.search(line)]
    plain = [line for line in graph.lines if not BLANK.search(line)]
    into = f"GRAPH <{graph.name}>"
    first = [f"DROP SILENT GRAPH <{graph.name}>"]
    if blank:
        first.append(f"INSERT {{ {into} {{\n" + "\n".join(blank) + "\n} } WHERE {}")
    batches = [plain[i : i + UPDATE_BATCH] for i in range(0, len(plain), UPDATE_BATCH)] or [[]]
    for number, batch in enumerate(batches):
        operations = first if number == 0 else []
        if batch:
            operations = [
                *operations,
                f"INSERT DATA {{ {into} {{\n" + "\n".join(batch) + "\n} }",
            ]
        yield ascii_escaped(";\n".join(operations))


def remote_counts(remote: Remote, names: list[str]) -> dict[str, int]:
    """Triples per graph on the remote (graphs it does not have: absent)."""
    found: dict[str, int] = {}
    for start in range(0, len(names), COUNT_BATCH):
        values = " ".join(f"<{n}>" for n in names[start : start + COUNT_BATCH])
        rows = remote.select(
            f"SELECT ?g (COUNT(*) AS ?n) {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} "
            "GROUP BY ?g"
        )
        found |= {row["g"]["value"]: int(row["n"]["value"]) for row in rows}
    return found


def _check_counts(remote: Remote, release: Release, read: dict[str, int], publication: str) -> None:
    """Every graph on the remote has the manifest's count (the count read from the store for
    manifests without one); a graph that differs loses its record entry, so that the next
    publish sends it again."""
    statistics = release.manifest.get("statistics")
    listed = statistics.get("graphs", {}) if isinstance(statistics, dict) else {}
    expected = {**read, **{n: int(c) for n, c in listed.items() if n in read}}
    names = list(read)
    counts = remote_counts(remote, names)
    wrong = [n for n in names if n in expected and counts.get(n, 0) != expected[n]]
    for name in wrong:
        record_graph(remote, publication, name, None)
    if wrong:
        raise PublishError(
            "the remote's counts differ from the release's: "
            + "; ".join(f"<{n}> has {counts.get(n, 0)} triples, not {expected[n]}" for n in wrong)
        )
