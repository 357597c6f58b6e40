"""The article page: its exact text with every quote that produced a fact highlighted and linked.

Quotes overlap (a claim's sentence contains a mention's name), so the text is cut at every
quote boundary and each piece is marked with all the quotes that cover it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import render_template

from peacekg.web.cite import resource_citation
from peacekg.web.linked import href, select


@dataclass
class Piece:
    text: str
    quotes: list[dict[str, str]] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)


def pieces(text: str, quotes: list[dict[str, str]]) -> list[Piece]:
    """The text cut at every quote boundary; each piece knows the quotes covering it."""
    cuts = sorted(
        {0, len(text), *(int(q["start"]) for q in quotes), *(int(q["end"]) for q in quotes)}
    )
    result = []
    anchored: set[str] = set()
    for start, end in itertools.pairwise(cuts):
        covering = [q for q in quotes if int(q["start"]) <= start and end <= int(q["end"])]
        covering.sort(key=lambda q: int(q["end"]) - int(q["start"]))  # innermost first
        piece = Piece(text[start:end], covering)
        for q in covering:
            if q["anchor"] not in anchored:
                anchored.add(q["anchor"])
                piece.anchors.append(q["anchor"])
        result.append(piece)
    return result


def render(iri: str, found: Callable[[], object]) -> str:
    """The article page; `found` is called (to answer 404) when the graph has no such article.

    Each OPTIONAL of two patterns is written as one pattern with an inner OPTIONAL, kept only
    when bound (the same rows as `{ A . B }`): Oxigraph looks an OPTIONAL up once per row only
    when its inside is one pattern, and would otherwise read every mention in the store."""
    rows = select(
        f"""
        SELECT ?title ?text ?published ?notBefore ?notAfter ?publisher ?source WHERE {{
          <{iri}> schema:headline ?title ; schema:text ?text .
          OPTIONAL {{ <{iri}> schema:datePublished ?published }}
          OPTIONAL {{ <{iri}> pk:publishedNotBefore ?notBefore ; pk:publishedNotAfter ?notAfter }}
          OPTIONAL {{ <{iri}> pk:publisherAsStated ?publisher }}
          OPTIONAL {{ <{iri}> pk:sourceAsStated ?source }}
        }} LIMIT 1"""
    )
    if not rows:
        found()
    meta = rows[0]
    quotes = select(
        f"""
        SELECT ?owner ?start ?end ?label ?kind WHERE {{
          ?target oa:hasSource <{iri}> ; oa:hasSelector ?position .
          ?position oa:start ?start ; oa:end ?end .
          ?annotation oa:hasTarget ?target .
          OPTIONAL {{ ?claim pk:evidence ?annotation
                      OPTIONAL {{ ?claim rdfs:label ?claimLabel }}
                      FILTER (BOUND(?claimLabel)) }}
          OPTIONAL {{ ?annotation oa:motivatedBy oa:identifying
                      OPTIONAL {{ ?annotation oa:hasBody/rdfs:label ?named }}
                      FILTER (BOUND(?named)) }}
          BIND (COALESCE(?claim, ?annotation) AS ?owner)
          BIND (IF(BOUND(?claim), "claim", "mention") AS ?kind)
          BIND (COALESCE(?claimLabel, CONCAT("names ", ?named)) AS ?label)
        }}"""
    )
    for q in quotes:
        q["href"] = href(q["owner"])
        q["anchor"] = "fact-" + q["owner"].rsplit("/", 1)[-1]
    claims = sum(1 for q in quotes if q["kind"] == "claim")
    return render_template(
        "article.html",
        iri=iri,
        meta=meta,
        pieces=pieces(meta["text"], quotes),
        claims=claims,
        mentions=len(quotes) - claims,
        data_path=(href(iri) or "").replace("/page/", "/data/", 1),
        cite=resource_citation(iri, meta["title"], []),
    )
