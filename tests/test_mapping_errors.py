"""Bad mappings fail the build with the file and line, and never yield a partial graph."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from peacekg.build.dataset import assemble
from peacekg.config import Settings
from peacekg.errors import BuildErrors, InputError

MALI = "mappings/articles/2023-10-31-mali-return.yaml"


def _edit(project: Settings, rel: str, old: str, new: str) -> int:
    """Replace the first `old` in a copied input file; return the 1-based line it was on."""
    path = project.root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test set-up: {old!r} not in {rel}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def _errors(project: Settings) -> list[str]:
    with pytest.raises((BuildErrors, InputError)) as info:
        assemble(project)
    exc = info.value
    return [str(e) for e in exc.errors] if isinstance(exc, BuildErrors) else [str(exc)]


def _fact_line(project: Settings, rel: str, fact_id: str) -> int:
    lines = (project.root / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip() == f"- id: {fact_id}")


def _one_error_at(project: Settings, rel: str, line: int) -> str:
    errors = _errors(project)
    assert len(errors) == 1, errors
    assert re.match(rf"^{re.escape(str(project.root / rel))}:{line}: ", errors[0]) or errors[
        0
    ].startswith(f"{rel}:{line}: "), errors[0]
    return errors[0]


def test_the_real_mappings_compile(project: Settings):
    assert len(assemble(project).articles) == 5


def test_quote_not_in_article_names_file_line_and_nearest_match(project: Settings):
    _edit(project, MALI, "309 peacekeepers lost their lives", "309 peacekepers lost their lives")
    error = _one_error_at(project, MALI, _fact_line(project, MALI, "minusma-fatalities"))
    assert "quote not found" in error
    assert "309 peacekeepers lost their lives" in error  # the nearest passage


def test_unknown_entity_reference(project: Settings):
    _edit(project, MALI, "member: person/ermek-tulesov", "member: person/ermek-tulesof")
    error = _one_error_at(project, MALI, _fact_line(project, MALI, "tulesov-minusma"))
    assert "unknown entity 'person/ermek-tulesof'" in error


def test_entity_of_the_wrong_kind(project: Settings):
    _edit(project, MALI, "operation: operation/minusma", "operation: place/mali")
    error = _one_error_at(project, MALI, _fact_line(project, MALI, "tulesov-minusma"))
    assert "is a place, expected one of: operation" in error


def test_duplicate_fact_id(project: Settings):
    first = _fact_line(project, MALI, "tulesov-rank")
    second = _edit(project, MALI, "- id: tulesov-rank-later", "- id: tulesov-rank")
    error = _one_error_at(project, MALI, second)
    assert f"duplicate fact id 'tulesov-rank' (first at line {first})" in error


def test_malformed_date(project: Settings):
    line = _edit(project, MALI, "when: 2013-04-25", "when: 2013-14-25")
    assert "malformed date '2013-14-25'" in _one_error_at(project, MALI, line)
    _edit(project, MALI, "when: 2013-14-25", "when: 2013-04-25")
    line = _edit(project, MALI, "when: 2023-06-30", "when: {at: 2023-06-31}")
    assert "malformed date '2023-06-31'" in _one_error_at(project, MALI, line)
    _edit(project, MALI, "when: {at: 2023-06-31}", "when: {at: June}")
    error = _one_error_at(project, MALI, _fact_line(project, MALI, "minusma-termination"))
    assert "field 'when'" in error and "'June' is not a time" in error


@pytest.mark.parametrize("fact", ["tulesov-minusma", "tulesov-rank", "minusma-fatalities"])
def test_a_claim_without_a_time_statement_is_an_error(project: Settings, fact: str):
    """Deployments, ranks, figures (and posts, events, groups) must say when they hold."""
    path = project.root / MALI
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = _fact_line(project, MALI, fact)
    when = next(i for i in range(start, len(lines)) if lines[i].startswith("    when:"))
    del lines[when]
    path.write_text("".join(lines), encoding="utf-8")
    error = _one_error_at(project, MALI, start)
    assert "missing field 'when'" in error


@pytest.mark.parametrize(
    ("when", "words"),
    [
        ("future", "only after publication"),  # a plan stated as a fact
        ("2024-03", "only after publication"),
        ("{start: 2024, end: 2023}", "start (2024) is after end (2023)"),
        ("{at: {not_before: 2020, not_after: 2019}}", "not_before 2020 is after not_after 2019"),
        ("{duration: P1Y}", "give at least one of start, end or at"),
        ("{end: soon}", "'soon' is not a time"),
    ],
)
def test_a_time_statement_that_cannot_hold_is_an_error(project: Settings, when: str, words: str):
    _edit(
        project,
        MALI,
        'when: {end: past, duration: P1Y}\n    quote: "One',
        f'when: {when}\n    quote: "One',
    )
    error = _one_error_at(project, MALI, _fact_line(project, MALI, "tulesov-minusma"))
    assert words in error


def test_a_ceiling_cannot_be_actual(project: Settings):
    rel = "mappings/articles/2024-01-20-mea-deployment.yaml"
    line = _fact_line(project, rel, "ceiling-430")
    _edit(project, rel, "when: future\n    status: approved", "when: present\n    status: actual")
    error = _one_error_at(project, rel, line)
    assert "a ceiling ('up to') is never actual" in error


def test_derived_from_an_unknown_fact_names_the_line(project: Settings):
    rel = "mappings/articles/undated-golan-send-off.yaml"
    line = _fact_line(project, rel, "same-contingent")
    _edit(project, rel, "2024-01-20-mea-deployment/", "2024-01-20-mea-deployment/no-such-")
    error = _one_error_at(project, rel, line)
    assert "which no mapping makes" in error


def test_a_waiver_needs_a_reason(project: Settings):
    line = _edit(
        project,
        MALI,
        "    reason: exchange rates from the web page around the article\n",
        "",
    )
    error = _one_error_at(project, MALI, line - 1)
    assert "waiver: missing field 'reason'" in error


def test_misspelt_field_is_not_silently_dropped(project: Settings):
    _edit(
        project,
        MALI,
        "    rank: lieutenant-colonel\n    when:",
        "    rnak: lieutenant-colonel\n    when:",
    )
    error = _one_error_at(project, MALI, _fact_line(project, MALI, "tulesov-minusma"))
    assert "unknown field(s) 'rnak'" in error


def test_unknown_code_list_value_lists_the_allowed_ones(project: Settings):
    _edit(
        project, MALI, "rank: lieutenant-colonel\n    when:", "rank: leutenant-colonel\n    when:"
    )
    error = _one_error_at(project, MALI, _fact_line(project, MALI, "tulesov-minusma"))
    assert "unknown rank 'leutenant-colonel'" in error and "lieutenant-colonel" in error


def test_ambiguous_quote_asks_for_an_occurrence(project: Settings):
    _edit(
        project,
        MALI,
        "    quote: Republic of Mali\n    occurrence: 1\n",
        "    quote: Republic of Mali\n",
    )
    error = _one_error_at(project, MALI, _fact_line(project, MALI, "mention-mali"))
    assert "occurs 2 times" in error


def test_yaml_syntax_error_has_a_line(project: Settings):
    line = _edit(project, MALI, "facts:\n", "facts: [\n")
    errors = _errors(project)
    assert len(errors) == 1 and "invalid YAML" in errors[0]
    assert re.search(r"\.yaml:\d+: ", errors[0]) and line > 0


def test_duplicate_registry_id(project: Settings):
    rel = "mappings/registry.yaml"
    line = _edit(project, rel, "  - id: bolat-kerimbek", "  - id: zhiger-aipov")
    error = _one_error_at(project, rel, line + 2)  # the real entry now comes second
    assert f"duplicate id 'person/zhiger-aipov' (first at line {line})" in error


def test_registry_entity_no_article_mentions(project: Settings):
    rel = "mappings/registry.yaml"
    line = (
        _edit(project, rel, "persons:\n", "persons:\n  - id: nobody-at-all\n    label: Nobody\n")
        + 1
    )
    error = _one_error_at(project, rel, line)
    assert "person/nobody-at-all is not mentioned by any article" in error


def test_all_errors_are_reported_in_one_pass(project: Settings):
    _edit(project, MALI, "309 peacekeepers lost", "309 peacekeepers lose")
    _edit(project, "mappings/articles/undated-golan-send-off.yaml", "type: ", "type: nonsense-")
    errors = _errors(project)
    assert len(errors) == 2
    assert {Path(e.split(":")[0]).name for e in errors} == {
        "2023-10-31-mali-return.yaml",
        "undated-golan-send-off.yaml",
    }


def test_seed_edited_after_mapping_breaks_its_quotes(project: Settings):
    seed = project.root / "seeds" / "2023-10-31-kazakh-peacekeepers-return-from-mali.txt"
    seed.write_text(seed.read_text(encoding="utf-8").replace("309", "390"), encoding="utf-8")
    error = _one_error_at(project, MALI, _fact_line(project, MALI, "minusma-fatalities"))
    assert "quote not found" in error
