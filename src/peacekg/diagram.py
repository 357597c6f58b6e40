"""Pictures generated from what they show, laid out by Graphviz, never drawn by hand.

The data model: the ontology's classes with their datatype properties, subclass links, and
object properties as labelled arrows from domain to range. The architecture: the package's
stages with their modules, and an arrow from a stage to each stage whose code it imports."""

from __future__ import annotations

import ast
import html
import shutil
import subprocess
from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF, RDFS

FILES = ("peacekg.ttl", "reused.ttl")
PK = "https://w3id.org/peacekg/ontology#"


def _name(graph: rdflib.Graph, term: rdflib.URIRef) -> str:
    label = graph.value(term, RDFS.label)
    if label is not None:
        return str(label)
    return graph.namespace_manager.normalizeUri(term)


def _classes(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    """Our classes, and the reused classes they specialise or link to."""
    ours = {
        c
        for c in graph.subjects(RDF.type, OWL.Class)
        if isinstance(c, rdflib.URIRef) and str(c).startswith(PK)
    }
    linked = {
        o for c in ours for o in graph.objects(c, RDFS.subClassOf) if isinstance(o, rdflib.URIRef)
    }
    for prop in graph.subjects(RDF.type, OWL.ObjectProperty):
        if str(prop).startswith(PK):
            linked |= {
                t
                for p in (RDFS.domain, RDFS.range)
                for t in graph.objects(prop, p)
                if isinstance(t, rdflib.URIRef)
            }
    return ours | {c for c in linked if (c, RDF.type, OWL.Class) in graph}


def diagram_dot(ontology_dir: Path) -> str:
    graph = rdflib.Graph()
    for name in FILES:
        graph.parse(ontology_dir / name, format="turtle")
    classes = _classes(graph)
    ids = {c: f"c{i}" for i, c in enumerate(sorted(classes))}
    lines = [
        "digraph peacekg {",
        ' graph [rankdir=LR, nodesep=0.2, ranksep=0.5, fontname="DejaVu Sans"];',
        ' node [shape=plaintext, fontname="DejaVu Sans", fontsize=10];',
        ' edge [fontname="DejaVu Sans", fontsize=8, color="#5b6570"];',
    ]
    for cls, node in ids.items():
        ours = str(cls).startswith(PK)
        fields = sorted(
            _name(graph, p)
            for p in graph.subjects(RDFS.domain, cls)
            if (p, RDF.type, OWL.DatatypeProperty) in graph
        )
        rows = "".join(f'<tr><td align="left">{html.escape(f)}</td></tr>' for f in fields)
        color = "#dbe7f3" if ours else "#eeeeee"
        lines.append(
            f' {node} [label=<<table border="1" cellborder="0" cellspacing="0" bgcolor="{color}">'
            f"<tr><td><b>{html.escape(_name(graph, cls))}</b></td></tr>{rows}</table>>];"
        )
    for cls, node in ids.items():
        for parent in graph.objects(cls, RDFS.subClassOf):
            if parent in ids:
                lines.append(f" {node} -> {ids[parent]} [arrowhead=onormal];")
    for prop in sorted(graph.subjects(RDF.type, OWL.ObjectProperty)):
        for domain in graph.objects(prop, RDFS.domain):
            for range_ in graph.objects(prop, RDFS.range):
                if domain in ids and range_ in ids and str(prop).startswith(PK):
                    label = _name(graph, prop)
                    lines.append(
                        f' {ids[domain]} -> {ids[range_]} [label="{label}", style=dashed];'
                    )
    lines.append("}")
    return "\n".join(lines)


STAGES = (
    "drafting",
    "inputs",
    "mapping",
    "build",
    "releases",
    "endpoint",
    "web",
    "publish",
    "wikidata",
)
"""The stages in the order data flows through them (releases is a module, the rest packages):
drafting first, since it writes the inputs (for a person to review) that the others read."""


def _imported_stages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
        found |= {n.split(".")[1] for n in names if n.startswith("peacekg.") and "." in n}
    return found & set(STAGES)


def architecture_dot(package: Path) -> str:
    """Stages as boxes listing their modules; an arrow A -> B where A's code imports B's."""
    lines = [
        "digraph architecture {",
        ' graph [rankdir=LR, nodesep=0.3, ranksep=0.6, fontname="DejaVu Sans"];',
        ' node [shape=plaintext, fontname="DejaVu Sans", fontsize=10];',
        ' edge [color="#5b6570"];',
    ]
    flows: set[tuple[str, str]] = set()
    for stage in STAGES:
        files = (
            [package / "releases.py"]
            if stage == "releases"
            else sorted(p for p in (package / stage).glob("*.py") if p.name != "__init__.py")
        )
        rows = "".join(f'<tr><td align="left">{html.escape(f.stem)}</td></tr>' for f in files)
        lines.append(
            f' {stage} [label=<<table border="1" cellborder="0" cellspacing="0" bgcolor="#dbe7f3">'
            f"<tr><td><b>{stage}</b></td></tr>{rows}</table>>];"
        )
        flows |= {(stage, used) for f in files for used in _imported_stages(f) if used != stage}
    lines += [f" {source} -> {target};" for source, target in sorted(flows)]
    lines.append("}")
    return "\n".join(lines)


class GraphvizMissingError(RuntimeError):
    """Graphviz's `dot` is not installed."""


def svg(dot_source: str) -> bytes:
    """Graphviz's SVG of a picture."""
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizMissingError("the diagram needs Graphviz: apt-get install graphviz")
    return subprocess.run(
        [dot, "-Tsvg"], input=dot_source.encode(), capture_output=True, check=True
    ).stdout


def diagram_svg(ontology_dir: Path) -> bytes:
    return svg(diagram_dot(ontology_dir))
