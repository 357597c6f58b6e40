"""OWL consistency of ontology + data, checked by HermiT (the copy owlready2 ships).

HermiT says *whether* the graph is consistent, not why. When it is not, we name the clash in
plain words by looking for the axiom patterns peacekg uses that can clash (disjoint classes,
functional data properties); HermiT's own message is kept for anything else.

HermiT runs as a Java process of its own, so a build can start it and go on validating and
storing on the other core while it works (`ConsistencyCheck`), and learn its verdict before
the release is swapped in. We call HermiT's command line with `-k` (is owl:Thing satisfiable,
i.e. is the ontology consistent) on N-Triples written by Oxigraph, rather than through
`owlready2.sync_reasoner_hermit`: that one also classifies every class, property and individual
(`-c -O -D -I`) after a round trip through owlready2's SQLite store: work, most of the time,
for answers a consistency check does not need.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

import owlready2
from pyoxigraph import DefaultGraph, Quad, RdfFormat, Store, Triple, serialize

from peacekg.namespaces import OWL, RDF, RDFS

HERMIT = Path(owlready2.__file__).parent / "hermit"
HERMIT_CLASSPATH = os.pathsep.join([str(HERMIT), str(HERMIT / "HermiT.jar")])
CONSISTENT = b"owl#Thing is satisfiable"
QUICK_CHECK = 200_000
"""Below this many quads HermiT's JVM runs its quick compiler only: half the CPU time for a
check of a second, where the optimising compiler would not pay for itself."""


class InconsistencyError(Exception):
    """The ontology and data contradict each other; `reasons` says how, in plain words."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("the graph is inconsistent with the ontology:\n  " + "\n  ".join(reasons))


class ReasonerUnavailableError(RuntimeError):
    """HermiT cannot run (no Java) or gave no verdict."""


def _label(store: Store, iri: str) -> str:
    rows = list(store.query(f"SELECT ?l WHERE {{ <{iri}> <{RDFS}label> ?l }} LIMIT 1"))
    return f"{rows[0]['l'].value} <{iri}>" if rows else f"<{iri}>"


def explain(quads: list[Quad]) -> list[str]:
    """Plain-word reasons for an inconsistency, from the axiom kinds the ontology uses."""
    store = Store()
    store.extend(Quad(q.subject, q.predicate, q.object, DefaultGraph()) for q in quads)
    reasons = []
    disjoint = f"""PREFIX owl: <{OWL}> PREFIX rdfs: <{RDFS}>
        SELECT DISTINCT ?x ?a ?b WHERE {{
          {{ ?a owl:disjointWith ?b }} UNION {{ ?b owl:disjointWith ?a }}
          ?x a/rdfs:subClassOf* ?a , ?b . FILTER (STR(?a) < STR(?b)) }}"""
    for row in store.query(disjoint):  # type: ignore[union-attr]
        x, a, b = (row[v].value for v in ("x", "a", "b"))
        reasons.append(
            f"{_label(store, x)} is both a {_label(store, a)} and a {_label(store, b)}, "
            f"which the ontology declares disjoint (owl:disjointWith)"
        )
    functional = f"""PREFIX owl: <{OWL}>
        SELECT ?x ?p ?v WHERE {{
          ?p a owl:FunctionalProperty , owl:DatatypeProperty . ?x ?p ?v .
          FILTER EXISTS {{ ?x ?p ?other FILTER (?other != ?v) }} }}"""
    clashes: dict[tuple[str, str], list[str]] = {}
    for row in store.query(functional):  # type: ignore[union-attr]
        clashes.setdefault((row["x"].value, row["p"].value), []).append(row["v"].value)
    for (x, p), values in sorted(clashes.items()):
        reasons.append(
            f"{_label(store, x)} has several values ({', '.join(sorted(values))}) for "
            f"{_label(store, p)}, which the ontology declares functional"
        )
    return reasons


DERIVING = frozenset({OWL + "propertyChainAxiom", OWL + "equivalentClass"})
NEGATIVE = frozenset(
    {
        OWL + "disjointWith",
        OWL + "propertyDisjointWith",
        OWL + "complementOf",
        OWL + "disjointUnionOf",
        OWL + "members",
        OWL + "maxCardinality",
        OWL + "maxQualifiedCardinality",
        OWL + "cardinality",
    }
)
NEGATIVE_TYPES = frozenset(
    {
        OWL + "FunctionalProperty",
        OWL + "InverseFunctionalProperty",
        OWL + "AsymmetricProperty",
        OWL + "IrreflexiveProperty",
    }
)


AXIOMS = DERIVING | NEGATIVE | {RDFS + "subClassOf", RDFS + "subPropertyOf", RDF + "type"}


def derivation_only(triples: Iterable[Triple]) -> set[Triple]:
    """The axioms HermiT can be spared: those that only derive, when nothing negative is near.

    Property chains and class definitions (our inferred terms) only add positive facts; they
    can take part in a contradiction only if some negative axiom (disjointness, functionality,
    complement, cardinality) concerns what they derive or its superclasses. When none does,
    leaving them out cannot hide an inconsistency, and it spares HermiT the work they cost,
    by far the larger part of its time. Otherwise nothing is left out.
    """
    axioms = [t for t in triples if t.predicate.value in AXIOMS]
    deriving = {t for t in axioms if t.predicate.value in DERIVING}
    derived = {t.subject for t in deriving}
    supers = {RDFS + "subClassOf", RDFS + "subPropertyOf"}
    while True:  # the superclasses and superproperties of what is derived are derived too
        more = {t.object for t in axioms if t.predicate.value in supers and t.subject in derived}
        if more <= derived:
            break
        derived |= more
    negative = any(
        (t.predicate.value in NEGATIVE and (t.subject in derived or t.object in derived))
        or (
            t.predicate.value == RDF + "type"
            and t.object.value in NEGATIVE_TYPES
            and t.subject in derived
        )
        for t in axioms
    )
    return set() if negative else deriving


class ConsistencyCheck:
    """HermiT at work on a snapshot of the quads; `result()` waits and raises on a clash."""

    def __init__(self, quads: list[Quad]) -> None:
        java = shutil.which(owlready2.JAVA_EXE)
        if java is None:
            raise ReasonerUnavailableError(
                "HermiT needs Java, and no `java` is on PATH: install a JRE "
                "(`make` does so with apt: default-jre-headless)"
            )
        self._quads = quads
        self._dir = tempfile.TemporaryDirectory(prefix="peacekg-hermit-")
        data = Path(self._dir.name) / "check.nt"
        skip = derivation_only(q.triple for q in quads if q.predicate.value in AXIOMS)
        serialize(
            (q.triple for q in quads if q.predicate.value not in DERIVING or q.triple not in skip),
            data,
            RdfFormat.N_TRIPLES,
        )
        # --ignoreUnsupportedDatatypes: HermiT does not know xsd:gYear, which dates use.
        command = [java, f"-Xmx{owlready2.reasoning.JAVA_MEMORY}M", "-cp", HERMIT_CLASSPATH]
        if len(quads) < QUICK_CHECK:  # a rebuild's few articles: the JIT costs more than it saves
            command.insert(1, "-XX:TieredStopAtLevel=1")
        command += ["org.semanticweb.HermiT.cli.CommandLine", "-k"]
        command += ["--ignoreUnsupportedDatatypes", data.as_uri()]
        # Its output goes to files, not pipes: nobody reads a pipe until the verdict is due,
        # and a full one would stall HermiT meanwhile.
        self._out, self._err = Path(self._dir.name) / "out", Path(self._dir.name) / "err"
        with open(self._out, "wb") as out, open(self._err, "wb") as err:
            self._process = subprocess.Popen(command, stdout=out, stderr=err)

    def result(self) -> None:
        """Wait for HermiT; raise InconsistencyError with reasons in plain words on a clash."""
        try:
            self._process.wait()
            out, err = self._out.read_bytes(), self._err.read_bytes()
        finally:
            self._dir.cleanup()
        if CONSISTENT in out:
            return
        if b"InconsistentOntologyException" in err:
            reasons = explain(self._quads)
            raise InconsistencyError(
                reasons or ["HermiT reports an inconsistency it does not explain"]
            )
        message = err.decode(errors="replace").strip().splitlines()[:3]
        raise ReasonerUnavailableError("HermiT failed: " + " / ".join(message or ["no output"]))

    def cancel(self) -> None:
        """Stop HermiT (the build failed elsewhere) and remove its input."""
        self._process.kill()
        self._process.wait()
        self._dir.cleanup()


def check_consistency(quads: list[Quad]) -> None:
    """Raise InconsistencyError if HermiT finds ontology + data inconsistent."""
    ConsistencyCheck(quads).result()
