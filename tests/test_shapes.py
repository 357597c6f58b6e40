"""Every SHACL shape catches a minimal bad example, reported with label, path and mapping line;
the real graph conforms. Each bad example is one SPARQL UPDATE applied to the real graph."""

from __future__ import annotations

import pytest

from peacekg.build.validation import Report, validate
from peacekg.namespaces import Namespaces
from support import ROOT, caught, validate_after

NS = Namespaces()
CLAIM = "<https://w3id.org/peacekg/id/claim/2023-10-31-mali-return/{}>"
DEPLOYMENT = CLAIM.format("tulesov-minusma")
FIGURE = CLAIM.format("minusma-fatalities")
RANK = CLAIM.format("tulesov-rank")
POST = CLAIM.format("tulesov-instructor")
EVENT = CLAIM.format("minusma-established")
PLANNED = "<https://w3id.org/peacekg/id/claim/2024-01-20-mea-deployment/undof-reserve-company>"
SERVING = "<https://w3id.org/peacekg/id/claim/2024-01-20-mea-deployment/serving-western-sahara>"
CEILING = "<https://w3id.org/peacekg/id/claim/2024-01-20-mea-deployment/ceiling-430>"
IDENTITY = "<https://w3id.org/peacekg/id/claim/undated-golan-send-off/same-contingent>"
HOSTING = CLAIM.format("minusma-in-mali")
MALI_MAPPING = "mappings/articles/2023-10-31-mali-return.yaml"


def _swap(subject: str, prop: str, new: str, via: str = "") -> str:
    """Replace the value of `prop` on subject (or on what subject reaches by `via`) by `new`."""
    reach = f"{subject} {via} ?s ." if via else f"VALUES ?s {{ {subject} }}"
    return (
        f"DELETE {{ GRAPH ?g {{ ?s {prop} ?old }} }} INSERT {{ GRAPH ?g {{ ?s {prop} {new} }} }} "
        f"WHERE {{ GRAPH ?g {{ {reach} ?s {prop} ?old }} }}"
    )


def _in_graph(node: str, triples: str) -> str:
    """Insert triples into the graph the node's own claims live in (or registry/metadata)."""
    return f"INSERT {{ GRAPH ?g {{ {triples} }} }} WHERE {{ GRAPH ?g {{ {node} a ?t }} }}"


CASES = [
    # (id, update, path that must be reported, words of the message, expected mapping file)
    (
        "claim-needs-article",
        f"DELETE WHERE {{ GRAPH ?g {{ {FIGURE} prov:wasDerivedFrom ?a }} }}",
        "prov:wasDerivedFrom",
        "exactly one article",
        MALI_MAPPING,
    ),
    (
        "claim-needs-one-quote-annotation",
        f"DELETE WHERE {{ GRAPH ?g {{ {FIGURE} pk:evidence ?e }} }}",
        "pk:evidence",
        "exactly one quote annotation",
        MALI_MAPPING,
    ),
    (
        "quote-not-empty",
        _swap(FIGURE, "oa:exact", "' '", via="pk:evidence/oa:hasTarget/oa:hasSelector"),
        "oa:exact",
        "non-empty",
        MALI_MAPPING,
    ),
    (
        "claim-says-when-it-holds",
        f"DELETE WHERE {{ GRAPH ?g {{ {FIGURE} pk:validDuring ?v }} }}",
        "pk:validDuring",
        "when it holds",
        MALI_MAPPING,
    ),
    (
        "claim-says-when-it-was-reported",
        f"DELETE WHERE {{ GRAPH ?g {{ {FIGURE} pk:reportedOn ?d }} }}",
        "",
        "when it was reported",
        MALI_MAPPING,
    ),
    (
        "reported-on-is-a-date",
        _swap(FIGURE, "pk:reportedOn", "'last year'"),
        "pk:reportedOn",
        "",
        MALI_MAPPING,
    ),
    (
        "claim-has-a-status",
        f"DELETE WHERE {{ GRAPH ?g {{ {FIGURE} pk:status ?s }} }}",
        "pk:status",
        "one status",
        MALI_MAPPING,
    ),
    (
        "deployment-is-actual",
        _swap(DEPLOYMENT, "pk:status", "status:planned"),
        "pk:status",
        "a plan is a pk:PlannedDeployment",
        MALI_MAPPING,
    ),
    (
        "planned-deployment-is-not-actual",
        _swap(PLANNED, "pk:status", "status:actual"),
        "pk:status",
        "not actual",
        "mappings/articles/2024-01-20-mea-deployment.yaml",
    ),
    (
        "planned-deployment-is-no-membership",
        _in_graph(PLANNED, f"{PLANNED} org:member <https://w3id.org/peacekg/id/unit/kazbat>"),
        "org:member",
        "not a membership",
        "mappings/articles/2024-01-20-mea-deployment.yaml",
    ),
    (
        "currently-serving-is-actual",
        _swap(SERVING, "pk:status", "status:planned"),
        "",
        "currently serving is actual",
        "mappings/articles/2024-01-20-mea-deployment.yaml",
    ),
    (
        "ceiling-is-never-actual",
        _swap(CEILING, "pk:status", "status:actual"),
        "",
        "a ceiling never is",
        "mappings/articles/2024-01-20-mea-deployment.yaml",
    ),
    (
        "derived-claim-names-its-rule",
        f"DELETE WHERE {{ GRAPH ?g {{ {IDENTITY} pk:derivationRule ?r }} }}",
        "pk:derivationRule",
        "by which rule",
        "mappings/articles/undated-golan-send-off.yaml",
    ),
    (
        "derived-claim-names-its-inputs",
        f"DELETE {{ GRAPH ?g {{ {IDENTITY} prov:wasDerivedFrom ?c }} }} "
        f"WHERE {{ GRAPH ?g {{ {IDENTITY} prov:wasDerivedFrom ?c }} "
        'FILTER STRSTARTS(STR(?c), "https://w3id.org/peacekg/id/claim/") }',
        "prov:wasDerivedFrom",
        "claims it was derived from",
        "mappings/articles/undated-golan-send-off.yaml",
    ),
    (
        "deployment-member-is-person-or-unit",
        _swap(DEPLOYMENT, "org:member", "place:mali"),
        "org:member",
        "one person or military unit",
        MALI_MAPPING,
    ),
    (
        "deployment-needs-operation",
        f"DELETE WHERE {{ GRAPH ?g {{ {DEPLOYMENT} pk:inOperation ?o }} }}",
        "pk:inOperation",
        "",
        MALI_MAPPING,
    ),
    (
        "deployment-rank-from-rank-scheme",
        _in_graph(DEPLOYMENT, f"{DEPLOYMENT} pk:rank role:commander"),
        "pk:rank",
        "",
        MALI_MAPPING,
    ),
    (
        "post-needs-role",
        f"DELETE WHERE {{ GRAPH ?g {{ {POST} org:role ?r }} }}",
        "org:role",
        "",
        MALI_MAPPING,
    ),
    (
        "one-rank-per-attribution",
        _in_graph(RANK, f"{RANK} pk:rank rank:colonel"),
        "pk:rank",
        "",
        MALI_MAPPING,
    ),
    (
        "figure-value-not-negative",
        _swap(FIGURE, "pk:value", "-309"),
        "pk:value",
        "whole number",
        MALI_MAPPING,
    ),
    (
        "figure-value-is-a-number",
        _swap(FIGURE, "pk:value", "'309'"),
        "pk:value",
        "whole number",
        MALI_MAPPING,
    ),
    (
        "qualifier-from-qualifier-scheme",
        _swap(FIGURE, "pk:qualifier", "unit:officer"),
        "pk:qualifier",
        "",
        MALI_MAPPING,
    ),
    (
        "figure-kind-from-its-scheme",
        _swap(FIGURE, "pk:figureKind", "rank:major"),
        "pk:figureKind",
        "",
        MALI_MAPPING,
    ),
    (
        "personnel-figure-counts-people",
        _swap(FIGURE, "pk:unit", "unit:munition"),
        "pk:unit",
        "count people",
        MALI_MAPPING,
    ),
    (
        "event-needs-kind",
        f"DELETE WHERE {{ GRAPH ?g {{ {EVENT} pk:eventKind ?k }} }}",
        "pk:eventKind",
        "",
        MALI_MAPPING,
    ),
    (
        "event-date-is-a-date",
        _swap(EVENT, "schema:startDate", "'April 25'"),
        "schema:startDate",
        "",
        MALI_MAPPING,
    ),
    (
        "hosting-needs-territory",
        f"DELETE WHERE {{ GRAPH ?g {{ {HOSTING} pk:hostTerritory ?t }} }}",
        "pk:hostTerritory",
        "",
        MALI_MAPPING,
    ),
    (
        "group-claim-is-about-a-group",
        _swap("?c", "pk:group", "person:dilya-akhmetova", via="pk:group/^pk:group"),
        "pk:group",
        "",
        "mappings/articles/2022-kazbat-expands.yaml",
    ),
    (
        "classification-names-a-class",
        _swap("?c", "pk:claimedClass", "place:iraq", via="pk:claimedClass/^pk:claimedClass"),
        "pk:claimedClass",
        "",
        "mappings/articles/",
    ),
    (
        "period-starts-before-it-ends",
        _in_graph(
            DEPLOYMENT,
            f"<{DEPLOYMENT[1:-1]}#valid> time:hasBeginning <{DEPLOYMENT[1:-1]}#start> . "
            f"<{DEPLOYMENT[1:-1]}#start> a time:Instant ; time:inXSDgYear '2024'^^xsd:gYear",
        ),
        "",
        "starts (2024) after it ends (2023-10-31)",
        MALI_MAPPING,
    ),
    (
        "instant-has-one-date",
        f"INSERT {{ GRAPH ?g {{ ?i time:inXSDgYear '2023'^^xsd:gYear }} }} "
        f"WHERE {{ GRAPH ?g {{ {DEPLOYMENT} pk:validDuring/time:hasEnd ?i }} }}",
        "",
        "either exactly",
        MALI_MAPPING,
    ),
    (
        "quote-position-start-before-end",
        _swap(FIGURE, "oa:start", "99999", via="pk:evidence/oa:hasTarget/oa:hasSelector"),
        "oa:start",
        "",
        MALI_MAPPING,
    ),
    (
        "target-has-both-selectors",
        f"DELETE {{ GRAPH ?g {{ ?t oa:hasSelector ?s }} }} WHERE {{ GRAPH ?g {{ {FIGURE} "
        "pk:evidence/oa:hasTarget ?t . ?t oa:hasSelector ?s . ?s a oa:TextPositionSelector } }",
        "oa:hasSelector",
        "TextPositionSelector",
        MALI_MAPPING,
    ),
    (
        "annotation-motivation",
        _swap(FIGURE, "oa:motivatedBy", "oa:bookmarking", via="pk:evidence"),
        "oa:motivatedBy",
        "",
        MALI_MAPPING,
    ),
    (
        "entity-has-a-label",
        "DELETE WHERE { GRAPH ?g { person:zhiger-aipov rdfs:label ?l } }",
        "rdfs:label",
        "",
        "mappings/registry.yaml",
    ),
    (
        "one-label-per-language",
        _in_graph("person:zhiger-aipov", "person:zhiger-aipov rdfs:label 'Zh. Aipov'@en"),
        "rdfs:label",
        "",
        "mappings/registry.yaml",
    ),
    (
        "wikidata-links-are-entity-iris",
        _in_graph("place:mali", "place:mali skos:exactMatch <https://www.wikidata.org/wiki/Q912>"),
        "skos:exactMatch",
        "Wikidata",
        "mappings/registry.yaml",
    ),
    (
        "wikipedia-links-only",
        _in_graph("place:mali", "place:mali schema:sameAs <https://example.org/mali>"),
        "schema:sameAs",
        "Wikipedia",
        "mappings/registry.yaml",
    ),
    (
        "acronyms-are-unique",
        _in_graph("operation:unisfa", "operation:unisfa pk:acronym 'UNIFIL'"),
        "",
        "more than one entity",
        "",
    ),
    (
        "groups-have-members",
        "DELETE WHERE { GRAPH ?g { ?grp prov:hadMember ?m } }",
        "prov:hadMember",
        "",
        "mappings/registry.yaml",
    ),
    (
        "article-has-date-or-bounds",
        "DELETE WHERE { GRAPH ?g { ?a pk:publishedNotBefore ?d } }",
        "",
        "publication date, or else both date bounds",
        "seeds/articles.yaml",
    ),
    (
        "article-checksum",
        "DELETE { GRAPH ?g { ?a pk:sha256 ?h } } INSERT { GRAPH ?g { ?a pk:sha256 'not-a-hash' } } "
        "WHERE { GRAPH ?g { ?a pk:sha256 ?h } }",
        "pk:sha256",
        "",
        "seeds/articles.yaml",
    ),
    (
        "closed-vocabulary",
        _in_graph(DEPLOYMENT, f"{DEPLOYMENT} pk:servedln operation:minusma"),
        "",
        "undeclared property <https://w3id.org/peacekg/ontology#servedln>",
        MALI_MAPPING,
    ),
    (
        "closed-vocabulary-classes",
        _in_graph(DEPLOYMENT, f"{DEPLOYMENT} a org:Memebership"),
        "",
        "undeclared class <http://www.w3.org/ns/org#Memebership>",
        MALI_MAPPING,
    ),
]


def test_the_real_graph_conforms(real_quads):
    report = validate(real_quads, ROOT / "shapes", NS)
    assert report.conforms, report.text()
    # the data is honest about what the articles leave open
    assert any("gives no date" in w.message for w in report.warnings)


@pytest.mark.parametrize(
    ("update", "path", "words", "source"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_shape_catches_its_bad_example(real_quads, update, path, words, source):
    problem = caught(real_quads, update, path, words)
    assert problem.source.startswith(source), problem
    assert problem.label and not problem.label.startswith("_:")


def test_a_un_mission_without_acronym_is_only_a_warning(real_quads):
    report = validate_after(
        real_quads, "DELETE WHERE { GRAPH ?g { operation:undof pk:acronym ?a } }"
    )
    assert report.conforms
    assert any(
        w.path == "pk:acronym" and "United Nations Disengagement" in w.label
        for w in report.warnings
    )


def test_report_lines_name_the_mapping_line_and_label(real_quads):
    report = validate_after(
        real_quads, f"DELETE WHERE {{ GRAPH ?g {{ {FIGURE} pk:evidence ?e }} }}"
    )
    line = next(str(v) for v in report.violations if v.path == "pk:evidence")
    mapping = (ROOT / MALI_MAPPING).read_text().splitlines()
    number = next(i for i, t in enumerate(mapping, 1) if t.strip() == "- id: minusma-fatalities")
    assert line.startswith(
        f"{MALI_MAPPING}:{number}: Violation: 309 peacekeepers, fatalities (MINUSMA)"
    )


@pytest.mark.parametrize(
    "update", ["", *(c[1] for c in CASES)], ids=["real-graph", *(c[0] for c in CASES)]
)
@pytest.mark.slow
def test_the_fast_engine_reports_exactly_what_pyshacl_reports(real_quads, update):
    """pyshacl-turbo serves the build only because its reports equal pySHACL's."""
    from pyoxigraph import Store

    store = Store()
    store.extend(real_quads)
    if update:
        store.update("".join(f"PREFIX {p}: <{i}>\n" for p, i in NS.prefixes().items()) + update)
    quads = list(store)
    fast = validate(quads, ROOT / "shapes", NS, engine="turbo")
    reference = validate(quads, ROOT / "shapes", NS, engine="pyshacl")
    assert _results(fast) == _results(reference)


def _results(report: Report) -> list[tuple[str, ...]]:
    """Each result's severity, focus, path, value and mapping line, with its message where our
    shapes word it; where they do not, each engine words its own default, and those may differ."""
    import rdflib

    shapes = rdflib.Graph().parse(ROOT / "shapes" / "peacekg.shacl.ttl")
    ours = {
        str(m) for m in shapes.objects(None, rdflib.URIRef("http://www.w3.org/ns/shacl#message"))
    }
    return sorted(
        (p.severity, p.focus, p.path, p.value, p.source, p.message if p.message in ours else "")
        for p in report.problems
    )
