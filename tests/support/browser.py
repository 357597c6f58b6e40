"""A real browser for tests: Debian's Chromium (`make chromium`) driven by Playwright, with every
request recorded and any to a host other than 127.0.0.1 refused, and screenshots kept."""

from __future__ import annotations

import contextlib
import os
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
    sync_playwright,
)

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
LOGGED = 60  # the last lines of a context's log printed with a failure
SHORT_URL = 160


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
    pages make, and refuses those to other hosts so that the test never reaches the network.

    It also keeps a log of what the pages did (answers, failed requests, console messages,
    script errors), which a failing test prints: a browser test that times out then says
    whether the request was sent, answered, or never came back.

    Its reader prefers reduced motion, so the pages jump where they would glide: a test clicks
    as soon as the target is there, and a smooth scroll still under way moved the target from
    under Playwright's pointer (the click then missed, on a loaded machine, now and then)."""

    def __init__(self, browser: Browser) -> None:
        self.requests: list[str] = []
        self.log: list[str] = []
        self._started = time.monotonic()
        self.context: BrowserContext = browser.new_context(
            viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
        )
        self.context.route("**/*", self._route)
        self.context.on("response", self._answered)
        self.context.on("requestfailed", self._failed)
        self.context.on("console", self._console)

    def _note(self, line: str) -> None:
        self.log.append(f"{time.monotonic() - self._started:7.3f}s {line}")

    def _route(self, route: Route) -> None:
        url = route.request.url
        self.requests.append(f"{route.request.method} {url}")
        self._note(f"sent {route.request.method} {_short(url)}")
        if is_local(url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def _answered(self, response: Response) -> None:
        self._note(f"{response.status} {response.request.method} {_short(response.url)}")

    def _failed(self, request: Request) -> None:
        self._note(f"failed ({request.failure}) {request.method} {_short(request.url)}")

    def _console(self, message: ConsoleMessage) -> None:
        self._note(f"console {message.type}: {message.text[:300]}")

    def new_page(self) -> Page:
        page = self.context.new_page()
        page.on("pageerror", lambda error: self._note(f"script error: {error}"))
        return page

    def foreign_requests(self) -> list[str]:
        return [r for r in self.requests if not is_local(r.split(" ", 1)[1])]

    def close(self) -> None:
        self.context.close()


@contextlib.contextmanager
def recorded_context(browser: Browser) -> Iterator[RecordedContext]:
    recorded = RecordedContext(browser)
    try:
        yield recorded
    except Exception as error:
        error.add_note("what the browser did:\n" + "\n".join(recorded.log[-LOGGED:]))
        raise
    finally:
        recorded.close()


def _short(url: str) -> str:
    return url if len(url) <= SHORT_URL else url[: SHORT_URL - 1] + "…"


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/<name>.png (git-ignored)."""
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
