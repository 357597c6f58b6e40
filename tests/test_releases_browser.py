"""Citing in a real browser: the Cite box copies a citation naming the release, and a query's
permalink, opened after a rebuild, says the graph has changed and leads to the old dumps."""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, expect

from peacekg.build.pipeline import BuildResult, build
from peacekg.config import Settings
from support.browser import recorded_context, screenshot
from support.serving import running_server

pytestmark = pytest.mark.process  # a real server, browser or process: not in make test-fast

WAIT_MS = 20_000
ACTIVE = ".yasgui .tabPanel.active"
MALI = "mappings/articles/2023-10-31-mali-return.yaml"
QUERY = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?name WHERE { ?p a <https://w3id.org/peacekg/ontology#Officer> ; rdfs:label ?name }"
)


def _copied(page: Page, button: str) -> str:
    page.click(button)
    expect(page.locator(button)).to_have_text("Copied", timeout=WAIT_MS)
    return str(page.evaluate("navigator.clipboard.readText()"))


@pytest.mark.parametrize(
    ("path", "mentions"),
    [
        ("/", "dumps/"),
        ("/page/claim/2023-10-31-mali-return/minusma-fatalities", "309 peacekeepers"),
    ],
)
def test_the_cite_box_copies_a_citation_of_the_release(
    site: str, browser: Browser, built: tuple[Settings, BuildResult], path: str, mentions: str
):
    release = built[1].release.name
    with recorded_context(browser) as recorded:
        recorded.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
        page = recorded.new_page()
        page.goto(site + path)
        page.locator("details.cite summary").click()
        bibtex = page.locator("#cite-bibtex")
        expect(bibtex).to_be_visible()
        text = bibtex.text_content() or ""
        assert text.startswith("@misc{") and release in text and mentions in text
        assert _copied(page, 'button[data-copy="cite-bibtex"]') == text
        (item,) = json.loads(_copied(page, 'button[data-copy="cite-csl"]'))
        assert item["version"].endswith(release) and mentions in json.dumps(item)
        screenshot(page, "pages/cite" + path.replace("/", "-").rstrip("-"))
        assert recorded.foreign_requests() == []


def _answered(page: Page, release: str) -> None:
    """Wait for the active tab's answer, and for the page to name the release that gave it."""
    expect(page.locator(f"{ACTIVE} .yasr table td").first).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#release")).to_contain_text(release, timeout=WAIT_MS)
    expect(page.locator("#permalink")).to_have_attribute(
        "href", re.compile(f"release={release}"), timeout=WAIT_MS
    )


def test_an_old_permalink_after_a_rebuild_says_so_and_links_the_old_dumps(
    project: Settings, browser: Browser
):
    first = build(project)
    with (
        running_server("--build-dir", str(project.output_dir), "serve") as base,
        recorded_context(browser) as recorded,
    ):
        page = recorded.new_page()
        page.goto(f"{base}/query?{urlencode({'query': QUERY})}")  # it runs by itself
        _answered(page, first.release.name)
        permalink = page.get_attribute("#permalink", "href")
        assert permalink

        mapping = project.root / MALI
        mapping.write_text(
            mapping.read_text().replace("value: 309", "value: 309\n    qualifier: about")
        )
        second = build(project)
        page.click(f"{ACTIVE} .yasqe_queryButton")  # the same page, asking again: a new release
        _answered(page, second.release.name)

        page.goto(base + permalink)
        notice = page.locator("#release-notice")
        expect(notice).to_contain_text("The graph has changed since this permalink was made")
        expect(notice).to_contain_text(first.release.name)
        screenshot(page, "query-ui/permalink-after-rebuild")
        page.click("#release-notice a.old-release")
        page.wait_for_load_state()
        assert page.url == f"{base}/dumps/{first.release.name}/"
        expect(page.locator("h1")).to_contain_text(first.release.name)
        trig = page.locator("a", has_text=re.compile(r"^peacekg\.trig$"))
        response = page.request.get(base + (trig.get_attribute("href") or ""))
        manifest = json.loads((first.release / "manifest.json").read_text())
        assert (
            hashlib.sha256(response.body()).hexdigest()
            == manifest["dumps"]["peacekg.trig"]["sha256"]
        )
        screenshot(page, "pages/old-release")
        assert recorded.foreign_requests() == []
