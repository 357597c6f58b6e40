"""Compile one article's mapping (mappings/articles/<id>.yaml) into that article's named graph.

Each fact becomes a claim node derived from the article, carrying the Web Annotation that
locates its verbatim quote. Fact types are a closed table (`HANDLERS`): one small function each,
which reads its fields (rejecting unknown ones) and says what the claim asserts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from peacekg.errors import SourceError
from peacekg.fields import Fields
from peacekg.namespaces import OA, ORG, PROV, RDFS, SCHEMA, TIME, A, Namespaces, iri
from peacekg.ontology import Ontology
from peacekg.quotes import QuoteError, Span, locate
from peacekg.registry import Entity, Registry, source_line
from peacekg.seeds import Article
from peacekg.terms import (
    count_literal,
    date_literal,
    duration_literal,
    text_literal,
    time_property,
)
from peacekg.yamlsource import Located, load_mapping

FACT_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PERSON_UNITS = frozenset({"officer", "military-personnel", "peacekeeper"})
AGENTS = ("person", "unit")
ACTORS = ("person", "organization", "unit", "place", "group")


@dataclass
class Claim:
    """The quads of one fact under construction, with the helpers every handler needs."""

    ctx: ArticleContext
    f: Fields
    node: NamedNode
    quads: list[Quad] = field(default_factory=list)
    label: str = ""

    def add(
        self, predicate: str | NamedNode, obj: object, subject: NamedNode | None = None
    ) -> None:
        p = predicate if isinstance(predicate, NamedNode) else iri(predicate)
        self.quads.append(Quad(subject or self.node, p, obj, self.ctx.graph))  # type: ignore[arg-type]

    def pk(self, local: str) -> NamedNode:
        return self.ctx.ns.pk(local)

    def ref(self, key: str, kinds: tuple[str, ...], required: bool = True) -> Entity | None:
        return self.f.convert(key, lambda r: self.ctx.resolve(r, kinds), required)

    def refs(self, key: str, kinds: tuple[str, ...]) -> list[Entity]:
        entities = []
        for value in self.f.listing(key):
            try:
                entities.append(self.ctx.resolve(value, kinds))
            except ValueError as exc:
                raise self.f.error(f"field '{key}': {exc}") from None
        return entities

    def code(self, key: str, scheme: str, required: bool = True) -> NamedNode | None:
        def lookup(value: object) -> NamedNode:
            try:
                return self.ctx.ontology.code(scheme, str(value))
            except KeyError as exc:
                raise ValueError(exc.args[0]) from None

        return self.f.convert(key, lookup, required)

    def date(self, key: str) -> Literal | None:
        return self.f.convert(key, date_literal, required=False)

    def period(self, link: str | NamedNode) -> None:
        """start/end/duration as an OWL-Time interval (#period) linked by `link`."""
        start, end = self.date("start"), self.date("end")
        duration = self.f.convert("duration", duration_literal, required=False)
        if start is None and end is None and duration is None:
            return
        if start is not None and end is not None:
            # ISO dates of any precision compare as text on their common prefix.
            n = min(len(start.value), len(end.value))
            if start.value[:n] > end.value[:n]:
                raise self.f.error(f"start {start.value} is after end {end.value}")
        interval = iri(self.node.value + "#period")
        self.add(link, interval)
        self.add(A, iri(TIME + "ProperInterval"), interval)
        for name, value in (("start", start), ("end", end)):
            if value is not None:
                instant = iri(f"{self.node.value}#{name}")
                edge = "hasBeginning" if name == "start" else "hasEnd"
                self.add(TIME + edge, instant, interval)
                self.add(A, iri(TIME + "Instant"), instant)
                self.add(TIME + time_property(value), value, instant)
        if duration is not None:
            self.add(TIME + "hasXSDDuration", duration, interval)


class ArticleContext:
    """What compiling one article needs: its text, the registry, the ontology, the IRIs."""

    def __init__(
        self, article: Article, registry: Registry, ontology: Ontology, ns: Namespaces, root: Path
    ) -> None:
        self.article = article
        self.registry = registry
        self.ontology = ontology
        self.ns = ns
        self.root = root
        self.graph = ns.graph(f"article/{article.id}")
        self.article_iri = ns.id(f"article/{article.id}")
        self.referenced: set[str] = set()

    def resolve(self, ref: object, kinds: tuple[str, ...]) -> Entity:
        entity = self.registry.resolve(ref, kinds)
        self.referenced.add(entity.ref)
        return entity

    def source_line(self, node: Located) -> Literal:
        return source_line(node.path, node.line, self.root)


# ---------------------------------------------------------------- evidence


def _evidence(claim: Claim, annotation: NamedNode, span: Span, motivation: str) -> None:
    """A Web Annotation whose target is the quote: TextQuoteSelector + TextPositionSelector.

    Its nodes hang off the claim's (or mention's) IRI after '#', so any node leads back to
    the fact that made it.
    """
    ctx = claim.ctx
    owner = claim.node.value
    target = iri(owner + "#target")
    quote_sel = iri(owner + "#quote")
    position_sel = iri(owner + "#position")
    add = claim.add
    add(A, iri(OA + "Annotation"), annotation)
    add(OA + "motivatedBy", iri(OA + motivation), annotation)
    add(OA + "hasTarget", target, annotation)
    add(A, iri(OA + "SpecificResource"), target)
    add(OA + "hasSource", ctx.article_iri, target)
    add(OA + "hasSelector", quote_sel, target)
    add(OA + "hasSelector", position_sel, target)
    add(A, iri(OA + "TextQuoteSelector"), quote_sel)
    add(OA + "exact", Literal(span.exact), quote_sel)
    add(OA + "prefix", Literal(span.prefix), quote_sel)
    add(OA + "suffix", Literal(span.suffix), quote_sel)
    add(A, iri(OA + "TextPositionSelector"), position_sel)
    add(OA + "start", count_literal(span.start), position_sel)
    add(OA + "end", count_literal(span.end), position_sel)


def _span(f: Fields, text: str) -> Span:
    quote = f.raw("quote")
    if not isinstance(quote, str):
        raise f.error(f"field 'quote' must be text, got {quote!r}")
    occurrence = f.integer("occurrence", required=False)
    try:
        return locate(text, quote, occurrence)
    except QuoteError as exc:
        raise f.error(str(exc)) from None


# ---------------------------------------------------------------- fact handlers


def _deployment(c: Claim) -> None:
    member = c.ref("member", AGENTS)
    operation = c.ref("operation", ("operation",))
    assert member and operation
    c.add(A, c.pk("Deployment"))
    c.add(ORG + "member", member.iri)
    c.add(c.pk("inOperation"), operation.iri)
    if role := c.code("role", "role", required=False):
        c.add(ORG + "role", role)
    if rank := c.code("rank", "rank", required=False):
        c.add(c.pk("rank"), rank)
    c.period(ORG + "memberDuring")
    c.label = f"{member.label} in {operation.label}"


def _post(c: Claim) -> None:
    member = c.ref("member", ("person",))
    organization = c.ref("organization", ("organization", "unit", "place"))
    role = c.code("role", "role")
    assert member and organization
    c.add(A, c.pk("PostHolding"))
    c.add(ORG + "member", member.iri)
    c.add(ORG + "organization", organization.iri)
    c.add(ORG + "role", role)
    c.period(ORG + "memberDuring")
    c.label = f"{member.label}, {c.f.raw('role')}, {organization.label}"


def _rank(c: Claim) -> None:
    person = c.ref("person", ("person",))
    rank = c.code("rank", "rank")
    assert person
    c.add(A, c.pk("RankAttribution"))
    c.add(c.pk("person"), person.iri)
    c.add(c.pk("rank"), rank)
    c.label = f"{person.label}: {c.f.raw('rank')}"


def _figure(c: Claim) -> None:
    value = c.f.convert("value", count_literal)
    unit_key = c.f.raw("unit")
    unit = c.code("unit", "unit")
    kind = c.code("kind", "figure-kind")
    qualifier = c.code("qualifier", "qualifier", required=False) or c.ctx.ontology.code(
        "qualifier", "exactly"
    )
    c.add(A, c.pk("Figure"))  # asserted, not only inferred: queries need no reasoner
    if unit_key in PERSON_UNITS:
        c.add(A, c.pk("PersonnelFigure"))
    c.add(c.pk("value"), value)
    c.add(c.pk("unit"), unit)
    c.add(c.pk("figureKind"), kind)
    c.add(c.pk("qualifier"), qualifier)
    if contributor := c.ref("contributor", ("place", "organization", "unit"), required=False):
        c.add(c.pk("contributor"), contributor.iri)
    operations = c.refs("operations", ("operation",))
    for operation in operations:
        c.add(c.pk("operation"), operation.iri)
    for territory in c.refs("territories", ("place",)):
        c.add(c.pk("territory"), territory.iri)
    if since := c.date("since"):
        c.add(c.pk("since"), since)
    c.period(c.pk("period"))
    where = ", ".join(o.label for o in operations)
    c.label = f"{c.f.raw('kind')}: {value.value if value else ''} {unit_key}" + (
        f" ({where})" if where else ""
    )


def _event(c: Claim) -> None:
    kind = c.code("kind", "event-kind")
    label = c.f.text("label")
    c.add(A, c.pk("Event"))
    c.add(c.pk("eventKind"), kind)
    if when := c.date("date"):
        c.add(SCHEMA + "startDate", when)
    if place := c.ref("place", ("place",), required=False):
        c.add(SCHEMA + "location", place.iri)
    for participant in c.refs("participants", ACTORS):
        c.add(c.pk("participant"), participant.iri)
    for subject in c.refs("about", ("operation", "unit", "organization", "place")):
        c.add(c.pk("about"), subject.iri)
    c.label = label or ""


def _group(c: Claim) -> None:
    group = c.ref("group", ("group",))
    assert group
    c.add(A, c.pk("GroupClaim"))
    c.add(c.pk("group"), group.iri)
    for operation in c.refs("operations", ("operation",)):
        c.add(c.pk("operation"), operation.iri)
    for territory in c.refs("territories", ("place",)):
        c.add(c.pk("territory"), territory.iri)
    for key in c.f.listing("roles"):
        try:
            c.add(c.pk("role"), c.ctx.ontology.code("role", str(key)))
        except KeyError as exc:
            raise c.f.error(f"field 'roles': {exc.args[0]}") from None
    c.label = f"{group.label}: group claim"


def _hosting(c: Claim) -> None:
    operation = c.ref("operation", ("operation",))
    territories = c.refs("territories", ("place",))
    if not territories:
        raise c.f.error("missing field 'territories'")
    assert operation
    c.add(A, c.pk("HostingClaim"))
    c.add(c.pk("hostedOperation"), operation.iri)
    for territory in territories:
        c.add(c.pk("hostTerritory"), territory.iri)
    c.label = f"{operation.label} in {', '.join(t.label for t in territories)}"


def _classification(c: Claim) -> None:
    subject = c.ref("subject", (*ACTORS, "operation"))
    cls = c.f.text("class") or ""
    node = c.pk(cls.removeprefix("pk:"))
    if not cls.startswith("pk:") or node.value not in c.ctx.ontology.classes:
        raise c.f.error(f"class {cls!r} is not a pk: class declared in the ontology")
    assert subject
    c.add(A, c.pk("ClassificationClaim"))
    c.add(c.pk("subject"), subject.iri)
    c.add(c.pk("claimedClass"), node)
    c.label = f"{subject.label} called a {cls.removeprefix('pk:')}"


HANDLERS: dict[str, Callable[[Claim], None]] = {
    "deployment": _deployment,
    "post": _post,
    "rank": _rank,
    "figure": _figure,
    "event": _event,
    "group": _group,
    "hosting": _hosting,
    "classification": _classification,
}
"""Fact types that make a claim. `mention` (naming an entity) is handled apart: no claim node."""


def _dated(claim: Claim) -> None:
    """When the claim holds: its own as_of, else the article's date, else the article's bounds."""
    ctx, article = claim.ctx, claim.ctx.article
    as_of = claim.date("as_of")
    if as_of is None and article.published is not None:
        as_of = date_literal(article.published)
    if as_of is not None:
        claim.add(claim.pk("asOf"), as_of)
    elif article.bounds is not None:
        claim.add(ctx.ns.pk("asOfNotBefore"), date_literal(article.bounds.not_before))
        claim.add(ctx.ns.pk("asOfNotAfter"), date_literal(article.bounds.not_after))


def compile_fact(ctx: ArticleContext, node: object, parent: Located) -> list[Quad]:
    f = Fields(node, "fact", parent)
    fact_id = f.text("id") or ""
    if not FACT_ID.match(fact_id):
        raise f.error(f"fact id {fact_id!r} must be lower-case letters, digits and '-'")
    f.what = f"fact {fact_id!r}"
    kind = f.text("type") or ""
    span = _span(f, ctx.article.text)
    if kind == "mention":
        mention = Claim(ctx, f, ctx.ns.id(f"mention/{ctx.article.id}/{fact_id}"))
        entity = mention.ref("entity", (*ACTORS, "operation"))
        assert entity
        _evidence(mention, mention.node, span, "identifying")
        mention.add(OA + "hasBody", entity.iri)
        mention.add(ctx.ns.pk("mappingSource"), ctx.source_line(f.node))
        f.finish()
        return mention.quads
    handler = HANDLERS.get(kind)
    if handler is None:
        raise f.error(f"unknown fact type {kind!r}; allowed: mention, {', '.join(HANDLERS)}")
    claim = Claim(ctx, f, ctx.ns.id(f"claim/{ctx.article.id}/{fact_id}"))
    handler(claim)
    claim.add(A, claim.pk("Claim"))
    claim.add(PROV + "wasDerivedFrom", ctx.article_iri)
    if speaker := claim.ref("said_by", ("person", "organization", "unit"), required=False):
        claim.add(PROV + "wasAttributedTo", speaker.iri)
    _dated(claim)
    annotation = iri(claim.node.value + "#evidence")
    claim.add(claim.pk("evidence"), annotation)
    _evidence(claim, annotation, span, "describing")
    claim.add(OA + "hasBody", claim.node, annotation)
    if claim.label:
        claim.add(RDFS + "label", text_literal(claim.label))
    claim.add(ctx.ns.pk("mappingSource"), ctx.source_line(f.node))
    f.finish()
    return claim.quads


def compile_mapping(
    path: Path,
    articles: dict[str, Article],
    registry: Registry,
    ontology: Ontology,
    ns: Namespaces,
    root: Path,
) -> tuple[str, list[Quad], set[str]]:
    """Quads of one article graph, the article id, and the registry entries it referenced."""
    top = Fields(load_mapping(path, "an article's mapping"), "mapping")
    article_id = top.text("article") or ""
    if article_id not in articles:
        raise top.error(f"unknown article {article_id!r}; known: {', '.join(sorted(articles))}")
    ctx = ArticleContext(articles[article_id], registry, ontology, ns, root)
    quads: list[Quad] = []
    seen: dict[str, int] = {}
    facts = top.listing("facts")
    top.finish()
    if not facts:
        raise top.error("no facts")
    for node in facts:
        fact_id = node.get("id") if isinstance(node, dict) else None
        if isinstance(fact_id, str) and fact_id in seen:
            line = node.line if isinstance(node, Located) else top.node.line
            raise SourceError(
                path, line, f"duplicate fact id {fact_id!r} (first at line {seen[fact_id]})"
            )
        if isinstance(fact_id, str) and isinstance(node, Located):
            seen[fact_id] = node.line
        quads.extend(compile_fact(ctx, node, top.node))
    return article_id, quads, ctx.referenced
