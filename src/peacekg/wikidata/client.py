"""JSON over HTTP, the way Wikidata asks clients to behave, with failures that say what to do.

Wikimedia asks every client to send a User-Agent naming the tool and a way to contact its
operator, and to wait when told to (HTTP 429 with Retry-After). Waiting is bounded in retries
and in total seconds, so a run never hangs; every failure (no network, timeout, refusal,
malformed answer) becomes one WikidataError whose message names the service and the remedy.

The standard library's urllib, not urllib3's `Retry`: that one sleeps as long as Retry-After
says, with no bound on a run's total wait short of a subclass, and it would be one more
dependency for a loop of a dozen lines.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import platform
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from peacekg import __version__

PROJECT_URL = "https://w3id.org/peacekg/"


class WikidataError(Exception):
    """Wikidata could not be asked, or answered unusably; the message says which and what to do."""


@dataclass(frozen=True)
class HttpPolicy:
    """How patient a run is: per-request timeout, 429 retries, total seconds it may wait."""

    timeout: float = 20.0
    retries: int = 3
    max_wait: float = 60.0
    contact: str = PROJECT_URL

    @property
    def user_agent(self) -> str:
        """Tool/version (contact) library/version, as Wikimedia's User-Agent policy asks."""
        return (
            f"peacekg/{__version__} ({self.contact}; Wikidata link resolver and checker) "
            f"Python-urllib/{platform.python_version()}"
        )


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or HTTP-date); None if absent."""
    if value is None or not value.strip():
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class Http:
    """GET JSON documents from Wikidata's services under one HttpPolicy."""

    def __init__(self, policy: HttpPolicy) -> None:
        self.policy = policy

    def get_json(self, url: str, params: dict[str, str], what: str, accept: str) -> Any:
        """The decoded JSON answer to GET url?params; `what` names the request in errors."""
        full = f"{url}?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(
            full, headers={"User-Agent": self.policy.user_agent, "Accept": accept}
        )
        service = urllib.parse.urlsplit(url).netloc or url
        waited = 0.0
        for attempt in range(self.policy.retries + 1):
            try:
                return _decode(self._fetch(request, service, what), service, what)
            except _RateLimited as limited:
                wait = limited.wait if limited.wait is not None else 2.0**attempt
                if waited + wait > self.policy.max_wait:
                    raise WikidataError(
                        f"{service} is rate-limiting {what} (HTTP 429); waiting {wait:.0f} s "
                        f"more would pass the {self.policy.max_wait:.0f} s this run may wait "
                        "in all; try again later or raise --max-wait"
                    ) from None
                if attempt < self.policy.retries:
                    time.sleep(wait)
                    waited += wait
        raise WikidataError(
            f"{service} is still rate-limiting {what} (HTTP 429) after "
            f"{self.policy.retries} retries; try again later"
        )

    def _fetch(self, request: urllib.request.Request, service: str, what: str) -> bytes:
        timeout = self.policy.timeout
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 429:
                wait = retry_after(exc.headers.get("Retry-After"), time.time())
                raise _RateLimited(wait) from None
            hint = "Wikidata may be down or overloaded; try later" if exc.code >= 500 else ""
            raise WikidataError(
                f"{service} refused {what}: HTTP {exc.code} {exc.reason}"
                + (f"; {hint}" if hint else "")
            ) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise _timeout(service, what, timeout) from None
            raise WikidataError(
                f"cannot reach {service} for {what}: {exc.reason}. This command needs network "
                f"access to {service}; is this machine offline?"
            ) from None
        except TimeoutError:
            raise _timeout(service, what, timeout) from None
        except (ConnectionError, http.client.HTTPException) as exc:
            raise WikidataError(
                f"{service} broke off its answer to {what} ({type(exc).__name__}: {exc}); try again"
            ) from None


class _RateLimited(Exception):
    def __init__(self, wait: float | None) -> None:
        self.wait = wait


def _timeout(service: str, what: str, timeout: float) -> WikidataError:
    return WikidataError(
        f"{service} did not answer {what} within {timeout:g} s; try later or raise --timeout"
    )


def _decode(body: bytes, service: str, what: str) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        start = body[:80].decode("utf-8", errors="replace")
        raise WikidataError(
            f"{service} answered {what} with malformed JSON ({exc}); it began {start!r}"
        ) from None
