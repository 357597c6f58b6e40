"""No fact without a quote: every triple of an article graph leads to that article and a quote
that really is in its text, and every registry entity is named by some article."""

from __future__ import annotations

from peacekg.inputs.seeds import load_articles
from support import ROOT, select

# Nodes a claim or mention owns: its evidence annotation, target, selectors and time nodes.
OWNED = (
    "(pk:evidence|oa:hasTarget|oa:hasSelector|pk:validDuring"
    "|time:hasBeginning|time:hasEnd|time:inside)*"
)


def test_every_article_triple_traces_to_its_article_and_a_quote(store, ns):
    orphans = select(
        store,
        f"""
        SELECT DISTINCT ?g ?s WHERE {{
          GRAPH ?g {{ ?s ?p ?o }}
          FILTER STRSTARTS(STR(?g), "{ns.base}graph/article/")
          FILTER NOT EXISTS {{
            GRAPH ?g {{
              ?root {OWNED} ?s .
              {{ ?root pk:evidence/oa:hasTarget ?target ; prov:wasDerivedFrom ?article }}
              UNION
              {{ ?root oa:motivatedBy oa:identifying ; oa:hasTarget ?target ; oa:hasBody ?entity }}
              ?target oa:hasSource ?article ; oa:hasSelector/oa:exact ?quote .
              FILTER (STRLEN(?quote) > 0)
            }}
            FILTER (STRAFTER(STR(?g), "graph/article/") = STRAFTER(STR(?article), "id/article/"))
          }}
        }}""",
        ns,
    )
    assert orphans == []


def test_article_graphs_hold_data_triples(store, ns):
    rows = select(
        store,
        f"""
        SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
          FILTER STRSTARTS(STR(?g), "{ns.base}graph/article/") }} GROUP BY ?g""",
        ns,
    )
    assert len(rows) == 5 and all(int(r["n"]) > 100 for r in rows)


def test_every_selector_points_at_its_exact_quote_in_the_article_text(store, ns):
    articles = {a.id: a.text for a in load_articles(ROOT / "seeds").values()}
    rows = select(
        store,
        """
        SELECT ?article ?exact ?prefix ?suffix ?start ?end WHERE {
          ?target oa:hasSource ?article ;
                  oa:hasSelector [ oa:exact ?exact ; oa:prefix ?prefix ; oa:suffix ?suffix ] ,
                                 [ oa:start ?start ; oa:end ?end ] .
        }""",
        ns,
    )
    assert len(rows) > 200
    for row in rows:
        text = articles[row["article"].rsplit("/", 1)[-1]]
        start, end = int(row["start"]), int(row["end"])
        assert text[start:end] == row["exact"]
        assert text[:start].endswith(row["prefix"])
        assert text[end:].startswith(row["suffix"])


def test_every_claim_has_exactly_one_article_and_one_quote(store, ns):
    rows = select(
        store,
        """
        SELECT ?claim (COUNT(DISTINCT ?article) AS ?articles) (COUNT(DISTINCT ?quote) AS ?quotes)
        WHERE { ?claim a pk:Claim .
                OPTIONAL { ?claim prov:wasDerivedFrom ?article . ?article a pk:Article }
                OPTIONAL { ?claim pk:evidence/oa:hasTarget/oa:hasSelector/oa:exact ?quote } }
        GROUP BY ?claim""",
        ns,
    )
    assert rows
    bad = [r for r in rows if (r["articles"], r["quotes"]) != ("1", "1")]
    assert bad == []


def test_every_registry_entity_is_named_in_some_article(store, ns):
    unnamed = select(
        store,
        f"""
        SELECT ?entity WHERE {{
          GRAPH <{ns.base}graph/registry> {{ ?entity a ?class }}
          FILTER (?class NOT IN (pk:WikidataLink, pk:EvidenceSource))  # a link and its sources
          FILTER NOT EXISTS {{
            GRAPH ?g {{ {{ ?annotation oa:hasBody ?entity }} UNION {{ ?claim ?p ?entity }} }}
            FILTER STRSTARTS(STR(?g), "{ns.base}graph/article/")
          }}
        }}""",
        ns,
    )
    assert unnamed == []


def test_claims_record_where_in_the_mappings_they_come_from(store, ns):
    rows = select(
        store, "SELECT ?claim ?src WHERE { ?claim a pk:Claim ; pk:mappingSource ?src }", ns
    )
    assert rows
    for row in rows:
        path, line = row["src"].rsplit(":", 1)
        lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
        fact_id = row["claim"].rsplit("/", 1)[-1]
        assert lines[int(line) - 1].strip() == f"- id: {fact_id}"
