"""The query UI at /query: the page and the raw example queries through Flask, then YASGUI in a
real browser on the real server: an example runs, its permalinks reproduce it, and the page
asks nothing of any host but 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from markupsafe import escape
from playwright.sync_api import Browser, Page, expect

from peacekg.config import ServerSettings, Settings
from peacekg.endpoint.served import GraphSource
from peacekg.web import create_app, editor
from support import ROOT
from support.browser import recorded_context, screenshot

pytestmark = pytest.mark.process  # a real server, browser or process: not in make test-fast

OFFICERS = "officers-in-more-than-one-mission"
OFFICERS_TEXT = (ROOT / "queries" / f"{OFFICERS}.rq").read_text(encoding="utf-8")
OFFICERS_TITLE = "Officers who served in more than one mission"
WAIT_MS = 20_000
ACTIVE = ".yasgui .tabPanel.active"
SCROLL_AND_EDITOR = """() => {
  const page = document.scrollingElement;
  const editor = document.getElementById("yasgui").getBoundingClientRect().top + page.scrollTop;
  return [page.scrollTop, Math.min(editor, page.scrollHeight - page.clientHeight)];
}"""


# --- the page and the raw queries, through Flask ---------------------------------------------


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    """The app as create_app makes it, with no query workers (these tests send no SPARQL)."""
    app = create_app(
        ServerSettings(),
        GraphSource(build_dir=tmp_path),
        pool=object(),  # type: ignore[arg-type]
        project=Settings(root=ROOT, build_dir=tmp_path),
    )
    if "editor" not in app.blueprints:
        app.register_blueprint(editor.blueprint)
    return app


def test_page_lists_every_example_and_points_at_this_endpoint(app: Flask):
    response = app.test_client().get("/query")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    for path in sorted((ROOT / "queries").glob("*.rq")):
        example = editor.read_example(path)
        assert example.title and example.description, path.name
        assert f'data-example="{path.stem}"' in html and f"/queries/{path.stem}.rq" in html
        assert escape(example.title) in html and escape(example.description) in html
    assert '"endpoint": "/sparql"' in html and "vendor/yasgui/yasgui.min.js" in html
    assert 'id="yasgui-missing" class="notice" hidden' in html


def test_raw_example_is_the_file_as_text(app: Flask):
    client = app.test_client()
    response = client.get(f"/queries/{OFFICERS}.rq")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.get_data(as_text=True) == OFFICERS_TEXT
    again = client.get(
        f"/queries/{OFFICERS}.rq", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    sparql = client.get(f"/queries/{OFFICERS}.rq", headers={"Accept": "application/sparql-query"})
    assert sparql.headers["Content-Type"] == "application/sparql-query; charset=utf-8"
    for missing in ("no-such-query.rq", "..%2Fpyproject.rq", "Officers.rq"):
        assert client.get(f"/queries/{missing}").status_code == 404, missing


def test_without_yasgui_the_page_says_how_to_get_it(app: Flask, tmp_path: Path):
    app.static_folder = str(tmp_path / "static-without-vendor")
    html = app.test_client().get(f"/query?query={OFFICERS_TEXT}").get_data(as_text=True)
    assert 'id="yasgui-missing" class="notice">' in html  # shown, not hidden
    assert "<code>make yasgui</code>" in html and "yasgui.min.js" not in html
    assert '<form class="plain-query" action="/sparql" method="post">' in html
    assert "?officer a pk:Officer" in html  # the permalink's query, in the plain form


# --- YASGUI in Chromium on the real server ----------------------------------------------------


@pytest.fixture(scope="module")
def server(site: str) -> str:
    vendor = ROOT / "src/peacekg/web/static" / editor.VENDOR
    if not all((vendor / name).is_file() for name in editor.VENDOR_FILES):
        pytest.fail(f"YASGUI is not in {vendor}: run `make yasgui` (make test does)")
    return site


def _editor_ready(page: Page) -> None:
    page.wait_for_function("window.peacekgYasgui && window.peacekgYasgui.getTab()")


def _active_query(page: Page) -> str:
    return str(page.evaluate("window.peacekgYasgui.getTab().getQuery()"))


def _expect_tulesov(page: Page) -> None:
    cell = page.locator(f"{ACTIVE} .yasr table td", has_text="Ermek Tulesov")
    expect(cell.first).to_be_visible(timeout=WAIT_MS)


def test_example_runs_in_yasgui_and_its_permalinks_reproduce_it(server: str, browser: Browser):
    with recorded_context(browser) as recorded:
        page = recorded.new_page()
        page.goto(f"{server}/query")
        _editor_ready(page)
        expect(page.locator("a.example")).to_have_count(len(list((ROOT / "queries").glob("*.rq"))))
        page.click(f'a.example[data-example="{OFFICERS}"]')
        # this reader prefers reduced motion: the page is at once as near the editor as it goes
        scrolled, target = page.evaluate(SCROLL_AND_EDITOR)
        assert target > 0 and abs(scrolled - target) < 1
        expect(page.locator(".yasgui .tabsList .tab.active")).to_contain_text(OFFICERS_TITLE)
        assert _active_query(page) == OFFICERS_TEXT
        page.click(f"{ACTIVE} .yasqe_queryButton")
        _expect_tulesov(page)
        screenshot(page, "query-ui/example-officers")

        permalink = page.get_attribute("#permalink", "href")
        page.click(f"{ACTIVE} .yasqe_share")
        share_link = page.input_value(f"{ACTIVE} .yasqe_sharePopup input")
        assert any(r.startswith("POST ") and "/sparql" in r for r in recorded.requests)
        assert recorded.foreign_requests() == []

    assert permalink and permalink.startswith("/query?query=")
    assert share_link.startswith(f"{server}/query#") and "query=" in share_link
    for name, url in (("permalink", server + permalink), ("share-link", share_link)):
        with recorded_context(browser) as recorded:  # a new visitor: nothing in local storage
            page = recorded.new_page()
            page.goto(url)
            _editor_ready(page)
            _expect_tulesov(page)  # it ran by itself
            assert _active_query(page) == OFFICERS_TEXT, name
            screenshot(page, f"query-ui/{name}")
            assert recorded.foreign_requests() == [], name


def test_a_typed_permalink_runs_its_query(server: str, browser: Browser):
    query = (
        "PREFIX pk: <https://w3id.org/peacekg/ontology#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?name WHERE { ?p a pk:Officer ; rdfs:label ?name } ORDER BY ?name"
    )
    with recorded_context(browser) as recorded:
        page = recorded.new_page()
        page.goto(f"{server}/query?{urlencode({'query': query})}")
        _editor_ready(page)
        _expect_tulesov(page)
        assert _active_query(page) == query
        assert recorded.foreign_requests() == []


def _type_query(page: Page, text: str) -> None:
    """Replace the active tab's query by typing, as a person would."""
    page.click(f"{ACTIVE} .CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def test_predeclared_prefixes_need_no_prefix_lines_and_complete(server: str, browser: Browser):
    with recorded_context(browser) as recorded:
        page = recorded.new_page()
        page.goto(f"{server}/query")
        _editor_ready(page)
        default = _active_query(page)
        lines = default.splitlines()
        assert not [x for x in lines if x.startswith("PREFIX")]  # predeclared, as on WDQS
        assert "  ?officer a pk:Officer ;" in lines
        page.click(f"{ACTIVE} .yasqe_queryButton")
        _expect_tulesov(page)
        _type_query(page, "SELECT ?name WHERE { ?p a pk:Officer ; schema:name|rdfs:label ?name }")
        # no "Prefix 'pk' is not defined" in the editor: it knows the predeclared prefixes
        expect(page.locator(f"{ACTIVE} .CodeMirror")).to_contain_text("rdfs:label ?name")
        expect(page.locator(f"{ACTIVE} .parseErrorIcon")).to_have_count(0)
        assert "PREFIX" not in _active_query(page)
        page.click(f"{ACTIVE} .yasqe_queryButton")
        _expect_tulesov(page)
        # after PREFIX, the editor completes our prefixes (https://schema.org/, not http://)
        _type_query(page, "PREFIX schem")
        page.keyboard.press("Control+Space")
        hint = page.locator(".CodeMirror-hints li", has_text="https://schema.org/")
        expect(hint.first).to_be_visible(timeout=WAIT_MS)
        hint.first.click()
        assert _active_query(page).startswith("PREFIX schema: <https://schema.org/>")
        screenshot(page, "query-ui/predeclared-prefixes")
        assert recorded.foreign_requests() == []


def test_the_editor_shows_the_endpoints_message(server: str, browser: Browser):
    with recorded_context(browser) as recorded:
        page = recorded.new_page()
        page.goto(f"{server}/query")
        _editor_ready(page)
        _type_query(page, "SELECT ?name WHERE { ?person foaf:name ?name }")
        page.click(f"{ACTIVE} .yasqe_queryButton")
        error = page.locator(f"{ACTIVE} .yasr .errorResult")
        expect(error).to_contain_text(
            "the prefix foaf: is not declared; add PREFIX foaf: <http://xmlns.com/foaf/0.1/>",
            timeout=WAIT_MS,
        )
        _type_query(page, "SELECT ?p ?name WHERE { ?p rdfs:label ?name } GROUP BY ?p")
        page.click(f"{ACTIVE} .yasqe_queryButton")
        expect(error).to_contain_text("?name is selected but not grouped", timeout=WAIT_MS)
        screenshot(page, "query-ui/error-message")
        assert recorded.foreign_requests() == []
