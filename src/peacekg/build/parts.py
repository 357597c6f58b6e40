"""The dataset as parts, so that a rebuild does work in proportion to what changed.

A release's quads are a sequence of parts, each kept as N-Quads bytes, in the order of the
dumps:

  ontology, registry      the shared graphs, read again by every build
  metadata/<id>           one article's node in the metadata graph (articles.yaml order)
  article/<id>            one article's graph (the mappings' order)
  inferred                the inferred graph, its lines sorted

An article's two parts come from the cache, keyed by its inputs (peacekg.build.cache), with a
`Summary` of them: what its graph entails with the shared graphs (reasoning per article), and
what the checks and the statistics need, so that an unchanged article is never parsed again.
`State` carries the sums of the summaries from one build to the next, so that a rebuild
subtracts the old summaries of the articles that changed and adds the new ones.

All of this holds only while the articles' parts are independent of one another; the build
checks that (`problems`) and otherwise makes the release the whole-graph way:

- every subject of an article's parts is one of its own nodes (`Owners`): then no triple is in
  two graphs, so the union dumps and the triple count can be summed part by part;
- no article states an axiom the rules read, and nothing it entails is about another
  article's node;
- no rule joins data of two articles (`Joins`): the rules with two data patterns join through
  a node ?y, so an article whose triple may join, as the first pattern, through another
  article's node is refused outright, and a shared node (a person, a rank) must not be joined
  as first pattern in one article and second in another (`State.conflicts`). Then what all
  graphs entail together is the union of what each article entails with the shared graphs
  (`peacekg.build.reasoning.materialise_each`).
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, serialize

from peacekg.build.reasoning import AXIOM_PREDICATES, TRANSITIVE, Joins
from peacekg.files import write_atomically
from peacekg.namespaces import PROV, RDF, Namespaces

STATE_VERSION = 1
ESCAPED = re.compile(r"[~.!$&'()*+,;=/?#@%]")
"""Characters a Turtle local name must escape (PN_LOCAL_ESC), beyond a name's own letters."""
TYPE = RDF + "type"
DERIVED_FROM = PROV + "wasDerivedFrom"
OWN_KINDS = ("claim", "mention")
"""Kinds of node minted per article under {base}id/<kind>/<article>/..., with its node
{base}id/article/<article>."""


def nquads(quads: Iterable[Quad]) -> bytes:
    """N-Quads of the quads, each once, in their order (a quad is its line: the lines are
    compared, which is much faster than the quads)."""
    lines = (serialize(quads, format=RdfFormat.N_QUADS) or b"").splitlines(keepends=True)
    return b"".join(dict.fromkeys(lines))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Owners:
    """Which article a node belongs to, by its IRI (docs/iris.md), or None: a shared node."""

    def __init__(self, ns: Namespaces) -> None:
        self._prefix = ns.id("").value

    def of(self, iri: str) -> str | None:
        if not iri.startswith(self._prefix):
            return None
        kind, _, rest = iri[len(self._prefix) :].partition("/")
        if kind == "article":
            return rest or None
        if kind in OWN_KINDS:
            article, slash, _ = rest.partition("/")
            return article if slash and article else None
        return None


@dataclass(frozen=True)
class Summary:
    """One article's parts as the build needs them once they are written: sizes and digests,
    what it entails with the shared graphs, and what the checks and statistics read."""

    graph: str
    """SHA-256 of the article graph's N-Quads."""
    graph_quads: int
    metadata: str
    """SHA-256 of its node's N-Quads in the metadata graph."""
    metadata_quads: int
    digest: str
    """The article's digest in the manifest (`peacekg.build.content`)."""
    derived: tuple[bytes, ...]
    """N-Quads lines (inferred graph) of what it entails with the shared graphs, sorted."""
    classes: frozenset[str]
    properties: frozenset[str]
    references: frozenset[str]
    """The registry entries its mapping names."""
    sources: frozenset[str]
    """Its claims (nodes with a pk:mappingSource), which other articles may derive from."""
    derivations: tuple[tuple[str, str], ...]
    """(claim of another article or of this one it derives from, mapping source of the
    claim that does)."""
    out_shared: frozenset[str]
    """Shared nodes it may join through as a two-pattern rule's first pattern."""
    in_shared: frozenset[str]
    """Shared nodes it may join through as the second."""
    unplain: frozenset[str]
    """Prefix namespaces under which one of its IRIs is no plain prefixed name."""
    problem: str | None
    """Why its graph cannot be reasoned and written on its own (None: it can)."""


def unplain(iris: Iterable[str], prefixes: dict[str, str]) -> frozenset[str]:
    """The namespaces of `prefixes` under which one of the IRIs would need an escape (see
    `peacekg.build.dumps.plain_prefixes`, which this sums part by part)."""
    under, within = _namespaces(frozenset(prefixes.values()))
    found = set()
    for iri in iris:
        # most IRIs are under no namespace: one regular expression says so, and names the
        # longest one they are under (the shorter ones it is under are listed in `within`)
        if match := under.match(iri):
            for namespace in within[match.group(0)]:
                if ESCAPED.search(iri, len(namespace)):
                    found.add(namespace)
    return frozenset(found)


@functools.lru_cache(maxsize=4)
def _namespaces(namespaces: frozenset[str]) -> tuple[re.Pattern[str], dict[str, list[str]]]:
    longest = sorted(namespaces, key=len, reverse=True)
    within = {n: [m for m in longest if n.startswith(m)] for n in longest}
    return re.compile("|".join(map(re.escape, longest)) or "(?!)"), within


def iris(quads: Iterable[Quad]) -> set[str]:
    return {
        t.value
        for q in quads
        for t in (q.subject, q.predicate, q.object, q.graph_name)
        if isinstance(t, NamedNode)
    }


def summarise_article(
    article_id: str,
    graph: bytes,
    metadata: bytes,
    quads: list[Quad],
    derived: list[Quad],
    references: Iterable[str],
    context: Context,
) -> Summary:
    """The summary of an article's parts: `graph` and `metadata` are their N-Quads, `quads`
    both parts' quads, `derived` what they entail with the shared graphs.

    It reads the N-Quads lines rather than the quads: a full build summarises a million of
    them, and a line's terms are read in bulk by a regular expression where each term of a
    quad would be a Python object made on demand (the quads stand in if a line is not read)."""
    derived_data = nquads(derived)
    rows, extra = _rows(graph + metadata, quads), _rows(derived_data, derived)
    claims = f"<{context.ns.id('claim/').value}".encode()
    source, derived_from = _iri(context.ns.pk("mappingSource").value), _iri(DERIVED_FROM)
    where = {s: _literal(o) for s, p, o, _ in rows if p == source}
    problem, out_shared, in_shared = _independence(article_id, rows, extra, context)
    lines = [line[:-3] for line in (graph + metadata).splitlines(keepends=True) if line]
    everything = (*rows, *extra)
    return Summary(
        graph=sha256(graph),
        graph_quads=graph.count(b"\n"),
        metadata=sha256(metadata),
        metadata_quads=metadata.count(b"\n"),
        digest=_lines_digest(lines),
        derived=tuple(derived_data.splitlines(keepends=True)),
        classes=frozenset(_value(o) for _, p, o, _ in everything if p == _TYPE and o[:1] == b"<"),
        properties=frozenset(_value(p) for p in {row[1] for row in everything}),
        references=frozenset(references),
        sources=frozenset(_value(s) for s in where if s.startswith(claims)),
        derivations=tuple(
            (_value(o), where.get(s, ""))
            for s, p, o, _ in rows
            if p == derived_from and o.startswith(claims)
        ),
        out_shared=out_shared,
        in_shared=in_shared,
        unplain=unplain(
            (_value(t) for t in {t for row in rows for t in row if t[:1] == b"<"}),
            context.prefixes,
        ),
        problem=problem,
    )


_Row = tuple[bytes, bytes, bytes, bytes]
LINE = re.compile(
    rb"^(<[^>]*>|_:\S+) (<[^>]*>) "
    rb'(<[^>]*>|_:\S+|"[^"\\\n]*(?:\\.[^"\\\n]*)*"(?:\^\^<[^>]*>|@[A-Za-z0-9-]+)?)'
    rb" (<[^>]*>) \.$",
    re.MULTILINE,
)
"""One N-Quads line as Oxigraph writes it: subject, predicate, object, graph (named)."""


def _rows(data: bytes, quads: list[Quad]) -> list[_Row]:
    """The terms of each N-Quads line, as written (`<iri>`, `_:id`, `"literal"...`)."""
    rows: list[_Row] = LINE.findall(data)
    if len(rows) == data.count(b"\n"):
        return rows
    return [tuple(str(t).encode() for t in q) for q in quads]  # type: ignore[misc]


def _iri(iri: str) -> bytes:
    return f"<{iri}>".encode()


def _value(term: bytes) -> str:
    """An IRI's value, from its N-Quads term."""
    return term[1:-1].decode()


def _literal(term: bytes) -> str:
    """A plain literal's text, from its N-Quads term."""
    return term[1 : term.rindex(b'"')].decode() if term[:1] == b'"' else term.decode()


_TYPE = _iri(TYPE)
_TRANSITIVE = _iri(TRANSITIVE)
_AXIOMS = frozenset(_iri(p) for p in AXIOM_PREDICATES)


def _lines_digest(lines: Iterable[bytes]) -> str:
    """As `peacekg.build.content._lines_digest`, of N-Quads lines without their ` .`."""
    h = hashlib.sha256()
    for line in sorted(lines):
        h.update(line)
    return h.hexdigest()


@dataclass(frozen=True)
class Context:
    """What summarising an article needs from the build."""

    ns: Namespaces
    owners: Owners
    joins: Joins
    prefixes: dict[str, str]

    @functools.cached_property
    def terms(self) -> tuple[frozenset[bytes], frozenset[bytes], frozenset[bytes]]:
        """`joins` as N-Quads terms: first, second, classes."""
        joins = self.joins
        return (
            frozenset(map(_iri, joins.first)),
            frozenset(map(_iri, joins.second)),
            frozenset(map(_iri, joins.classes)),
        )


def _independence(
    article_id: str, rows: list[_Row], derived: list[_Row], context: Context
) -> tuple[str | None, frozenset[str], frozenset[str]]:
    """Why the article's graph cannot be reasoned on its own (or None), and the shared nodes
    it may join through as a first and as a second pattern (see the module's docstring)."""
    owners = context.owners
    first, second, classes = context.terms
    none: frozenset[str] = frozenset()
    subjects = {row[0] for row in rows}
    if any(s[:2] == b"_:" for s in subjects) or any(row[2][:2] == b"_:" for row in rows):
        return f"{article_id} has a blank node", none, none
    for subject in subjects:
        if owners.of(_value(subject)) != article_id:
            return f"{_value(subject)} in {article_id} is not one of its nodes", none, none
    for subject in {row[0] for row in derived}:
        if owners.of(_value(subject)) not in (None, article_id):
            return f"{article_id} entails a triple about {_value(subject)}", none, none
    out_shared: set[str] = set()
    in_shared: set[str] = set()
    for s, p, o, _ in (*rows, *derived):
        if p in _AXIOMS or (p == _TYPE and o == _TRANSITIVE):
            return f"{article_id} states an axiom: {_value(s)} {_value(p)}", none, none
        if p in first and o[:1] == b"<":
            owner = owners.of(_value(o))
            if owner is None:
                out_shared.add(_value(o))
            elif owner != article_id:
                return f"{article_id} joins another article: {_value(p)} {_value(o)}", none, none
        if (p in second or (p == _TYPE and o in classes)) and owners.of(_value(s)) is None:
            in_shared.add(_value(s))
    return None, frozenset(out_shared), frozenset(in_shared)


@dataclass(frozen=True)
class Record:
    """What the state keeps of an article: its cache key, its parts' files as they were
    (`ArticleCache.signature`), and its summary's figures."""

    key: str
    signature: tuple[int, ...] | None
    mapping: tuple[tuple[int, ...], bytes]
    """Its mapping file's signature and SHA-256: unchanged, its key needs no reading."""
    graph: str
    graph_quads: int
    metadata: str
    metadata_quads: int
    digest: str


@dataclass
class State:
    """The sums of the articles' summaries at the end of the last build that wrote parts, and
    the content of the release it made: a rebuild subtracts the old summaries of what changed
    and adds the new ones (`remove`, `add`) instead of reading every article again."""

    version: int = STATE_VERSION
    content: str = ""
    """The content digest of the release this state describes."""
    shared: dict[str, str] = field(default_factory=dict)
    """Digests of the shared parts, of their canonical lines and of the inferred graph, by
    name (peacekg.build.incremental.Layout.shared)."""
    buckets: list[tuple[bytes, str]] | None = None
    """The release's sorted lines as files (peacekg.build.content.digest_of_parts)."""
    articles: dict[str, Record] = field(default_factory=dict)
    classes: Counter[str] = field(default_factory=Counter)
    properties: Counter[str] = field(default_factory=Counter)
    references: Counter[str] = field(default_factory=Counter)
    unplain: Counter[str] = field(default_factory=Counter)
    derived: Counter[bytes] = field(default_factory=Counter)
    out_shared: dict[str, set[str]] = field(default_factory=dict)
    in_shared: dict[str, set[str]] = field(default_factory=dict)
    derivations: dict[str, dict[str, str]] = field(default_factory=dict)
    """Claim derived from -> article deriving it -> mapping source of the deriving claim."""

    def add(
        self,
        article_id: str,
        key: str,
        signature: tuple[int, ...] | None,
        summary: Summary,
        mapping: tuple[tuple[int, ...], bytes] = ((), b""),
    ) -> None:
        self.articles[article_id] = Record(
            key,
            signature,
            mapping,
            summary.graph,
            summary.graph_quads,
            summary.metadata,
            summary.metadata_quads,
            summary.digest,
        )
        self._count(article_id, summary, 1)

    def remove(self, article_id: str, summary: Summary) -> None:
        del self.articles[article_id]
        self._count(article_id, summary, -1)

    def _count(self, article_id: str, summary: Summary, sign: int) -> None:
        for counter, items in (
            (self.classes, summary.classes),
            (self.properties, summary.properties),
            (self.references, summary.references),
            (self.unplain, summary.unplain),
        ):
            _step(counter, items, sign)
        _step(self.derived, summary.derived, sign)
        for index, nodes in (
            (self.out_shared, summary.out_shared),
            (self.in_shared, summary.in_shared),
        ):
            for node in nodes:
                holders = index.setdefault(node, set())
                if sign > 0:
                    holders.add(article_id)
                else:
                    holders.discard(article_id)
                    if not holders:
                        del index[node]
        for target, where in summary.derivations:
            deriving = self.derivations.setdefault(target, {})
            if sign > 0:
                deriving[article_id] = where
            else:
                deriving.pop(article_id, None)
                if not deriving:
                    del self.derivations[target]

    def conflicts(self) -> list[str]:
        """Shared nodes through which a rule could join data of two articles."""
        return [
            f"{node} joins {sorted(outs)[0]} with {sorted(ins - {sorted(outs)[0]} or ins)[0]}"
            for node, outs in self.out_shared.items()
            if (ins := self.in_shared.get(node)) and len(outs | ins) > 1
        ]


def _step(counter: Counter, items: Iterable, sign: int) -> None:  # type: ignore[type-arg]
    for item in items:
        n = counter[item] + sign
        if n > 0:
            counter[item] = n
        else:
            del counter[item]


def load_state(path: Path) -> State | None:
    """The state a build left, or None (none, damaged, or of another version)."""
    try:
        state = pickle.loads(path.read_bytes())  # our own file, written by `save_state`
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    return state if isinstance(state, State) and state.version == STATE_VERSION else None


def save_state(path: Path, state: State) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
