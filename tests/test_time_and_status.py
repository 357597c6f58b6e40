"""Claims, not truths, in time: each rule of the model of time and status, pinned on the real
articles (docs/data-model.md, "Time" and "Status"): reported time apart from validity time,
plans that never become deployments, figures that state their scope once, disagreement that
means disagreement, and derived values that say what they were derived from."""

from __future__ import annotations

import re

from peacekg.build.pipeline import build
from peacekg.config import Settings
from peacekg.inputs.seeds import load_articles
from peacekg.mapping.coverage import gaps, sentences
from peacekg.releases import open_store
from support import ROOT, select

CLAIM = "https://w3id.org/peacekg/id/claim/"
MALI = CLAIM + "2023-10-31-mali-return/"
MEA = CLAIM + "2024-01-20-mea-deployment/"
GOLAN = CLAIM + "undated-golan-send-off/"
KAZBAT = CLAIM + "2022-kazbat-expands/"
SERVICEMEN = CLAIM + "2022-06-30-430-servicemen/"
DATES = "time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear"


def instants(store, ns, claim: str) -> dict[str, dict[str, str]]:
    """start / end / at of a claim's validity: {'exact'|'notBefore'|'notAfter': value}."""
    rows = select(
        store,
        f"""SELECT ?edge ?p ?v WHERE {{
              <{claim}> pk:validDuring ?valid . ?valid ?edge ?i .
              VALUES ?edge {{ time:hasBeginning time:hasEnd time:inside }}
              ?i ?p ?v . VALUES ?p {{ {DATES.replace("|", " ")} pk:notBefore pk:notAfter }} }}""",
        ns,
    )
    names = {"hasBeginning": "start", "hasEnd": "end", "inside": "at"}
    found: dict[str, dict[str, str]] = {}
    for r in rows:
        key = r["p"].rsplit("#", 1)[-1]
        key = key if key in ("notBefore", "notAfter") else "exact"
        found.setdefault(names[r["edge"].rsplit("#", 1)[-1]], {})[key] = r["v"]
    return found


def value(store, ns, claim: str, prop: str) -> str:
    rows = select(store, f"SELECT ?v WHERE {{ <{claim}> {prop} ?v }}", ns)
    assert len(rows) == 1, (claim, prop, rows)
    return rows[0]["v"]


# ---------------------------------------------------------------- reported vs valid time


def test_every_claim_is_reported_at_its_articles_date_and_holds_over_its_own_interval(store, ns):
    rows = select(
        store,
        """SELECT ?claim ?reported ?low ?high ?published ?from ?to ?valid WHERE {
             ?claim a pk:Claim ; prov:wasDerivedFrom ?article . ?article a pk:Article .
             OPTIONAL { ?claim pk:reportedOn ?reported }
             OPTIONAL { ?claim pk:reportedNotBefore ?low ; pk:reportedNotAfter ?high }
             OPTIONAL { ?article schema:datePublished ?published }
             OPTIONAL { ?article pk:publishedNotBefore ?from ; pk:publishedNotAfter ?to }
             OPTIONAL { ?claim pk:validDuring ?valid } }""",
        ns,
    )
    assert len(rows) > 100
    for r in rows:
        assert "valid" in r, r["claim"]
        if "published" in r:
            assert r.get("reported") == r["published"] and "low" not in r, r
        else:
            assert (r.get("low"), r.get("high")) == (r["from"], r["to"]), r
    assert not select(store, "SELECT * WHERE { ?c pk:asOf ?d }", ns)  # no "as of" default


def test_present_tense_holds_at_publication(store, ns):
    # "Captain Madina Kamaletdinova is currently serving in Western Sahara." (undated, 2022)
    assert instants(store, ns, KAZBAT + "kamaletdinova-minurso") == {
        "at": {"notBefore": "2022-01-01", "notAfter": "2022-12-31"}
    }
    # "Currently, Kazakhstan has officers serving in ... six in Western Sahara" (2024-01-20)
    assert instants(store, ns, MEA + "serving-western-sahara") == {"at": {"exact": "2024-01-20"}}


def test_past_tense_ends_before_publication_and_never_holds_at_it(store, ns):
    # "Several years ago, he served as part of the UN mission in Western Sahara." (2023-10-31)
    assert instants(store, ns, MALI + "tulesov-minurso") == {"end": {"notAfter": "2023-10-31"}}
    # a caption: "... visited a local school while serving in the UN peacekeeping mission in
    # Lebanon" is past, not a service current at publication
    caption = instants(store, ns, KAZBAT + "akhmetova-unifil")
    assert "at" not in caption and caption["end"] == {"notAfter": "2022-12-31"}
    # no claim stated in the past (it ends not after publication) also holds at publication
    both = select(
        store,
        """SELECT ?claim WHERE { ?claim pk:validDuring ?v . ?v pk:timeStatement "past" ;
                                 time:inside ?at }""",
        ns,
    )
    assert both == []


def test_dates_are_never_narrowed_beyond_the_text(store, ns):
    # "who recently returned" after "a year of service": the end is not after publication,
    # with no month taken from the publication date, and the year stays a duration
    assert instants(store, ns, MALI + "tulesov-minusma") == {"end": {"notAfter": "2023-10-31"}}
    assert value(store, ns, MALI + "tulesov-minusma", "pk:validDuring/time:hasXSDDuration") == "P1Y"
    # Kazbat in Iraq: began 2003, five years; no end year is computed
    iraq = instants(store, ns, KAZBAT + "kazbat-iraq")
    assert iraq["start"] == {"exact": "2003"} and "exact" not in iraq.get("end", {})
    assert value(store, ns, KAZBAT + "kazbat-iraq", "pk:validDuring/time:hasXSDDuration") == "P5Y"


# ---------------------------------------------------------------- status


def test_a_scheduled_deployment_is_a_plan_not_a_deployment(store, ns):
    planned = MEA + "undof-reserve-company"
    types = {r["t"] for r in select(store, f"SELECT ?t WHERE {{ <{planned}> a ?t }}", ns)}
    assert ns.pk("PlannedDeployment").value in types and ns.pk("Deployment").value not in types
    assert value(store, ns, planned, "pk:status/skos:notation") == "scheduled"
    assert instants(store, ns, planned)["start"] == {"exact": "2024-03"}
    served = select(
        store,
        "SELECT ?op WHERE { <https://w3id.org/peacekg/id/unit/announced-undof-contingent> "
        "pk:servedIn|^org:member/pk:inOperation ?op }",
        ns,
    )
    assert served == []


def test_served_in_rests_on_actual_deployments_only(store, ns):
    """In asserted and inferred data alike: no plan, proposal or ceiling makes pk:servedIn."""
    unbacked = select(
        store,
        """SELECT ?who ?op WHERE { ?who pk:servedIn ?op .
             FILTER NOT EXISTS { ?d a pk:Deployment ; org:member ?who ; pk:inOperation ?op ;
                                    pk:status status:actual } }""",
        ns,
    )
    assert unbacked == []
    non_actual = select(
        store,
        "SELECT ?d WHERE { ?d a pk:Deployment ; pk:status ?s FILTER (?s != status:actual) }",
        ns,
    )
    assert non_actual == []
    plans = select(store, "SELECT ?d WHERE { ?d a pk:PlannedDeployment }", ns)
    assert plans, "the articles' plans are kept, as plans"


def test_current_counts_are_actual_and_ceilings_never_are(store, ns):
    rows = select(
        store,
        """SELECT ?f ?kind ?status WHERE { ?f pk:figureKind/skos:notation ?kind ;
             pk:status/skos:notation ?status . VALUES ?kind { "currently-serving" "ceiling" } }""",
        ns,
    )
    assert {r["status"] for r in rows if r["kind"] == "currently-serving"} == {"actual"}
    ceilings = {r["f"]: r["status"] for r in rows if r["kind"] == "ceiling"}
    assert ceilings[MEA + "ceiling-430"] == "approved"
    assert "actual" not in ceilings.values()


def test_the_headline_is_read_as_the_body_explains_it(store, ns):
    # "Now Consists of More Than 500 Officers" is the body's running total over six rotations
    article = ns.id("article/2022-kazbat-expands").value
    rows = select(
        store,
        f"""SELECT ?f ?kind WHERE {{ ?f a pk:Figure ; prov:wasDerivedFrom <{article}> ;
              pk:value 500 ; pk:figureKind/skos:notation ?kind }}""",
        ns,
    )
    assert rows and {r["kind"] for r in rows} == {"cumulative"}


# ---------------------------------------------------------------- figures and their scope


def test_a_figure_over_several_missions_is_one_figure_with_its_roles(store, ns):
    figure = SERVICEMEN + "officers-since-2014"
    ops = select(store, f"SELECT ?a WHERE {{ <{figure}> pk:operation/pk:acronym ?a }}", ns)
    assert {r["a"] for r in ops} == {"MINURSO", "UNOCI", "UNIFIL"}
    roles = select(store, f"SELECT ?r WHERE {{ <{figure}> pk:role/skos:notation ?r }}", ns)
    assert {r["r"] for r in roles} == {"military-observer", "staff-officer"}
    assert instants(store, ns, figure) == {
        "start": {"exact": "2014"},
        "end": {"exact": "2022-06-30"},
    }
    assert value(store, ns, figure, "rdfs:label") == (
        "45 officers, cumulative (MINURSO, UNOCI, UNIFIL)"
    )


def test_labels_read_as_english_and_compute_no_dates(store, ns):
    assert value(store, ns, MALI + "minusma-fatalities", "rdfs:label") == (
        "309 peacekeepers, fatalities (MINUSMA)"
    )
    texts = " ".join(a.text for a in load_articles(ROOT / "seeds").values())
    labels = select(store, "SELECT ?s ?l WHERE { ?s rdfs:label ?l }", ns)
    for row in labels:
        for year in re.findall(r"\b(1[89]\d\d|20\d\d)\b", row["l"]):
            assert year in texts, f"{row['s']}: label {row['l']!r} has a year no article gives"


# ---------------------------------------------------------------- disagreement


def test_running_totals_and_compatible_bounds_do_not_disagree(store, ns):
    rows = select(store, (ROOT / "queries/disagreeing-figures.rq").read_text(), ns)
    pairs = {frozenset((r["value1"], r["value2"])) for r in rows}
    for series_or_bounds in ({"45", "67"}, {"520", "538"}, {"4000000", "4500000"}):
        assert frozenset(series_or_bounds) not in pairs
    assert rows == []  # the five articles agree wherever they speak of the same thing


def test_a_count_that_contradicts_another_at_the_same_time_is_reported(project: Settings):
    """A new article, dated like another, counting the same thing differently: a disagreement."""
    text = (
        "Twelve Kazakh officers serve in Western Sahara\n\n"
        "Currently, 12 Kazakhstani officers are serving in the UN mission in Western Sahara.\n"
    )
    (project.root / "seeds" / "2024-01-20-twelve-officers.txt").write_text(text, "utf-8")
    with (project.root / "seeds" / "articles.yaml").open("a", encoding="utf-8") as meta:
        meta.write(
            "\n- id: 2024-01-20-twelve-officers\n"
            "  file: 2024-01-20-twelve-officers.txt\n"
            "  original_file: none\n"
            "  title: Twelve Kazakh officers serve in Western Sahara\n"
            "  publisher: unknown\n  source: null\n  published: 2024-01-20\n"
            '  published_evidence: "Currently, 12 Kazakhstani officers"\n'
            "  author: null\n  dateline: null\n  language: en\n"
        )
    (project.root / "mappings" / "articles" / "2024-01-20-twelve-officers.yaml").write_text(
        "article: 2024-01-20-twelve-officers\nfacts:\n"
        "  - id: serving-western-sahara\n    type: figure\n    kind: currently-serving\n"
        "    value: 12\n    unit: officer\n    contributor: place/kazakhstan\n"
        "    operations: operation/minurso\n    when: present\n"
        "    quote: Currently, 12 Kazakhstani officers are serving in the UN mission in"
        " Western Sahara.\n"
        "waived:\n  - quote: Twelve Kazakh officers serve in Western Sahara\n"
        "    reason: the headline\n",
        "utf-8",
    )
    build(project)
    store = open_store(project.output_dir)
    rows = select(store, (ROOT / "queries/disagreeing-figures.rq").read_text(), _ns())
    found = {(r["value1"], r["value2"]) for r in rows} | {(r["value2"], r["value1"]) for r in rows}
    # the 2024-01-20 article's six, and the undated send-off's six (it may be of the same day)
    assert ("6", "12") in found
    assert len(rows) == 2 and {r["kind"] for r in rows} == {"currently serving"}


def _ns():
    from peacekg.namespaces import Namespaces

    return Namespaces()


# ---------------------------------------------------------------- derived values


def test_the_contingent_identity_is_an_explicit_derived_claim(store, ns):
    identity = GOLAN + "same-contingent"
    types = {r["t"] for r in select(store, f"SELECT ?t WHERE {{ <{identity}> a ?t }}", ns)}
    assert {ns.pk("IdentityClaim").value, ns.pk("DerivedClaim").value} <= types
    sources = {
        r["s"]
        for r in select(store, f"SELECT ?s WHERE {{ <{identity}> prov:wasDerivedFrom ?s }}", ns)
    }
    assert ns.id("article/undated-golan-send-off").value in sources
    assert any(s.startswith(MEA) for s in sources) and any(s.startswith(GOLAN) for s in sources)
    assert value(store, ns, identity, "pk:derivationRule")
    # the registry keeps the two descriptions apart: nothing merges them
    entities = {
        r["e"] for r in select(store, f"SELECT ?e WHERE {{ <{identity}> pk:identifies ?e }}", ns)
    }
    assert entities == {
        ns.id("unit/undof-contingent").value,
        ns.id("unit/announced-undof-contingent").value,
    }


# ---------------------------------------------------------------- every factual sentence


def test_every_factual_sentence_is_mapped_or_waived():
    articles = load_articles(ROOT / "seeds")
    for article_id, article in articles.items():
        mapping = ROOT / "mappings" / "articles" / f"{article_id}.yaml"
        assert [g.shown(ROOT) for g in gaps(article, mapping)] == []


def test_sentences_keep_initials_and_split_at_sentence_ends():
    text = "Lieutenant Colonel E. Tulesov returned in 2023. He served a year.\nPhoto: UN.\n"
    assert [s.text for s in sentences(text)] == [
        "Lieutenant Colonel E. Tulesov returned in 2023.",
        "He served a year.",
        "Photo: UN.",
    ]
    assert [(s.line, text[s.start : s.end]) for s in sentences(text)][2] == (2, "Photo: UN.")


def test_coverage_command_reports_an_unmapped_sentence(project: Settings, capsys):
    from peacekg.cli import main

    rel = "mappings/articles/2023-10-31-mali-return.yaml"
    path = project.root / rel
    text = path.read_text(encoding="utf-8")
    reason = text.index("    reason: exchange rates")
    start = text.rindex("  - quote:", 0, reason)
    end = text.index("\n", reason) + 1
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    root = ["--root", str(project.root)]
    assert main([*root, "coverage"]) == 1
    out = capsys.readouterr().out
    assert "seeds/2023-10-31-kazakh-peacekeepers-return-from-mali.txt:31: $" in out
    assert "1 factual sentence(s) with no fact and no waiver" in out
    assert main([*root, "build", "--require-coverage"]) == 1
    assert "no fact or waiver" in capsys.readouterr().err


def test_quotes_name_the_person_a_claim_is_about(store, ns):
    """A deployment, post or rank of a named person quotes words that name them."""
    unnamed = select(
        store,
        """SELECT ?claim ?name WHERE {
             ?claim (org:member|pk:person|pk:plannedMember) ?p ;
                    pk:evidence/oa:hasTarget/oa:hasSelector/oa:exact ?quote .
             ?p a schema:Person ; rdfs:label ?name .
             FILTER (!CONTAINS(?quote, REPLACE(?name, "^.* ", ""))) }""",
        ns,
    )
    assert unnamed == []
