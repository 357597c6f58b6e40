"""Linked data for our IRIs: 303 See Other from /id/, /code/ and /graph/ to an HTML page
(/page/...) or an RDF document (/data/...[.ttl|.jsonld|.nt|.rdf]), chosen by Accept."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request
from flask.typing import ResponseReturnValue
from pyoxigraph import NamedNode

from peacekg.endpoint.formats import BY_RENDERER_NAME, Kind, by_name, for_kind, negotiate
from peacekg.web import article_view, context
from peacekg.web.linked import construct, href, iri_for, prefixed, select

blueprint = Blueprint("resources", __name__)

EXTENSIONS = {
    "ttl": "turtle",
    "jsonld": "jsonld",
    "nt": "ntriples",
    "rdf": "rdfxml",
    "trig": "trig",
    "nq": "nquads",
}
OWNED = (
    "(pk:evidence|oa:hasTarget|oa:hasSelector|pk:validDuring"
    "|time:hasBeginning|time:hasEnd|time:inside)+"
)


def _graph_iri(iri: str) -> bool:
    return iri.startswith(context.namespaces().base + "graph/")


def _exists(iri: str) -> bool:
    if _graph_iri(iri):
        rows = select(f"SELECT ?s WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }} LIMIT 1")
    else:
        rows = select(
            f"SELECT ?x WHERE {{ {{ <{iri}> ?p ?x }} UNION {{ ?x ?p <{iri}> }} }} LIMIT 1"
        )
    return bool(rows)


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
    if not _exists(iri_for(path)):
        abort(404, description=f"no resource {iri_for(path)} in this graph")
    offered = ["text/html", *(r.media_type for r in for_kind(Kind.GRAPH))]
    best = request.accept_mimetypes.best_match(offered, default="text/html")
    if best == "text/html" or best is None:
        target = f"/page/{path}"
    else:
        renderer = negotiate(request.accept_mimetypes, Kind.GRAPH)
        ext = next(e for e, name in EXTENSIONS.items() if renderer and name == renderer.name)
        target = f"/data/{path}.{ext}"
    response = redirect(target, code=303)
    response.vary.add("Accept")
    return response


def _describe(iri: str) -> str:
    if _graph_iri(iri):
        return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
    return prefixed(f"""
        CONSTRUCT {{ ?s ?p ?o }} WHERE {{
          {{ <{iri}> ?p ?o BIND (<{iri}> AS ?s) }}
          UNION {{ <{iri}> {OWNED} ?s . ?s ?p ?o }}
          UNION {{ ?s ?p <{iri}> BIND (<{iri}> AS ?o) }}
          UNION {{ <{iri}> ?link ?s . ?s rdfs:label ?o BIND (rdfs:label AS ?p) }}
        }}""")


@blueprint.get("/data/<path:path>")
def data(path: str) -> ResponseReturnValue:
    """The RDF about a resource; the suffix, `format=` or Accept choose the serialisation."""
    path = _safe_path(path)
    stem, _, ext = path.rpartition(".")
    if stem and ext in EXTENSIONS:
        renderer, path = BY_RENDERER_NAME[EXTENSIONS[ext]], stem
    elif wanted := request.args.get("format"):
        renderer = by_name(wanted, Kind.GRAPH)
    else:
        renderer = negotiate(request.accept_mimetypes, Kind.GRAPH)
    if renderer is None:
        abort(406, description="this is RDF: ask for text/turtle, application/ld+json, ...")
    iri = iri_for(path)
    if not _exists(iri):
        abort(404, description=f"no resource {iri} in this graph")
    response = Response(
        construct(_describe(iri), renderer.name), content_type=renderer.content_type
    )
    response.headers["Link"] = f'<{iri}>; rel="describes"'
    response.vary.add("Accept")
    return response


@blueprint.get("/page/<path:path>")
def page(path: str) -> ResponseReturnValue:
    path = _safe_path(path)
    iri = iri_for(path)
    if not _exists(iri):
        abort(404, description=f"no resource {iri} in this graph")
    if path.startswith("article/") and "/" not in path[len("article/") :]:
        return article_view.render(iri)
    return render_template("resource.html", **resource_view(iri))


def resource_view(iri: str) -> dict[str, object]:
    """Everything the resource page shows: label, types, statements both ways, evidence."""
    label = select(
        prefixed(f"""
        SELECT ?label WHERE {{ <{iri}> rdfs:label|skos:prefLabel|schema:headline ?label }}
        LIMIT 1""")
    )
    out = select(
        prefixed(f"""
        SELECT ?p ?o (isIRI(?o) AS ?iri) (SAMPLE(?pl) AS ?plabel) (SAMPLE(?ol) AS ?olabel) WHERE {{
          <{iri}> ?p ?o . FILTER (?p != schema:text)
          OPTIONAL {{ ?p rdfs:label ?pl }} OPTIONAL {{ ?o rdfs:label|skos:prefLabel ?ol }}
        }} GROUP BY ?p ?o ORDER BY ?p ?o""")
    )
    incoming = select(
        prefixed(f"""
        SELECT ?s ?p (SAMPLE(?pl) AS ?plabel) (SAMPLE(?sl) AS ?slabel) WHERE {{
          ?s ?p <{iri}> .
          OPTIONAL {{ ?p rdfs:label ?pl }} OPTIONAL {{ ?s rdfs:label|skos:prefLabel ?sl }}
        }} GROUP BY ?s ?p ORDER BY ?p ?s LIMIT 500""")
    )
    evidence = select(
        prefixed(f"""
        SELECT DISTINCT ?claim ?claimLabel ?exact ?prefix ?suffix ?article ?title WHERE {{
          {{ BIND (<{iri}> AS ?claim) ?claim pk:evidence/oa:hasTarget ?target }}
          UNION {{ ?claim ?p <{iri}> ; a pk:Claim ; pk:evidence/oa:hasTarget ?target }}
          UNION {{ ?claim oa:hasBody <{iri}> ; oa:motivatedBy oa:identifying ;
                         oa:hasTarget ?target }}
          ?target oa:hasSource ?article ; oa:hasSelector ?selector .
          ?selector oa:exact ?exact ; oa:prefix ?prefix ; oa:suffix ?suffix .
          ?article schema:headline ?title .
          OPTIONAL {{ ?claim rdfs:label ?label }}
          BIND (COALESCE(?label, CONCAT("named as “", ?exact, "”")) AS ?claimLabel)
        }} ORDER BY ?title ?claim""")
    )
    prefixes = context.namespaces().prefixes()

    def curie(value: str) -> str:
        for name, namespace in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
            if value.startswith(namespace):
                return f"{name}:{value[len(namespace) :]}"
        return value

    for row in out:
        row["p_curie"], row["href"] = (
            curie(row["p"]),
            href(row["o"]) if row["iri"] == "true" else "",
        )
    for row in incoming:
        row["p_curie"], row["href"] = curie(row["p"]), href(row["s"])
    for row in evidence:
        row["claim_href"], row["article_href"] = href(row["claim"]), href(row["article"])
        row["anchor"] = "fact-" + row["claim"].rsplit("/", 1)[-1]
    types = [r for r in out if r["p"].endswith("#type")]
    links = [r for r in out if r["p"].endswith(("core#exactMatch", "schema.org/sameAs"))]
    return {
        "iri": iri,
        "label": label[0]["label"] if label else iri.rsplit("/", 1)[-1],
        "types": types,
        "links": links,
        "statements": [r for r in out if r not in types],
        "incoming": incoming,
        "evidence": evidence,
        "data_path": (href(iri) or "").replace("/page/", "/data/", 1),
    }
