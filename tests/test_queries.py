"""Each example query runs on the real store and answers as a reader of the articles would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from support import ROOT, select

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


@pytest.mark.parametrize(
    "path", [q for q in LOCAL if q.stem != "disagreeing-figures"], ids=lambda p: p.stem
)
def test_every_local_query_returns_rows(store, ns, path: Path):
    assert run(store, ns, path.name), f"{path.name} returned no rows"


def test_officers_in_more_than_one_mission(store, ns):
    rows = run(store, ns, "officers-in-more-than-one-mission.rq")
    # Tulesov: MINUSMA (2023 article) and "the UN mission in Western Sahara" years before.
    # Akhmetova served in Lebanon herself; Western Sahara is only a claim about her group.
    assert [(r["name"], r["missions"]) for r in rows] == [("Ermek Tulesov", "2")]


def test_officers_in_more_than_one_mission_with_group_claims(store, ns):
    rows = run(store, ns, "officers-in-more-than-one-mission-with-group-claims.rq")
    seen = {(r["name"], r["mission"], r["basis"]) for r in rows}
    group = {"Sholpan Tausheva", "Sabina Muzalinova", "Rimma Shakeyeva", "Aizhan Zhasuzakova"}
    expected = {
        (n, m, "group claim") for n in group | {"Dilya Akhmetova"} for m in ("MINURSO", "UNIFIL")
    }
    expected |= {
        ("Dilya Akhmetova", "UNIFIL", "deployment"),  # the photo caption, about her alone
        ("Ermek Tulesov", "MINUSMA", "deployment"),
        ("Ermek Tulesov", "MINURSO", "deployment"),
    }
    assert seen == expected
    # Kamaletdinova serves in Western Sahara only; she is not one of the named group
    assert "Madina Kamaletdinova" not in {r["name"] for r in rows}


def test_deployments_timeline(store, ns):
    rows = run(store, ns, "deployments-timeline.rq")
    by = {(r["who"], r["operation"], r["status"]): r for r in rows}
    tulesov_ws = by[("Ermek Tulesov", "MINURSO", "actual")]
    assert (tulesov_ws.get("start"), tulesov_ws["end"]) == (None, "..2023-10-31")
    minusma = by[("Ermek Tulesov", "MINUSMA", "actual")]
    assert minusma["role"] == "staff officer" and minusma["end"] == "..2023-10-31"
    planned = by[
        (
            "First independent national peacekeeping contingent of Kazakhstan, announced for UNDOF",
            "UNDOF",
            "scheduled",
        )
    ]
    assert planned["start"] == "2024-03" and planned["role"] == "reserve company"
    assert by[("Madina Kamaletdinova", "MINURSO", "actual")]["heldAt"] == "2022-01-01..2022-12-31"
    assert by[("Kazakh peacekeeping battalion (Kazbat)", "Multinational force in Iraq", "actual")]
    # oldest first; a row with no date at all would come last
    keys = [r.get("start") or r.get("heldAt") or r.get("end") for r in rows]
    assert keys[0] == "2003"
    dated = [k for k in keys if k]
    assert keys[: len(dated)] == dated


def test_currently_serving(store, ns):
    rows = run(store, ns, "currently-serving.rq")
    seen = {(r["article"], r["heldAt"], r["operation"], r["value"], r["unit"]) for r in rows}
    golan = "2024-01-20..2025-06-08"
    assert seen == {
        (TITLES["430"], "2022-06-30", "MINURSO", "6", "military personnel"),
        (TITLES["430"], "2022-06-30", "UNIFIL", "9", "military personnel"),
        (TITLES["mea"], "2024-01-20", "MINURSO", "6", "officers"),
        (TITLES["mea"], "2024-01-20", "MINUSCA", "2", "officers"),
        (TITLES["mea"], "2024-01-20", "MONUSCO", "2", "officers"),
        (TITLES["mea"], "2024-01-20", "UNIFIL", "9", "officers"),
        (TITLES["golan"], golan, "MINURSO", "6", "officers"),
        (TITLES["golan"], golan, "MINUSCA", "2", "officers"),
        (TITLES["golan"], golan, "MONUSCO", "2", "officers"),
        (TITLES["golan"], golan, "UNIFIL", "9", "officers"),
    }
    # the headline's "Now Consists of More Than 500 Officers" is a running total, not here
    assert TITLES["astana"] not in {r["article"] for r in rows}


def test_personnel_figures_over_time_is_a_series_with_each_figure_once(store, ns):
    rows = run(store, ns, "personnel-figures-over-time.rq")
    assert len({r["figure"] for r in rows}) == len(rows)  # one row per figure
    seen = {(r["scope"], r["value"], r["kind"], r["status"], r["article"]) for r in rows}
    assert {
        ("MINUSMA", "2", "deployed", "actual", TITLES["mali"]),
        ("UNIFIL", "520", "cumulative", "actual", TITLES["430"]),
        ("UNIFIL", "538", "cumulative", "actual", TITLES["golan"]),
        ("UNDOF", "139", "deployed", "planned", TITLES["mea"]),
        ("UNDOF", "139", "deployed", "actual", TITLES["golan"]),
        ("(no operation named)", "430", "ceiling", "approved", TITLES["mea"]),
    } <= seen
    # "45 officers in Western Sahara, Ivory Coast and Lebanon" is one figure over three missions
    (forty_five,) = [r for r in rows if r["value"] == "45"]
    assert set(forty_five["scope"].split(", ")) == {"MINURSO", "UNOCI", "UNIFIL"}
    assert set(forty_five["roles"].split(", ")) == {"military observer", "staff officer"}
    assert (forty_five["from"], forty_five["to"]) == ("2014", "2022-06-30")
    (sixty_seven,) = [r for r in rows if r["value"] == "67"]
    assert (sixty_seven["from"], sixty_seven["to"]) == ("2014", "2024-01-20..2025-06-08")
    # the UNIFIL running totals, as a series in time
    unifil = [
        (r["value"], r["to"])
        for r in rows
        if r["scope"] == "UNIFIL" and r["value"] in ("520", "538")
    ]
    assert unifil == [("520", "2022-06-30"), ("538", "2024-01-20..2025-06-08")]


def test_figures_on_which_articles_disagree(store, ns):
    # 45 vs 67 officers and 520 vs 538 servicemen are running totals at different dates (and
    # over different missions); "over 4 million" and "more than 4.5 million" are compatible
    # lower bounds. tests/test_time_and_status.py shows a real disagreement being found.
    assert run(store, ns, "disagreeing-figures.rq") == []


def test_ranks_by_date_keep_both_ranks_of_akhmetova(store, ns):
    rows = run(store, ns, "ranks-by-date.rq")
    akhmetova = {(r["rank"], r["heldAt"]) for r in rows if r["name"] == "Dilya Akhmetova"}
    assert akhmetova == {
        ("Colonel", "2022-01-01..2022-12-31"),  # the body: at publication
        ("Lieutenant Colonel", "..2022-12-31"),  # the photo caption: some time before
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
    dated = {(r["date"], r["kind"], r["status"]) for r in rows}
    assert {
        ("2013-04-25", "mission establishment", "actual"),
        ("2023-06-30", "mission termination", "actual"),
        ("2024-01-19", "proposal", "actual"),
        ("2024-01-19", "parliamentary approval", "actual"),
        ("1991", "independence", "actual"),
        ("2002", "observance", "actual"),
        ("2019", "observance", "actual"),
        ("2000", "unit establishment", "actual"),
        ("2024-03", "deployment start", "scheduled"),
        ("..2023-10-31", "return from deployment", "actual"),
    } <= dated
    send_off = [r for r in rows if r["label"].startswith("Send-off")]
    assert len(send_off) == 1 and send_off[0]["place"] == "Park named after 28 Panfilov Guards"
    assert send_off[0]["date"] == "..2025-06-08"  # undated article: before it, no guess
    # oldest first by the earliest date each gives, and any event with no date at all last
    dates = [r["date"] for r in rows]
    undated = [d for d in dates if d == ""]
    assert dates[len(dates) - len(undated) :] == undated
    assert dates[: len(dates) - len(undated)] == sorted(dates[: len(dates) - len(undated)])


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


# ---------------------------------------------------------------- the questions asked first
# Each expected answer below was written by reading the articles in seeds/ and their mappings.


def test_ranks_with_quotes(store, ns):
    rows = run(store, ns, "ranks-with-quotes.rq")
    seen = {(r["name"], r["rank"], r["claim"].rsplit("/", 1)[-1]) for r in rows}
    assert seen == {
        # the Mali article names Tulesov's rank three times, and the rank he served MINUSMA in
        ("Ermek Tulesov", "Lieutenant Colonel", "tulesov-rank"),
        ("Ermek Tulesov", "Lieutenant Colonel", "tulesov-rank-initial"),
        ("Ermek Tulesov", "Lieutenant Colonel", "tulesov-rank-later"),
        ("Ermek Tulesov", "Lieutenant Colonel", "tulesov-minusma"),
        # the Astana Times article: Akhmetova a colonel now, a lieutenant colonel in a caption
        ("Dilya Akhmetova", "Colonel", "akhmetova-rank"),
        ("Dilya Akhmetova", "Lieutenant Colonel", "akhmetova-rank-caption"),
        ("Dilya Akhmetova", "Lieutenant Colonel", "akhmetova-unifil"),
        ("Sholpan Tausheva", "Lieutenant Colonel", "tausheva-rank"),
        ("Sabina Muzalinova", "Lieutenant Colonel", "muzalinova-rank"),
        ("Rimma Shakeyeva", "Major", "shakeyeva-rank"),
        ("Aizhan Zhasuzakova", "Captain", "zhasuzakova-rank"),
        ("Madina Kamaletdinova", "Captain", "kamaletdinova-rank"),
        ("Madina Kamaletdinova", "Captain", "kamaletdinova-minurso"),
        # the undated send-off: the minister and the contingent's commander, twice each
        ("Ruslan Zhaksylykov", "Colonel General", "zhaksylykov-rank"),
        ("Ruslan Zhaksylykov", "Colonel General", "zhaksylykov-rank-later"),
        ("Zhiger Aipov", "Lieutenant Colonel", "aipov-rank"),
        ("Zhiger Aipov", "Lieutenant Colonel", "aipov-rank-later"),
    }
    quotes = {r["claim"].rsplit("/", 1)[-1]: r["quote"] for r in rows}
    assert quotes["akhmetova-rank"] == "including Colonel Dilya Akhmetova"
    assert quotes["shakeyeva-rank"] == "Major of the Army Rimma Shakeyeva"
    assert quotes["zhaksylykov-rank"] == "Defense Minister Colonel-General Ruslan Zhaksylykov"
    assert quotes["tulesov-rank-initial"] == (
        "Lieutenant Colonel E. Tulesov mentioned that the mission was challenging."
    )
    assert [r["name"] for r in rows] == sorted(r["name"] for r in rows)


def test_figures_by_article(store, ns):
    rows = run(store, ns, "figures-by-article.rq")
    by_article: dict[str, list[tuple[str, str, str]]] = {}
    for r in rows:
        by_article.setdefault(r["article"], []).append((r["value"], r["kind"], r["status"]))
    # oldest first; the undated articles by the earliest date they allow
    assert list(by_article) == [
        TITLES["astana"],  # 2022, undated
        TITLES["430"],  # 2022-06-30
        TITLES["mali"],  # 2023-10-31
        TITLES["golan"],  # 2024-01-20..2025-06-08, undated
        TITLES["mea"],  # 2024-01-20
    ]
    assert sorted(by_article[TITLES["mali"]]) == sorted(
        [
            ("2", "deployed", "actual"),  # two returned after a year in MINUSMA
            ("2", "cumulative", "actual"),  # the first and only ones in Mali
            ("309", "fatalities", "actual"),
            ("15000", "total mission strength", "actual"),
        ]
    )
    assert sorted(by_article[TITLES["430"]]) == sorted(
        [
            ("430", "deployed", "planned"),
            ("45", "cumulative", "actual"),
            ("520", "cumulative", "actual"),
            ("6", "currently serving", "actual"),
            ("9", "currently serving", "actual"),
        ]
    )
    assert sorted(by_article[TITLES["mea"]]) == sorted(
        [
            ("430", "ceiling", "approved"),
            ("139", "deployed", "planned"),
            ("8000000", "allocated", "approved"),
            ("6", "currently serving", "actual"),
            ("2", "currently serving", "actual"),
            ("2", "currently serving", "actual"),
            ("9", "currently serving", "actual"),
            ("4000000", "destroyed or neutralised", "actual"),
        ]
    )
    assert len(by_article[TITLES["astana"]]) == 6 and len(by_article[TITLES["golan"]]) == 7
    (forty_five,) = [r for r in rows if r["value"] == "45"]
    assert set(forty_five["scope"].split(", ")) == {"MINURSO", "UNOCI", "UNIFIL"}
    assert forty_five["published"] == "2022-06-30" and forty_five["unit"] == "officers"
    (ceiling,) = [r for r in rows if r["kind"] == "ceiling"]
    assert (ceiling["qualifier"], ceiling["scope"]) == ("up to", "(no operation named)")
    assert {r["published"] for r in rows if r["article"] == TITLES["golan"]} == {
        "2024-01-20..2025-06-08"
    }


TULESOV = "https://w3id.org/peacekg/id/person/ermek-tulesov"


def test_claims_about_one_entity(store, ns):
    rows = run(store, ns, "claims-about-one-entity.rq")
    parts = {r["claim"].rsplit("/", 1)[-1]: r["as"] for r in rows}
    assert parts == {
        "tulesov-rank": "person",
        "tulesov-rank-initial": "person",
        "tulesov-rank-later": "person",
        "tulesov-minusma": "member",
        "tulesov-minurso": "member",
        "tulesov-senior-officer": "member",
        "tulesov-instructor": "member",
        "tulesov-return": "participant",
        "minusma-withdrawal": "was attributed to",  # he is the one who said it
    }
    assert {r["article"] for r in rows} == {TITLES["mali"]}
    rank = next(r for r in rows if r["claim"].endswith("/tulesov-rank"))
    assert rank["type"].endswith("#RankAttribution")
    assert (
        rank["quote"]
        == "Lieutenant Colonel Ermek Tulesov, who recently returned from the Republic of Mali"
    )


def test_claims_about_another_entity_by_changing_values(store, ns):
    text = (ROOT / "queries" / "claims-about-one-entity.rq").read_text(encoding="utf-8")
    assert text.count(TULESOV) == 1
    query = text.replace(TULESOV, "https://w3id.org/peacekg/id/operation/minusma")
    rows = select(store, query, ns)
    claims = [r["claim"] for r in rows]
    assert len(claims) == len(set(claims))  # one row a claim, even with inferred super-properties
    ids = {c.rsplit("/", 1)[-1] for c in claims}
    assert {"minusma-fatalities", "minusma-established", "tulesov-minusma"} <= ids
    deployment = next(r for r in rows if r["claim"].endswith("/tulesov-minusma"))
    assert deployment["as"] == "in operation"  # not also org:organization, which it implies


def _registry_without_wikidata() -> set[str]:
    registry = yaml.safe_load((ROOT / "mappings/registry.yaml").read_text(encoding="utf-8"))
    return {
        f"https://w3id.org/peacekg/id/{kind.removesuffix('s')}/{entry['id']}"
        for kind, entries in registry.items()
        for entry in entries
        if "wikidata" not in entry
    }


def test_entities_without_wikidata(store, ns):
    rows = run(store, ns, "entities-without-wikidata.rq")
    assert {r["entity"] for r in rows} == _registry_without_wikidata()
    names = {r["label"]: int(r["claims"]) for r in rows}
    assert "Ermek Tulesov" in names and names["Ermek Tulesov"] == 9  # test above: his 9 claims
    assert "Kassym-Jomart Tokayev" not in names  # verified: Q200881
    assert "United Nations Interim Force in Lebanon" not in names  # a one-source link still links
    counts = [int(r["claims"]) for r in rows]
    assert counts == sorted(counts, reverse=True)
