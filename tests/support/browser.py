"""A real browser for tests: Debian's Chromium (`make chromium`) driven by Playwright, with every
request recorded and any to a host other than 127.0.0.1 refused, and screenshots kept."""

from __future__ import annotations

import contextlib
import os
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

CHROMIUM = Path(os.environ.get("PEACEKG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1"}
LOCAL_SCHEMES = {"data", "blob", "about"}


def is_local(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Chromium, headless, for as long as the block runs; skips the test if it is not there."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (make chromium installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


class RecordedContext:
    """A fresh browser context (no cookies, no local storage) that records every request its
    pages make, and refuses those to other hosts so that the test never reaches the network."""

    def __init__(self, browser: Browser) -> None:
        self.requests: list[str] = []
        self.context: BrowserContext = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)

    def _route(self, route: Route) -> None:
        url = route.request.url
        self.requests.append(f"{route.request.method} {url}")
        if is_local(url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def new_page(self) -> Page:
        return self.context.new_page()

    def foreign_requests(self) -> list[str]:
        return [r for r in self.requests if not is_local(r.split(" ", 1)[1])]

    def close(self) -> None:
        self.context.close()


@contextlib.contextmanager
def recorded_context(browser: Browser) -> Iterator[RecordedContext]:
    recorded = RecordedContext(browser)
    try:
        yield recorded
    finally:
        recorded.close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/<name>.png (git-ignored)."""
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
