"""The reference list of UN peace operations: loads, agrees with the registry, stays out of the
graph (it is an input for drafting only, so every fact still rests on a quote)."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest
import yaml

import peacekg
from peacekg.build.dataset import assemble
from peacekg.config import Settings
from peacekg.errors import InputError
from peacekg.inputs.reference import OPERATIONS_FILE, load_operations
from support import ROOT

PATH = ROOT / "mappings" / OPERATIONS_FILE


def test_the_list_loads_with_every_peacekeeping_operation():
    operations = load_operations(PATH)
    acronyms = [op.acronym for op in operations]
    assert len(acronyms) == len(set(acronyms))
    peacekeeping = [op for op in operations if op.kind == "peacekeeping"]
    assert len(peacekeeping) == 71  # the UN's count of its peacekeeping operations since 1948
    assert {"UNAMA", "UNAMI", "UNSMIL", "UNSOM", "UNTMIS", "UNMHA", "UNITAMS"} <= set(acronyms)
    assert min(op.start for op in peacekeeping if op.start) == 1948


def test_years_are_ordered():
    for op in load_operations(PATH):
        assert op.start is None or op.start >= 1948, op.acronym
        if op.end is not None:
            assert op.start is not None and op.start <= op.end, op.acronym
            assert op.ongoing is False, op.acronym
        elif op.ongoing:
            assert op.kind == "peacekeeping", op.acronym  # current when compiled


def test_the_header_names_its_source_and_it_holds_no_wikidata_ids():
    text = PATH.read_text(encoding="utf-8")
    header = text[: text.index("\noperations:")]
    assert "List of Peacekeeping Operations" in header and "peacekeeping.un.org" in header
    assert re.search(r"Compiled by hand on \d{4}-\d\d-\d\d", header)
    assert not re.search(r"\bQ\d+\b|wikidata:|qid", text)


def test_the_registrys_un_missions_are_in_the_list_under_the_same_name():
    registry = yaml.safe_load((ROOT / "mappings" / "registry.yaml").read_text(encoding="utf-8"))
    by_acronym = {op.acronym: op for op in load_operations(PATH)}
    missions = [o for o in registry["operations"] if o.get("class") == "pk:UNPeacekeepingMission"]
    assert len(missions) >= 10
    for mission in missions:
        listed = by_acronym[mission["acronym"]]
        assert mission["label"] in (listed.name, *listed.aliases), mission["id"]
        assert listed.kind == "peacekeeping"


@pytest.mark.parametrize(
    ("entry", "line", "words"),
    [
        ("  - acronym: UNTSO\n    name: x\n    kind: peacekeeping\n    host: [X]\n", 6, "twice"),
        ("  - acronym: ZZ\n    name: x\n    kind: other\n    host: [X]\n", 6, "kind"),
        ("  - acronym: ZZ\n    name: x\n    kind: political\n    host: []\n", 6, "host"),
        (
            "  - acronym: ZZ\n    name: x\n    kind: political\n    host: [X]\n    start: 2020\n"
            "    end: 2019\n",
            6,
            "ends (2019) before it starts (2020)",
        ),
        (
            "  - acronym: ZZ\n    name: x\n    kind: political\n    host: [X]\n    wikidata: Q1\n",
            6,
            "unknown field(s) 'wikidata'",
        ),
    ],
)
def test_a_bad_entry_is_located(tmp_path: Path, entry: str, line: int, words: str):
    path = tmp_path / OPERATIONS_FILE
    path.write_text(
        "operations:\n  - acronym: UNTSO\n    name: a\n    kind: peacekeeping\n    host: [Y]\n"
        + entry,
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_operations(path)
    assert (caught.value.path, caught.value.line) == (path, line)
    assert words in caught.value.message


def test_only_drafting_reads_it():
    package = Path(peacekg.__file__).parent
    readers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module == "peacekg.inputs.reference"
    )
    assert readers and all(r.startswith("drafting/") for r in readers), readers


def _quads(settings: Settings) -> list[str]:
    """The assembled graph's quads as text, blank nodes unnamed (their labels differ by run)."""
    return sorted(re.sub(r"_:\w+", "_:", str(q)) for q in assemble(settings).quads)


def test_the_graph_does_not_depend_on_it(tmp_path: Path):
    for name in ("seeds", "mappings", "ontology", "shapes"):
        shutil.copytree(ROOT / name, tmp_path / name)
    with_list = _quads(Settings(root=tmp_path))
    (tmp_path / "mappings" / OPERATIONS_FILE).write_text("not: [valid", encoding="utf-8")
    assert _quads(Settings(root=tmp_path)) == with_list
