"""`/query`: the query UI, YASGUI over this server's own `/sparql`, with the example queries of
`queries/*.rq` one click away; `/queries/<name>.rq`: each example as raw, citable SPARQL.

YASGUI is not committed: `make yasgui` (a step of `make serve` and `make test`) fetches a pinned
release from the npm registry into `static/vendor/yasgui/`. The page never loads anything from
another host; without those files it says how to get them and offers a plain query form.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue

from peacekg.endpoint.formats import Kind, for_kind
from peacekg.web.cite import release_citation, served_release
from peacekg.web.http import choose, conditional
from peacekg.web.state import state

blueprint = Blueprint("editor", __name__)

VENDOR = "vendor/yasgui"
"""Where `make yasgui` puts YASGUI, under the app's static folder."""
VENDOR_FILES = ("yasgui.min.js", "yasgui.min.css")
NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
HEADER = re.compile(r"#\s*(title|description):\s*(.*\S)\s*$")


@dataclass(frozen=True)
class Example:
    """One example query: its file name (without .rq), the title and description of its header."""

    name: str
    title: str
    description: str
    text: str


def read_example(path: Path) -> Example:
    """An example from its file: `# title:` and `# description:` among its leading comments."""
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if match := HEADER.match(line):
            header.setdefault(match[1], match[2])
    return Example(path.stem, header.get("title", path.stem), header.get("description", ""), text)


def examples(folder: Path) -> list[Example]:
    """Every well-named `*.rq` in `folder`, by file name; read on each request, so edits show."""
    paths = sorted(folder.glob("*.rq")) if folder.is_dir() else []
    return [read_example(p) for p in paths if NAME.fullmatch(p.stem)]


def yasgui_installed() -> bool:
    static = Path(current_app.static_folder or "")
    return all((static / VENDOR / name).is_file() for name in VENDOR_FILES)


def default_query(prefixes: dict[str, str]) -> str:
    """What a new editor tab starts with: a small query using two of the predeclared prefixes,
    which need no PREFIX lines (as on WDQS), and a comment that says so."""
    shown = ", ".join(f"{p}:" for p in ("pk", "rdfs", "schema", "wd") if p in prefixes)
    return "\n".join(
        [
            f"# {shown} and the other prefixes listed below are predeclared (no PREFIX lines)",
            "SELECT ?officer ?name WHERE {",
            "  ?officer a pk:Officer ;",
            "           rdfs:label ?name .",
            "}",
            "ORDER BY ?name",
            "LIMIT 100",
        ]
    )


@blueprint.get("/query")
def query_page() -> ResponseReturnValue:
    prefixes = state().namespaces.prefixes()
    found = examples(state().project.queries_dir)
    served = served_release(state().source)
    config = {
        "release": served.id if served else None,
        "endpoint": url_for("sparql.sparql").rstrip("/"),
        "page": url_for("editor.query_page"),
        "prefixes": prefixes,
        "defaultQuery": default_query(prefixes),
        "examples": [{"name": e.name, "title": e.title, "query": e.text} for e in found],
    }
    return render_template(
        "query.html",
        examples=found,
        prefixes=prefixes,
        config=config,
        yasgui=yasgui_installed(),
        initial_query=request.args.get("query") or config["defaultQuery"],
        release=served,
        notice=release_notice(request.args.get("release"), served.id if served else None),
        cite=release_citation(served),
    )


def release_notice(asked: str | None, served: str | None) -> dict[str, object] | None:
    """What a permalink made on another release must say: the graph has changed since, and the
    dumps that hold the graph it was made on (unless that release was pruned)."""
    if not asked or served is None or asked == served:
        return None
    return {"release": asked, "kept": state().source.find(asked) is not None}


@blueprint.get("/queries/<name>.rq")
def raw_query(name: str) -> ResponseReturnValue:
    """The example as its file holds it: text/plain (readable in a browser) unless the client
    asks for application/sparql-query."""
    path = state().project.queries_dir / f"{name}.rq"
    if not NAME.fullmatch(name) or not path.is_file():
        abort(404, description=f"no example query named {name}.rq")
    offered = for_kind(Kind.QUERY)
    renderer = choose(offered, fallback=offered[0])
    body = path.read_bytes()

    def make() -> Response:
        response = Response(body, content_type=renderer.content_type)
        response.headers["Content-Disposition"] = f'inline; filename="{name}.rq"'
        return response

    return conditional((renderer.name, hashlib.sha256(body).hexdigest()), make)
