"""Answers kept by their ETag (peacekg.web.answers): the same request to the same release is
given again without running its query, with the same bytes and headers; `Cache-Control:
no-cache` works it out again; a rebuild's new release is never answered from the old one's
answers; the budget holds."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from flask import Response

from peacekg.build.pipeline import build
from peacekg.config import ServerSettings, Settings
from peacekg.endpoint.pool import InProcessPool
from peacekg.endpoint.served import GraphSource
from peacekg.namespaces import Namespaces
from peacekg.web import create_app
from peacekg.web.answers import Answers
from support.serving import request

MALI = Path("mappings/articles/2023-10-31-mali-return.yaml")
JSON = "application/sparql-results+json"
ADMITTED = "peacekg_queries_admitted_total"
SAME = ("Content-Type", "ETag", "X-Result-Rows", "Cache-Control", "X-Peacekg-Release")


def _metric(base: str, name: str) -> dict[str, float]:
    """A /metrics family: label text -> value."""
    _, body = request(base, "GET", "/metrics")
    found = re.findall(rf"^{name}(\{{[^}}]*\}})? (\S+)$", body.decode(), re.MULTILINE)
    return {labels: float(value) for labels, value in found}


@pytest.mark.process
def test_a_repeated_query_is_given_again_without_running(site: str) -> None:
    """On the real server: the second ask is given from the kept answer (counted as kept, not
    admitted to the query workers), byte for byte with the same headers; `no-cache` runs it
    (in a worker, or in the front when the first run prepared it: web.prepared)."""
    query = f"# {uuid.uuid4()}\nSELECT (COUNT(*) AS ?n) WHERE {{ ?s a ?c }}"
    headers = {"Content-Type": "application/sparql-query", "Accept": JSON}

    def ask(extra: dict[str, str] | None = None) -> tuple[object, bytes]:
        return request(site, "POST", "/sparql", query, {**headers, **(extra or {})})

    def counts() -> tuple[dict[str, float], dict[str, float]]:
        return _metric(site, "peacekg_answers_total"), _metric(site, ADMITTED)

    first, body = ask()
    before = counts()
    again, same = ask()
    after = counts()
    assert first.status == again.status == 200 and same == body
    assert [again.getheader(h) for h in SAME] == [first.getheader(h) for h in SAME]
    assert after[0]['{source="kept"}'] == before[0]['{source="kept"}'] + 1
    assert after[1] == before[1]  # no query ran
    afresh, body_again = ask({"Cache-Control": "no-cache"})
    assert afresh.status == 200 and body_again == body
    answers, admitted = counts()  # run by a worker, or, prepared, by the front (web.prepared)
    reruns = answers['{source="rerun"}'] - after[0]['{source="rerun"}']
    assert admitted[""] - after[1][""] + reruns == 1
    assert _metric(site, "peacekg_answers_kept_bytes")[""] > 0


def test_a_new_release_is_never_answered_from_the_old_ones_answers(project: Settings) -> None:
    """Ask, rebuild with a changed figure, ask again: the new release's answer."""
    build(project)
    source = GraphSource(build_dir=project.output_dir)
    pool = InProcessPool(source.store_path, Namespaces().prefixes())
    client = create_app(ServerSettings(), source, pool, project).test_client()
    query = (
        "PREFIX pk: <https://w3id.org/peacekg/ontology#> "
        "SELECT ?v WHERE { ?f pk:value ?v FILTER(?v IN (309, 310)) }"
    )
    try:
        first = client.post("/sparql", data=query, content_type="application/sparql-query")
        assert b'"309"' in first.data and b'"310"' not in first.data
        mapping = project.root / MALI
        mapping.write_text(mapping.read_text().replace("value: 309", "value: 310"))
        build(project)
        second = client.post("/sparql", data=query, content_type="application/sparql-query")
        assert b'"310"' in second.data and b'"309"' not in second.data
        assert second.headers["ETag"] != first.headers["ETag"]
    finally:
        pool.close()


def _response(size: int, status: int = 200) -> Response:
    return Response(b"x" * size, status=status, content_type="text/plain")


def test_the_budget_holds_and_the_least_recently_used_go_first() -> None:
    answers = Answers(budget=300, largest=150)
    for name in ("a", "b", "c"):
        answers.keep(name, _response(100))
    assert answers.size == 300
    assert answers.get("a") is not None  # a is now the most recently used
    answers.keep("d", _response(100))
    assert answers.get("b") is None and answers.get("a") is not None and answers.size == 300
    answers.keep("big", _response(151))  # over the largest kept
    answers.keep("error", _response(10, status=503))  # only whole 200s are kept
    assert answers.get("big") is None and answers.get("error") is None
    kept = answers.get("d")
    assert kept is not None and kept.get_data() == b"x" * 100
    assert kept.headers["Content-Type"].startswith("text/plain")
    assert (answers.hits, answers.misses) == (3, 3)
    assert Answers(budget=0, largest=10).get("a") is None
