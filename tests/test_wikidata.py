"""`peacekg wikidata resolve` and `check` against a real HTTP server on 127.0.0.1 that replays
Wikidata answers from tests/fixtures/wikidata/: candidates accepted, left for review and
rejected; a 429 with Retry-After; a mismatch; malformed, slow and missing servers."""

from __future__ import annotations

import argparse
import difflib
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from peacekg.build.dataset import assemble
from peacekg.build.reasoning import materialise
from peacekg.build.validation import validate
from peacekg.cli import parser as cli_parser
from peacekg.config import Settings
from peacekg.namespaces import Namespaces
from peacekg.wikidata.client import retry_after
from peacekg.wikidata.command import EXIT_MISMATCH, EXIT_UNAVAILABLE, add_parser
from peacekg.wikidata.compare import normalise

FIXTURES = Path(__file__).parent / "fixtures" / "wikidata"
API = "/w/api.php"
SPARQL = "/sparql"


# ---------------------------------------------------------------- the replay server


@dataclass
class Reply:
    fixture: str = ""
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def content(self) -> bytes:
        return (FIXTURES / self.fixture).read_bytes() if self.fixture else self.body


@dataclass
class Route:
    name: str
    matches: Callable[[str, dict[str, str]], bool]
    replies: list[Reply]
    """Served in order; the last one repeats."""


@dataclass(frozen=True)
class Seen:
    route: str
    params: dict[str, str]
    user_agent: str
    at: float


def entities(ids: str) -> Callable[[str, dict[str, str]], bool]:
    return lambda path, q: path == API and q.get("ids") == ids and q.get("props") != "labels"


def enwiki(title: str) -> Callable[[str, dict[str, str]], bool]:
    return lambda path, q: path == API and q.get("sites") == "enwiki" and q.get("titles") == title


def sparql_for(name: str) -> Callable[[str, dict[str, str]], bool]:
    return lambda path, q: path == SPARQL and f'"{name}"@en' in q.get("query", "")


def routes() -> list[Route]:
    """Every request the tests make, and the replies it gets."""
    return [
        Route(
            "mali+unifil, rate-limited once",
            entities("Q912|Q160805"),
            [
                Reply(status=429, headers={"Retry-After": "1"}, body=b"Too many requests"),
                Reply("wbgetentities-Q912-Q160805.json"),
            ],
        ),
        Route(
            "unifil by title",
            enwiki("United Nations Interim Force in Lebanon"),
            [Reply("wbgetentities-enwiki-unifil.json")],
        ),
        Route("lebanon, now a film", entities("Q822"), [Reply("wbgetentities-Q822-mismatch.json")]),
        Route(
            "type labels",
            lambda path, q: path == API and q.get("props") == "labels",
            [Reply("wbgetentities-type-labels.json")],
        ),
        Route(
            "unmiss by title, answered with unifil's item",
            enwiki("United Nations Mission in South Sudan"),
            [Reply("wbgetentities-enwiki-unifil.json")],
        ),
        Route(
            "untso by title",
            enwiki("United Nations Truce Supervision Organization"),
            [Reply("wbgetentities-enwiki-untso.json")],
        ),
        Route(
            "minusma by title",
            enwiki("United Nations Multidimensional Integrated Stabilization Mission in Mali"),
            [Reply("wbgetentities-enwiki-minusma.json")],
        ),
        Route(
            "tulesov by label", sparql_for("Ermek Tulesov"), [Reply("sparql-ermek-tulesov.json")]
        ),
        Route(
            "tulesov candidates",
            entities("Q90000103|Q90000104"),
            [Reply("wbgetentities-Q90000103-Q90000104.json")],
        ),
        Route(
            "aipov by label, malformed",
            sparql_for("Zhiger Aipov"),
            [Reply("sparql-no-results-object.json")],
        ),
        Route(
            "syria, truncated",
            entities("Q858"),
            [Reply(body=b'{"entities": {"Q858": {"type": "item", "id": "Q8')],
        ),
        Route(
            "israel, too slow",
            entities("Q801"),
            [Reply("wbgetentities-Q822-mismatch.json", delay=1.0)],
        ),
        Route(
            "cote d'ivoire, always 429",
            entities("Q1008"),
            [Reply(status=429, headers={"Retry-After": "0"})],
        ),
        Route(
            "car, 429 for two minutes",
            entities("Q929"),
            [Reply(status=429, headers={"Retry-After": "120"})],
        ),
        Route("south sudan, API error", entities("Q958"), [Reply("wbgetentities-error.json")]),
    ]


class Replay:
    """A real HTTP server in a thread that answers by ROUTES and records what it was asked."""

    def __init__(self) -> None:
        self.routes = routes()
        self.served: dict[str, int] = {}
        self.seen: list[Seen] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                params = dict(urllib.parse.parse_qsl(url.query))
                route = next((r for r in replay.routes if r.matches(url.path, params)), None)
                name = route.name if route else "UNMATCHED"
                replay.seen.append(Seen(name, params, self.headers["User-Agent"], time.time()))
                if route is None:
                    self.send_error(404, f"no fixture for {self.path}")
                    return
                count = replay.served.get(name, 0)
                replay.served[name] = count + 1
                reply = route.replies[min(count, len(route.replies) - 1)]
                time.sleep(reply.delay)
                body = reply.content()
                try:
                    self.send_response(reply.status)
                    for key, value in {"Content-Type": "application/json", **reply.headers}.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, as the timeout test wants

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def requests(self, route: str) -> list[Seen]:
        return [s for s in self.seen if s.route == route]


@pytest.fixture
def replay() -> Iterator[Replay]:
    server = Replay()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
    assert [s for s in server.seen if s.route == "UNMATCHED"] == []


def wikidata(project: Settings, replay: Replay, *argv: str) -> int:
    """Run `peacekg wikidata ARGV` as cli.main would, against the replay server, within 5 s."""
    parser = argparse.ArgumentParser(prog="peacekg")
    add_parser(parser.add_subparsers(dest="command", required=True))
    command, *rest = argv
    urls = ["--api-url", replay.url + API, "--sparql-url", replay.url + SPARQL]
    bounds = ["--timeout", "5", "--max-wait", "5"]
    args = parser.parse_args(["wikidata", command, *urls, *bounds, *rest])
    return int(args.run(args, project))


def registry_text(project: Settings) -> str:
    return (project.mappings_dir / "registry.yaml").read_text(encoding="utf-8")


# ---------------------------------------------------------------- check


def test_check_waits_out_a_429_and_identifies_itself(project, replay, capsys):
    code = wikidata(project, replay, "check", "place/mali", "operation/unifil")
    out = capsys.readouterr().out
    assert code == 0, out
    assert "ok       place/mali Q912: name 'Mali'; instance of 'sovereign state'" in out
    assert "Wikidata pairs our Wikipedia article 'United Nations Interim Force in Lebanon'" in out
    assert "checked 2 link(s): 2 agree, 0 mismatch(es)" in out
    limited, answered = replay.requests("mali+unifil, rate-limited once")
    assert answered.at - limited.at >= 1.0  # it honoured Retry-After: 1
    assert all(
        s.user_agent.startswith("peacekg/0.1.0 (https://w3id.org/peacekg/;") for s in replay.seen
    )
    assert all("Python-urllib/" in s.user_agent for s in replay.seen)


def test_check_reports_a_label_and_type_mismatch(project, replay, capsys):
    code = wikidata(project, replay, "check", "place/lebanon", "--contact", "ops@example.org")
    out = capsys.readouterr().out
    assert code == EXIT_MISMATCH
    line = next(line for line in out.splitlines() if line.startswith("MISMATCH"))
    assert line.startswith("MISMATCH place/lebanon Q822: no name in common: ours Lebanon;")
    assert "instance of film (Q90000005): not a schema:Country" in line
    assert "1 mismatch(es)" in out
    assert "(ops@example.org;" in replay.seen[0].user_agent


@pytest.mark.parametrize(
    ("entity", "argv", "words"),
    [
        ("place/syria", [], "malformed JSON"),
        (
            "place/israel",
            ["--timeout", "0.3"],
            "did not answer wbgetentities ids=Q801 within 0.3 s",
        ),
        ("place/cote-d-ivoire", ["--retries", "2"], "still rate-limiting"),
        ("place/central-african-republic", [], "waiting 120 s more would pass the 5 s"),
        ("place/south-sudan", [], "refused wbgetentities ids=Q958: no-such-entity"),
    ],
    ids=["malformed-json", "timeout", "429-retries-exhausted", "429-beyond-budget", "api-error"],
)
def test_check_fails_clearly_and_within_bounds(project, replay, capsys, entity, argv, words):
    started = time.monotonic()
    code = wikidata(project, replay, "check", entity, *argv)
    err = capsys.readouterr().err
    assert code == EXIT_UNAVAILABLE
    assert err.startswith("error: 127.0.0.1:") or err.startswith("error: the Wikidata API"), err
    assert words in err
    assert time.monotonic() - started < 2.5
    assert len(replay.seen) <= 3  # one request, or the first try and two retries


def test_no_server_at_all(project, capsys):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    parser = argparse.ArgumentParser(prog="peacekg")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        ["wikidata", "check", "place/mali", "--api-url", f"http://127.0.0.1:{port}/w/api.php"]
    )
    assert args.run(args, project) == EXIT_UNAVAILABLE
    err = capsys.readouterr().err
    assert f"cannot reach 127.0.0.1:{port}" in err and "Connection refused" in err
    assert "offline" in err


# ---------------------------------------------------------------- resolve


def test_resolve_accepts_only_what_the_wikipedia_title_proves(project, replay, capsys):
    before = registry_text(project)
    review = project.output_dir / "review.yaml"
    refs = ["operation/untso", "operation/minusma", "person/ermek-tulesov"]
    code = wikidata(project, replay, "resolve", *refs, "--review", str(review), "--accept")
    out = capsys.readouterr().out
    assert code == 0, out

    # the review file: our side and each candidate's, with verdicts and reasons
    entries = {
        e["entity"]: e for e in yaml.safe_load(review.read_text(encoding="utf-8"))["entities"]
    }
    [untso] = entries["operation/untso"]["candidates"]
    assert (untso["qid"], untso["verdict"]) == ("Q90000101", "accept")
    assert untso["instance of"] == ["United Nations peacekeeping mission (Q90000002)"]
    assert untso["inception (P571)"] == ["1948"]  # the deprecated 2030 is ignored
    [minusma] = entries["operation/minusma"]["candidates"]
    assert minusma["verdict"] == "reject"
    assert entries["operation/minusma"]["ours"]["established"] == ["2013-04-25"]
    assert minusma["disagrees"] == [
        "inception (P571) 2012-04-25 disagrees with the establishment date 2013-04-25 "
        "our articles give"
    ]
    human, painting = entries["person/ermek-tulesov"]["candidates"]
    assert (human["qid"], human["verdict"], human["disagrees"]) == ("Q90000103", "review", [])
    assert human["found by"] == "English label or alias 'Ermek Tulesov'"
    assert (painting["qid"], painting["verdict"]) == ("Q90000104", "reject")
    assert painting["disagrees"] == [
        "instance of painting (Q90000004): not a schema:Person (expected a kind of human)"
    ]

    # only the accepted candidate reached the registry, as one block, nothing else touched
    after = registry_text(project)
    changes = [d for d in difflib.ndiff(before.splitlines(), after.splitlines()) if d[0] in "+-"]
    added = [d[2:] for d in changes]
    assert all(d.startswith("+ ") for d in changes)
    assert added == [
        "    wikidata:",
        "      qid: Q90000101",
        "      status: resolved",
        "      sources:",
        next(line for line in added if line.startswith('        - document: "Wikidata Action API')),
        next(line for line in added if line.startswith("          matched: ")),
        f"          url: {replay.url}{API}",
        next(line for line in added if line.startswith("      checked: ")),
        next(line for line in added if line.startswith("      note: ")),
    ]
    assert "enwiki title 'United Nations Truce Supervision Organization' gives Q90000101" in after
    assert "linked operation/untso to Q90000101 (status resolved)" in out

    # and the next build publishes it, documented, and valid
    quads = assemble(project).quads
    ns = Namespaces()
    report = validate(quads + materialise(quads, ns), project.shapes_dir, ns)
    assert report.conforms, report.text()
    links = {
        (q.subject.value, q.object.value) for q in quads if q.predicate.value.endswith("exactMatch")
    }
    assert (ns.id("operation/untso").value, "http://www.wikidata.org/entity/Q90000101") in links
    assert not any("Q90000102" in o or "Q90000103" in o or "Q90000104" in o for _s, o in links)


def test_an_item_linked_to_another_entity_is_never_accepted(project, replay, capsys):
    code = wikidata(project, replay, "resolve", "operation/unmiss", "--accept")
    out = capsys.readouterr().out
    assert code == 0
    assert "operation/unmiss: reject Q160805 'United Nations Interim Force in Lebanon'" in out
    review = yaml.safe_load((project.output_dir / "wikidata-review.yaml").read_text("utf-8"))
    [candidate] = review["entities"][0]["candidates"]
    assert "Q160805 is already the link of operation/unifil" in candidate["disagrees"]
    assert any(d.startswith("no name in common") for d in candidate["disagrees"])
    assert "nothing to accept" in out


def test_resolve_without_accept_never_edits_the_registry(project, replay):
    before = registry_text(project)
    assert wikidata(project, replay, "resolve", "operation/untso") == 0
    assert registry_text(project) == before
    assert (project.output_dir / "wikidata-review.yaml").exists()


def test_a_malformed_answer_writes_nothing(project, replay, capsys):
    before = registry_text(project)
    code = wikidata(project, replay, "resolve", "person/zhiger-aipov", "--accept")
    assert code == EXIT_UNAVAILABLE
    assert "without the expected 'results' dict" in capsys.readouterr().err
    assert registry_text(project) == before
    assert not (project.output_dir / "wikidata-review.yaml").exists()


def test_resolve_and_check_refuse_the_wrong_entities(project, replay):
    with pytest.raises(ValueError, match="already linked to Q912"):
        wikidata(project, replay, "resolve", "place/mali")
    with pytest.raises(ValueError, match="has no QID to check"):
        wikidata(project, replay, "check", "operation/untso")
    with pytest.raises(ValueError, match="unknown entity 'place/atlantis'"):
        wikidata(project, replay, "check", "place/atlantis")
    assert replay.seen == []


# ---------------------------------------------------------------- the console script


def _wired() -> bool:
    commands = next(a for a in cli_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return "wikidata" in commands.choices


@pytest.mark.process
@pytest.mark.skipif(not _wired(), reason="cli.py does not add the `wikidata` command yet")
def test_the_console_script_runs_check(project, replay):
    script = shutil.which("peacekg", path=str(Path(sys.executable).parent))
    assert script
    result = subprocess.run(
        [
            script,
            "wikidata",
            "check",
            "place/lebanon",
            "--api-url",
            replay.url + API,
            "--timeout",
            "5",
        ],
        env={"PEACEKG_ROOT": str(project.root), "PATH": str(Path(sys.executable).parent)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == EXIT_MISMATCH, result.stderr
    assert "MISMATCH place/lebanon Q822" in result.stdout


# ---------------------------------------------------------------- small rules


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after("7", now=0) == 7
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470) == 10
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490) == 0
    assert retry_after("soon", now=0) is None
    assert retry_after(None, now=0) is None


def test_names_compare_without_accents_case_or_quote_variants():
    assert normalise("Côte d’Ivoire") == normalise("cote d'ivoire")
    assert normalise("  Mäjilis ") == "majilis"


def test_every_fixture_is_served_by_a_route():
    served = {reply.fixture for route in routes() for reply in route.replies}
    assert {path.name for path in FIXTURES.glob("*.json")} == served - {""}
