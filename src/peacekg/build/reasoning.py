"""Materialise what the ontology's axioms entail into a graph of its own (.../graph/inferred).

The rules are the OWL 2 RL rules for exactly the axiom kinds peacekg uses (subclass,
subproperty, inverse, transitive, two-link property chains, hasValue and someValuesFrom
equivalences), written as SPARQL CONSTRUCTs over the ontology's own axioms and run by
Oxigraph to a fixpoint. So a new chain or subclass in the ontology needs no code, and the
work stays on the Oxigraph engine, which scales where owlrl's full closure does not.
tests/test_reasoning.py checks the result against HermiT's entailments for the inferred
classes and properties.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Store

from peacekg.namespaces import OWL, RDF, RDFS, Namespaces

PREFIXES = f"PREFIX rdf: <{RDF}> PREFIX rdfs: <{RDFS}> PREFIX owl: <{OWL}>\n"

RULES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # name: (the triple entailed, the axioms it needs, the data it needs: one or two patterns)
    # cax-sco: instances of a class are instances of its superclasses
    "subclass": (
        "?x a ?super",
        "?sub rdfs:subClassOf ?super . FILTER isIRI(?super)",
        ("?x a ?sub",),
    ),
    # prp-spo1: subproperty values are superproperty values
    "subproperty": (
        "?s ?super ?o",
        "?sub rdfs:subPropertyOf ?super . FILTER (?sub != ?super)",
        ("?s ?sub ?o",),
    ),
    # prp-inv1/2
    "inverse": (
        "?o ?q ?s",
        "{ ?p owl:inverseOf ?q } UNION { ?q owl:inverseOf ?p }",
        ("?s ?p ?o . FILTER (!isLiteral(?o))",),
    ),
    # prp-trp
    "transitive": ("?x ?p ?z", "?p a owl:TransitiveProperty", ("?x ?p ?y", "?y ?p ?z")),
    # prp-spo2 for two-link chains
    "chain": (
        "?x ?p ?z",
        """?p owl:propertyChainAxiom ?list .
        ?list rdf:first ?p1 ; rdf:rest ?rest . ?rest rdf:first ?p2 ; rdf:rest rdf:nil""",
        ("?x ?p1 ?y", "?y ?p2 ?z"),
    ),
    # cls-hv2 (with eq-class): having the value makes a member
    "has-value": (
        "?x a ?c",
        "?c owl:equivalentClass ?r . ?r owl:onProperty ?p ; owl:hasValue ?v",
        ("?x ?p ?v",),
    ),
    # cls-svf1 (with eq-class): a value of the class makes a member
    "some-values": (
        "?x a ?c",
        "?c owl:equivalentClass ?r . ?r owl:onProperty ?p ; owl:someValuesFrom ?d",
        ("?x ?p ?y", "?y a ?d"),
    ),
}
"""Every rule's data patterns join, when there are two, through the object of the first and
the subject of the second (?y): what `Joins` lists, and what reasoning per article relies on."""
MAX_ROUNDS = 50


def _query(triple: str, axioms: str, data: tuple[str, ...]) -> str:
    """A rule as a CONSTRUCT of what is entailed and not yet known (in any graph)."""
    when = " . ".join((axioms, *data))
    return f"{PREFIXES}CONSTRUCT {{ {triple} }} WHERE {{ {when} FILTER NOT EXISTS {{ {triple} }} }}"


def materialise(quads: list[Quad], ns: Namespaces) -> list[Quad]:
    """The new triples the axioms entail from all graphs, as quads of the inferred graph.

    The rules read the union of all graphs, so the quads go into the store as they are (no
    copy into one graph) and new triples into the inferred graph, where the next round sees
    them; what is already known anywhere is filtered out by the engine, not in Python.
    """
    graph = ns.graph("inferred")
    store = Store()
    store.bulk_extend(quads)
    queries = [_query(*rule) for rule in RULES.values()]
    inferred: set[Quad] = set()
    for _ in range(MAX_ROUNDS):
        new = {
            Quad(t.subject, t.predicate, t.object, graph)
            for query in queries
            for t in store.query(query, use_default_graph_as_union=True)  # type: ignore[union-attr]
            if not isinstance(t.subject, BlankNode) and not isinstance(t.object, BlankNode)
        }
        if not new:
            break
        store.bulk_extend(new)
        inferred |= new
    else:
        raise RuntimeError(f"inference did not reach a fixpoint in {MAX_ROUNDS} rounds")
    return sorted(inferred, key=str)


# ---------------------------------------------------------------- per article

SHARED = NamedNode("urn:peacekg:reasoning:shared")
"""Where reasoning per article keeps the shared graphs and what they entail on their own."""
AXIOM_PREDICATES = frozenset(
    {
        RDFS + "subClassOf",
        RDFS + "subPropertyOf",
        OWL + "inverseOf",
        OWL + "propertyChainAxiom",
        OWL + "equivalentClass",
        OWL + "onProperty",
        OWL + "hasValue",
        OWL + "someValuesFrom",
        RDF + "first",
        RDF + "rest",
    }
)
"""What the rules read as axioms (with `?p a owl:TransitiveProperty`): only the shared graphs
may state them, or an article would change what the rules do for the others."""
TRANSITIVE = OWL + "TransitiveProperty"


@dataclass(frozen=True)
class Joins:
    """Where the rules with two data patterns join (?y, in `RULES`): a triple whose predicate is
    in `first` can join through its object with a triple whose predicate is in `second`, or that
    types its subject with a class in `classes`, in the same or another graph."""

    first: frozenset[str]
    second: frozenset[str]
    classes: frozenset[str]


def joins(shared: Store) -> Joins:
    """The predicates and classes the two-pattern rules join through, from the axioms."""

    def values(query: str) -> list[tuple[str, ...]]:
        rows = shared.query(PREFIXES + query, use_default_graph_as_union=True)
        return [tuple(term.value for term in row) for row in rows]  # type: ignore[union-attr]

    chains = values(
        """SELECT ?p1 ?p2 { ?p owl:propertyChainAxiom ?list .
        ?list rdf:first ?p1 ; rdf:rest ?rest . ?rest rdf:first ?p2 ; rdf:rest rdf:nil }"""
    )
    transitive = values("SELECT ?p { ?p a owl:TransitiveProperty }")
    some = values(
        """SELECT ?p ?d { ?c owl:equivalentClass ?r .
        ?r owl:onProperty ?p ; owl:someValuesFrom ?d }"""
    )
    return Joins(
        first=frozenset([c[0] for c in chains] + [t[0] for t in transitive] + [s[0] for s in some]),
        second=frozenset([c[1] for c in chains] + [t[0] for t in transitive]),
        classes=frozenset(s[1] for s in some),
    )


def _per_graph_query(triple: str, axioms: str, data: tuple[str, ...]) -> str:
    """A rule as a SELECT of what one article's graph (?g) entails with the shared graphs: the
    axioms from the shared graph, at least one data pattern from ?g, the other from ?g or the
    shared graph (which holds its own entailments: those need no article)."""
    shared = f"<{SHARED.value}>"
    if len(data) == 1:
        body = f"GRAPH ?g {{ {data[0]} }}"
    else:
        first, second = data
        body = " UNION ".join(
            f"{{ GRAPH {one} {{ {first} }} GRAPH {two} {{ {second} }} }}"
            for one, two in (("?g", "?g"), ("?g", shared), (shared, "?g"))
        )
    return (
        f"{PREFIXES}SELECT DISTINCT ?g ?cs ?cp ?co WHERE {{ GRAPH {shared} {{ {axioms} }} {body} "
        f"FILTER (?g != {shared}) {_bound(triple)} "
        f"FILTER NOT EXISTS {{ GRAPH ?g {{ {triple} }} }} "
        f"FILTER NOT EXISTS {{ GRAPH {shared} {{ {triple} }} }} }}"
    )


def _bound(triple: str) -> str:
    """BINDs of the entailed triple's terms to ?cs ?cp ?co (`a` is rdf:type)."""
    terms = [f"<{RDF}type>" if t == "a" else t for t in triple.split()]
    return " ".join(f"BIND ({t} AS ?{v})" for t, v in zip(terms, ("cs", "cp", "co"), strict=True))


class PerArticle:
    """Reasoning per article: what the shared graphs entail on their own (`own`, computed
    once), and what each article's graph entails with them (`entail`).

    The union of these is what `materialise` finds for all graphs together as long as no rule
    joins data of two articles (nor reads an axiom an article states): `peacekg.build.parts`
    checks that on the result, and the build falls back to `materialise` when it fails.
    """

    def __init__(self, shared: list[Quad], ns: Namespaces) -> None:
        self._inferred = ns.graph("inferred")
        self.own = materialise(shared, ns)
        self._shared = [
            Quad(q.subject, q.predicate, q.object, SHARED) for q in (*shared, *self.own)
        ]
        store = Store()
        store.bulk_extend(self._shared)
        self.joins = joins(store)
        self._queries = [_per_graph_query(*rule) for rule in RULES.values()]

    def entail(self, graphs: dict[str, tuple[str, bytes]]) -> dict[str, list[Quad]]:
        """What each graph entails with the shared graphs, less what those entail alone, as
        quads of the inferred graph, each list sorted. `graphs`: article id -> the IRI of its
        graph, and the N-Quads of what it states (its graph, and its node in the metadata
        graph), all in that graph: read natively, a million quads at once in a full build."""
        store = Store()
        store.bulk_extend(self._shared)
        store.bulk_load(b"".join(data for _, data in graphs.values()), RdfFormat.N_QUADS)
        names = {graph: article for article, (graph, _) in graphs.items()}
        found: dict[str, set[Quad]] = {a: set() for a in graphs}
        for _ in range(MAX_ROUNDS):
            new = {
                Quad(row["cs"], row["cp"], row["co"], row["g"])  # type: ignore[arg-type,index]
                for query in self._queries
                for row in store.query(query)  # type: ignore[union-attr]
                if not isinstance(row["cs"], BlankNode) and not isinstance(row["co"], BlankNode)  # type: ignore[index]
            }
            if not new:
                break
            store.bulk_extend(new)
            for q in new:
                found[names[q.graph_name.value]].add(
                    Quad(q.subject, q.predicate, q.object, self._inferred)
                )
        else:
            raise RuntimeError(f"inference did not reach a fixpoint in {MAX_ROUNDS} rounds")
        return {a: sorted(qs, key=str) for a, qs in found.items()}
