"""Publish a release to a remote store: replace each changed graph whole, drop the graphs the
remote had from us that the release no longer has, check every graph's triple count against the
release's manifest, and only then record the release as published.

Safe to repeat (graphs whose digest the remote's record already holds are not sent) and to
interrupt (a batch's digests leave the record before its graphs are replaced and come back
after; see `record`). Graphs go in batches: the record is one request per batch, a store that
takes a whole dataset at once (Oxigraph server's `POST /store`) gets one request per batch, and
SPARQL Update packs small graphs together; the next graphs are read while a batch is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from peacekg.escaping import ascii_escaped
from peacekg.namespaces import Namespaces
from peacekg.progress import progress
from peacekg.publish.graphs import (
    BLANK,
    Graph,
    graph_names,
    keep_digests,
    known_digests,
    read_ahead,
    read_graphs,
)
from peacekg.publish.record import Record, forget_graphs, read_record, record_graphs, record_release
from peacekg.publish.remote import FALLBACK_STATUSES, PublishError, Remote, StoreRefused
from peacekg.releases import Release

Protocol = Literal["gsp", "update", "auto"]
COUNT_BATCH = 200
"""Graphs counted per query when checking the remote (keeps each query short)."""
UPDATE_BATCH = 1000
"""Triples per SPARQL Update request. Virtuoso refuses an INSERT DATA whose SQL would pass
10,000 lines (about 1,500 triples), and one long request per large graph is slow everywhere."""
BATCH_GRAPHS = 1000
"""Graphs per batch at most: what an interruption may make the next publish send again."""
BATCH_BYTES = 16_000_000
"""N-Triples bytes per batch at most (one request, where the store takes a dataset at once)."""


@dataclass
class Outcome:
    """What a publish did."""

    release: str
    protocol: str
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)
    """Graphs recorded as loaded by the store's own loader (`loaded`), not sent."""
    triples_sent: int = 0


def publication_graph(base_iri: str) -> str:
    return Namespaces(base_iri).graph("publication").value


def status(remote: Remote, base_iri: str) -> Record:
    """What the remote says it holds."""
    return read_record(remote, publication_graph(base_iri))


def publish(
    release: Release, remote: Remote, protocol: Protocol = "auto", *, loaded: bool = False
) -> Outcome:
    """Push `release` to `remote`; PublishError naming the graph on any failure. `loaded`: the
    store was filled from the release's dump by its own bulk loader (many times faster than any
    protocol on some stores): nothing is sent, every graph's count is checked, and only then are
    the digests and the release recorded, so that later publishes send only what changes."""
    publication = publication_graph(str(release.manifest.get("base_iri", Namespaces().base)))
    before = read_record(remote, publication)
    names = graph_names(release)
    known = known_digests(release)
    sender = _Sender(remote, protocol)
    outcome = Outcome(release.id, sender.protocol)
    held = {n for n in names if n in known and before.graphs.get(n) == known[n][0]}
    outcome.skipped = [n for n in names if n in held]
    digests = {n: known[n] for n in held}
    unread = [n for n in names if n not in held]
    graphs = progress(read_ahead(read_graphs(release, unread)), total=len(unread), desc="graphs")
    for batch in _batches(graphs):
        digests |= {g.name: (g.digest, g.triples) for g in batch}
        changed = [g for g in batch if before.graphs.get(g.name) != g.digest]
        outcome.skipped += [g.name for g in batch if before.graphs.get(g.name) == g.digest]
        if loaded:
            outcome.recorded += [g.name for g in changed]
        elif changed:
            dropped = sender.drops_first(changed)
            remote.update(
                ";\n".join([forget_graphs(publication, [g.name for g in changed]), *dropped]),
                what=f"the publication record of {len(changed)} graph(s)",
            )
            sender.send(changed)
            record_graphs(remote, publication, {g.name: g.digest for g in changed})
            outcome.sent += [g.name for g in changed]
            outcome.triples_sent += sum(g.triples for g in changed)
    keep_digests(release, digests)
    gone = sorted(before.graphs.keys() - set(names))
    if gone:
        drops = [f"DROP SILENT GRAPH <{name}>" for name in gone]
        remote.update(";\n".join([forget_graphs(publication, gone), *drops]), what="old graphs")
        outcome.dropped = gone
    outcome.protocol = sender.protocol
    _check_counts(remote, release, {n: t for n, (_, t) in digests.items()}, publication)
    for start in range(0, len(outcome.recorded), BATCH_GRAPHS):
        recording = outcome.recorded[start : start + BATCH_GRAPHS]
        remote.update(forget_graphs(publication, recording), what="the publication record")
        record_graphs(remote, publication, {n: digests[n][0] for n in recording})
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    record_release(remote, publication, release.id, release.digest, now)
    return outcome


def _batches(graphs: Iterable[Graph]) -> Iterator[list[Graph]]:
    """The graphs in batches of at most BATCH_GRAPHS graphs and about BATCH_BYTES bytes."""
    batch: list[Graph] = []
    size = 0
    for graph in graphs:
        if batch and (len(batch) >= BATCH_GRAPHS or size + graph.size > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(graph)
        size += graph.size
    if batch:
        yield batch


class _Sender:
    """Replaces graphs by the chosen protocol; `auto` starts with the Graph Store Protocol and
    falls back to SPARQL Update for good when the store has none. By the Graph Store Protocol,
    graphs without blank nodes go together where the store takes a whole dataset in one request
    (dropped first, in the request that takes their digests out of the record); the others are
    each replaced by a PUT."""

    def __init__(self, remote: Remote, protocol: Protocol) -> None:
        self._remote = remote
        self._auto = protocol == "auto"
        has_store = remote.endpoints.graph_store is not None
        self.protocol = ("gsp" if has_store else "update") if self._auto else protocol
        self._together = self.protocol == "gsp" and remote.endpoints.dataset is not None

    def drops_first(self, graphs: list[Graph]) -> list[str]:
        """Update operations to run before `send(graphs)`: drops of the graphs sent together."""
        return [f"DROP SILENT GRAPH <{g.name}>" for g in graphs if self._goes_together(g)]

    def send(self, graphs: list[Graph]) -> None:
        if self.protocol == "gsp":
            try:
                together = [g for g in graphs if self._goes_together(g)]
                if together:
                    body = b"".join(g.nquads() for g in together)
                    self._remote.post_dataset(body, what=_named(together))
                for graph in graphs:
                    if not self._goes_together(graph):
                        self._remote.put_graph(graph.name, graph.ntriples())
                return
            except StoreRefused as exc:
                if not (self._auto and exc.status in FALLBACK_STATUSES):
                    raise
                self.protocol = "update"
                self._together = False
        for update, what in _updates(graphs):
            self._remote.update(update, what=what)

    def _goes_together(self, graph: Graph) -> bool:
        return self._together and not graph.blank


def _named(graphs: list[Graph]) -> str:
    """How an error names the graphs of one request."""
    if len(graphs) == 1:
        return f"graph <{graphs[0].name}>"
    return f"graphs <{graphs[0].name}> … <{graphs[-1].name}> ({len(graphs)} graphs)"


def _operations(graph: Graph) -> Iterator[tuple[str, int]]:
    """The update operations that replace `graph`, each with its number of triples: a drop,
    then the triples with blank nodes all in one INSERT ... WHERE {} (a blank node is one node
    only within one operation, and Virtuoso refuses blank nodes in INSERT DATA), then INSERT
    DATA of at most UPDATE_BATCH triples each."""
    into = f"GRAPH <{graph.name}>"
    yield f"DROP SILENT GRAPH <{graph.name}>", 0
    blank = [line for line in graph.lines if BLANK.search(line)]
    if blank:
        yield f"INSERT {{ {into} {{\n" + "\n".join(blank) + "\n} } WHERE {}", len(blank)
    plain = [line for line in graph.lines if not BLANK.search(line)]
    for start in range(0, len(plain), UPDATE_BATCH):
        batch = plain[start : start + UPDATE_BATCH]
        yield f"INSERT DATA {{ {into} {{\n" + "\n".join(batch) + "\n} }", len(batch)


def _updates(graphs: list[Graph]) -> Iterator[tuple[str, str]]:
    """SPARQL Update requests that replace `graphs`, with what each names: the operations of
    small graphs packed together up to UPDATE_BATCH triples a request. Non-ASCII characters go
    as codepoint escapes (peacekg.escaping). A graph bigger than a request is not replaced
    atomically: an interrupted publish leaves it unrecorded, and the next publish sends it
    again."""
    operations: list[str] = []
    among: list[Graph] = []
    triples = 0
    for graph in graphs:
        for operation, count in _operations(graph):
            if operations and triples + count > UPDATE_BATCH:
                yield ascii_escaped(";\n".join(operations)), _named(among)
                operations, among, triples = [], [], 0
            operations.append(operation)
            triples += count
            if not among or among[-1] is not graph:
                among.append(graph)
    if operations:
        yield ascii_escaped(";\n".join(operations)), _named(among)


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
    if wrong:
        remote.update(forget_graphs(publication, wrong), what="the publication record")
        raise PublishError(
            "the remote's counts differ from the release's: "
            + "; ".join(f"<{n}> has {counts.get(n, 0)} triples, not {expected[n]}" for n in wrong)
        )
