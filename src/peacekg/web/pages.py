"""The pages a researcher starts from: home (size, timeline, examples, how to cite) and docs."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask.typing import ResponseReturnValue

from peacekg.web import documents, timeline
from peacekg.web.cite import release_citation, served_release
from peacekg.web.editor import examples
from peacekg.web.http import conditional, file_in
from peacekg.web.linked import select
from peacekg.web.state import state

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def home() -> ResponseReturnValue:
    counts = select(
        """
        SELECT
          (COUNT(DISTINCT ?person) AS ?persons) (COUNT(DISTINCT ?op) AS ?operations)
          (COUNT(DISTINCT ?article) AS ?articles) (COUNT(DISTINCT ?claim) AS ?claims)
        WHERE {
          { ?person a schema:Person } UNION { ?op a pk:PeaceOperation }
          UNION { ?article a pk:Article } UNION { ?claim a pk:Claim }
        }"""
    )[0]
    stats = state().source.statistics()
    return render_template(
        "home.html",
        counts=counts,
        triples=stats["triples"],
        graphs=len(stats["graphs"]),
        timeline=timeline.draw(),
        examples=examples(state().project.queries_dir),
        cite=release_citation(served_release(state().source)),
    )


@blueprint.get("/docs/<name>.svg")
def picture(name: str) -> ResponseReturnValue:
    """A picture the docs show, drawn by `make docs` (the data model from the ontology, the
    architecture from the imports)."""
    path = state().project.root / "docs" / f"{name}.svg"
    if not documents.NAME.fullmatch(name) or not path.is_file():
        abort(404, description=f"no picture {name}.svg in docs/; `make docs` draws them")
    changed = path.stat()
    return conditional(
        (changed.st_mtime_ns, changed.st_size),
        lambda: file_in(path.parent, path.name),
        file=True,
    )


@blueprint.get("/docs")
@blueprint.get("/docs/<name>")
def docs(name: str = "using") -> ResponseReturnValue:
    """A document of docs/ or the README (`readme`), also as `<name>.md`, its links working."""
    name = name.removesuffix(".md")
    root = state().project.root
    path = documents.source(root, name)
    if path is None:
        abort(404, description=f"no document {name}")
    body = documents.render(root, path, lambda endpoint, args: url_for(endpoint, **args))
    title = documents.title(name, path.read_text(encoding="utf-8"))
    return render_template("docs.html", body=body, docs=documents.TITLES, current=name, title=title)
