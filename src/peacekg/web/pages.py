"""The pages a researcher starts from: home (size, timeline, examples), dumps, and docs."""

from __future__ import annotations

from pathlib import Path

import markdown
from flask import Blueprint, Response, abort, render_template, send_from_directory
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from peacekg.endpoint.formats import HTML, Kind, for_kind
from peacekg.releases import current_release
from peacekg.web import timeline
from peacekg.web.editor import examples
from peacekg.web.http import choose, conditional
from peacekg.web.linked import prefixed, select
from peacekg.web.state import state
from peacekg.web.void import void_answer

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
    stats = state().source.statistics()
    return render_template(
        "home.html",
        counts=counts,
        triples=stats["triples"],
        graphs=len(stats["graphs"]),
        timeline=timeline.draw(),
        examples=examples(state().project.queries_dir),
    )


@blueprint.get("/dumps")
@blueprint.get("/dumps/")
def dumps() -> ResponseReturnValue:
    """The dumps as a page, or as their VoID/DCAT description for RDF clients."""
    renderer = choose((HTML, *for_kind(Kind.GRAPH)), fallback=HTML)
    if renderer is not HTML:
        return void_answer(renderer)
    source = state().source
    return conditional(
        (source.version(), "dumps", renderer.name),
        lambda: Response(render_template("dumps.html", dumps=source.dumps())),
    )


@blueprint.get("/dumps/<name>")
def dump_download(name: str) -> ResponseReturnValue:
    """A dump file, its checksum its ETag."""
    source = state().source
    files = source.dumps()
    if source.build_dir is None or name not in files:
        abort(404, description=f"no dump named {name}")
    directory = current_release(source.build_dir) / "dumps"
    return conditional(files[name]["sha256"], lambda: _file(directory, name), file=True)


@blueprint.get("/docs/data-model.svg")
def data_model_picture() -> ResponseReturnValue:
    """The picture `peacekg diagram` drew from the ontology (docs/data-model.svg)."""
    path = state().project.root / "docs" / "data-model.svg"
    if not path.is_file():
        abort(404, description="no data-model picture; `peacekg diagram` draws it")
    changed = path.stat()
    return conditional(
        (changed.st_mtime_ns, changed.st_size),
        lambda: _file(path.parent, path.name),
        file=True,
    )


def _file(directory: Path, name: str) -> Response:
    """A file as it is, typed by its name (a .gz is Content-Encoding: gzip); `conditional`
    answers If-None-Match and Range for it."""
    return send_from_directory(directory, name, conditional=False, etag=False)


@blueprint.get("/docs")
@blueprint.get("/docs/<name>")
def docs(name: str = "using") -> ResponseReturnValue:
    if name not in DOCS:
        abort(404, description=f"no document {name}")
    path: Path = state().project.root / "docs" / f"{name}.md"
    if not path.is_file():
        abort(404, description=f"no document {name}")
    html = markdown.markdown(path.read_text(encoding="utf-8"), extensions=["tables", "fenced_code"])
    return render_template(
        "docs.html", body=Markup(html), docs=DOCS, current=name
    )  # our own docs: trusted
