"""Wikidata links in the graph: exactly the QIDs shared/reference/wikidata.md verifies, each on
the right entity with its evidence; the registry rejects malformed links with file:line; and
every shape of the link records catches a minimal bad example (as in test_shapes.py)."""

from __future__ import annotations

import gzip
import re

import pytest

from peacekg.build.dataset import assemble
from peacekg.config import Settings
from peacekg.errors import InputError
from peacekg.namespaces import WD, Namespaces
from support import ROOT, SHARED, caught, select

REFERENCE = SHARED / "reference" / "wikidata.md"
REGISTRY = "mappings/registry.yaml"
NS = Namespaces()
QID_TOKEN = re.compile(r"\bQ[1-9][0-9]*\b")

# The reference's entity names, as the registry identifies them. A row added to the reference
# fails test_every_reference_row_is_decided until it is linked here or excluded below.
LINKED = {
    "Kazakhstan": "place/kazakhstan",
    "United Nations": "organization/united-nations",
    "UN Security Council": "organization/un-security-council",
    "Collective Security Treaty Organization": "organization/csto",
    "Mali": "place/mali",
    "Lebanon": "place/lebanon",
    "Golan Heights": "place/golan-heights",
    "Western Sahara (the territory)": "place/western-sahara",
    "Central African Republic": "place/central-african-republic",
    "Democratic Republic of the Congo": "place/democratic-republic-of-the-congo",
    "Côte d'Ivoire (Ivory Coast)": "place/cote-d-ivoire",
    "South Sudan": "place/south-sudan",
    "Sudan": "place/sudan",
    "Iraq": "place/iraq",
    "Syria": "place/syria",
    "Israel": "place/israel",
    "Almaty": "place/almaty",
    "Astana (formerly Nur-Sultan, 2019–2022)": "place/astana",
    "Kassym-Jomart Tokayev": "person/kassym-jomart-tokayev",
    "United Nations Interim Force in Lebanon (UNIFIL)": "operation/unifil",
    "Parliament of Kazakhstan": "organization/parliament-of-kazakhstan",
}
NOT_LINKED = {
    "Iraq War": "the war, not operation/iraq-coalition (the Kazakh coalition deployment in it)",
    "Position: Member of the Mäjilis of Kazakhstan": "a position, not organization/mazhilis",
}
STATUS = {"VERIFIED": "verified", "ONE SOURCE": "one-source"}


def reference_rows() -> list[dict[str, str]]:
    """The QID table of the reference: entity, qid, status, evidence."""
    text = REFERENCE.read_text(encoding="utf-8")
    section = text.split("## Wikidata QIDs", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"Q[1-9][0-9]*", cells[1]):
            rows.append(dict(zip(("entity", "qid", "status", "evidence"), cells, strict=True)))
    return rows


def reference_date() -> str:
    match = re.search(r"checked against .*?(\d{4}-\d{2}-\d{2})", REFERENCE.read_text("utf-8"))
    assert match, "the reference no longer says when it was checked"
    return match.group(1)


# ---------------------------------------------------------------- the reference, in the graph


def test_the_reference_table_is_read():
    rows = reference_rows()
    assert len(rows) == 23
    assert {r["status"] for r in rows} == set(STATUS)


def test_every_reference_row_is_decided():
    names = [row["entity"] for row in reference_rows()]
    assert sorted(names) == sorted([*LINKED, *NOT_LINKED])


def test_every_verified_qid_is_linked_to_its_entity_with_evidence(store, ns):
    rows = select(
        store,
        """SELECT ?entity ?item ?status ?checked (COUNT(?source) AS ?sources)
                  (SAMPLE(?document) AS ?document) (SAMPLE(?matched) AS ?matched) WHERE {
             ?entity skos:exactMatch ?item .
             ?link pk:linkSubject ?entity ; pk:linkTarget ?item ;
                   pk:linkStatus/skos:notation ?status ; pk:linkSource ?source ;
                   pk:checkedOn ?checked .
             ?source dcterms:title ?document ; pk:matchedLabel ?matched ; dcterms:date ?checked
           } GROUP BY ?entity ?item ?status ?checked""",
        ns,
    )
    linked = {r["entity"]: r for r in rows}
    assert len(linked) == len(rows) == len(LINKED)
    for row in reference_rows():
        if row["entity"] in NOT_LINKED:
            continue
        link = linked[ns.id(LINKED[row["entity"]]).value]
        assert link["item"] == WD + row["qid"], row
        assert link["status"] == STATUS[row["status"]], row
        assert link["checked"] == reference_date()
        assert int(link["sources"]) >= 1 and link["document"].strip()
        # what was compared: the name the reference pairs with the QID
        assert link["matched"] == row["entity"], row


def test_no_other_qid_appears_in_the_graph_or_the_mappings(built):
    allowed = {r["qid"] for r in reference_rows() if r["entity"] in LINKED}
    excluded = {r["qid"] for r in reference_rows() if r["entity"] in NOT_LINKED}
    with gzip.open(built[0].output_dir / "dumps" / "peacekg.nq.gz", "rt", encoding="utf-8") as f:
        dump = f.read()
    iris = set(re.findall(r"<http://www\.wikidata\.org/entity/(Q[0-9]+)>", dump))
    assert iris == allowed
    assert set(QID_TOKEN.findall(dump)) == allowed  # not even in a literal
    for path in sorted((ROOT / "mappings").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert set(QID_TOKEN.findall(text)) <= allowed, path
    assert not excluded & set(QID_TOKEN.findall(dump))


def test_link_records_point_at_the_registry_line_of_their_qid(store, ns):
    rows = select(
        store, "SELECT ?item ?src WHERE { [] pk:linkTarget ?item ; pk:mappingSource ?src }", ns
    )
    lines = (ROOT / REGISTRY).read_text(encoding="utf-8").splitlines()
    assert rows
    for row in rows:
        path, line = row["src"].rsplit(":", 1)
        assert path == REGISTRY
        assert lines[int(line) - 1].strip() == f"qid: {row['item'].removeprefix(WD)}"


# ---------------------------------------------------------------- the registry rejects bad links


def _edit_mali_link(project: Settings, old: str, new: str) -> int:
    """Replace `old` in place/mali's wikidata block; return the 1-based line of its `qid:`."""
    path = project.mappings_dir / "registry.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("      qid: Q912\n")
    end = text.index("      checked:", start)
    end = text.index("\n", end) + 1
    block = text[start:end]
    assert old in block, f"test set-up: {old!r} not in place/mali's wikidata block"
    path.write_text(text[:start] + block.replace(old, new, 1) + text[end:], encoding="utf-8")
    return text[:start].count("\n") + 1


def _error(project: Settings) -> str:
    with pytest.raises(InputError) as info:
        assemble(project)
    return str(info.value)


@pytest.mark.parametrize(
    "bad", ["Q0912", "q912", "912", "Q", "Q912a", "'https://www.wikidata.org/wiki/Q912'"]
)
def test_a_malformed_qid_is_rejected_at_its_line(project, bad):
    line = _edit_mali_link(project, "qid: Q912", f"qid: {bad}")
    error = _error(project)
    assert f"registry.yaml:{line}: place/mali: wikidata: field 'qid': " in error
    assert "is not a Wikidata item id" in error


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("status: verified", "status: confirmed", "unknown link-status 'confirmed'; allowed: "),
        ("checked: 2026-11-23", "checked: 2026-11", "expected the date it was checked"),
        ("      sources:", "      evidence: x\n      sources:", "unknown field(s) 'evidence'"),
        (
            "      sources:",
            "      sources: []\n      old-sources:",
            "unknown field(s) 'old-sources'",
        ),
    ],
    ids=["status", "checked", "unknown-field", "no-sources"],
)
def test_a_malformed_link_field_is_rejected_at_its_line(project, old, new, words):
    line = _edit_mali_link(project, old, new)
    error = _error(project)
    assert f"registry.yaml:{line}: place/mali: wikidata: " in error
    assert words in error


def test_one_item_cannot_be_linked_from_two_entities(project):
    _edit_mali_link(project, "qid: Q912", "qid: Q822")  # Lebanon's item; Lebanon comes later
    lines = (project.mappings_dir / "registry.yaml").read_text(encoding="utf-8").splitlines()
    second = [n for n, line in enumerate(lines, 1) if line.strip() == "qid: Q822"][1]
    error = _error(project)
    assert f"registry.yaml:{second}: place/lebanon: Q822 is already linked from place/mali" in error


# ---------------------------------------------------------------- shapes of the link records

MALI = "place:mali"
RECORD = "<https://w3id.org/peacekg/id/place/mali#wikidata>"
INVENTED = "<http://www.wikidata.org/entity/Q90000001>"  # no real item is meant


def _swap(prop: str, new: str) -> str:
    return (
        f"DELETE {{ GRAPH ?g {{ {RECORD} {prop} ?old }} }} "
        f"INSERT {{ GRAPH ?g {{ {RECORD} {prop} {new} }} }} "
        f"WHERE {{ GRAPH ?g {{ {RECORD} {prop} ?old }} }}"
    )


def _insert(triples: str) -> str:
    return f"INSERT {{ GRAPH ?g {{ {triples} }} }} WHERE {{ GRAPH ?g {{ {RECORD} a ?t }} }}"


CASES = [
    # (id, update, reported path, words of the message, expected mapping source)
    (
        "record-says-when-it-was-checked",
        f"DELETE WHERE {{ GRAPH ?g {{ {RECORD} pk:checkedOn ?d }} }}",
        "pk:checkedOn",
        "give the date it was checked",
        REGISTRY,
    ),
    (
        "checked-is-an-xsd-date",
        _swap("pk:checkedOn", "'last week'"),
        "pk:checkedOn",
        "xsd:date",
        REGISTRY,
    ),
    (
        "record-names-the-documents-that-pair-them",
        f"DELETE WHERE {{ GRAPH ?g {{ {RECORD} pk:linkSource ?e }} }}",
        "pk:linkSource",
        "name the documents that pair the item",
        REGISTRY,
    ),
    (
        "a-source-is-a-document",
        _swap("pk:linkSource", "' '"),
        "pk:linkSource",
        "",
        REGISTRY,
    ),
    (
        "a-source-says-what-it-is",
        "DELETE WHERE { GRAPH ?g { <https://w3id.org/peacekg/id/place/mali#wikidata-source-1> "
        "dcterms:title ?t } }",
        "dcterms:title",
        "what document it is",
        REGISTRY,
    ),
    (
        "status-from-the-link-status-scheme",
        _swap("pk:linkStatus", "rank:major"),
        "pk:linkStatus",
        "",
        REGISTRY,
    ),
    (
        "record-target-is-the-exact-match",
        _swap("pk:linkTarget", INVENTED),
        "",
        "its entity's skos:exactMatch",
        REGISTRY,
    ),
    (
        "exact-match-needs-a-record",
        _insert(f"place:palestine skos:exactMatch {INVENTED}"),
        "",
        "exactly one pk:WikidataLink record",
        REGISTRY,
    ),
    (
        "one-item-per-entity",
        _insert(f"{MALI} skos:exactMatch {INVENTED}"),
        "skos:exactMatch",
        "one Wikidata item at most",
        REGISTRY,
    ),
    (
        "one-entity-per-item",
        _insert("place:palestine skos:exactMatch <http://www.wikidata.org/entity/Q912>"),
        "",
        "exact match of more than one entity",
        "",
    ),
]


@pytest.mark.parametrize(
    ("update", "path", "words", "source"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_shape_catches_its_bad_example(real_quads, update, path, words, source):
    problem = caught(real_quads, update, path, words)
    assert problem.source.startswith(source), problem
