"""The output renderers: one row per format, used by content negotiation, the query workers,
the service description and the `format=` parameter (like Datasette's renderer table).

Every renderer is a native pyoxigraph writer, so results never pass through Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from pyoxigraph import QueryResultsFormat, RdfFormat
from werkzeug.datastructures import MIMEAccept


class Kind(Enum):
    """What a query returns: solutions and booleans are 'results', triples are 'graph'."""

    RESULTS = "results"
    GRAPH = "graph"


@dataclass(frozen=True)
class Renderer:
    name: str
    kind: Kind
    media_type: str
    native: QueryResultsFormat | RdfFormat
    aliases: tuple[str, ...] = ()
    extra_media_types: tuple[str, ...] = ()

    @property
    def format_iri(self) -> str:
        """The W3C formats IRI (http://www.w3.org/ns/formats/...) for service descriptions."""
        return self.native.iri

    @property
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self.media_type.endswith(
            ("json", "xml", "triples", "quads", "trig")
        )
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type


RENDERERS: tuple[Renderer, ...] = (
    # The first of each kind is the default when the client accepts anything.
    Renderer(
        "json",
        Kind.RESULTS,
        "application/sparql-results+json",
        QueryResultsFormat.JSON,
        ("srj",),
        ("application/json",),
    ),
    Renderer(
        "xml",
        Kind.RESULTS,
        "application/sparql-results+xml",
        QueryResultsFormat.XML,
        ("srx",),
        ("application/xml", "text/xml"),
    ),
    Renderer("csv", Kind.RESULTS, "text/csv", QueryResultsFormat.CSV),
    Renderer("tsv", Kind.RESULTS, "text/tab-separated-values", QueryResultsFormat.TSV),
    Renderer(
        "turtle", Kind.GRAPH, "text/turtle", RdfFormat.TURTLE, ("ttl",), ("application/x-turtle",)
    ),
    Renderer(
        "ntriples",
        Kind.GRAPH,
        "application/n-triples",
        RdfFormat.N_TRIPLES,
        ("nt",),
        ("text/plain",),
    ),
    Renderer(
        "jsonld",
        Kind.GRAPH,
        "application/ld+json",
        RdfFormat.JSON_LD,
        ("json-ld", "json"),
        ("application/json",),
    ),
    Renderer(
        "rdfxml",
        Kind.GRAPH,
        "application/rdf+xml",
        RdfFormat.RDF_XML,
        ("rdf", "xml"),
        ("application/xml", "text/xml"),
    ),
    Renderer("trig", Kind.GRAPH, "application/trig", RdfFormat.TRIG),
    Renderer("nquads", Kind.GRAPH, "application/n-quads", RdfFormat.N_QUADS, ("nq",)),
)

BY_RENDERER_NAME = {r.name: r for r in RENDERERS}


def for_kind(kind: Kind) -> tuple[Renderer, ...]:
    return tuple(r for r in RENDERERS if r.kind is kind)


def by_name(value: str, kind: Kind) -> Renderer | None:
    """The renderer a `format=` value names (a short name or a media type), for this kind."""
    value = value.strip().lower()
    for r in for_kind(kind):
        if value in (r.name, *r.aliases, r.media_type, *r.extra_media_types):
            return r
    return None


def negotiate(accept: MIMEAccept, kind: Kind) -> Renderer | None:
    """The best renderer for an Accept header (q-values, wildcards); no header accepts all."""
    candidates = for_kind(kind)
    if not accept:
        return candidates[0]
    offered = [(r.media_type, r) for r in candidates]  # primary types before their aliases
    offered += [(m, r) for r in candidates for m in r.extra_media_types]
    best = accept.best_match([m for m, _ in offered], default=None)
    return next((r for m, r in offered if m == best), None)
