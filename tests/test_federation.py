"""Federated queries end to end: our endpoint, with a stand-in for the Wikidata query service
on 127.0.0.1 on its SERVICE allowlist, joins our graph with the remote data."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from support import ROOT
from support.serving import request, running_server

pytestmark = pytest.mark.process  # a real server, browser or process: not in make test-fast

WIKIDATA = "https://query.wikidata.org/sparql"
STANDIN = Path(__file__).parent / "fixtures" / "wikidata" / "standin-populations.ttl"
QUERY = ROOT / "queries" / "federated-host-country-population.rq"


@pytest.fixture(scope="module")
def federated(built):
    """(our endpoint allowing the stand-in, the stand-in's SERVICE URL)."""
    settings, _ = built
    with running_server("serve", "--data", str(STANDIN)) as standin:
        service = standin + "/sparql"
        with running_server("--build-dir", str(settings.output_dir), "serve",
                            "--allow-service", service) as ours:  # fmt: skip
            yield ours, service


def _post(base: str, query: str):
    body = urllib.parse.urlencode({"query": query})
    return request(base, "POST", "/sparql", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json"})  # fmt: skip


def test_the_federated_example_joins_our_graph_with_the_service(federated):
    ours, service = federated
    query = QUERY.read_text(encoding="utf-8")
    assert f"SERVICE <{WIKIDATA}>" in query and f"# service: {WIKIDATA}" in query
    response, body = _post(ours, query.replace(WIKIDATA, service))
    assert response.status == 200, body
    rows = {(b["mission"]["value"], b["country"]["value"], b["population"]["value"])
            for b in json.loads(body)["results"]["bindings"]}  # fmt: skip
    # UNIFIL is in Lebanon and MINUSMA in Mali, by the articles' claims; the populations are
    # the stand-in's; Western Sahara and the Golan Heights are territories, not countries.
    assert ("UNIFIL", "Lebanon", "5000000") in rows
    assert ("MINUSMA", "Mali", "20000000") in rows
    assert ("MONUSCO", "Democratic Republic of the Congo", "90000000") in rows
    assert {country for _, country, _ in rows} <= {"Lebanon", "Mali", "Central African Republic",
        "Democratic Republic of the Congo", "Côte d'Ivoire", "Iraq", "Syria", "Israel"}  # fmt: skip


def test_only_the_allowlisted_service_is_called(federated):
    ours, service = federated
    other = service.replace("/sparql", "/other")
    response, body = _post(ours, f"SELECT * WHERE {{ SERVICE <{other}> {{ ?s ?p ?o }} }}")
    assert response.status == 403 and f"allowed: {service}".encode() in body
    response, body = _post(ours, f"SELECT * WHERE {{ SERVICE <{WIKIDATA}> {{ ?s ?p ?o }} }}")
    assert response.status == 403


def test_the_service_description_announces_federation(federated):
    ours, _ = federated
    _, body = request(ours, "GET", "/sparql", headers={"Accept": "application/n-triples"})
    assert b"<http://www.w3.org/ns/sparql-service-description#BasicFederatedQuery>" in body
