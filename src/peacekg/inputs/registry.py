"""The entity registry (mappings/registry.yaml): who and what the articles speak of.

The registry fixes identity only: one IRI, class and canonical label per entity, plus links
that are proven (the Wikipedia article seen by the curators, and Wikidata items with the sources
that pairs them with the entity; docs/wikidata.md). Everything an article says about an entity
is a claim in that article's graph; the build checks that every entity is named by at least one
quote, so the registry holds nothing no article mentions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, Quad

from peacekg.errors import InputError
from peacekg.inputs.fields import Fields
from peacekg.inputs.located import Located, load_mapping, source_line
from peacekg.inputs.ontology import Ontology
from peacekg.namespaces import (
    DCTERMS,
    ORG,
    PROV,
    RDFS,
    REUSED,
    SCHEMA,
    SKOS,
    WD,
    A,
    Namespaces,
    iri,
)
from peacekg.terms import text_literal, typed

REGISTRY_FILE = "registry.yaml"
KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
QID = re.compile(r"^Q[1-9][0-9]*$")
WIKIPEDIA = "https://en.wikipedia.org/wiki/"
LINK_STATUS = "link-status"

SECTIONS: dict[str, tuple[str, str | None]] = {
    # section -> (reference prefix, default class or None when each entry must say)
    "persons": ("person", "schema:Person"),
    "operations": ("operation", None),
    "organizations": ("organization", None),
    "units": ("unit", "pk:MilitaryUnit"),
    "places": ("place", None),
    "groups": ("group", "pk:PersonGroup"),
}
REUSED_CLASSES = frozenset(
    {
        "schema:Person",
        "schema:Country",
        "schema:City",
        "schema:Place",
        "schema:Park",
        "org:FormalOrganization",
        "org:OrganizationalUnit",
    }
)


@dataclass(frozen=True)
class EvidenceSource:
    """One document that pairs a Wikidata item with the entity: its title (or address), the
    label it gives the entity, and where it can be had, if it has an address."""

    document: str
    matched: str
    url: str | None = None


@dataclass(frozen=True)
class WikidataLink:
    """An entity's skos:exactMatch to a Wikidata item, with what proves it, so it can be audited."""

    qid: str
    status: str
    sources: tuple[EvidenceSource, ...]
    checked: dt.date
    note: str | None = None
    """What else a reviewer should know (e.g. the item it must not be confused with)."""
    line: int = 0
    """The line of the block's first field in registry.yaml (0 for a link not yet written)."""

    @property
    def iri(self) -> NamedNode:
        return iri(WD + self.qid)


@dataclass(frozen=True)
class Entity:
    ref: str
    iri: NamedNode
    label: str
    cls: str
    node: Located
    acronym: str | None = None
    alt_labels: tuple[str, ...] = ()
    wikipedia: str | None = None
    wikidata: WikidataLink | None = None


class Registry:
    def __init__(self, entities: dict[str, Entity], quads: list[Quad], path: Path) -> None:
        self.entities = entities
        self.quads = quads
        self.path = path

    def resolve(self, ref: object, kinds: tuple[str, ...] | None = None) -> Entity:
        """The entity for `kind/key`; ValueError (with the reason) for anything else."""
        if not isinstance(ref, str) or ref not in self.entities:
            near = [r for r in self.entities if isinstance(ref, str) and r.split("/")[-1] in ref]
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ValueError(f"unknown entity {ref!r} (not in {self.path.name}){hint}")
        entity = self.entities[ref]
        kind = ref.split("/", 1)[0]
        if kinds and kind not in kinds:
            raise ValueError(f"{ref!r} is a {kind}, expected one of: {', '.join(kinds)}")
        return entity


def _class_iri(curie: str, ns: Namespaces, ontology: Ontology) -> NamedNode:
    prefix, _, local = curie.partition(":")
    if prefix == "pk":
        node = ns.pk(local)
        if node.value not in ontology.classes:
            raise ValueError(f"class {curie!r} is not declared in the ontology")
        return node
    if curie in REUSED_CLASSES:
        return iri(REUSED[prefix] + local)
    raise ValueError(
        f"class {curie!r} is neither pk:… nor one of {', '.join(sorted(REUSED_CLASSES))}"
    )


def _qid(value: object) -> str:
    """A Wikidata item id as the registry must write it; ValueError says why anything else fails."""
    if isinstance(value, str) and QID.match(value):
        return value
    raise ValueError(f"{value!r} is not a Wikidata item id (Q and digits, no leading zero: Q232)")


def _wikipedia_url(value: object) -> str:
    if isinstance(value, str) and value.startswith(WIKIPEDIA) and len(value) > len(WIKIPEDIA):
        return value
    raise ValueError(f"must be an English Wikipedia article URL ({WIKIPEDIA}…), got {value!r}")


def _checked_date(value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise ValueError(f"expected the date it was checked, YYYY-MM-DD, got {value!r}")


def _wikidata_link(entry: Fields, ontology: Ontology) -> WikidataLink | None:
    """The entry's `wikidata:` block: every field required, the QID and status validated."""
    node = entry.raw("wikidata", required=False)
    if node is None:
        return None
    f = Fields(node, f"{entry.what}: wikidata", entry.node)

    def status(value: object) -> str:
        try:
            ontology.code(LINK_STATUS, str(value))
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None
        return str(value)

    link = WikidataLink(
        qid=f.convert("qid", _qid) or "",
        status=f.convert("status", status) or "",
        sources=tuple(_evidence_source(node, f) for node in f.listing("sources")),
        checked=f.convert("checked", _checked_date) or dt.date.min,
        note=f.text("note", required=False),
        line=f.node.line,
    )
    f.finish()
    if not link.sources:
        raise f.error("a link needs the documents that pair the item with the entity: 'sources'")
    return link


def _evidence_source(node: object, link: Fields) -> EvidenceSource:
    f = Fields(node, "source", link.node)
    source = EvidenceSource(
        document=f.text("document") or "", matched=f.text("matched") or "", url=f.text("url", False)
    )
    f.finish()
    return source


def _link_quads(
    entity: Entity, link: WikidataLink, ns: Namespaces, ontology: Ontology, root: Path
) -> list[Quad]:
    """The entity's skos:exactMatch and the pk:WikidataLink record that documents it."""
    graph = ns.graph("registry")
    record = iri(f"{entity.iri.value}#wikidata")
    quads = [
        Quad(entity.iri, iri(SKOS + "exactMatch"), link.iri, graph),
        Quad(record, A, ns.pk("WikidataLink"), graph),
        Quad(record, ns.pk("linkSubject"), entity.iri, graph),
        Quad(record, ns.pk("linkTarget"), link.iri, graph),
        Quad(record, ns.pk("linkStatus"), ontology.code(LINK_STATUS, link.status), graph),
        Quad(record, ns.pk("checkedOn"), typed(link.checked.isoformat(), "date"), graph),
        Quad(record, ns.pk("mappingSource"), source_line(entity.node.path, link.line, root), graph),
    ]
    if link.note:
        quads.append(Quad(record, iri(RDFS + "comment"), text_literal(link.note), graph))
    for number, source in enumerate(link.sources, start=1):
        node = iri(f"{entity.iri.value}#wikidata-source-{number}")
        quads += [
            Quad(record, ns.pk("linkSource"), node, graph),
            Quad(node, A, ns.pk("EvidenceSource"), graph),
            Quad(node, iri(DCTERMS + "title"), text_literal(source.document, None), graph),
            Quad(node, ns.pk("matchedLabel"), text_literal(source.matched, None), graph),
            Quad(node, iri(DCTERMS + "date"), typed(link.checked.isoformat(), "date"), graph),
        ]
        if source.url:
            quads.append(Quad(node, iri(SCHEMA + "url"), iri(source.url), graph))
    return quads


def load_registry(
    mappings_dir: Path, ns: Namespaces, ontology: Ontology, root: Path, cache: Path | None = None
) -> Registry:
    """The registry's entities and the quads of its graph; InputError at the first problem.
    With `cache`, its parse is kept there (`load_yaml`)."""
    path = mappings_dir / REGISTRY_FILE
    entries = _entries(path, cache)
    entities: dict[str, Entity] = {}
    for kind, f in entries:
        entity = _entity(kind, f, entities, ns, ontology)
        entities[entity.ref] = entity
    _check_one_entity_per_item(entities, path)
    registry = Registry(entities, [], path)
    for _kind, f in entries:
        registry.quads.extend(_entity_quads(entities[f.what], f, registry, ns, ontology, root))
        f.finish()
    if not entities:
        raise InputError(path, 1, "the registry has no entities")
    return registry


def _entries(path: Path, cache: Path | None = None) -> list[tuple[str, Fields]]:
    """Each entry of each section, with the kind of entity the section holds."""
    doc = Fields(load_mapping(path, "the registry", cache), "registry")
    entries = [
        (kind, Fields(node, f"{kind} entry", doc.node))
        for section, (kind, _default) in SECTIONS.items()
        for node in doc.listing(section)
    ]
    doc.finish()
    return entries


def _entity(
    kind: str, f: Fields, known: dict[str, Entity], ns: Namespaces, ontology: Ontology
) -> Entity:
    """One entry's identity; from here on `f.what` names it (`kind/id`) in errors."""
    key = f.text("id") or ""
    if not KEY.match(key):
        raise f.error(f"id {key!r} must be lower-case letters, digits and '-'")
    ref = f"{kind}/{key}"
    if ref in known:
        raise f.error(f"duplicate id {ref!r} (first at line {known[ref].node.line})")
    default = dict(SECTIONS.values())[kind]
    curie = f.text("class", required=default is None) or default
    assert curie is not None
    f.what = ref
    return Entity(
        ref,
        ns.id(ref),
        f.text("label") or "",
        curie,
        f.node,
        acronym=f.text("acronym", required=False),
        alt_labels=tuple(str(alt) for alt in f.listing("alt_labels")),
        wikipedia=f.convert("wikipedia", _wikipedia_url, required=False),
        wikidata=_wikidata_link(f, ontology),
    )


def _check_one_entity_per_item(entities: dict[str, Entity], path: Path) -> None:
    """A Wikidata item is the exactMatch of at most one entity: two would be one thing."""
    linked: dict[str, Entity] = {}
    for entity in entities.values():
        if link := entity.wikidata:
            if first := linked.get(link.qid):
                raise InputError(
                    path,
                    link.line,
                    f"{entity.ref}: {link.qid} is already linked from {first.ref} (line "
                    f"{first.node.line}); one Wikidata item can be the exactMatch of one entity",
                )
            linked[link.qid] = entity


def _entity_quads(
    entity: Entity, f: Fields, registry: Registry, ns: Namespaces, ontology: Ontology, root: Path
) -> list[Quad]:
    """What the registry graph says of one entity: its class, names and proven links."""
    graph = ns.graph("registry")
    quads: list[Quad] = []

    def add(p: str | NamedNode, o: object) -> None:
        predicate = p if isinstance(p, NamedNode) else iri(p)
        quads.append(Quad(entity.iri, predicate, o, graph))  # type: ignore[arg-type]

    cls = f.convert("class", lambda c: _class_iri(c, ns, ontology), required=False)
    add(A, cls or _class_iri(entity.cls, ns, ontology))
    add(ns.pk("mappingSource"), source_line(f.node.path, f.node.line, root))
    add(RDFS + "label", text_literal(entity.label))
    add(SKOS + "prefLabel", text_literal(entity.label))
    if entity.acronym:
        add(ns.pk("acronym"), text_literal(entity.acronym, None))
    for alt in entity.alt_labels:
        add(SKOS + "altLabel", text_literal(alt))
    if entity.wikipedia:
        add(SCHEMA + "sameAs", iri(entity.wikipedia))
    if entity.wikidata:
        quads.extend(_link_quads(entity, entity.wikidata, ns, ontology, root))
    if note := f.text("note", required=False):
        add(SKOS + "editorialNote", text_literal(note))
    return quads + _relation_quads(entity, f, registry, ns)


def _relation_quads(entity: Entity, f: Fields, registry: Registry, ns: Namespaces) -> list[Quad]:
    """The entity's links to other entities, each of which must be in the registry."""
    relations = (  # field, predicate, the kinds of entity it may name
        ("unit_of", iri(ORG + "unitOf"), ("organization", "unit")),
        ("sub_organization_of", iri(ORG + "subOrganizationOf"), ("organization",)),
        ("contributing_country", ns.pk("contributingCountry"), ("place",)),
        ("located_in", iri(SCHEMA + "containedInPlace"), ("place",)),
    )
    graph = ns.graph("registry")
    quads: list[Quad] = []
    for field, predicate, kinds in relations:
        target = f.convert(field, lambda r, k=kinds: registry.resolve(r, k), required=False)
        if target is not None:
            quads.append(Quad(entity.iri, predicate, target.iri, graph))
    for member in f.listing("members"):
        try:
            person = registry.resolve(member, ("person",))
        except ValueError as exc:
            raise f.error(f"members: {exc}") from None
        quads.append(Quad(entity.iri, iri(PROV + "hadMember"), person.iri, graph))
    return quads
