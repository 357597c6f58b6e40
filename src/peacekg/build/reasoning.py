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

from pyoxigraph import BlankNode, Quad, Store

from peacekg.namespaces import OWL, RDF, RDFS, Namespaces

PREFIXES = f"PREFIX rdf: <{RDF}> PREFIX rdfs: <{RDFS}> PREFIX owl: <{OWL}>\n"

RULES: dict[str, tuple[str, str]] = {
    # name: (the triple entailed, when), each CONSTRUCT { triple } WHERE { when }
    # cax-sco: instances of a class are instances of its superclasses
    "subclass": ("?x a ?super", "?sub rdfs:subClassOf ?super . FILTER isIRI(?super) ?x a ?sub"),
    # prp-spo1: subproperty values are superproperty values
    "subproperty": (
        "?s ?super ?o",
        "?sub rdfs:subPropertyOf ?super . FILTER (?sub != ?super) ?s ?sub ?o",
    ),
    # prp-inv1/2
    "inverse": (
        "?o ?q ?s",
        "{ ?p owl:inverseOf ?q } UNION { ?q owl:inverseOf ?p } ?s ?p ?o . FILTER (!isLiteral(?o))",
    ),
    # prp-trp
    "transitive": ("?x ?p ?z", "?p a owl:TransitiveProperty . ?x ?p ?y . ?y ?p ?z"),
    # prp-spo2 for two-link chains
    "chain": (
        "?x ?p ?z",
        """?p owl:propertyChainAxiom ?list .
        ?list rdf:first ?p1 ; rdf:rest ?rest . ?rest rdf:first ?p2 ; rdf:rest rdf:nil .
        ?x ?p1 ?y . ?y ?p2 ?z""",
    ),
    # cls-hv2 (with eq-class): having the value makes a member
    "has-value": (
        "?x a ?c",
        "?c owl:equivalentClass ?r . ?r owl:onProperty ?p ; owl:hasValue ?v . ?x ?p ?v",
    ),
    # cls-svf1 (with eq-class): a value of the class makes a member
    "some-values": (
        "?x a ?c",
        """?c owl:equivalentClass ?r . ?r owl:onProperty ?p ; owl:someValuesFrom ?d .
        ?x ?p ?y . ?y a ?d""",
    ),
}
MAX_ROUNDS = 50


def _query(triple: str, when: str) -> str:
    """A rule as a CONSTRUCT of what is entailed and not yet known (in any graph)."""
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
