"""SHACL validation (pySHACL over shapes/) and the closed-vocabulary check, with a readable report.

Each problem is reported with the focus node's label and the mapping file and line that made
it (pk:mappingSource of the node, or of the claim or mention it hangs off), so a curator can
go straight to the fix. Violations fail a build; warnings are printed and let it through.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyshacl
import pyshacl_turbo
import rdflib
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, serialize
from rdflib.namespace import SH

from peacekg.namespaces import OWL, RDF, RDFS, Namespaces, prefixed_name

SHAPES_FILE = "peacekg.shacl.ttl"
BUILT_IN = frozenset(
    {
        RDF + "type",
        RDF + "first",
        RDF + "rest",
        RDFS + "label",
        RDFS + "comment",
        RDFS + "subClassOf",
        RDFS + "subPropertyOf",
        RDFS + "domain",
        RDFS + "range",
        RDFS + "seeAlso",
        RDFS + "isDefinedBy",
        OWL + "versionIRI",
    }
)
DECLARATIONS = ("Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty")


@dataclass(frozen=True)
class Problem:
    severity: str  # "Violation" | "Warning" | "Info"
    focus: str
    label: str
    path: str
    message: str
    value: str
    source: str

    def __str__(self) -> str:
        where = self.source or "(no mapping source)"
        path = f" {self.path}:" if self.path else ""
        value = f" (value: {self.value})" if self.value else ""
        return f"{where}: {self.severity}: {self.label}{path} {self.message}{value}"


@dataclass(frozen=True)
class Report:
    problems: list[Problem]

    @property
    def violations(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "Violation"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def text(self) -> str:
        lines = [str(p) for p in sorted(self.problems, key=lambda p: (p.severity, p.source))]
        lines.append(f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s)")
        return "\n".join(lines)


class ValidationFailedError(Exception):
    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(report.text())


class _Describer:
    """Labels and mapping sources of nodes, looked up in the validated data."""

    def __init__(self, store: Store, ns: Namespaces) -> None:
        self.store = store
        self.source = NamedNode(ns.pk("mappingSource").value)
        self.label = NamedNode(RDFS + "label")

    def _first(self, node: str, predicate: NamedNode) -> str:
        for quad in self.store.quads_for_pattern(NamedNode(node), predicate, None):
            return quad.object.value
        return ""

    def describe(self, node: str) -> tuple[str, str]:
        if not node.startswith(("http://", "https://")):
            return node, ""
        owner = node.split("#", 1)[0]
        label = self._first(node, self.label) or self._first(owner, self.label) or f"<{node}>"
        source = self._first(node, self.source) or self._first(owner, self.source)
        return label, source


def _short(term: object, prefixes: dict[str, str]) -> str:
    return prefixed_name(str(term), prefixes) or str(term)


def _run_engine(union: Store, shapes: rdflib.Graph, engine: str) -> rdflib.Graph:
    """The SHACL results graph from one engine.

    pyshacl-turbo (a Rust engine with pySHACL's API) reads the Oxigraph store directly and is
    many times faster than pySHACL, with identical reports, which tests/test_shapes.py proves
    on the real graph and every bad example. pySHACL stays the reference; it reads rdflib's
    memory store, its fastest input (an Oxigraph-backed rdflib graph, oxrdflib, is slower).
    """
    if engine == "turbo":
        data: object = union
        run = pyshacl_turbo.validate
    elif engine == "pyshacl":
        triples = serialize((q.triple for q in union), format=RdfFormat.N_TRIPLES)
        data = rdflib.Graph().parse(data=triples, format="nt")
        run = pyshacl.validate
    else:
        raise ValueError(f"unknown SHACL engine {engine!r}")
    _conforms, results, _text = run(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    return results


def _shacl(
    union: Store, shapes: rdflib.Graph, ns: Namespaces, describer: _Describer, engine: str
) -> list[Problem]:
    results = _run_engine(union, shapes, engine)
    prefixes = ns.prefixes()
    problems = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        severity = results.value(result, SH.resultSeverity)
        label, source = describer.describe(str(focus))
        value = results.value(result, SH.value)
        problems.append(
            Problem(
                severity=str(severity).rsplit("#", 1)[-1],
                focus=str(focus),
                label=label,
                path=_short(path, prefixes) if isinstance(path, rdflib.URIRef) else "",
                message=str(results.value(result, SH.resultMessage) or "violates a shape"),
                value=_short(value, prefixes) if value is not None and value != focus else "",
                source=source,
            )
        )
    return problems


def _closed_vocabulary(quads: list[Quad], ns: Namespaces, describer: _Describer) -> list[Problem]:
    """Every class and property the data uses is declared by the ontology (ours or reused).

    One pass over the quads in Python (0.4 s at 1M): a SPARQL query would first need them all
    copied into a store with their graphs, which took 3 s more."""
    ontology = ns.graph("ontology")
    rdf_type = NamedNode(RDF + "type")
    declarations = {NamedNode(OWL + d) for d in DECLARATIONS}
    declared: set[Any] = set()  # terms (IRIs, or a blank node as a class)
    used: dict[tuple[Any, str], str] = {}  # (term, kind) -> an example subject
    for quad in quads:
        predicate, graph = quad.predicate, quad.graph_name
        if graph == ontology:
            if predicate == rdf_type and quad.object in declarations:
                declared.add(quad.subject)
            continue
        if isinstance(graph, DefaultGraph):  # the data is in named graphs; this is not data
            continue
        if (predicate, "property") not in used:
            used[predicate, "property"] = quad.subject.value
        if predicate == rdf_type and (quad.object, "class") not in used:
            used[quad.object, "class"] = quad.subject.value
    problems = []
    for (term, kind), example in used.items():
        if term in declared or term.value in BUILT_IN:
            continue
        label, source = describer.describe(example)
        problems.append(
            Problem(
                "Violation",
                example,
                label,
                "",
                f"uses the undeclared {kind} <{term.value}> "
                "(a typo? declare it in ontology/ or use a declared term)",
                "",
                source,
            )
        )
    return problems


def validate(quads: list[Quad], shapes_dir: Path, ns: Namespaces, engine: str = "turbo") -> Report:
    """Validate all the given graphs as one union, with the SHACL engine named."""
    triples = serialize((q.triple for q in quads), format=RdfFormat.N_TRIPLES)
    union = Store()  # all graphs' triples: through N-Triples, a third faster than new Quads
    union.load(triples, RdfFormat.N_TRIPLES)
    shapes = rdflib.Graph().parse(shapes_dir / SHAPES_FILE, format="turtle")
    describer = _Describer(union, ns)
    problems = _shacl(union, shapes, ns, describer, engine)
    return Report(problems + _closed_vocabulary(quads, ns, describer))
