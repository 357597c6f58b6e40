"""Just enough lexical analysis of SPARQL text for what the engine cannot tell us.

pyoxigraph exposes no parsed query, but the endpoint needs facts about one: its form (to read
a remote store's answer), whether it has its own dataset clause (FROM / FROM NAMED at the top
level, which the union default graph would otherwise override), and the order of the variables
of an outer `SELECT *` (Oxigraph sorts them; the W3C result tests and most engines keep the
order of first appearance).
Comments, strings and IRIs are skipped, so keywords inside them do not count.
"""

from __future__ import annotations

import functools
import re

# Comments, strings and IRIs: text in which no keyword, brace or prefix counts (also for explain).
SKIP = "|".join(
    (
        r"#[^\n]*",  # a comment
        r"'''(?:[^'\\]|\\.|'(?!''))*'''",  # long strings
        r'"""(?:[^"\\]|\\.|"(?!""))*"""',
        r"'(?:[^'\\\n]|\\.)*'",  # short strings
        r'"(?:[^"\\\n]|\\.)*"',
        r"<[^<>\"{}|^`\\\s]*>",  # an IRI
    )
)
_TOKENS = re.compile(
    rf"(?P<skip>{SKIP})|(?P<open>\{{)|(?P<close>\}})"
    r"|(?<![\w?$:])(?P<keyword>FROM|SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:-])",
    re.IGNORECASE,
)
_STAR = re.compile(r"\s*(?:(?:DISTINCT|REDUCED)\s+)?\*", re.IGNORECASE)
_NAMES = re.compile(
    rf"(?P<skip>{SKIP})|(?P<declared>(?<![\w?$:])PREFIX\s+(?P<prefix>[^\s:]*):)|(?P<name>[^\W\d][\w.-]*):",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=256)
def outer_clauses(query: str) -> tuple[bool, int | None]:
    """Whether the query has a dataset clause (FROM at the top level), and where the text after
    an outer `SELECT *` starts (None if the outer projection is explicit). Kept per text: a
    query asked again (web.prepared) would otherwise spend a fifth of its time scanning."""
    depth, has_from, star = 0, False, None
    first_select = True
    for m in _TOKENS.finditer(query):
        if m.group("open"):
            depth += 1
        elif m.group("close"):
            depth -= 1
        elif m.group("keyword") and depth == 0:
            word = m.group("keyword").upper()
            if word == "FROM":
                has_from = True
            elif word == "SELECT" and first_select:
                first_select = False
                if match := _STAR.match(query, m.end()):
                    star = match.end()
    return has_from, star


_VOLATILE = re.compile(
    rf"(?P<skip>{SKIP})|(?<![\w?$:])(?P<call>RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE
)


@functools.lru_cache(maxsize=256)
def volatile(query: str) -> bool:
    """Whether the query calls a function whose value changes from one run to the next (RAND,
    NOW, UUID, STRUUID, BNODE): run again on the same store, it may then have other rows."""
    return any(m.group("call") for m in _VOLATILE.finditer(query))


@functools.lru_cache(maxsize=256)
def prefixes_used(query: str) -> frozenset[str] | None:
    """The prefixes the query may use without declaring them: each name written before a `:`
    outside comments, strings and IRIs, less those its PREFIX lines declare (a declaration wins
    over a predeclared prefix). A superset (in `pk:a:b`, `a` counts too; an unused prefix
    changes nothing); None, all of them, when codepoint escapes (\\u) could spell any name.

    Why: Oxigraph parses every prefix it is given with the query, 28 of them a fiftieth of a
    light query's time, though most queries declare what they use."""
    if "\\u" in query or "\\U" in query:
        return None
    used, declared = set(), set()
    for m in _NAMES.finditer(query):
        if m.group("declared"):
            declared.add(m.group("prefix"))
        elif name := m.group("name"):
            used.add(name)
    return frozenset(used - declared)


def query_form(query: str) -> str:
    """SELECT, CONSTRUCT, DESCRIBE or ASK: the query's first form keyword outside comments,
    strings and IRIs ("" if none: not a query)."""
    for m in _TOKENS.finditer(query):
        if (word := m.group("keyword")) and word.upper() != "FROM":
            return word.upper()
    return ""


def star_order(query: str, start: int, names: list[str]) -> list[str]:
    """`SELECT *` variables in order of first appearance (what the W3C tests and most engines
    give; SPARQL leaves it open, and Oxigraph sorts them)."""
    text = query[start:]

    def first(name: str) -> int:
        found = re.search(rf"[?$]{re.escape(name)}(?![\w\u00B7\u0300-\u036F\u203F-\u2040])", text)
        return found.start() if found else len(text)

    return sorted(names, key=first)


def reorder_tsv(lines: bytes, order: list[str], names: list[str]) -> bytes:
    index = [names.index(n) for n in order]
    rows = lines.split(b"\n")
    return b"\n".join(
        b"\t".join(cells[i] for i in index) if (cells := row.split(b"\t")) != [b""] else row
        for row in rows
    )
