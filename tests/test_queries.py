"""Each example query runs on the real store and answers as a reader of the articles would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, select

QUERIES = sorted((ROOT / "queries").glob("*.rq"))
# Federated examples call a remote service: tests/test_federation.py runs them with a stand-in.
LOCAL = [q for q in QUERIES if "\n# service: " not in q.read_text(encoding="utf-8")]
MALI = "https://w3id.org/peacekg/id/article/2023-10-31-mali-return"
TITLES = {
    "mali": "Kazakhstan Peacekeepers Return from the Republic of Mali",
    "430": "Kazakhstan to send 430 servicemen on UN peacekeeping missions",
    "mea": "Kazakhstan to Deploy Troops in MEA for UN Peace Missions",
    "golan": "Kazakh military personnel were escorted to the Golan Heights in Almaty",
    "astana": "Kazakhstan Battalion Expands Involvement in UN Peacekeeping Operations, "
    "Now Consists of More Than 500 Officers",
}


def run(store, ns, name: str) -> list[dict[str, str]]:
    return select(store, (ROOT / "queries" / name).read_text(encoding="utf-8"), ns)


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_every_query_has_a_header(path: Path):
    text = path.read_text(encoding="utf-8")
    assert re.match(r"# title: \S.*\n# description: \S.*\n", text), path.name


@pytest.mark.parametrize("path", LOCAL, ids=lambda p: p.stem)
def test_every_local_query_returns_rows(store, ns, path: Path):
    assert run(store, ns, path.name), f"{path.name} returned no rows"


def test_officers_in_more_than_one_mission(store, ns):
    rows = run(store, ns, "officers-in-more-than-one-mission.rq")
    # Tulesov: MINUSMA (2023 article) and "the UN mission in Western Sahara" years before.
    # Akhmetova served in Lebanon herself; Western Sahara is only a claim about her group.
    assert [(r["name"], r["missions"]) for r in rows] == [("Ermek Tulesov", "2")]


def test_personnel_figures_over_time(store, ns):
    rows = run(store, ns, "personnel-figures-over-time.rq")
    seen = {(r["mission"], r["value"], r["kind"], r["article"]) for r in rows}
    expected = {
        ("MINUSMA", "2", "deployed", TITLES["mali"]),
        ("UNIFIL", "520", "cumulative", TITLES["430"]),
        ("UNIFIL", "538", "cumulative", TITLES["golan"]),
        ("MINURSO", "45", "cumulative", TITLES["430"]),
        ("MINURSO", "67", "cumulative", TITLES["golan"]),
        ("MINURSO", "6", "currently serving", TITLES["430"]),
        ("MINURSO", "6", "currently serving", TITLES["mea"]),
        ("MINURSO", "6", "currently serving", TITLES["golan"]),
        ("UNIFIL", "9", "currently serving", TITLES["mea"]),
        ("MINUSCA", "2", "currently serving", TITLES["golan"]),
        ("MONUSCO", "2", "currently serving", TITLES["mea"]),
        ("UNDOF", "139", "planned", TITLES["mea"]),
        ("UNDOF", "139", "deployed", TITLES["golan"]),
    }
    assert expected <= seen, expected - seen
    dated = {r["asOf"] for r in rows if r["article"] == TITLES["golan"]}
    assert dated == {"2024-01-20/2025-06-08"}  # undated article: its bounds, not a guess


def test_figures_on_which_articles_disagree(store, ns):
    rows = run(store, ns, "disagreeing-figures.rq")
    pairs = {(r["value1"], r["article1"], r["value2"], r["article2"]) for r in rows}
    assert pairs == {
        ("45", TITLES["430"], "67", TITLES["golan"]),
        ("520", TITLES["430"], "538", TITLES["golan"]),
        ("4000000", TITLES["mea"], "4500000", TITLES["astana"]),
    }


def test_ranks_by_date_keep_both_ranks_of_akhmetova(store, ns):
    rows = run(store, ns, "ranks-by-date.rq")
    akhmetova = {(r["rank"], r["asOf"]) for r in rows if r["name"] == "Dilya Akhmetova"}
    assert akhmetova == {
        ("Colonel", "2022-01-01/2022-12-31"),
        ("Lieutenant Colonel", "2022-01-01/2022-12-31"),
    }
    ranks = {(r["name"], r["rank"]) for r in rows}
    assert {
        ("Ermek Tulesov", "Lieutenant Colonel"),
        ("Ruslan Zhaksylykov", "Colonel General"),
        ("Zhiger Aipov", "Lieutenant Colonel"),
        ("Madina Kamaletdinova", "Captain"),
        ("Rimma Shakeyeva", "Major"),
        ("Aizhan Zhasuzakova", "Captain"),
        ("Sholpan Tausheva", "Lieutenant Colonel"),
        ("Sabina Muzalinova", "Lieutenant Colonel"),
    } <= ranks


def test_events_by_date(store, ns):
    rows = run(store, ns, "events-by-date.rq")
    dated = {(r["date"], r["kind"]) for r in rows}
    assert {
        ("2013-04-25", "mission establishment"),
        ("2023-06-30", "mission termination"),
        ("2024-01-19", "proposal"),
        ("2024-01-19", "parliamentary approval"),
        ("1991", "independence"),
        ("2002", "observance"),
        ("2019", "observance"),
        ("2000", "unit establishment"),
        ("2024-03", "deployment start"),
    } <= dated
    send_off = [r for r in rows if r["kind"] == "send-off ceremony"]
    assert len(send_off) == 1 and send_off[0]["place"] == "Park named after 28 Panfilov Guards"
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)


def test_claims_of_one_article_match_its_mapping(store, ns):
    rows = run(store, ns, "claims-of-one-article.rq")
    mapping = yaml.safe_load((ROOT / "mappings/articles/2023-10-31-mali-return.yaml").read_text())
    claims = {f["id"] for f in mapping["facts"] if f["type"] != "mention"}
    assert {r["claim"].rsplit("/", 1)[-1] for r in rows} == claims
    fatalities = next(r for r in rows if r["claim"].endswith("/minusma-fatalities"))
    assert (
        fatalities["quote"]
        == "Over the course of 10 years, 309 peacekeepers lost their lives in the line of duty."
    )
    assert fatalities["type"].endswith("#PersonnelFigure")
    assert all(r["claim"].startswith(MALI.replace("/article/", "/claim/")) for r in rows)
