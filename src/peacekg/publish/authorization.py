"""The Authorization header that goes with a request to the remote store, body and all.

Why not urllib's auth handlers: they send every request without credentials first and answer
the 401. A store may answer that 401 without reading the body and close the connection
(Virtuoso does), so a graph of more than about a megabyte dies with "connection reset" and never
reaches the point of being authorised. Here the challenge is learnt once, from a request with no
body (HEAD), and every request after carries its answer, Basic or Digest (RFC 7616, computed by
urllib's own digest code), as `curl --anyauth` does. A stale nonce is learnt again.
"""

from __future__ import annotations

import base64
import urllib.request
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Credentials:
    """A user and password (HTTP Basic, or Digest where the store asks for it) or a bearer
    token; neither: anonymous."""

    user: str | None = None
    password: str | None = None
    token: str | None = None


Scheme = Literal["basic", "digest"]


class Authorizer:
    """Headers for one store's requests: a token always; a user and password once the store's
    challenge is known (`learn`)."""

    def __init__(self, credentials: Credentials, urls: list[str]) -> None:
        self._credentials = credentials
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        if credentials.user is not None:
            passwords.add_password(None, urls, credentials.user, credentials.password or "")
        self._digest = urllib.request.AbstractDigestAuthHandler(passwords)
        self._challenge: tuple[Scheme, dict[str, str]] | None = None
        self.probed = False
        """Whether the challenge was asked for (once per store, and again when it is stale)."""

    @property
    def challenged(self) -> bool:
        """Whether there is a user and password to answer with, and no answer known yet."""
        return self._credentials.user is not None and self._challenge is None

    def learn(self, challenges: list[str]) -> bool:
        """Take the strongest challenge the store offered (WWW-Authenticate values); False: none
        that a user and password answer."""
        if self._credentials.user is None:
            return False
        offered: dict[str, dict[str, str]] = {}
        for value in challenges:
            scheme, _, rest = value.strip().partition(" ")
            items = urllib.request.parse_http_list(rest)
            offered[scheme.lower()] = urllib.request.parse_keqv_list(filter(None, items))
        for scheme in ("digest", "basic"):
            if scheme in offered:
                self._challenge = (scheme, offered[scheme])  # type: ignore[assignment]
                return True
        return False

    def forget(self) -> None:
        """The answer was refused (a stale nonce, say): ask for the challenge again."""
        self._challenge = None
        self.probed = False

    def headers(self, request: urllib.request.Request) -> dict[str, str]:
        """The Authorization header for `request` (method and URL as they will be sent)."""
        if self._credentials.token:
            return {"Authorization": f"Bearer {self._credentials.token}"}
        if self._challenge is None:
            return {}
        scheme, challenge = self._challenge
        if scheme == "basic":
            pair = f"{self._credentials.user}:{self._credentials.password or ''}".encode()
            return {"Authorization": f"Basic {base64.b64encode(pair).decode('ascii')}"}
        answer = self._digest.get_authorization(request, challenge)
        return {"Authorization": f"Digest {answer}"} if answer else {}
