"""`peacekg draft` and `peacekg review`: drafts that load, stay out of the graph until accepted,
never overwrite a reviewed mapping, and propose the facts a reviewer would write, on the five
real articles and on short texts about other missions and contributing countries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from peacekg.build.dataset import assemble
from peacekg.cli import main
from peacekg.config import Settings
from peacekg.drafting.draft import draft_article
from peacekg.drafting.evaluate import GOAL_ROW, evaluate, report
from peacekg.drafting.review import accept, pending
from peacekg.errors import InputError
from peacekg.inputs.fields import Fields
from peacekg.inputs.located import load_mapping
from peacekg.inputs.ontology import load_ontology
from peacekg.inputs.registry import load_registry
from peacekg.inputs.seeds import load_articles
from peacekg.mapping.compiler import ArticleContext, compile_fact, compile_mapping
from peacekg.mapping.coverage import gaps
from peacekg.mapping.drafts import article_mappings, draft_entities, pending_lines
from peacekg.mapping.quotes import locate
from peacekg.namespaces import Namespaces
from support import ROOT

REAL = sorted(p.stem for p in article_mappings(ROOT / "mappings" / "articles"))

# Short news-style texts written for these tests (tests/fixtures/drafting/): other missions,
# other contributing countries, with their publication dates.
TEXTS_DIR = Path(__file__).parent / "fixtures" / "drafting"
PUBLISHED = {
    "2024-03-12-nepal-unifil": "2024-03-12",
    "2024-11-05-bangladesh-minusca": "2024-11-05",
    "2024-12-03-brazil-monusco": "2024-12-03",
}


def _text(article_id: str) -> str:
    return (TEXTS_DIR / f"{article_id}.txt").read_text(encoding="utf-8")


def _add_article(project: Settings, article_id: str) -> None:
    """Put one of TEXTS into a project copy's seeds, as `peacekg add` would."""
    text, published = _text(article_id), PUBLISHED[article_id]
    (project.seeds_dir / f"{article_id}.txt").write_text(text, encoding="utf-8")
    title = text.split("\n", 1)[0]
    entry = (
        f"\n- id: {article_id}\n  file: {article_id}.txt\n  title: {title}\n"
        f"  publisher: unknown\n  source: null\n  published: {published}\n"
        "  author: null\n  dateline: null\n  language: en\n"
    )
    with (project.seeds_dir / "articles.yaml").open("a", encoding="utf-8") as handle:
        handle.write(entry)


def _facts(text: str) -> list[dict[str, object]]:
    return yaml.safe_load(text)["facts"]


def _of(facts: list[dict[str, object]], type_: str, **fields: object) -> list[dict[str, object]]:
    return [
        f for f in facts if f["type"] == type_ and all(f.get(k) == v for k, v in fields.items())
    ]


# ---------------------------------------------------------------- the real articles


@pytest.mark.parametrize("article_id", REAL)
def test_a_real_article_drafts_into_a_loadable_file_with_verbatim_quotes(
    project: Settings, article_id: str
):
    draft = draft_article(project, article_id)
    path = project.mappings_dir / "articles" / f"{article_id}.yaml"
    path.write_text(draft.text(), encoding="utf-8")
    articles = load_articles(project.seeds_dir)
    ns = Namespaces()
    ontology = load_ontology(project.ontology_dir, ns)
    registry = load_registry(project.mappings_dir, ns, ontology, project.root)
    _, quads, _ = compile_mapping(path, articles, registry, ontology, ns, project.root)
    assert quads == []  # every fact is a draft: none enters the graph
    facts = load_mapping(path, "a draft")["facts"]
    assert facts and all(f["review"] == "draft" and 0 <= f["confidence"] <= 1 for f in facts)
    text = articles[article_id].text
    for fact in facts:
        locate(text, fact["quote"], fact.get("occurrence"))  # raises if not verbatim


@pytest.mark.parametrize("article_id", REAL)
def test_an_accepted_draft_fact_compiles_unless_its_entity_is_only_proposed(
    project: Settings, article_id: str
):
    """Accepting a draft (the line removed) gives a fact the compiler takes, or an error that
    names the entity to move from draft_registry into the registry."""
    path = project.mappings_dir / "articles" / f"{article_id}.yaml"
    path.write_text(draft_article(project, article_id).text(), encoding="utf-8")
    path.write_text(path.read_text().replace("review: draft", "review: accepted"))
    articles = load_articles(project.seeds_dir)
    ns = Namespaces()
    ontology = load_ontology(project.ontology_dir, ns)
    registry = load_registry(project.mappings_dir, ns, ontology, project.root)
    top = load_mapping(path, "a draft")
    ctx = ArticleContext(articles[article_id], registry, ontology, ns, project.root)
    ctx.drafted = draft_entities(Fields(top, "mapping"))
    problems = []
    for node in top["facts"]:
        try:
            compile_fact(ctx, node, top)
        except InputError as exc:
            problems.append(str(exc))
    assert [p for p in problems if "draft_registry" not in p] == []


def test_the_evaluation_runs_leave_one_out_and_meets_the_goals():
    result = evaluate(Settings(root=ROOT))
    table = report(result)
    assert "quotes found verbatim" in table and GOAL_ROW in table
    assert result.quotes == result.verbatim > 0
    assert set(result.per_article) == set(REAL)
    goal = result.goal
    assert goal.precision >= 0.8 and goal.recall >= 0.8, table
    assert all(right == total for right, total in result.metadata.values()), table


# ---------------------------------------------------------------- the build and coverage


def test_the_build_leaves_draft_facts_out_and_counts_them(project: Settings, capsys):
    article_id = "2024-03-12-nepal-unifil"
    _add_article(project, article_id)
    assert main(["--root", str(project.root), "draft", article_id]) == 0
    path = project.mappings_dir / "articles" / f"{article_id}.yaml"
    count = len(_facts(path.read_text()))
    dataset = assemble(project)
    graph = f"https://w3id.org/peacekg/graph/article/{article_id}"
    assert article_id in dataset.articles
    assert not [q for q in dataset.quads if q.graph_name.value == graph]
    line = (
        f"mappings/articles/{article_id}.yaml: {count} draft fact(s) pending, left out of the "
        f"graph (peacekg review {article_id})"
    )
    assert pending_lines(project.mappings_dir / "articles", project.root) == [line]
    capsys.readouterr()
    assert main(["--root", str(project.root), "build"]) == 0
    assert line in capsys.readouterr().out.splitlines()


def test_a_fact_naming_an_entity_only_in_draft_registry_is_a_clear_error(project: Settings):
    article_id = "2024-03-12-nepal-unifil"
    _add_article(project, article_id)
    main(["--root", str(project.root), "draft", article_id])
    path = project.mappings_dir / "articles" / f"{article_id}.yaml"
    rank = next(f for f in _facts(path.read_text()) if f["type"] == "rank")
    accept(path, [rank["id"]])
    with pytest.raises(
        Exception,
        match=r"only proposed in this mapping's draft_registry.*"
        r"registry\.yaml",
    ):
        assemble(project)


def test_coverage_does_not_count_a_draft_as_covering(project: Settings):
    mali = "2023-10-31-mali-return"
    path = project.mappings_dir / "articles" / f"{mali}.yaml"
    article = load_articles(project.seeds_dir)[mali]
    assert gaps(article, path) == []
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "    quote: Over the course of", "    review: draft\n    quote: Over the course of"
        )
    )
    assert [g.sentence.text for g in gaps(article, path)] == [
        "Over the course of 10 years, 309 peacekeepers lost their lives in the line of duty."
    ]


# ---------------------------------------------------------------- never overwrite, review


def test_a_reviewed_mapping_is_never_overwritten(project: Settings, capsys):
    mali = "2023-10-31-mali-return"
    reviewed = project.mappings_dir / "articles" / f"{mali}.yaml"
    before = reviewed.read_bytes()
    assert main(["--root", str(project.root), "draft", mali]) == 1
    assert "never overwritten" in capsys.readouterr().err
    assert main(["--root", str(project.root), "draft", mali, "--force"]) == 0
    beside = project.mappings_dir / "articles" / f"{mali}.draft.yaml"
    assert reviewed.read_bytes() == before and beside.exists()
    assert beside not in article_mappings(project.mappings_dir / "articles")
    assert main(["--root", str(project.root), "draft", "no-such-article"]) == 1
    assert "unknown article 'no-such-article'" in capsys.readouterr().err


def test_review_lists_by_confidence_and_accept_flips_exactly_the_named_fact(
    project: Settings, capsys
):
    article_id = "2024-11-05-bangladesh-minusca"
    _add_article(project, article_id)
    main(["--root", str(project.root), "draft", article_id])
    path = project.mappings_dir / "articles" / f"{article_id}.yaml"
    text = load_articles(project.seeds_dir)[article_id].text
    listed = pending(path, text)
    assert [p.confidence for p in listed] == sorted((p.confidence for p in listed), reverse=True)
    assert all("«" in p.sentence and "»" in p.sentence for p in listed)
    before = path.read_text(encoding="utf-8").split("\n")
    chosen = listed[0].id
    assert main(["--root", str(project.root), "review", article_id, "--accept", chosen]) == 0
    after = path.read_text(encoding="utf-8").split("\n")
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [("    review: draft", "    review: accepted")]
    assert chosen not in [p.id for p in pending(path, text)]
    with pytest.raises(ValueError, match="no draft fact 'nonsense'"):
        accept(path, [listed[1].id, "nonsense"])
    assert path.read_text(encoding="utf-8").split("\n") == after
    main(["--root", str(project.root), "review", article_id, "--accept-all-above", "0.85"])
    assert all(p.confidence < 0.85 for p in pending(path, text))
    assert re.search(r"\d+ draft fact\(s\) pending", capsys.readouterr().out)


# ---------------------------------------------------------------- other missions, other countries


def _draft(project: Settings, article_id: str) -> list[dict[str, object]]:
    _add_article(project, article_id)
    facts = _facts(draft_article(project, article_id).text())
    text = _text(article_id)
    for fact in facts:
        assert fact["quote"] in text
    return facts


def test_a_nepalese_battalion_in_unifil(project: Settings):
    facts = _draft(project, "2024-03-12-nepal-unifil")
    [rank] = _of(facts, "rank", rank="lieutenant-colonel")
    assert rank["person"] == "person/ramesh-thapa" and rank["when"] == "present"
    [sent] = _of(facts, "figure", value=850)
    assert (sent["kind"], sent["unit"], sent["operations"]) == (
        "deployed",
        "peacekeeper",
        "operation/unifil",
    )
    [now] = _of(facts, "figure", value=3000)
    assert (now["kind"], now["qualifier"], now["when"]) == (
        "currently-serving",
        "more-than",
        "present",
    )
    [total] = _of(facts, "figure", value=150000)
    assert total["kind"] == "cumulative" and total["when"] == {"start": 1958, "end": "publication"}
    assert total["contributor"] == now["contributor"] == "place/nepal"
    [served] = _of(facts, "deployment", operation="operation/unifil")
    assert served["member"].startswith("unit/") and "status" not in served
    assert "Nepalese battalion" in served["quote"]


def test_a_bangladeshi_company_scheduled_for_minusca(project: Settings):
    facts = _draft(project, "2024-11-05-bangladesh-minusca")
    [company] = _of(facts, "figure", value=180)
    assert (company["kind"], company["status"], company["when"]) == (
        "deployed",
        "planned",
        "future",
    )
    assert company["operations"] == "operation/minusca"
    assert company["contributor"] == "place/bangladesh"
    [scheduled] = _of(facts, "event", kind="deployment-start")
    assert (scheduled["when"], scheduled["status"]) == ("2025-02", "scheduled")
    assert scheduled["quote"] == "The deployment is scheduled for February 2025."
    [general] = _of(facts, "rank", rank="major-general")
    assert general["person"] == "person/abul-kashem"
    [troops] = _of(facts, "figure", value=6000)
    assert (troops["kind"], troops["qualifier"], troops["when"]) == (
        "currently-serving",
        "about",
        "present",
    )


def test_a_brazilian_general_appointed_to_monusco(project: Settings):
    facts = _draft(project, "2024-12-03-brazil-monusco")
    ranks = _of(facts, "rank", rank="lieutenant-general")
    assert {r["person"] for r in ranks} == {"person/carlos-mendes-ribeiro"}
    assert len(ranks) == 2  # "Lieutenant General Carlos Mendes Ribeiro", "… General Ribeiro"
    [haiti] = _of(facts, "deployment", member="person/carlos-mendes-ribeiro")
    assert haiti["when"] == "past" and haiti["operation"] != "operation/monusco"
    [sent] = _of(facts, "figure", value=37000)
    assert (sent["kind"], sent["qualifier"], sent["contributor"]) == (
        "cumulative",
        "more-than",
        "place/brazil",
    )
    assert sent["when"] == {"start": 1948, "end": "publication"}
    assert _of(facts, "mention", entity="operation/monusco")
    assert _of(facts, "hosting", operation="operation/monusco")
