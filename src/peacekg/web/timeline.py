"""The timeline of Kazakh personnel per mission, drawn as server-side SVG from a SPARQL query.

A figure the article dates is a dot; one that holds only within bounds (an undated article,
or a year) is a bar over the span it may hold in. Every mark carries its kind, value, source
article and a link to the claim, so hovering shows the source and a click shows the quote.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peacekg.web.linked import href, select

QUERY = """
SELECT ?claim ?mission ?value ?kind ?kindLabel ?qualifier ?unit ?date ?notBefore ?notAfter ?title
WHERE {
  { SELECT ?claim (GROUP_CONCAT(DISTINCT ?acronym; SEPARATOR=", ") AS ?missions) WHERE {
      ?claim a pk:PersonnelFigure ; pk:status status:actual .
      # contributingCountry? as a UNION: Virtuoso (serve --backend) gets the path wrong
      { ?claim pk:contributor place:kazakhstan }
      UNION { ?claim pk:contributor/pk:contributingCountry place:kazakhstan }
      OPTIONAL { ?claim pk:operation ?op . ?op rdfs:label ?name .
                 OPTIONAL { ?op pk:acronym ?short } BIND (COALESCE(?short, ?name) AS ?acronym) }
    } GROUP BY ?claim }
  ?claim pk:value ?value ; pk:figureKind ?k ; pk:qualifier/skos:prefLabel ?qualifier ;
         pk:unit/skos:prefLabel ?unit ; prov:wasDerivedFrom/schema:headline ?title ;
         pk:validDuring ?valid .
  ?k skos:notation ?kind ; skos:prefLabel ?kindLabel .
  # the instant the count refers to: a current count's, or else the end of a running total's
  ?valid time:inside|time:hasEnd ?instant .
  FILTER (NOT EXISTS { ?valid time:inside ?at } || EXISTS { ?valid time:inside ?instant })
  OPTIONAL { ?instant time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear ?date }
  OPTIONAL { ?instant pk:notBefore ?notBefore }
  OPTIONAL { ?instant pk:notAfter ?notAfter }
  FILTER (BOUND(?date) || (BOUND(?notBefore) && BOUND(?notAfter)))
  BIND (IF(COALESCE(?missions, "") = "", "not named", ?missions) AS ?mission)
}"""
WIDTH, LEFT, ROW, TOP = 900, 110, 36, 30
CHAR = 6.6
"""Width of one character of a row label at the page's font size, to make room for the label."""


def year_fraction(value: str, end: bool = False) -> float:
    """A date of any stated precision as a fractional year; `end` takes the period's end."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 1:
        return parts[0] + (1.0 if end else 0.0)
    if len(parts) == 2:
        month = parts[1] + (1 if end else 0)
        return parts[0] + (month - 1) / 12
    day = dt.date(*parts)
    return day.year + (day.timetuple().tm_yday - 1) / 365.25


@dataclass(frozen=True)
class Mark:
    x: float
    x_end: float
    y: float
    kind: str
    label: str
    title: str
    href: str

    @property
    def is_span(self) -> bool:
        return self.x_end - self.x > 6

    @property
    def cx(self) -> float:
        return (self.x + self.x_end) / 2 if self.is_span else self.x


def _join_labels(marks: list[Mark]) -> list[Mark]:
    """Marks that sit on one another share one label ("6 · 45"), so no value hides another."""
    result: list[Mark] = []
    for mark in marks:
        leader = next(
            (m for m in result if m.y == mark.y and m.label and abs(m.cx - mark.cx) < 22), None
        )
        if leader is None:
            result.append(mark)
            continue
        index = result.index(leader)
        result[index] = Mark(**{**leader.__dict__, "label": f"{leader.label} · {mark.label}"})
        result.append(Mark(**{**mark.__dict__, "label": ""}))
    return result


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    left: int
    """Where the plot starts: room for the longest row label."""
    rows: list[tuple[str, float]]
    years: list[tuple[int, float]]
    marks: list[Mark]
    kinds: list[tuple[str, str]]


def draw() -> Timeline | None:
    rows = select(QUERY)
    if not rows:
        return None
    spans = []
    for r in rows:
        if "date" in r:
            start, end = year_fraction(r["date"]), year_fraction(r["date"], end=len(r["date"]) < 10)
        else:
            start, end = year_fraction(r["notBefore"]), year_fraction(r["notAfter"], end=True)
        spans.append((r, start, end))
    first = int(min(s for _, s, _ in spans))
    last = int(max(e for _, _, e in spans)) + 1
    missions = sorted({r["mission"] for r in rows}, key=lambda m: (m == "not named", m))
    y_of = {m: TOP + i * ROW + ROW / 2 for i, m in enumerate(missions)}
    left = max(LEFT, round(CHAR * max(map(len, missions))) + 16)  # a row per scope, all of it

    def x(year: float) -> float:
        return left + (year - first) / (last - first) * (WIDTH - left - 20)

    marks = _join_labels(
        [
            Mark(
                x=round(x(start), 1),
                x_end=round(x(end), 1),
                y=y_of[r["mission"]],
                kind=r["kind"],
                label=r["value"],
                title=(
                    f"{r['qualifier']} {int(r['value']):,} {r['unit']} ({r['kindLabel']}), "
                    f"as of {r.get('date') or r['notBefore'] + ' – ' + r['notAfter']}; "
                    f"source: {r['title']}"
                ),
                href=href(r["claim"]),
            )
            for r, start, end in sorted(spans, key=lambda s: (s[1], s[0]["claim"]))
        ]
    )
    kinds = sorted({(r["kind"], r["kindLabel"]) for r in rows})
    height = TOP + len(missions) * ROW + 30
    return Timeline(
        width=WIDTH,
        left=left,
        height=height,
        rows=[(m, y_of[m]) for m in missions],
        years=[(year, round(x(year), 1)) for year in range(first, last + 1)],
        marks=marks,
        kinds=kinds,
    )
