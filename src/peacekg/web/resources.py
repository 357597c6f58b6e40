"""Linked data for our IRIs: 303 See Other from /id/, /code/ and /graph/ to an HTML page
(/page/...) or an RDF document (/data/...[.ttl|.jsonld|.nt|.rdf|.trig|.nq]), by negotiation."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, redirect, render_template
from flask.typing import ResponseReturnValue
from pyoxigraph import NamedNode

from peacekg.endpoint.formats import HTML, Kind, for_kind, split_extension
from peacekg.namespaces import RDFS, SCHEMA, SKOS, prefixed_name
from peacekg.web import article_view
from peacekg.web.cite import resource_citation, today
from peacekg.web.http import choose, conditional
from peacekg.web.linked import construct_counted, href, iri_for, select
from peacekg.web.state import state

blueprint = Blueprint("resources", __name__)

OWNED = (
    "(pk:evidence|oa:hasTarget|oa:hasSelector|pk:validDuring"
    "|time:hasBeginning|time:hasEnd|time:inside)+"
)


def _graph_iri(iri: str) -> bool:
    return iri.startswith(state().namespaces.base + "graph/")


def _exists(iri: str) -> bool:
    if _graph_iri(iri):
        rows = select(f"SELECT ?s WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }} LIMIT 1")
    else:
        rows = select(
            f"SELECT ?x WHERE {{ {{ <{iri}> ?p ?x }} UNION {{ ?x ?p <{iri}> }} }} LIMIT 1"
        )
    return bool(rows)


def _existing(path: str) -> str:
    """The IRI a page or document path is about, or 404 if the graph does not have it."""
    iri = iri_for(path)
    if not _exists(iri):
        abort(404, description=f"no resource {iri} in this graph")
    return iri


def _safe_path(path: str) -> str:
    if any(c in path for c in '<>"{}|\\^` ') or not path:
        abort(404)
    try:
        NamedNode(iri_for(path))  # control characters, U+FFFD, ...: not an IRI, so not ours
    except ValueError:
        abort(404)
    return path


@blueprint.get("/id/<path:path>")
@blueprint.get("/code/<path:path>", defaults={"prefix": "code/"})
@blueprint.get("/graph/<path:path>", defaults={"prefix": "graph/"})
def dereference(path: str, prefix: str = "") -> ResponseReturnValue:
    """303 to the page or the data, by content negotiation (HTML unless RDF is preferred)."""
    path = prefix + _safe_path(path)
    _existing(path)
    renderer = choose((HTML, *for_kind(Kind.GRAPH)), fallback=HTML)
    kind = "page" if renderer is HTML else "data"
    suffix = "" if renderer is HTML else f".{renderer.extension}"
    response = redirect(f"/{kind}/{path}{suffix}", code=303)
    response.vary.add("Accept")
    return response


def _describe(iri: str) -> str:
    if _graph_iri(iri):
        return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
    return f"""
        CONSTRUCT {{ ?s ?p ?o }} WHERE {{
          {{ <{iri}> ?p ?o BIND (<{iri}> AS ?s) }}
          UNION {{ <{iri}> {OWNED} ?s . ?s ?p ?o }}
          UNION {{ ?s ?p <{iri}> BIND (<{iri}> AS ?o) }}
          UNION {{ <{iri}> ?link ?s . ?s rdfs:label ?o BIND (rdfs:label AS ?p) }}
        }}"""


@blueprint.get("/data/<path:path>")
def data(path: str) -> ResponseReturnValue:
    """The RDF about a resource; the suffix, `format=` or Accept choose the serialisation."""
    offered = for_kind(Kind.GRAPH)
    path, extension = split_extension(_safe_path(path), offered)
    renderer = choose(offered, extension)

    def make() -> Response:
        iri = iri_for(path)
        body, triples = construct_counted(_describe(iri), renderer.name)
        if not triples:  # nothing about it: 404, unless it is there after all
            _existing(path)
        response = Response(body, content_type=renderer.content_type)
        response.headers["Link"] = f'<{iri}>; rel="describes"'
        return response

    return conditional((state().source.version(), "data", path, renderer.name), make)


@blueprint.get("/page/<path:path>")
def page(path: str) -> ResponseReturnValue:
    path = _safe_path(path)

    def make() -> Response:
        iri = iri_for(path)

        def found() -> None:
            _existing(path)

        if path.startswith("article/") and "/" not in path[len("article/") :]:
            return Response(article_view.render(iri, found))
        if _graph_iri(iri):  # a graph is there when it has triples, not when linked
            _existing(path)
        view = resource_view(iri, found)
        cite = resource_citation(iri, str(view["label"]), view["evidence"])  # type: ignore[arg-type]
        return Response(render_template("resource.html", **view, cite=cite))

    return conditional((state().source.version(), "page", path, today()), make)


# What a resource page asks the graph, each with {iri} for the resource.
LABEL_QUERY = """
SELECT ?label WHERE {{ <{iri}> rdfs:label|skos:prefLabel|schema:headline ?label }} LIMIT 1"""
OUTGOING_QUERY = """
SELECT ?p ?o (isIRI(?o) AS ?iri) (SAMPLE(?pl) AS ?plabel) (SAMPLE(?ol) AS ?olabel) WHERE {{
  <{iri}> ?p ?o . FILTER (?p != schema:text)
  OPTIONAL {{ ?p rdfs:label ?pl }} OPTIONAL {{ ?o rdfs:label|skos:prefLabel ?ol }}
}} GROUP BY ?p ?o ORDER BY ?p ?o"""
INCOMING_SHOWN = 500
"""At most this many links to the resource are shown, the first by property and resource."""
INCOMING_READ = 50_000
"""Links to the resource read to sort them here; past this many, Oxigraph sorts them."""
INCOMING_FEW = """
SELECT ?s ?p (isIRI(?s) AS ?iri) (SAMPLE(?pl) AS ?plabel) (SAMPLE(?sl) AS ?slabel) WHERE {{
  {{ SELECT DISTINCT ?s ?p WHERE {{ ?s ?p <{iri}> }} LIMIT {few} }}
  OPTIONAL {{ ?p rdfs:label ?pl }} OPTIONAL {{ ?s rdfs:label|skos:prefLabel ?sl }}
}} GROUP BY ?s ?p"""
INCOMING_LINKS = """
SELECT ?s ?p (isIRI(?s) AS ?iri) WHERE {{ ?s ?p <{iri}> }}"""
INCOMING_LABELS = """
SELECT ?s ?p (SAMPLE(?pl) AS ?plabel) (SAMPLE(?sl) AS ?slabel) WHERE {{
  VALUES (?s ?p) {{ {pairs} }}
  OPTIONAL {{ ?p rdfs:label ?pl }} OPTIONAL {{ ?s rdfs:label|skos:prefLabel ?sl }}
}} GROUP BY ?s ?p"""
INCOMING_QUERY = """
SELECT ?s ?p (SAMPLE(?pl) AS ?plabel) (SAMPLE(?sl) AS ?slabel) WHERE {{
  ?s ?p <{iri}> .
  OPTIONAL {{ ?p rdfs:label ?pl }} OPTIONAL {{ ?s rdfs:label|skos:prefLabel ?sl }}
}} GROUP BY ?s ?p ORDER BY ?p ?s LIMIT 500"""
QUOTED = """
      ?target oa:hasSource ?article ; pk:sentence ?sentence ; pk:sentenceStart ?sentenceStart ;
              oa:hasSelector ?selector . ?selector oa:exact ?exact .
      ?target oa:hasSelector ?position . ?position oa:start ?start .
      ?article schema:headline ?title ."""
"""The quote of an evidence ?target, its sentence and its article. Oxigraph joins in the order
written where its estimates tie, and runs a pattern once per row when the row binds it: so each
branch below starts from the resource and looks the rest up per claim (a shared tail after the
UNION would be joined by hashing every quote in the store)."""
EVIDENCE_QUERY = (
    """
SELECT DISTINCT ?claim ?claimLabel ?exact ?start ?sentence ?sentenceStart ?article ?title WHERE {{
  {{ <{iri}> pk:evidence/oa:hasTarget ?target BIND (<{iri}> AS ?claim) ."""
    + QUOTED
    + """ }}
  UNION {{ ?claim ?p <{iri}> ; a ?claimType ; pk:evidence/oa:hasTarget ?target .
           FILTER (sameTerm(?claimType, pk:Claim))"""
    # `a ?claimType` and a filter, not `a pk:Claim`: with its object bound that pattern looks
    # the smaller, and every claim in the store would be read before the resource's links
    + QUOTED
    + """ }}
  UNION {{ ?claim oa:hasBody <{iri}> ; oa:motivatedBy oa:identifying ; oa:hasTarget ?target ."""
    + QUOTED
    + """ }}
  OPTIONAL {{ ?claim rdfs:label ?label }}
  BIND (COALESCE(?label, CONCAT("named as “", ?exact, "”")) AS ?claimLabel)
}} ORDER BY ?title ?claim"""
)

WIKIDATA_QUERY = """
SELECT ?item ?status ?statusLabel ?checked ?note ?document ?matched ?url WHERE {{
  ?record pk:linkSubject <{iri}> ; pk:linkTarget ?item ; pk:checkedOn ?checked ;
          pk:linkStatus ?code ; pk:linkSource ?source .
  ?code skos:notation ?status ; skos:prefLabel ?statusLabel .
  ?source dcterms:title ?document ; pk:matchedLabel ?matched .
  OPTIONAL {{ ?source schema:url ?url }}
  OPTIONAL {{ ?record rdfs:comment ?note }}
}} ORDER BY ?document"""
ENTITY_KINDS = ("person", "operation", "organization", "unit", "place", "group")
"""Registry entities: the resources that can have a Wikidata link."""
LINK_WORDS = {
    "verified": "verified: two or more independent sources pair the item with this entity",
    "one-source": "one source: a single document pairs the item with this entity",
    "resolved": "resolved: accepted from Wikidata's own answer, checked against the graph",
}


def wikidata_view(iri: str) -> dict[str, object] | None:
    """The entity's Wikidata link with its status and sources, or why it has none; None for
    what is not a registry entity (claims, articles, code-list members)."""
    base = state().namespaces.base + "id/"
    if not iri.startswith(tuple(f"{base}{kind}/" for kind in ENTITY_KINDS)) or "#" in iri:
        return None
    rows = select(WIKIDATA_QUERY.format(iri=iri))
    if not rows:
        return {"linked": False}
    first = rows[0]
    words = LINK_WORDS.get(first["status"], first["statusLabel"])
    return {
        "linked": True,
        "item": first["item"],
        "status": words,
        "checked": first["checked"],
        "note": first.get("note", ""),
        "sources": rows,
    }


LABELLED_BY = (RDFS + "label", SKOS + "prefLabel", SCHEMA + "headline")
"""The properties of LABEL_QUERY's path, to find the label among the statements."""


def incoming_view(iri: str) -> tuple[list[dict[str, str]], bool]:
    """INCOMING_QUERY's rows, and whether anything links to the resource. Its ORDER BY is done
    here: Oxigraph reads every IRI's text from the store at each comparison, which takes
    seconds for a code or a country thousands of claims link to. Up to INCOMING_SHOWN links
    come labelled in one query; more are read bare, sorted by text (as SPARQL orders IRIs,
    blank nodes first), and only the first INCOMING_SHOWN are labelled."""
    few = select(INCOMING_FEW.format(iri=iri, few=INCOMING_SHOWN + 1))
    if len(few) <= INCOMING_SHOWN:
        rows = sorted(few, key=lambda row: (row["p"], row["iri"] == "true", row["s"]))
        if not all(row.pop("iri") == "true" for row in rows):  # how Oxigraph orders blank
            return select(INCOMING_QUERY.format(iri=iri)), True  # nodes is its own affair
        return rows, bool(rows)
    links = select(INCOMING_LINKS.format(iri=iri), row_limit=INCOMING_READ + 1)
    pairs = sorted({(row["p"], row["iri"] == "true", row["s"]) for row in links})
    shown = pairs[:INCOMING_SHOWN]
    if len(links) > INCOMING_READ or not all(is_iri for _, is_iri, _ in shown):
        return select(INCOMING_QUERY.format(iri=iri)), True  # and no VALUES holds one
    values = " ".join(f"(<{s}> <{p}>)" for p, _, s in shown)
    rows = select(INCOMING_LABELS.format(pairs=values))
    labelled = {(row["s"], row["p"]): row for row in rows}
    return [labelled[(s, p)] for p, _, s in shown], True


def label_of(iri: str, out: list[dict[str, str]]) -> str | None:
    """LABEL_QUERY's answer, read from the statements when they say it without doubt (one
    value, or none, and not cut at the row limit); asked otherwise."""
    values = {row["o"] for row in out if row["p"] in LABELLED_BY}
    if len(values) > 1 or len(out) >= state().settings.row_limit:
        label = select(LABEL_QUERY.format(iri=iri))
        return label[0]["label"] if label else None
    return next(iter(values), None)


def resource_view(iri: str, found: Callable[[], object]) -> dict[str, object]:
    """Everything the resource page shows: label, types, statements both ways, evidence.
    `found` is called (to answer 404) when nothing is said of the resource or links to it."""
    out = select(OUTGOING_QUERY.format(iri=iri))
    incoming, linked = incoming_view(iri)
    if not out and not linked:
        found()
    label = label_of(iri, out)
    evidence = select(EVIDENCE_QUERY.format(iri=iri))
    prefixes = state().namespaces.prefixes()
    for row in out:
        row["p_curie"] = prefixed_name(row["p"], prefixes) or row["p"]
        row["href"] = href(row["o"]) if row["iri"] == "true" else ""
    for row in incoming:
        row["p_curie"], row["href"] = prefixed_name(row["p"], prefixes) or row["p"], href(row["s"])
    for row in evidence:
        row["claim_href"], row["article_href"] = href(row["claim"]), href(row["article"])
        row["anchor"] = "fact-" + row["claim"].rsplit("/", 1)[-1]
        # the quote within its sentence: what comes before it and after it
        at = int(row["start"]) - int(row["sentenceStart"])
        sentence = row["sentence"]
        row["before"], row["after"] = sentence[:at], sentence[at + len(row["exact"]) :]
    types = [r for r in out if r["p"].endswith("#type")]
    links = [r for r in out if r["p"].endswith(("core#exactMatch", "schema.org/sameAs"))]
    return {
        "iri": iri,
        "label": iri.rsplit("/", 1)[-1] if label is None else label,
        "types": types,
        "links": links,
        "statements": [r for r in out if r not in types],
        "incoming": incoming,
        "evidence": evidence,
        "data_path": (href(iri) or "").replace("/page/", "/data/", 1),
        "wikidata": wikidata_view(iri),
    }
