"""IRIs: the W3C vocabularies we reuse, and the peacekg IRI scheme under a configurable base.

The IRI scheme, in full with what is stable in docs/iris.md:
  {base}ontology#Term              classes and properties
  {base}code/{scheme}/{key}        code-list members (ranks, roles, figure kinds, ...)
  {base}id/{kind}/{key}            entities: person, operation, organization, unit, place, group
  {base}id/article/{id}            source articles
  {base}id/claim/{article}/{id}    one claim of one article (#evidence, #valid, ... hang off it)
  {base}id/mention/{article}/{id}  an annotation naming an entity in an article
  {base}graph/{name}               named graphs: ontology, registry, metadata, article/{id},
                                   inferred
"""

from __future__ import annotations

from collections.abc import Mapping

from pyoxigraph import NamedNode

from peacekg.config import DEFAULT_BASE_IRI

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
TIME = "http://www.w3.org/2006/time#"
SCHEMA = "https://schema.org/"
OA = "http://www.w3.org/ns/oa#"
VANN = "http://purl.org/vocab/vann/"
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"

REUSED = {
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "org": ORG,
    "prov": PROV,
    "time": TIME,
    "schema": SCHEMA,
    "oa": OA,
    "vann": VANN,
    "wd": WD,
    "wdt": WDT,
}


def iri(value: str) -> NamedNode:
    return NamedNode(value)


A = iri(RDF + "type")


def prefixed_name(value: str, prefixes: Mapping[str, str]) -> str | None:
    """`prefix:local` for an IRI in one of the namespaces (the longest that matches, should one
    hold another), or None: people read `pk:Claim` where `<https://…#Claim>` hides the term."""
    for prefix, namespace in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
        if value.startswith(namespace):
            return f"{prefix}:{value[len(namespace) :]}"
    return None


class Namespaces:
    """The peacekg IRIs under one base; everything that mints an IRI goes through here."""

    def __init__(self, base: str = DEFAULT_BASE_IRI) -> None:
        self.base = base
        self.pk_ns = base + "ontology#"
        self.ontology = iri(base + "ontology")

    def pk(self, local: str) -> NamedNode:
        return iri(self.pk_ns + local)

    def code(self, scheme: str, key: str) -> NamedNode:
        return iri(f"{self.base}code/{scheme}/{key}")

    def id(self, path: str) -> NamedNode:
        return iri(f"{self.base}id/{path}")

    def graph(self, name: str) -> NamedNode:
        return iri(f"{self.base}graph/{name}")

    def prefixes(self) -> dict[str, str]:
        """Prefixes for serialisations and queries: reused vocabularies plus ours. Queries may
        use them without PREFIX lines (on /sparql, in the query UI and in `peacekg query`), as
        WDQS users use wd: and wdt:; the service description lists them."""
        ours = {
            "pk": self.pk_ns,
            "rank": f"{self.base}code/rank/",
            "role": f"{self.base}code/role/",
            "figkind": f"{self.base}code/figure-kind/",
            "qualifier": f"{self.base}code/qualifier/",
            "unit": f"{self.base}code/unit/",
            "eventkind": f"{self.base}code/event-kind/",
            "status": f"{self.base}code/status/",
            "linkstatus": f"{self.base}code/link-status/",
            "person": f"{self.base}id/person/",
            "operation": f"{self.base}id/operation/",
            "organization": f"{self.base}id/organization/",
            "place": f"{self.base}id/place/",
            "article": f"{self.base}id/article/",
        }
        return {**REUSED, **ours}

    def rebase(self, value: str) -> str:
        """Move an IRI written under the canonical base onto this base (for local serving)."""
        if self.base != DEFAULT_BASE_IRI and value.startswith(DEFAULT_BASE_IRI):
            return self.base + value[len(DEFAULT_BASE_IRI) :]
        return value
