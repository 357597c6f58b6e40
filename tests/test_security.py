"""Security beyond test_endpoint and test_pages: SERVICE never reaches loopback or private
addresses although another endpoint is allowlisted (no spelling, parser trick or redirect gets
there), errors are plain text without internals, pages load nothing from other hosts, and
text a visitor or a curator controls is escaped.

Two canaries on 127.0.0.1 watch the SERVICE calls: A is allowlisted (and answers with a
redirect to B); B stands for a private service and must never be called.
"""

from __future__ import annotations

import contextlib
import http.server
import re
import shutil
import socketserver
import threading
import urllib.parse
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest

from support import INPUTS, ROOT
from support.hardening import call, leaks
from support.serving import Running, serve

pytestmark = pytest.mark.process  # a real server, browser or process: not in make test-fast

ALLOWED = "http://allowed.example/sparql"
HOSTILE_TITLE = "</script><script>alert(\"x\")</script> & 'q'"
HOSTILE_QUERY = (
    f"# title: {HOSTILE_TITLE}\n"
    "# description: <img src=x onerror=alert(1)>\n"
    "SELECT * WHERE { ?s ?p ?o } LIMIT 1\n"
)


class Canary:
    """A loopback HTTP server that records every request it gets (and may redirect it)."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.redirect_to: str | None = None
        record = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                record.hits.append(f"{self.command} {self.path}")
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if record.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", record.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b'{"head":{"vars":["s"]},"results":{"bindings":[]}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"


@contextlib.contextmanager
def canary() -> Iterator[Canary]:
    record = Canary()
    threading.Thread(target=record.server.serve_forever, daemon=True).start()
    try:
        yield record
    finally:
        record.server.shutdown()
        record.server.server_close()


@pytest.fixture(scope="module")
def canaries() -> Iterator[tuple[Canary, Canary]]:
    with canary() as private, canary() as allowed:
        yield allowed, private


@pytest.fixture(scope="module")
def server(built, canaries, tmp_path_factory) -> Iterator[Running]:
    """The endpoint with two allowlisted SERVICE endpoints, over a project copy whose example
    queries include a hostile title."""
    allowed, _ = canaries
    root = tmp_path_factory.mktemp("security")
    for name in (*INPUTS, "docs"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, root / name)
    (root / "queries" / "zz-hostile.rq").write_text(HOSTILE_QUERY, encoding="utf-8")
    with serve(
        "--build-dir",
        str(built[0].output_dir),
        "serve",
        "--timeout",
        "5",
        "--allow-service",
        ALLOWED,
        allowed.url,
        log=root / "server.log",
        env={"PEACEKG_ROOT": str(root)},
    ) as running:
        yield running


def sparql(base: str, query: str, how: str = "get"):
    if how == "get":
        return call(base, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
    if how == "form":
        body = urllib.parse.urlencode({"query": query}).encode()
        kind = "application/x-www-form-urlencoded"
    else:
        body, kind = query.encode(), "application/sparql-query"
    return call(base, "POST", "/sparql", body, {"Content-Type": kind})


# ---------------------------------------------------------------- SERVICE

OFF_THE_LIST = [
    "http://127.0.0.1:{B}/sparql",
    "http://localhost:{B}/sparql",
    "http://[::1]:{B}/sparql",
    "http://0.0.0.0:{B}/sparql",
    "http://127.1:{B}/sparql",
    "http://2130706433:{B}/sparql",
    "http://0x7f000001:{B}/sparql",
    "http://[::ffff:127.0.0.1]:{B}/sparql",
    "http://allowed.example@127.0.0.1:{B}/sparql",
    "http://10.0.0.1/sparql",
    "http://10.255.255.254:8080/sparql",
    "http://172.16.0.1/sparql",
    "http://192.168.0.1/sparql",
    "http://192.168.1.254:3030/ds/sparql",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00::1]/sparql",
    "http://ALLOWED.EXAMPLE/sparql",
    "http://allowed.example./sparql",
    "http://allowed.example:80/sparql",
    "https://allowed.example/sparql",
    "http://allowed.example/sparql/../../admin",
    "http://allowed.example/sparql?redirect=http://127.0.0.1/",
    "http://127.0.0.1:{A}/sparql/../admin",
    "file:///etc/passwd",
    "gopher://127.0.0.1:{B}/_x",
]


@pytest.mark.parametrize("target", OFF_THE_LIST)
def test_service_off_the_allowlist_is_refused_though_another_is_allowed(server, canaries, target):
    allowed, private = canaries
    iri = target.format(A=allowed.port, B=private.port)
    for how in ("get", "form", "direct"):
        reply = sparql(server.base, f"SELECT * WHERE {{ SERVICE <{iri}> {{ ?s ?p ?o }} }}", how)
        assert reply.status == 403, (how, reply.body)
        assert b"is not allowed on this endpoint" in reply.body
        assert ALLOWED.encode() in reply.body  # it says what is allowed
    assert private.hits == []


# <A> and <B> stand for the canaries' endpoints, A: and B: for their hosts.
TRICKS = [
    "PREFIX e: <A:/> PREFIX e: <B:/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
    "PREFIX e: <B:/> PREFIX e: <A:/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
    "BASE <A:/> BASE <B:/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    "BASE <B:/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { service <B> { ?s ?p ?o } }",
    "SELECT * WHERE { SeRvIcE SILENT <B> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE # a comment\n <B> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE <A> { ?s ?p ?o } SERVICE <B> { ?s ?p ?o } }",
    "SELECT * WHERE { { SELECT * WHERE { SERVICE <B> { ?s ?p ?o } } } }",
    "SELECT * WHERE { ?x ?y ?z OPTIONAL { SERVICE <B> { ?s ?p ?o } } }",
    "ASK { FILTER EXISTS { SERVICE <B> { ?s ?p ?o } } }",
    "SELECT * WHERE { ?x ?y ?z MINUS { SERVICE <B> { ?x ?y ?z } } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <B> { ?s ?p ?o } }",
    "DESCRIBE ?s WHERE { SERVICE <B> { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?e { <B> } SERVICE ?e { ?s ?p ?o } }",
    "SELECT * WHERE { BIND (<B> AS ?e) SERVICE ?e { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE <B:/sparql\\u0023> { ?s ?p ?o } }",
    "SELECT * FROM <B> WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <B>",
    'SELECT * WHERE { ?s ?p "SERVICE <B> {}" }',
]


@pytest.mark.parametrize("template", TRICKS)
def test_parser_tricks_never_reach_an_address_off_the_allowlist(server, canaries, template):
    """Whatever rdflib (the check) and Oxigraph (the engine) make of a query, Oxigraph may only
    call what rdflib saw and allowed: canary B, off the list, is never called."""
    allowed, private = canaries
    allowed.redirect_to = None
    query = template
    for name, who in (("A", allowed), ("B", private)):
        query = query.replace(f"<{name}>", f"<{who.url}>")
        query = query.replace(f"<{name}:", f"<http://127.0.0.1:{who.port}")
    for how in ("get", "direct"):
        reply = sparql(server.base, query, how)
        assert reply.status in (200, 400, 403, 502), (how, reply.status, reply.body)
        assert not leaks(reply.body, query.encode()), reply.body
    assert private.hits == [], f"{query!r} reached {private.hits}"


def test_an_allowed_endpoint_cannot_redirect_the_query_elsewhere(server, canaries):
    allowed, private = canaries
    allowed.redirect_to = private.url
    query = f"SELECT * WHERE {{ SERVICE <{allowed.url}> {{ ?s ?p ?o }} }}"
    reply = sparql(server.base, query)
    assert allowed.hits, "the allowed endpoint was not called at all"
    assert private.hits == [], f"the redirect was followed: {private.hits}"
    assert reply.status in (200, 502), reply.body
    assert not leaks(reply.body), reply.body


# ---------------------------------------------------------------- what errors say

ERRORS = [
    ("GET", "/no/such/page", b"", {}, 404),
    ("GET", "/page/person/nobody-at-all", b"", {}, 404),
    ("GET", "/dumps/..%2f..%2fetc%2fpasswd", b"", {}, 404),
    ("GET", "/docs/..%2f..%2fREADME", b"", {}, 404),
    ("GET", "/queries/..%2fsecret.rq", b"", {}, 404),
    ("PUT", "/sparql", b"x", {"Content-Type": "text/plain"}, 405),
    ("DELETE", "/health", b"", {}, 405),
    ("POST", "/page/person/ermek-tulesov", b"", {}, 405),
    (
        "POST",
        "/sparql",
        b"query=" + b"x" * 1_100_000,
        {"Content-Type": "application/x-www-form-urlencoded"},
        413,
    ),
    ("POST", "/sparql", b"ASK {}", {"Content-Type": "text/plain"}, 415),
    ("GET", "/sparql?query=ASK%7B%7D", b"", {"Accept": "image/png"}, 406),
    ("GET", "/data/person/ermek-tulesov", b"", {"Accept": "image/png"}, 406),
    ("GET", "/sparql?query=SELECT%20*%20WHERE%20%7B", b"", {}, 400),
    ("POST", "/sparql", b"ASK \xff{}", {"Content-Type": "application/sparql-query"}, 400),
    ("POST", "/sparql", b"CLEAR ALL", {"Content-Type": "application/sparql-update"}, 403),
]


@pytest.mark.parametrize(("method", "path", "body", "headers", "status"), ERRORS)
def test_errors_are_plain_text_without_internals(server, method, path, body, headers, status):
    reply = call(server.base, method, path, body, headers)
    assert reply.status == status, reply.body
    assert reply.header("content-type").startswith("text/plain"), reply.headers
    assert reply.body.startswith(str(status).encode() + b" "), reply.body
    assert b"<html" not in reply.body.lower()
    assert not leaks(reply.body, f"{method} {path}".encode()), reply.body


# ---------------------------------------------------------------- pages

PAGES = [
    "/",
    "/query",
    "/dumps",
    "/docs",
    "/docs/data-model",
    "/ontology",
    "/page/person/ermek-tulesov",
    "/page/operation/minusma",
    "/page/article/2023-10-31-mali-return",
    "/page/claim/2023-10-31-mali-return/minusma-fatalities",
    "/page/code/rank/lieutenant-colonel",
    "/page/graph/metadata",
]
LOADING = {  # element -> attributes whose URL the browser fetches by itself
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
    "form": ("action",),
}
LINK_LOADS = {
    "stylesheet",
    "icon",
    "preload",
    "prefetch",
    "modulepreload",
    "manifest",
    "preconnect",
}


class Resources(HTMLParser):
    """The URLs a page makes the browser load (not the links a reader may follow)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for name in LOADING.get(tag, ()):
            if values.get(name):
                self.urls += [u.strip().split(" ")[0] for u in values[name].split(",")]
        if tag == "link" and LINK_LOADS & set(values.get("rel", "").lower().split()):
            self.urls.append(values.get("href", ""))
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.urls.append(values.get("content", "").partition("url=")[2])
        self._css(values.get("style", ""))
        self._style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._style:
            self._css(data)

    def _css(self, text: str) -> None:
        self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", text)
        self.urls += re.findall(r"@import\s+['\"]([^'\"]+)", text)


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_nothing_from_other_hosts(server, path):
    reply = call(server.base, "GET", path)
    assert reply.status == 200, reply.body[:300]
    parser = Resources()
    parser.feed(reply.body.decode("utf-8"))
    external = [u for u in parser.urls if urllib.parse.urlsplit(u.strip()).netloc]
    assert not external, f"{path} loads {external}"


def test_reflected_query_text_is_escaped(server):
    attack = "</textarea><script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
    reply = call(server.base, "GET", "/query?" + urllib.parse.urlencode({"query": attack}))
    assert reply.status == 200
    assert b"<script>alert(1)" not in reply.body and b"<img src=x" not in reply.body


@pytest.mark.parametrize("path", ["/", "/query"])
def test_example_query_titles_are_escaped(server, path):
    reply = call(server.base, "GET", path)
    assert reply.status == 200
    assert b"zz-hostile" in reply.body, "the hostile example is not listed: the test is void"
    assert b'<script>alert("x")' not in reply.body
    assert b"<img src=x" not in reply.body
