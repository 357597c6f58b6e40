"""The renderer table: one row per format the server answers in, and the one negotiation over it.

Each row knows its media types, file extension, `format=` names, the kind of answer it renders
and whether its syntax declares prefixes. Content negotiation (Accept, `format=`, extensions),
the query workers, the service description, the data-file loader, the dump descriptions and
the CLI all read this table, so a format is added or changed in one place (as in Oxigraph's
server, whose content negotiation is one function over one list).

Every data renderer is a native pyoxigraph writer, so results never pass through Python
objects; the HTML and query-text rows have no writer: their routes render them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from pyoxigraph import QueryResultsFormat, RdfFormat
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


class Kind(Enum):
    """What a renderer renders: solutions and booleans are 'results', triples are 'graph', an
    HTML page is 'page' and the text of a SPARQL query is 'query'."""

    RESULTS = "results"
    GRAPH = "graph"
    PAGE = "page"
    QUERY = "query"


@dataclass(frozen=True)
class Renderer:
    name: str
    """The `format=` name; also how query workers are told the format."""
    kind: Kind
    media_types: tuple[str, ...]
    """The registered type first (what the response says), then types clients also send."""
    extension: str
    native: QueryResultsFormat | RdfFormat | None = None
    aliases: tuple[str, ...] = ()
    """More `format=` names (the extension and the media types always count)."""
    prefixes: bool = False
    """Whether the syntax declares prefixes (Turtle, TriG, RDF/XML), so writers are given ours."""

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def content_type(self) -> str:
        """Every format we serve is text, in UTF-8."""
        return f"{self.media_type}; charset=utf-8"

    @property
    def format_iri(self) -> str:
        """The W3C formats IRI (http://www.w3.org/ns/formats/...) for service descriptions."""
        assert self.native is not None, f"{self.name} has no W3C format IRI"
        return self.native.iri

    def named_by(self, value: str) -> bool:
        """Whether a `format=` value (a name, an extension or a media type) names this row."""
        return value in (self.name, self.extension, *self.aliases, *self.media_types)


R, G = Kind.RESULTS, Kind.GRAPH
RENDERERS: tuple[Renderer, ...] = (
    # The first of each kind is the default when the client accepts anything.
    Renderer(
        "json", R, ("application/sparql-results+json", "application/json"), "srj",
        QueryResultsFormat.JSON,
    ),
    Renderer(
        "xml", R, ("application/sparql-results+xml", "application/xml", "text/xml"), "srx",
        QueryResultsFormat.XML,
    ),
    Renderer("csv", R, ("text/csv",), "csv", QueryResultsFormat.CSV),
    Renderer("tsv", R, ("text/tab-separated-values",), "tsv", QueryResultsFormat.TSV),
    # Turtle and N-Triples are both N3: format=n3 (SPARQLWrapper's) names the two
    Renderer(
        "turtle", G, ("text/turtle", "application/x-turtle"), "ttl", RdfFormat.TURTLE,
        ("n3",), prefixes=True,
    ),
    Renderer(
        "ntriples", G, ("application/n-triples", "text/plain"), "nt", RdfFormat.N_TRIPLES,
        ("n3",),
    ),
    Renderer(
        "jsonld", G, ("application/ld+json", "application/json"), "jsonld", RdfFormat.JSON_LD,
        ("json-ld", "json"),
    ),
    Renderer(
        "rdfxml", G, ("application/rdf+xml", "application/xml", "text/xml"), "rdf",
        RdfFormat.RDF_XML, ("xml",), prefixes=True,
    ),
    Renderer("trig", G, ("application/trig",), "trig", RdfFormat.TRIG, prefixes=True),
    Renderer("nquads", G, ("application/n-quads",), "nq", RdfFormat.N_QUADS),
    Renderer("html", Kind.PAGE, ("text/html",), "html"),
    Renderer("text", Kind.QUERY, ("text/plain",), "txt"),
    Renderer("sparql", Kind.QUERY, ("application/sparql-query",), "rq"),
)  # fmt: skip

BY_RENDERER_NAME = {r.name: r for r in RENDERERS}
HTML = BY_RENDERER_NAME["html"]


def for_kind(kind: Kind) -> tuple[Renderer, ...]:
    return tuple(r for r in RENDERERS if r.kind is kind)


def by_extension(extension: str, offered: Sequence[Renderer] = RENDERERS) -> Renderer | None:
    """The offered renderer a file extension (without the dot) names."""
    return next((r for r in offered if r.extension == extension.lower()), None)


def split_extension(path: str, offered: Sequence[Renderer]) -> tuple[str, str | None]:
    """`path` without a trailing extension that names an offered renderer, and that extension
    (None, and the path as it is, when it ends in no such extension)."""
    stem, dot, extension = path.rpartition(".")
    if stem and dot and by_extension(extension, offered):
        return stem, extension
    return path, None


def named(formats: Sequence[str]) -> list[Renderer]:
    """The rows that `format=` values name, in the order given; values naming none are skipped
    (clients send names we lack beside ones we have: format=rdf+xml&format=application/rdf+xml)."""
    return [r for value in formats for r in RENDERERS if r.named_by(value.strip().lower())]


def negotiate(
    offered: Sequence[Renderer],
    accept: MIMEAccept,
    formats: Sequence[str] = (),
    extension: str | None = None,
) -> Renderer | None:
    """The renderer among `offered` that a request asks for, or None when none fits.

    The URL's extension decides first. Then `format=`: the values that name rows of the table
    (clients such as SPARQLWrapper send several, e.g. format=rdf+xml&format=application/
    rdf+xml) narrow the choice to those rows on offer, and Accept chooses among them if they
    are several (format=n3 names Turtle and N-Triples, both N3); values naming no row are
    ignored here (/sparql refuses a `format=` that names none). Then Accept, with q-values and
    wildcards; a request without Accept gets the first renderer on offer.
    """
    if extension is not None:
        return by_extension(extension, offered)
    if asked := named(formats):
        candidates = list(dict.fromkeys(r for r in asked if r in offered))
        if len(candidates) > 1 and accept:
            return _by_accept(candidates, accept) or candidates[0]
        return candidates[0] if candidates else None
    if not accept:
        return offered[0] if offered else None
    return _by_accept(offered, accept)


def _by_accept(offered: Sequence[Renderer], accept: MIMEAccept) -> Renderer | None:
    """The offered renderer the Accept header prefers (q-values, wildcards), or None. Worked
    out once per Accept header and offer: matching every media type against every range cost
    a trivial query a third of its time in the web process, and clients repeat their header."""
    return _preferred(tuple(offered), accept.to_header())


@functools.lru_cache(maxsize=1024)
def _preferred(offered: tuple[Renderer, ...], header: str) -> Renderer | None:
    accept = parse_accept_header(header, MIMEAccept)
    types = [(r.media_type, r) for r in offered]  # registered types before the others
    types += [(m, r) for r in offered for m in r.media_types[1:]]
    best = accept.best_match([m for m, _ in types], default=None)
    return next((r for m, r in types if m == best), None)
