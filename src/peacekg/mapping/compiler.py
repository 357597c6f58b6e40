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

from peacekg.errors import InputError
from peacekg.inputs.fields import Fields
from peacekg.inputs.located import Located, load_mapping, source_line
from peacekg.inputs.ontology import Ontology
from peacekg.inputs.registry import Entity, Registry
from peacekg.inputs.seeds import Article
from peacekg.mapping.coverage import sentences
from peacekg.mapping.drafts import draft_entities, is_draft, review_fields
from peacekg.mapping.quotes import QuoteError, Span, locate
from peacekg.mapping.validity import Instant, Validity, parse_validity, reported
from peacekg.namespaces import OA, ORG, PROV, RDFS, SCHEMA, TIME, A, Namespaces, iri
from peacekg.terms import count_literal, date_literal, text_literal, time_property

FACT_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FACT_REF = re.compile(r"^(?:([a-z0-9][a-z0-9-]*)/)?([a-z0-9][a-z0-9-]*)$")
PERSON_UNITS = frozenset({"officer", "military-personnel", "peacekeeper"})
TIMED = frozenset({"deployment", "post", "rank", "figure", "event", "group"})
"""Fact types whose mapping must say when they hold; the others hold at publication."""
INTENDABLE = frozenset({"deployment", "figure", "event"})
"""Fact types that may state a plan, proposal or approval rather than a fact."""
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
    validity: Validity | None = None
    status: str = "actual"

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

    @property
    def actual(self) -> bool:
        return self.status == "actual"

    def roles(self, link: NamedNode) -> None:
        for key in self.f.listing("roles"):
            try:
                self.add(link, self.ctx.ontology.code("role", str(key)))
            except KeyError as exc:
                raise self.f.error(f"field 'roles': {exc.args[0]}") from None

    def interval(self) -> NamedNode:
        """The claim's validity as an OWL-Time interval (#valid) with exact or bounded instants."""
        v = self.validity
        assert v is not None
        interval = iri(self.node.value + "#valid")
        self.add(A, iri(TIME + "ProperInterval"), interval)
        self.add(self.pk("timeStatement"), Literal(v.statement), interval)
        for name, edge, instant in (
            ("start", "hasBeginning", v.start),
            ("end", "hasEnd", v.end),
            ("at", "inside", v.at),
        ):
            if instant is not None:
                node = iri(f"{self.node.value}#{name}")
                self.add(TIME + edge, node, interval)
                self._instant(node, instant)
        if v.duration is not None:
            self.add(TIME + "hasXSDDuration", v.duration, interval)
        return interval

    def _instant(self, node: NamedNode, instant: Instant) -> None:
        self.add(A, iri(TIME + "Instant"), node)
        if instant.exact is not None:
            self.add(TIME + time_property(instant.exact), instant.exact, node)
        if instant.not_before is not None:
            self.add(self.pk("notBefore"), instant.not_before, node)
        if instant.not_after is not None:
            self.add(self.pk("notAfter"), instant.not_after, node)


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
        self.fact_ids: frozenset[str] = frozenset()
        self.drafted: frozenset[str] = frozenset()
        """Entities only the mapping's draft_registry proposes: named in errors, never resolved."""
        self._sentences = sentences(article.text)

    def sentence_around(self, span: Span) -> tuple[int, str]:
        """The whole sentence(s) a quote stands in, and where they start: a reader checks a
        quote in its sentence, not in a few characters of context."""
        inside = [s for s in self._sentences if s.start < span.end and span.start < s.end]
        start = min([span.start, *(s.start for s in inside)])
        end = max([span.end, *(s.end for s in inside)])
        return start, self.article.text[start:end]

    def resolve(self, ref: object, kinds: tuple[str, ...]) -> Entity:
        if ref in self.drafted and ref not in self.registry.entities:
            raise ValueError(
                f"{ref!r} is only proposed in this mapping's draft_registry: move its entry "
                f"into {self.registry.path.name} first"
            )
        entity = self.registry.resolve(ref, kinds)
        self.referenced.add(entity.ref)
        return entity

    def source_line(self, node: Located) -> Literal:
        return source_line(node.path, node.line, self.root)


# ---------------------------------------------------------------- evidence


def _evidence(claim: Claim, annotation: NamedNode, span: Span, motivation: str) -> None:
    """A Web Annotation whose target is the quote: TextQuoteSelector + TextPositionSelector.

    Its nodes hang off the claim's (or mention's) IRI after '#' (docs/iris.md), so any node
    leads back to the fact that made it.
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
    start, text = ctx.sentence_around(span)
    add(ctx.ns.pk("sentence"), Literal(text), target)
    add(ctx.ns.pk("sentenceStart"), count_literal(start), target)


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
    """Service that happened is a pk:Deployment (a membership); a plan is a PlannedDeployment."""
    member = c.ref("member", AGENTS)
    operation = c.ref("operation", ("operation",))
    assert member and operation
    role = c.code("role", "role", required=False)
    rank = c.code("rank", "rank", required=False)
    if c.actual:
        c.add(A, c.pk("Deployment"))
        c.add(ORG + "member", member.iri)
        c.add(c.pk("inOperation"), operation.iri)
        c.add(ORG + "memberDuring", iri(c.node.value + "#valid"))
        c.label = f"{member.label} in {operation.label}"
    else:
        c.add(A, c.pk("PlannedDeployment"))
        c.add(c.pk("plannedMember"), member.iri)
        c.add(c.pk("operation"), operation.iri)
        c.label = f"{member.label} to {operation.label} ({c.status})"
    if role:
        c.add(ORG + "role" if c.actual else c.pk("role"), role)
    if rank:
        c.add(c.pk("rank"), rank)


def _post(c: Claim) -> None:
    member = c.ref("member", ("person",))
    organization = c.ref("organization", ("organization", "unit", "place"))
    role = c.code("role", "role")
    assert member and organization
    c.add(A, c.pk("PostHolding"))
    c.add(ORG + "member", member.iri)
    c.add(ORG + "organization", organization.iri)
    c.add(ORG + "role", role)
    c.add(ORG + "memberDuring", iri(c.node.value + "#valid"))
    c.label = f"{member.label}, {c.ctx.ontology.label(role)}, {organization.label}"


def _rank(c: Claim) -> None:
    person = c.ref("person", ("person",))
    rank = c.code("rank", "rank")
    assert person and rank
    c.add(A, c.pk("RankAttribution"))
    c.add(c.pk("person"), person.iri)
    c.add(c.pk("rank"), rank)
    c.label = f"{person.label}: {c.ctx.ontology.label(rank)}"


def _figure(c: Claim) -> None:
    value = c.f.convert("value", count_literal)
    unit_key = c.f.raw("unit")
    unit = c.code("unit", "unit")
    kind = c.code("kind", "figure-kind")
    qualifier = c.code("qualifier", "qualifier", required=False) or c.ctx.ontology.code(
        "qualifier", "exactly"
    )
    assert value and unit and kind
    kind_key = c.f.raw("kind")
    if kind_key == "currently-serving" and not c.actual:
        raise c.f.error(f"a count of those currently serving is actual, not {c.status}")
    if kind_key == "ceiling" and c.actual:
        raise c.f.error(
            "a ceiling ('up to') is never actual: give status approved, proposed or planned"
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
    c.roles(c.pk("role"))
    c.label = figure_label(c, int(value.value), qualifier, unit, kind, operations)


def figure_label(
    c: Claim,
    value: int,
    qualifier: NamedNode,
    unit: NamedNode,
    kind: NamedNode,
    operations: list[Entity],
) -> str:
    """English as an article would write it: 'more than 500 officers, running total (UNIFIL)'."""
    words = c.ctx.ontology.label
    bound = "" if qualifier.value.endswith("/exactly") else words(qualifier) + " "
    where = ", ".join(o.acronym or o.label for o in operations)
    status = "" if c.actual else f", {c.status}"
    return f"{bound}{value:,} {words(unit)}, {words(kind)}{status}" + (
        f" ({where})" if where else ""
    )


def _event(c: Claim) -> None:
    kind = c.code("kind", "event-kind")
    label = c.f.text("label")
    c.add(A, c.pk("Event"))
    c.add(c.pk("eventKind"), kind)
    v = c.validity
    assert v is not None
    when = (v.at and v.at.exact) or (v.start and v.start.exact)
    if when is not None:
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
    c.roles(c.pk("role"))
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


def _identity(c: Claim) -> None:
    entities = c.refs("entities", (*ACTORS, "operation"))
    if len({e.ref for e in entities}) < 2:
        raise c.f.error("an identity names two or more different entities in 'entities'")
    if not c.f.listing("derived_from"):
        raise c.f.error("an identity is derived: say from which facts in 'derived_from'")
    c.add(A, c.pk("IdentityClaim"))
    for entity in entities:
        c.add(c.pk("identifies"), entity.iri)
    c.label = " is the same as ".join(e.label for e in entities)


HANDLERS: dict[str, Callable[[Claim], None]] = {
    "deployment": _deployment,
    "post": _post,
    "rank": _rank,
    "figure": _figure,
    "event": _event,
    "group": _group,
    "hosting": _hosting,
    "classification": _classification,
    "identity": _identity,
}
"""Fact types that make a claim. `mention` (naming an entity) is handled apart: no claim node."""


def _timing(claim: Claim, kind: str) -> None:
    """When the claim was reported, when it holds (`when:`), and whether it happened (`status:`)."""
    f, article = claim.f, claim.ctx.article
    statement = f.raw("when", required=kind in TIMED)
    if statement is None:
        statement = "present"
    try:
        claim.validity = parse_validity(statement, article)
    except ValueError as exc:
        raise f.error(f"field 'when': {exc}") from None
    status = f.text("status", required=False) or "actual"
    code = claim.code("status", "status", required=False)
    if status == "intended" or (code is None and status != "actual"):
        raise f.error(
            f"field 'status': {status!r}; use actual, planned, scheduled, proposed or approved"
        )
    if status != "actual" and kind not in INTENDABLE:
        raise f.error(
            f"a {kind} is stated as actual; only {', '.join(sorted(INTENDABLE))} can be {status}"
        )
    if claim.validity.future and status == "actual":
        raise f.error(
            f"it holds only after publication ({claim.validity.statement}): that is a plan, "
            "not a fact; give status planned, scheduled, proposed or approved"
        )
    claim.status = status


def _stamp(claim: Claim) -> None:
    """Reported time, validity interval and status, once the handler has typed the claim."""
    at = reported(claim.ctx.article)
    if at.exact is not None:
        claim.add(claim.pk("reportedOn"), at.exact)
    else:
        claim.add(claim.pk("reportedNotBefore"), at.not_before)
        claim.add(claim.pk("reportedNotAfter"), at.not_after)
    claim.add(claim.pk("validDuring"), claim.interval())
    claim.add(claim.pk("status"), claim.ctx.ontology.code("status", claim.status))


def _derivation(claim: Claim) -> None:
    """`derived_from` (facts of this article, or `article/fact` of another) and its `rule`."""
    refs = claim.f.listing("derived_from")
    rule = claim.f.text("rule", required=bool(refs))
    if rule and not refs:
        raise claim.f.error("a 'rule' needs the facts it derives from in 'derived_from'")
    if not refs:
        return
    ctx = claim.ctx
    claim.add(A, claim.pk("DerivedClaim"))
    claim.add(claim.pk("derivationRule"), text_literal(rule or ""))
    for ref in refs:
        m = FACT_REF.match(str(ref))
        article_id, fact_id = (m.group(1), m.group(2)) if m else (None, None)
        article_id = article_id or ctx.article.id
        if m is None or (article_id == ctx.article.id and fact_id not in ctx.fact_ids):
            raise claim.f.error(
                f"field 'derived_from': {ref!r} is not a fact of this mapping "
                "(or 'article-id/fact-id' of another)"
            )
        target = ctx.ns.id(f"claim/{article_id}/{fact_id}")
        claim.add(PROV + "wasDerivedFrom", target)


def compile_fact(ctx: ArticleContext, node: object, parent: Located) -> list[Quad]:
    f = Fields(node, "fact", parent)
    fact_id = f.text("id") or ""
    if not FACT_ID.match(fact_id):
        raise f.error(f"fact id {fact_id!r} must be lower-case letters, digits and '-'")
    f.what = f"fact {fact_id!r}"
    kind = f.text("type") or ""
    span = _span(f, ctx.article.text)
    review_fields(f)
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
    _timing(claim, kind)
    handler(claim)
    claim.add(A, claim.pk("Claim"))
    claim.add(PROV + "wasDerivedFrom", ctx.article_iri)
    _derivation(claim)
    if speaker := claim.ref("said_by", ("person", "organization", "unit"), required=False):
        claim.add(PROV + "wasAttributedTo", speaker.iri)
    _stamp(claim)
    annotation = iri(claim.node.value + "#evidence")
    claim.add(claim.pk("evidence"), annotation)
    _evidence(claim, annotation, span, "describing")
    claim.add(OA + "hasBody", claim.node, annotation)
    if claim.label:
        claim.add(RDFS + "label", text_literal(claim.label))
    claim.add(ctx.ns.pk("mappingSource"), ctx.source_line(f.node))
    f.finish()
    return claim.quads


def check_draft(ctx: ArticleContext, node: object, parent: Located) -> None:
    """A draft fact is left out of the graph; only what a reviewer needs to find and judge it
    is checked: its id, its type and its quote."""
    f = Fields(node, "draft fact", parent)
    fact_id = f.text("id") or ""
    if not FACT_ID.match(fact_id):
        raise f.error(f"fact id {fact_id!r} must be lower-case letters, digits and '-'")
    f.what = f"draft fact {fact_id!r}"
    kind = f.text("type") or ""
    if kind != "mention" and kind not in HANDLERS:
        raise f.error(f"unknown fact type {kind!r}; allowed: mention, {', '.join(HANDLERS)}")
    _span(f, ctx.article.text)
    review_fields(f)


def check_waiver(node: object, text: str, parent: Located) -> Span:
    """A waived sentence: its quote (found in the article) and a reason it carries no fact."""
    f = Fields(node, "waiver", parent)
    span = _span(f, text)
    f.text("reason")
    f.finish()
    return span


def compile_mapping(
    path: Path,
    articles: dict[str, Article],
    registry: Registry,
    ontology: Ontology,
    ns: Namespaces,
    root: Path,
) -> tuple[str, list[Quad], set[str]]:
    """Quads of one article graph, the article id, and the registry entries it referenced.

    Draft facts (`review: draft`) are checked for shape and quote only and make no quads."""
    top = Fields(load_mapping(path, "an article's mapping"), "mapping")
    article_id = top.text("article") or ""
    if article_id not in articles:
        raise top.error(f"unknown article {article_id!r}; known: {', '.join(sorted(articles))}")
    ctx = ArticleContext(articles[article_id], registry, ontology, ns, root)
    quads: list[Quad] = []
    seen: dict[str, int] = {}
    facts = top.listing("facts")
    for waiver in top.listing("waived"):
        check_waiver(waiver, ctx.article.text, top.node)
    ctx.drafted = draft_entities(top)
    top.finish()
    if not facts:
        raise top.error("no facts")
    ctx.fact_ids = frozenset(
        n["id"] for n in facts if isinstance(n, dict) and isinstance(n.get("id"), str)
    )
    for node in facts:
        fact_id = node.get("id") if isinstance(node, dict) else None
        if isinstance(fact_id, str) and fact_id in seen:
            line = node.line if isinstance(node, Located) else top.node.line
            raise InputError(
                path, line, f"duplicate fact id {fact_id!r} (first at line {seen[fact_id]})"
            )
        if isinstance(fact_id, str) and isinstance(node, Located):
            seen[fact_id] = node.line
        if is_draft(node):
            check_draft(ctx, node, top.node)
        else:
            quads.extend(compile_fact(ctx, node, top.node))
    return article_id, quads, ctx.referenced
