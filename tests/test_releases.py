"""Releases a paper can cite: ids that say when and what, dumps that stay at their URLs, what
changed between releases, VoID/DCAT naming every release with checksums, the release on every
answer, permalinks that notice a rebuild, and citations (BibTeX, CSL-JSON, CITATION.cff)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import http.client
import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
import yaml
from flask.testing import FlaskClient
from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from peacekg import __version__
from peacekg.build.content import changes, summarise, summarise_dump
from peacekg.build.pipeline import BuildResult, build
from peacekg.config import ServerSettings, Settings
from peacekg.endpoint.pool import InProcessPool
from peacekg.endpoint.served import GraphSource
from peacekg.namespaces import Namespaces
from peacekg.releases import (
    Leases,
    NoGraphError,
    forget_leases,
    kept_releases,
    read_manifest,
    remove_unleased,
)
from peacekg.web import create_app
from support import INPUTS, ROOT
from support.serving import PEACEKG, serve

BASE = "https://w3id.org/peacekg/"
RELEASE_ID = re.compile(r"\d{4}-\d{2}-\d{2}-[0-9a-f]{8}")
OFFICERS = "SELECT ?p WHERE { ?p a <https://w3id.org/peacekg/ontology#Officer> }"
CLAIM = "claim/2023-10-31-mali-return/minusma-fatalities"
MALI = "mappings/articles/2023-10-31-mali-return.yaml"
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
DCTERMS = rdflib.DCTERMS


def _pre(page: str, element_id: str) -> str:
    """The text of the <pre id=...> of a page (the Cite box's BibTeX or CSL-JSON)."""
    found = re.search(rf'<pre id="{element_id}">(.*?)</pre>', page, re.S)
    assert found, f"no #{element_id}"
    return html.unescape(found[1])


# --- the release a build makes ------------------------------------------------------------------


def test_a_release_is_named_by_its_date_and_content_digest(built: tuple[Settings, BuildResult]):
    settings, result = built
    manifest = read_manifest(settings.output_dir)
    release = result.release.name
    assert RELEASE_ID.fullmatch(release) and manifest["id"] == release
    assert release.startswith(str(manifest["issued"])[:10])
    dump = summarise_dump(result.release / "dumps" / "peacekg.nq.gz", Namespaces())
    assert manifest["digest"] == dump.digest and release.endswith(dump.digest[:8])
    assert manifest["dataset_version"] == f"{__version__}+{release}"
    assert set(manifest["inputs"]) == {"seeds", "mappings", "ontology", "shapes", "code"}
    assert sorted(manifest["article_digests"]) == manifest["articles"]


def _ontology_quads() -> list[Quad]:
    """A graph with blank nodes, as the ontology's restrictions are, and an article graph."""
    g, a = NamedNode(BASE + "graph/ontology"), NamedNode(BASE + "graph/article/a")
    p, q = NamedNode("http://example.org/p"), NamedNode("http://example.org/q")
    restriction, inner = BlankNode(), BlankNode()
    return [
        Quad(NamedNode(BASE + "ontology#C"), p, restriction, g),
        Quad(restriction, q, inner, g),
        Quad(inner, q, Literal("x"), g),
        Quad(NamedNode(BASE + "id/claim/a/one"), p, Literal("1"), a),
    ]


def _relabelled(quads: list[Quad]) -> list[Quad]:
    names: dict[BlankNode, BlankNode] = {}

    def fresh(t: object) -> object:
        return names.setdefault(t, BlankNode()) if isinstance(t, BlankNode) else t

    return [Quad(*(fresh(t) for t in q)) for q in quads]  # type: ignore[arg-type]


def test_the_content_digest_ignores_blank_node_labels():
    quads, ns = _ontology_quads(), Namespaces()
    assert summarise(quads, ns) == summarise(_relabelled(quads), ns)
    changed = [
        *quads[:-1],
        Quad(quads[-1].subject, quads[-1].predicate, Literal("2"), quads[-1].graph_name),
    ]
    assert summarise(changed, ns).digest != summarise(quads, ns).digest


def test_changes_name_articles_and_count_triples_with_blank_nodes_compared_stably():
    ns, quads = Namespaces(), _ontology_quads()
    b, c = NamedNode(BASE + "graph/article/b"), NamedNode(BASE + "graph/article/c")
    p = NamedNode("http://example.org/p")
    before = summarise([*quads, Quad(NamedNode(BASE + "id/claim/b/x"), p, Literal("b"), b)], ns)
    extra = BlankNode()  # a new blank node elsewhere must not make the old ones look changed
    after = summarise(
        [
            *_relabelled(quads[:-1]),
            Quad(quads[-1].subject, p, Literal("one, changed"), quads[-1].graph_name),
            Quad(NamedNode(BASE + "id/claim/c/y"), p, extra, c),
            Quad(extra, p, Literal("c"), c),
        ],
        ns,
    )
    assert changes(before, after) == {
        "articles": {"added": ["c"], "changed": ["a"], "removed": ["b"]},
        "triples": {"added": 3, "removed": 2},
    }


# --- serving releases, in process -------------------------------------------------------------


def test_every_answer_names_the_release_that_gave_it(
    client: FlaskClient, built: tuple[Settings, BuildResult]
):
    release = built[1].release.name
    query = urllib.parse.urlencode({"query": OFFICERS})
    for response in (
        client.get(f"/sparql?{query}"),
        client.post("/sparql", data={"query": OFFICERS}),
        client.get("/sparql?query=SELECT"),  # an error, from the same release
        client.get("/page/person/ermek-tulesov"),
    ):
        assert response.headers["X-Peacekg-Release"] == release, response.status
    assert (
        "X-Peacekg-Release"
        in client.get(f"/sparql?{query}").headers["Access-Control-Expose-Headers"]
    )


def test_a_release_dumps_stay_at_their_urls_and_latest_redirects(
    client: FlaskClient, built: tuple[Settings, BuildResult]
):
    release = built[1].release
    manifest = json.loads((release / "manifest.json").read_text())
    for name, info in manifest["dumps"].items():
        response = client.get(f"/dumps/{release.name}/{name}")
        assert (
            response.status_code == 200
            and hashlib.sha256(response.data).hexdigest() == info["sha256"]
        )
        for alias in (f"/dumps/latest/{name}", f"/dumps/{name}"):
            moved = client.get(alias)
            assert moved.status_code == 302 and moved.location == f"/dumps/{release.name}/{name}"
    assert client.get("/dumps/latest/").location == f"/dumps/{release.name}/"
    assert client.get(f"/dumps/{release.name}").location == f"/dumps/{release.name}/"
    page = client.get(f"/dumps/{release.name}/").get_data(as_text=True)
    assert f"Release <code>{release.name}</code>" in page and manifest["digest"] in page
    listing = client.get("/dumps").get_data(as_text=True)
    assert f'id="release-{release.name}"' in listing and "served now" in listing


def test_an_unknown_release_is_a_404_that_lists_those_kept(
    client: FlaskClient, built: tuple[Settings, BuildResult]
):
    kept = built[1].release.name
    for path in ("/dumps/2001-01-01-deadbeef/", "/dumps/2001-01-01-deadbeef/peacekg.trig"):
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 404 and response.mimetype == "text/plain"
        assert "2001-01-01-deadbeef" in body and "pruned or never existed" in body
        assert f"http://localhost/dumps/{kept}/" in body


def test_nothing_outside_the_releases_can_be_reached(
    client: FlaskClient, built: tuple[Settings, BuildResult]
):
    release = built[1].release.name
    for path in (
        "/dumps/../manifest.json",
        "/dumps/%2e%2e/manifest.json",
        "/dumps/..%2fcurrent/manifest.json",
        f"/dumps/{release}/manifest.json",
        f"/dumps/{release}/store",
        f"/dumps/{release}/..%2fmanifest.json",
        f"/dumps/{release}/%2fetc%2fpasswd",
        "/dumps//etc/passwd",
        "/dumps/current/peacekg.ttl",
        "/dumps/releases/peacekg.ttl",
        "/dumps/%2fetc/passwd",
    ):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 404, path
        assert response.mimetype == "text/plain" and b"root:" not in response.data, path


def test_void_names_every_release_with_its_dumps_and_checksums(
    client: FlaskClient, built: tuple[Settings, BuildResult]
):
    settings, result = built
    graph = rdflib.Graph().parse(data=client.get("/.well-known/void").data, format="turtle")
    dataset = rdflib.URIRef(BASE + "dataset")
    releases = kept_releases(settings.output_dir)
    assert {str(v) for v in graph.objects(dataset, DCAT.hasVersion)} == {
        f"{BASE}dataset/{r.id}" for r in releases
    }
    served = graph.value(dataset, DCAT.hasCurrentVersion)
    assert str(served) == f"{BASE}dataset/{result.release.name}"
    for release in releases:
        version = rdflib.URIRef(f"{BASE}dataset/{release.id}")
        assert (version, rdflib.RDF.type, DCAT.Dataset) in graph
        assert (version, DCTERMS.isVersionOf, dataset) in graph
        assert str(graph.value(version, DCAT.version)) == release.version
        assert graph.value(version, DCTERMS.issued).datatype == rdflib.XSD.dateTime
        build_activity = graph.value(version, PROV.wasGeneratedBy)
        inputs = {
            str(graph.value(used, rdflib.RDFS.label)): str(
                graph.value(graph.value(used, SPDX.checksum), SPDX.checksumValue)
            )
            for used in graph.objects(build_activity, PROV.used)
        }
        assert inputs == release.manifest["inputs"]
        found = {}
        for distribution in graph.objects(version, DCAT.distribution):
            url = str(graph.value(distribution, DCAT.downloadURL))
            checksum = graph.value(distribution, SPDX.checksum)
            assert str(graph.value(checksum, SPDX.algorithm)).endswith("checksumAlgorithm_sha256")
            assert graph.value(distribution, DCAT.mediaType)
            found[url.rsplit("/", 1)[-1]] = (
                int(graph.value(distribution, DCAT.byteSize)),
                str(graph.value(checksum, SPDX.checksumValue)),
            )
            data = client.get(urllib.parse.urlsplit(url).path).data
            assert found[url.rsplit("/", 1)[-1]] == (len(data), hashlib.sha256(data).hexdigest())
        assert found == {n: (i["bytes"], i["sha256"]) for n, i in release.dumps.items()}


# --- citing ------------------------------------------------------------------------------------

CITED = [
    "/",
    "/dumps",
    "/query",
    "/page/person/ermek-tulesov",
    f"/page/{CLAIM}",
    "/page/article/2023-10-31-mali-return",
]


@pytest.mark.parametrize("path", CITED)
def test_every_page_has_a_cite_box_with_the_release_and_todays_date(
    client: FlaskClient, built: tuple[Settings, BuildResult], path: str
):
    release, today = built[1].release.name, dt.datetime.now(dt.UTC).date().isoformat()
    page = client.get(path).get_data(as_text=True)
    assert '<details class="cite" id="cite">' in page
    bibtex = _pre(page, "cite-bibtex")
    assert (
        bibtex.startswith("@misc{")
        and release in bibtex
        and f"urldate      = {{{today}}}" in bibtex
    )
    assert bibtex.count("{") == bibtex.count("}")
    (item,) = json.loads(_pre(page, "cite-csl"))
    assert item["type"] == "dataset" and item["version"] == f"{__version__}+{release}"
    assert item["accessed"] == {"date-parts": [[int(x) for x in today.split("-")]]}


def test_a_claim_is_cited_by_its_iri_its_article_and_its_quote(client: FlaskClient):
    page = client.get(f"/page/{CLAIM}").get_data(as_text=True)
    (item,) = json.loads(_pre(page, "cite-csl"))
    assert item["URL"] == f"{BASE}id/{CLAIM}"
    assert f"{BASE}id/article/2023-10-31-mali-return" in item["note"]
    assert "309 peacekeepers lost their lives" in item["note"]
    assert "Cite this claim" in page
    home = json.loads(_pre(client.get("/").get_data(as_text=True), "cite-csl"))[0]
    assert home["URL"].startswith("http://localhost/dumps/") and home["URL"].endswith("/")


def test_citation_cff_describes_the_dataset():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert {"message", "title", "authors", "version", "date-released", "license", "url"} <= set(cff)
    assert cff["version"] == __version__ and cff["license"] == "CC0-1.0"
    assert "MIT" in cff["message"] and cff["url"] == BASE
    dt.date.fromisoformat(str(cff["date-released"]))


def test_a_permalink_records_its_release_and_a_pruned_one_is_said_so(
    client: FlaskClient, built: tuple[Settings, BuildResult]
):
    release = built[1].release.name
    query = urllib.parse.urlencode({"query": "ASK {}"})
    page = client.get(f"/query?{query}").get_data(as_text=True)
    assert f"release={release}" in page and 'id="release-notice"' not in page
    assert f'"release": "{release}"' in page  # for the page's script
    same = client.get(f"/query?{query}&release={release}").get_data(as_text=True)
    assert 'id="release-notice"' not in same
    old = client.get(f"/query?{query}&release=2001-01-01-deadbeef").get_data(as_text=True)
    assert 'id="release-notice"' in old and "no longer kept" in old


# --- across rebuilds ----------------------------------------------------------------------------


@pytest.fixture
def twice(project: Settings) -> Iterator[tuple[Settings, BuildResult, BuildResult, FlaskClient]]:
    """Two releases of a project copy, one article changed between them, and an app over them."""
    project = dataclasses.replace(project, keep_releases=2)
    first = build(project)
    mapping = project.root / MALI
    mapping.write_text(
        mapping.read_text().replace("value: 309", "value: 309\n    qualifier: about")
    )
    second = build(project)
    source = GraphSource(build_dir=project.output_dir)
    pool = InProcessPool(source.store_path, Namespaces().prefixes())
    yield project, first, second, create_app(ServerSettings(), source, pool, project).test_client()
    pool.close()


def _revert(project: Settings) -> None:
    mapping = project.root / MALI
    mapping.write_text(
        mapping.read_text().replace("value: 309\n    qualifier: about", "value: 309")
    )


@pytest.mark.slow
def test_each_release_keeps_its_dumps_and_says_what_changed(twice):
    project, first, second, client = twice
    assert first.release != second.release and not second.reused
    changed = json.loads((second.release / "manifest.json").read_text())
    assert changed["previous"] == first.release.name
    assert changed["changes"]["articles"] == {
        "added": [],
        "changed": ["2023-10-31-mali-return"],
        "removed": [],
    }
    assert changed["changes"]["triples"]["added"] > 0
    for release in (first.release, second.release):
        for name, info in json.loads((release / "manifest.json").read_text())["dumps"].items():
            data = client.get(f"/dumps/{release.name}/{name}").data
            assert hashlib.sha256(data).hexdigest() == info["sha256"], (release.name, name)
    assert client.get("/dumps/latest/").location == f"/dumps/{second.release.name}/"
    listing = client.get("/dumps").get_data(as_text=True)
    assert first.release.name in listing and "2023-10-31-mali-return</code>" in listing
    again = build(project)  # the same content: the release is served again, not twinned
    assert again.reused and again.release == second.release


@pytest.mark.slow
def test_pruning_keeps_the_setting_and_never_the_served_release(twice):
    project, first, second, client = twice
    _revert(project)  # back to the first content, whose release is still kept: served again
    back = build(project)
    assert back.reused and back.release == first.release
    registry = project.root / "mappings" / "registry.yaml"
    registry.write_text(registry.read_text().replace("label: Ermek Tulesov", "label: E. Tulesov"))
    third = build(project)  # keep 2: the served third and the newest other, second
    kept = sorted(p.name for p in (project.output_dir / "releases").iterdir())
    assert kept == sorted([third.release.name, second.release.name])
    missing = client.get(f"/dumps/{first.release.name}/peacekg.trig")
    assert missing.status_code == 404 and f"/dumps/{third.release.name}/" in missing.get_data(
        as_text=True
    )
    old = client.get(f"/query?query=ASK%7B%7D&release={second.release.name}").get_data(as_text=True)
    assert f'href="/dumps/{second.release.name}/"' in old and "has changed since" in old
    served_only = dataclasses.replace(project, keep_releases=1)
    registry.write_text(registry.read_text().replace("label: E. Tulesov", "label: Ermek Tulesov"))
    _revert(project)
    fourth = build(served_only)
    assert [p.name for p in (project.output_dir / "releases").iterdir()] == [fourth.release.name]


@pytest.mark.slow
def test_the_same_inputs_give_the_same_release_and_bytes(project: Settings, tmp_path: Path):
    """Two build directories, one project: the same id, and dumps identical to the byte."""
    one = build(project)
    two = build(dataclasses.replace(project, build_dir=tmp_path / "again"))
    assert one.release.name[11:] == two.release.name[11:]  # the digest; the day may differ
    for name in ("peacekg.trig", "peacekg.nq.gz", "peacekg.ttl", "peacekg.nt.gz"):
        assert (one.release / "dumps" / name).read_bytes() == (
            two.release / "dumps" / name
        ).read_bytes()


# --- rebuilds while the endpoint answers ---------------------------------------------------------

FATALITIES = f"{BASE}id/claim/2023-10-31-mali-return/minusma-fatalities"
VALUE_QUERY = f"SELECT ?v WHERE {{ <{FATALITIES}> <{BASE}ontology#value> ?v }}"
CITED_RELEASE = re.compile(r'class="release">([^<]+)<')


class _Client(threading.Thread):
    """Asks, until told to stop, what the MINUSMA figure's value is: by SPARQL (JSON and
    CSV), on the claim's page (several queries, and a Cite box that names a release) and as
    Turtle; each answer's release header with the value it shows."""

    def __init__(self, base: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.host = urllib.parse.urlsplit(base)
        self.stop = stop
        self.seen: list[tuple[str, str, str]] = []  # (what, release header, value or error)
        self.failed: list[str] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection(self.host.hostname, self.host.port, timeout=30)
        query = urllib.parse.urlencode({"query": VALUE_QUERY})
        asks = [
            ("json", f"/sparql?{query}", "application/sparql-results+json"),
            ("csv", f"/sparql?{query}", "text/csv"),
            ("page", "/page/claim/2023-10-31-mali-return/minusma-fatalities", "text/html"),
            ("turtle", "/data/claim/2023-10-31-mali-return/minusma-fatalities", "text/turtle"),
        ]
        while not self.stop.is_set():
            for what, path, accept in asks:
                try:
                    conn.request("GET", path, headers={"Accept": accept})
                    response = conn.getresponse()
                    body = response.read().decode()
                except (OSError, http.client.HTTPException) as exc:
                    self.failed.append(f"{what}: {exc}")
                    conn.close()
                    conn = http.client.HTTPConnection(
                        self.host.hostname, self.host.port, timeout=30
                    )
                    continue
                release = response.headers.get("X-Peacekg-Release", "")
                if response.status != 200:
                    self.failed.append(f"{what}: HTTP {response.status} {body[:200]}")
                    continue
                self.seen.append((what, release, _value(what, body, release)))
        conn.close()


def _value(what: str, body: str, release: str) -> str:
    """The figure's value an answer shows ("mixed" if a page cites another release)."""
    if what == "json":
        return json.loads(body)["results"]["bindings"][0]["v"]["value"]
    if what == "csv":
        return body.splitlines()[1].strip()
    if what == "turtle":
        return re.search(r'(?:ontology#value>|pk:value) "?(\d+)', body)[1]
    cited = CITED_RELEASE.search(body)
    if cited is None or cited[1] != release:
        return f"mixed: page cites {cited[1] if cited else None}"
    return re.search(r"(\d+) peacekeepers, fatalities", body)[1]


@pytest.mark.process
def test_rebuilds_swap_releases_under_queries_without_a_failed_or_mixed_answer(
    built: tuple[Settings, BuildResult], tmp_path: Path
):
    """Three rebuilds, each pruning the release before it (keep 1), while four clients ask
    the endpoint (two query workers) for a figure that every rebuild changes, by SPARQL and
    on its page. Every answer is a 200, and shows the value of the release its header names:
    a request reads one release from start to end (its queries, its Cite box), and a release
    being read is not pruned under it (peacekg.releases.Leases)."""
    root = tmp_path / "project"
    for name in INPUTS:
        shutil.copytree(ROOT / name, root / name)
    build_dir = root / "build"
    shutil.copytree(built[0].output_dir, build_dir, symlinks=True)
    values = {read_manifest(build_dir)["id"]: "309"}
    env = {**os.environ, "PEACEKG_ROOT": str(root), "PEACEKG_KEEP_RELEASES": "1"}
    stop = threading.Event()
    with serve("--build-dir", str(build_dir), "serve", log=tmp_path / "serve.log") as server:
        clients = [_Client(server.base, stop) for _ in range(4)]
        for client in clients:
            client.start()
        try:
            mapping = root / MALI
            for before, value in (("309", "310"), ("310", "311"), ("311", "312")):
                text = mapping.read_text(encoding="utf-8")
                mapping.write_text(text.replace(f"value: {before}", f"value: {value}"))
                done = subprocess.run(
                    [str(PEACEKG), "--build-dir", str(build_dir), "build"],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                assert done.returncode == 0, done.stderr
                values[read_manifest(build_dir)["id"]] = value
                time.sleep(0.5)
        finally:
            stop.set()
            for client in clients:
                client.join(60)
    failed = [f for c in clients for f in c.failed]
    seen = [s for c in clients for s in c.seen]
    assert not failed, failed[:10]
    mixed = [
        (what, release, value) for what, release, value in seen if values.get(release) != value
    ]
    assert not mixed, mixed[:10]
    assert {release for _, release, _ in seen} == set(values), "every release was read"
    # the others pruned once unread (the one before the last may still have been read then)
    assert len(list((build_dir / "releases").iterdir())) <= 2


def test_a_request_pins_the_current_release_or_the_kept_one_it_names(tmp_path: Path):
    """A request pins what is current when it begins; the front's reruns pin the release the
    request's key names, current or not, as long as it is kept (web.prepared)."""
    for name in ("2026-01-01-aaaaaaaa", "2026-01-02-bbbbbbbb"):
        (tmp_path / "releases" / name / "store").mkdir(parents=True)
        (tmp_path / "releases" / name / "manifest.json").write_text("{}")
    (tmp_path / "current").symlink_to("releases/2026-01-02-bbbbbbbb")
    source = GraphSource(build_dir=tmp_path)
    assert source.pin() == "2026-01-02-bbbbbbbb"
    source.unpin()
    assert source.pin("2026-01-01-aaaaaaaa") == "2026-01-01-aaaaaaaa"
    assert source.store_path() == str(tmp_path / "releases" / "2026-01-01-aaaaaaaa" / "store")
    assert not remove_unleased(tmp_path, tmp_path / "releases" / "2026-01-01-aaaaaaaa")
    source.unpin()
    assert source.store_path().endswith("2026-01-02-bbbbbbbb/store")  # unpinned: the current
    assert remove_unleased(tmp_path, tmp_path / "releases" / "2026-01-01-aaaaaaaa")
    with pytest.raises(NoGraphError, match="2026-01-01-aaaaaaaa is no longer kept"):
        source.pin("2026-01-01-aaaaaaaa")


def test_a_release_being_read_is_not_pruned(tmp_path: Path):
    """A reader's lease (a shared lock on leases/<id>) keeps a release from being removed;
    once the last reader lets go, it can be; a lease on a release that went is refused."""
    for name in ("2026-01-01-aaaaaaaa", "2026-01-02-bbbbbbbb"):
        (tmp_path / "releases" / name).mkdir(parents=True)
        (tmp_path / "releases" / name / "manifest.json").write_text("{}")
    old, new = (
        str(tmp_path / "releases" / n) for n in ("2026-01-01-aaaaaaaa", "2026-01-02-bbbbbbbb")
    )
    leases = Leases(tmp_path)
    assert leases.acquire(old) and leases.acquire(old)  # two requests
    assert not remove_unleased(tmp_path, Path(old)) and Path(old).is_dir()
    leases.release(old)
    assert not remove_unleased(tmp_path, Path(old))  # one reader left
    leases.release(old)
    assert remove_unleased(tmp_path, Path(old)) and not Path(old).exists()
    assert not leases.acquire(old)  # gone: the request pins the new current instead
    assert leases.acquire(new)
    forget_leases(tmp_path)
    assert sorted(p.name for p in (tmp_path / "leases").iterdir()) == ["2026-01-02-bbbbbbbb"]
    leases.close()
