"""The documents as the server renders them: every link on every docs page answers (the README's
and the docs' relative links included), each page reads as English, and every pk: property a
researcher meets in the data is named in some document."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import rdflib
from flask.testing import FlaskClient

from peacekg.web.documents import TITLES
from support import ROOT

PK = rdflib.Namespace("https://w3id.org/peacekg/ontology#")
NAMES = {"pySHACL", "pyLODE"}
"""Products spelt as their makers spell them, not identifiers."""
PAGES = ["/docs", *(f"/docs/{name}" for name in TITLES)] + [
    f"/docs/{path.stem}" for path in sorted((ROOT / "docs").glob("*.md")) if path.stem not in TITLES
]


class Links(HTMLParser):
    """The href and src of a page, the ids it has, and its text outside code."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.links += [v for k, v in attrs if k in ("href", "src") and v]
        if found.get("id"):
            self.ids.add(str(found["id"]))
        self._code += tag in ("code", "pre")

    def handle_endtag(self, tag: str) -> None:
        self._code -= tag in ("code", "pre")

    def handle_data(self, data: str) -> None:
        if not self._code:
            self.text.append(data)


def parsed(client: FlaskClient, path: str) -> Links:
    response = client.get(path)
    assert response.status_code == 200, path
    page = Links()
    page.feed(response.get_data(as_text=True))
    return page


@pytest.mark.parametrize("page", PAGES)
def test_every_link_on_a_docs_page_answers(client: FlaskClient, page: str):
    seen = parsed(client, page)
    local = [urljoin(f"http://localhost{page}", link) for link in seen.links]
    local = [u for u in local if urlsplit(u).hostname == "localhost"]
    assert local, page
    for url in local:
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        response = client.get(target)
        assert response.status_code == 200, f"{page} links {target}: {response.status_code}"
        if parts.fragment and response.mimetype == "text/html":
            assert parts.fragment in parsed(client, target).ids, f"{page} links {url}"


def test_relative_links_are_rewritten_to_the_server(client: FlaskClient):
    readme = parsed(client, "/docs/readme").links
    assert "/docs/data-model" in readme and "/docs/architecture" in readme
    assert not [link for link in readme if link.endswith(".md")]  # bench/README.md: no link
    using = parsed(client, "/docs/using").links
    assert "/docs/data-model" in using
    assert "/docs/architecture.svg" in parsed(client, "/docs/architecture").links


def test_docs_answer_at_their_md_paths_too(client: FlaskClient):
    as_written = client.get("/docs/data-model.md")
    assert as_written.status_code == 200
    assert as_written.get_data() == client.get("/docs/data-model").get_data()
    assert client.get("/docs/no-such-doc.md").status_code == 404
    assert client.get("/docs/..%2fREADME.md").status_code == 404
    for too_long in ("/docs/" + "x" * 5000, "/docs/" + "x" * 5000 + ".svg"):  # was a 500
        assert client.get(too_long).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_pages_read_as_english(client: FlaskClient, page: str):
    response = client.get(page)
    html = response.get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title and re.fullmatch(r"[A-Z][A-Za-z ]+ · peacekg", title[1].strip()), title
    text = " ".join(parsed(client, page).text)
    # no identifiers standing in for words: camelCase or snake_case outside code
    identifiers = re.findall(r"\b[a-z]+[A-Z][a-zA-Z]*\b|\b[a-z]+_[a-z_]+\b", text)
    identifiers = [i for i in identifiers if i not in NAMES]
    assert not identifiers, f"{page}: {identifiers[:10]}"


def _properties() -> set[str]:
    graph = rdflib.Graph().parse(ROOT / "ontology" / "peacekg.ttl", format="turtle")
    kinds = (rdflib.OWL.ObjectProperty, rdflib.OWL.DatatypeProperty, rdflib.RDF.Property)
    return {
        f"pk:{term[len(PK) :]}"
        for kind in kinds
        for term in graph.subjects(rdflib.RDF.type, kind)
        if str(term).startswith(str(PK))
    }


def test_every_pk_property_is_named_in_the_docs():
    docs = " ".join(path.read_text(encoding="utf-8") for path in (ROOT / "docs").glob("*.md"))
    named = set(re.findall(r"pk:[A-Za-z0-9]+", docs))
    properties = _properties()
    assert "pk:publishedNotBefore" in properties and len(properties) > 40
    assert sorted(properties - named) == []
