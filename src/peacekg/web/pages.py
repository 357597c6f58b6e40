"""The pages a researcher starts from: home (size, timeline, examples), dumps, and docs."""

from __future__ import annotations

from pathlib import Path

import markdown
from flask import Blueprint, abort, current_app, render_template, request, send_from_directory
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from pyoxigraph import NamedNode

from peacekg.releases import current_release
from peacekg.web import context, timeline
from peacekg.web.editor import examples
from peacekg.web.linked import prefixed, select
from peacekg.web.void import PREFIXES, dataset_quads, rdf_response

blueprint = Blueprint("pages", __name__)
DOCS = {
    "using": "Using peacekg",
    "data-model": "The data model",
    "mappings": "Writing mappings",
    "reasoning": "Reasoning and validation",
    "wikidata": "Wikidata links",
}


@blueprint.get("/")
def home() -> ResponseReturnValue:
    counts = select(
        prefixed("""
        SELECT
          (COUNT(DISTINCT ?person) AS ?persons) (COUNT(DISTINCT ?op) AS ?operations)
          (COUNT(DISTINCT ?article) AS ?articles) (COUNT(DISTINCT ?claim) AS ?claims)
        WHERE {
          { ?person a schema:Person } UNION { ?op a pk:PeaceOperation }
          UNION { ?article a pk:Article } UNION { ?claim a pk:Claim }
        }""")
    )[0]
    stats = context.source().statistics()
    return render_template(
        "home.html",
        counts=counts,
        triples=stats["triples"],
        graphs=len(stats["graphs"]),
        timeline=timeline.draw(),
        examples=examples(current_app.config["PEACEKG_PROJECT"].queries_dir),
    )


@blueprint.get("/dumps")
@blueprint.get("/dumps/")
def dumps() -> ResponseReturnValue:
    offered = ["text/html", "text/turtle", "application/ld+json", "application/n-triples"]
    wanted = request.args.get("format")
    if wanted or request.accept_mimetypes.best_match(offered, "text/html") != "text/html":
        dataset = NamedNode(context.namespaces().base + "dataset")
        return rdf_response(dataset_quads(dataset, request.host_url), wanted, PREFIXES)
    return render_template("dumps.html", dumps=context.source().dumps())


@blueprint.get("/dumps/<name>")
def dump_download(name: str) -> ResponseReturnValue:
    source = context.source()
    if source.build_dir is None or name not in source.dumps():
        abort(404, description=f"no dump named {name}")
    directory = current_release(source.build_dir) / "dumps"
    return send_from_directory(directory, name, as_attachment=False, max_age=300)


@blueprint.get("/docs/data-model.svg")
def data_model_picture() -> ResponseReturnValue:
    """The picture `peacekg diagram` drew from the ontology (docs/data-model.svg)."""
    docs_dir = current_app.config["PEACEKG_PROJECT"].root / "docs"
    return send_from_directory(docs_dir, "data-model.svg", mimetype="image/svg+xml", max_age=300)


@blueprint.get("/docs")
@blueprint.get("/docs/<name>")
def docs(name: str = "using") -> ResponseReturnValue:
    if name not in DOCS:
        abort(404, description=f"no document {name}")
    path: Path = current_app.config["PEACEKG_PROJECT"].root / "docs" / f"{name}.md"
    if not path.is_file():
        abort(404, description=f"no document {name}")
    html = markdown.markdown(path.read_text(encoding="utf-8"), extensions=["tables", "fenced_code"])
    return render_template(
        "docs.html", body=Markup(html), docs=DOCS, current=name
    )  # our own docs: trusted
