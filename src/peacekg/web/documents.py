"""The project's Markdown documents as pages: README.md and every docs/*.md.

They are written to be read on a code host, where the README links `docs/data-model.md` and a
document links `data-model.md` or `../README.md`. Rendered here, every relative link is
rewritten to where this server answers for its target (`/docs/data-model`, `/docs/readme`,
`/docs/architecture.svg`, `/queries/<name>.rq`), and a link to a file the server does not
serve (`bench/README.md`) keeps its words but stops being a link; `/docs/<name>.md` answers
too, for whoever types the path as the README writes it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

TITLES = {
    "using": "Using peacekg",
    "data-model": "The data model",
    "iris": "The IRI scheme",
    "mappings": "Writing mappings",
    "reasoning": "Reasoning and validation",
    "wikidata": "Wikidata links",
    "architecture": "How the code is organised",
    "deploy": "Running at scale",
    "readme": "About the project",
}
"""The documents the docs pages list, in this order, with their titles; any other docs/*.md is
served too, titled by its first heading."""
README = "readme"
NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,80}")
"""A document's or picture's name: checked before any file is looked at (a name longer than
the file system allows would be an error, not a 404)."""
SERVED = (
    (re.compile(r"README\.md"), lambda m: ("pages.docs", {"name": README})),
    (re.compile(r"docs/([a-z0-9][a-z0-9-]*)\.md"), lambda m: ("pages.docs", {"name": m[1]})),
    (re.compile(r"docs/([a-z0-9][a-z0-9-]*)\.svg"), lambda m: ("pages.picture", {"name": m[1]})),
    (
        re.compile(r"queries/([a-z0-9][a-z0-9-]*)\.rq"),
        lambda m: ("editor.raw_query", {"name": m[1]}),
    ),
)
"""Which files of the repository this server answers for: the endpoint and its arguments."""

Link = Callable[[str, dict[str, str]], str]
"""`url_for`, or whatever else turns an endpoint and its arguments into a path."""


def source(root: Path, name: str) -> Path | None:
    """The Markdown file of a document name (`readme`, or a docs/*.md stem), if there is one."""
    if not NAME.fullmatch(name):
        return None
    path = root / "README.md" if name == README else root / "docs" / f"{name}.md"
    return path if path.is_file() else None


def title(name: str, text: str) -> str:
    """The document's title: ours, else its first heading, else its name."""
    if name in TITLES:
        return TITLES[name]
    heading = re.search(r"^#\s+(.+?)\s*$", text, re.MULTILINE)
    return heading[1] if heading else name


def served_path(repo_path: str, link: Link) -> str | None:
    """Where this server answers for a file of the repository (None: it does not)."""
    for pattern, target in SERVED:
        if match := pattern.fullmatch(repo_path):
            endpoint, arguments = target(match)
            return link(endpoint, arguments)
    return None


def render(root: Path, path: Path, link: Link) -> Markup:
    """A document as HTML (our own text: trusted), its relative links made to work here."""
    here = PurePosixPath(path.relative_to(root).as_posix())
    return Markup(
        markdown.markdown(
            path.read_text(encoding="utf-8"),
            extensions=["tables", "fenced_code", "toc", _Links(here, link)],
        )
    )


class _Links(Extension):
    def __init__(self, here: PurePosixPath, link: Link) -> None:
        super().__init__()
        self.here, self.link = here, link

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_Rewrite(md, self.here, self.link), "peacekg-links", 0)


class _Rewrite(Treeprocessor):
    """Every relative href and src, resolved against the document's place in the repository."""

    def __init__(self, md: markdown.Markdown, here: PurePosixPath, link: Link) -> None:
        super().__init__(md)
        self.here, self.link = here, link

    def run(self, root: Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not urlsplit(value).scheme:
                    self._rewrite(element, attribute, value)

    def _rewrite(self, element: Element, attribute: str, value: str) -> None:
        target, hash_, fragment = value.partition("#")
        if not target or target.startswith("/"):
            return  # a place on this page, or already a path of this server
        resolved = posixpath.normpath(posixpath.join(str(self.here.parent), target))
        if served := served_path(resolved, self.link):
            element.set(attribute, served + hash_ + fragment)
        elif attribute == "href":  # a file the server does not serve: keep the words
            element.tag = "span"
            element.attrib.pop("href")
            element.set("title", f"{resolved} in the project's repository")
