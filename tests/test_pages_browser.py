"""A researcher's path in a real browser: home page with its timeline, a person with the quotes
behind the facts, and on to the sentence in the article; nothing loaded from other hosts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser

from support.browser import recorded_context, screenshot

pytestmark = pytest.mark.process  # a real server, browser or process: not in make test-fast


@pytest.fixture(scope="module")
def server(site: str) -> str:
    return site


def test_home_page_timeline_renders(server: str, browser: Browser):
    with recorded_context(browser) as recorded:
        page = recorded.new_page()
        page.goto(server + "/")
        timeline = page.locator(".timeline svg")
        timeline.wait_for()
        box = timeline.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
        assert page.locator(".timeline circle").count() >= 15  # one per drawable actual figure
        hover = page.locator(".timeline a title").first.text_content() or ""
        assert "source:" in hover and "as of" in hover
        # one row per scope: UNIFIL alone once, and a figure over several missions on its own row
        assert page.locator(".timeline text", has_text=re.compile(r"^UNIFIL$")).count() == 1
        screenshot(page, "pages/home-timeline")
        assert recorded.foreign_requests() == []


def test_from_a_person_to_the_quote_in_the_article(server: str, browser: Browser):
    with recorded_context(browser) as recorded:
        page = recorded.new_page()
        page.goto(server + "/id/person/ermek-tulesov")  # the IRI, dereferenced (303 to the page)
        assert page.url.endswith("/page/person/ermek-tulesov")
        assert page.locator("h1").text_content() == "Ermek Tulesov"
        quote = page.locator("blockquote.quote strong", has_text="Several years ago, he served")
        assert quote.count() == 1
        screenshot(page, "pages/person")
        page.locator(".claim", has=quote).locator(".meta a").click()
        page.wait_for_load_state()
        assert "/page/article/2023-10-31-mali-return#fact-tulesov-minurso" in page.url
        # the quote starts at its anchor, and the sentence it rests on is marked as part of it
        target = page.locator("mark#fact-tulesov-minurso")
        assert (target.text_content() or "").startswith("as Lieutenant Colonel Ermek Tulesov")
        sentence = page.locator("mark", has_text="Several years ago, he served")
        title = sentence.get_attribute("title") or ""
        assert (
            "Ermek Tulesov in United Nations Mission for the Referendum in Western Sahara" in title
        )
        screenshot(page, "pages/article")
        assert recorded.foreign_requests() == []


def test_pages_fit_a_phone(server: str, browser: Browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        for path in ("/", "/page/person/ermek-tulesov", "/page/article/2022-kazbat-expands"):
            page.goto(server + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} scrolls sideways by {overflow}px on a phone"
        screenshot(page, "pages/phone-article")
    finally:
        context.close()
