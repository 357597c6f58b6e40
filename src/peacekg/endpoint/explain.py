"""Messages a person can act on, for a query the SPARQL parser refused.

Oxigraph says where parsing stopped and lists every token class it could have taken there
("expected one of OPTIONAL, Prefix not found, ['%'], ['-' | '0' ..= '9' | …"), which names
neither the cause nor the fix of the commonest mistakes. Once a query has failed to parse, its
text is read for them, in this order: an empty query, an update or no query form, an
undeclared prefix (with the `PREFIX` line to add, for well-known ones), an unbalanced bracket,
a variable selected but not grouped. Anything else keeps the parser's position and what it
expected, without the character classes. /sparql, the query UI (which shows the endpoint's
message) and `peacekg query` all answer with these words.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from peacekg.endpoint.sparqltext import SKIP

READ_ONLY = "this endpoint is read-only; SPARQL Update is not accepted here."
FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
A_QUERY = "SELECT, CONSTRUCT, ASK or DESCRIBE"
UPDATES = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
AGGREGATES = ("COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT")
AFTER_GROUP_BY = ("HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES")
WELL_KNOWN = {
    "bd": "http://www.bigdata.com/rdf#",
    "dbo": "http://dbpedia.org/ontology/",
    "dbr": "http://dbpedia.org/resource/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "p": "http://www.wikidata.org/prop/",
    "pq": "http://www.wikidata.org/prop/qualifier/",
    "ps": "http://www.wikidata.org/prop/statement/",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "sh": "http://www.w3.org/ns/shacl#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "void": "http://rdfs.org/ns/void#",
    "wikibase": "http://wikiba.se/ontology#",
}
"""Prefixes people bring from other endpoints (WDQS, DBpedia) that are not predeclared here:
an undeclared one gets its `PREFIX` line suggested."""

_PN_PREFIX = r"[A-Za-z\u00C0-\uFFFD](?:[\w.\-\u00B7\u0300-\u036F\u203F-\u2040]*[\w\-\u00B7])?"
_TOKEN = re.compile(
    rf"(?P<skip>{SKIP})"
    r"|(?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)"
    rf"|(?<![\w.:\-])(?P<pname>(?:{_PN_PREFIX})?):"
    r"|(?P<word>[A-Za-z_]\w*)"
    r"|(?P<bracket>[(){}\[\]])"
    r"|(?P<quote>['\"])"  # not the start of a whole string (SKIP takes those): never closed
)
_PARSER = re.compile(r"error at (\d+):(\d+): expected (?:one of )?(.*)", re.DOTALL)
_EXPECTED = re.compile(r"\s*(\"(?:[^\"\\]|\\.)*\"|\[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\]|[^,]+)")
MAX_EXPECTED = 6
"""More alternatives than this say nothing a reader can use."""
MAX_SELECTS = 100
"""Subqueries beyond which a variable not grouped is not looked for (the work grows with each)."""
SHOWN = 72
"""Characters of the offending line shown under a message."""


@dataclass(frozen=True)
class Token:
    kind: str  # var | pname | word | bracket | quote
    text: str
    start: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokens(query: str) -> list[Token]:
    """Variables, prefixed-name prefixes, words and brackets, outside comments, strings, IRIs."""
    found = []
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        if kind and kind != "skip":
            found.append(Token(kind, m.group(kind) if kind != "pname" else m.group(0), m.start()))
    return found


def line_column(query: str, offset: int) -> tuple[int, int]:
    """The line and column (from 1, in characters, as the parser counts) of an offset."""
    return query.count("\n", 0, offset) + 1, offset - query.rfind("\n", 0, offset)


def at(query: str, line: int, column: int, what: str) -> str:
    """`SPARQL syntax error at line L, column C: what`, then that line of the query with a
    caret under the column (cut to SHOWN characters around it)."""
    lines = query.split("\n")
    said = f"SPARQL syntax error at line {line}, column {column}: {what}"
    if line > len(lines):
        return said
    text, caret = lines[line - 1].expandtabs(1), column - 1
    start = max(0, min(caret - SHOWN // 2, len(text) - SHOWN))
    return f"{said}\n  {text[start : start + SHOWN]}\n  {' ' * (caret - start)}^"


def _at(query: str, token: Token, what: str) -> str:
    return at(query, *line_column(query, token.start), what)


def explain(query: str, error: str, prefixes: Mapping[str, str]) -> str:
    """The message for a query the parser refused with `error`; `prefixes` are predeclared."""
    found = tokens(query)
    body = _after_prologue(found)
    if body is None:
        return f"the query is empty; send a {A_QUERY} query"
    problem = (
        _not_a_query(query, found[body])
        or _undeclared(query, found, prefixes)
        or _unbalanced(query, found)
        or (_ungrouped(query, found) if "unbound" in error else None)  # as the parser says
    )
    return problem or _parser_message(query, error)


def _after_prologue(found: list[Token]) -> int | None:
    """The index of the first token after the PREFIX and BASE declarations (None: no more)."""
    i = 0
    while i < len(found) and found[i].upper in ("PREFIX", "BASE"):
        i += 2 if found[i].upper == "PREFIX" else 1  # PREFIX p: <iri>; BASE <iri>
    return i if i < len(found) else None


def _not_a_query(query: str, first: Token) -> str | None:
    """An update (this endpoint is read-only), or a first word that starts no query form."""
    if first.upper in FORMS:
        return None
    if first.upper in UPDATES:
        line, column = line_column(query, first.start)
        return (
            f"{READ_ONLY} The request starts with {first.upper} (line {line}, column {column}), "
            f"an update; send a query: {A_QUERY}."
        )
    return _at(query, first, f"a query starts with {A_QUERY} (after any PREFIX and BASE lines)")


def _undeclared(query: str, found: list[Token], prefixes: Mapping[str, str]) -> str | None:
    """Each prefix used but neither declared nor predeclared, at its first use, with a fix."""
    declared = set(prefixes)
    first_use: dict[str, Token] = {}
    for i, token in enumerate(found):
        if token.kind != "pname":
            continue
        name = token.text[:-1]
        if i and found[i - 1].upper == "PREFIX":
            declared.add(name)
        else:
            first_use.setdefault(name, token)
    messages = [
        _at(query, t, _fix(name, prefixes)) for name, t in first_use.items() if name not in declared
    ]
    return "\n".join(messages) or None


def _fix(name: str, prefixes: Mapping[str, str]) -> str:
    """What to do about one undeclared prefix."""
    said = f"the prefix {name}: is not declared"
    if name in WELL_KNOWN:
        return f"{said}; add PREFIX {name}: <{WELL_KNOWN[name]}> at the top of the query"
    close = difflib.get_close_matches(name, [*prefixes, *WELL_KNOWN], n=1, cutoff=0.7)
    hint = f" (did you mean {close[0]}:?)" if close else ""
    return (
        f"{said}{hint}; declare it with PREFIX {name}: <…> at the top of the query, or write "
        "the full IRI in <…>"
    )


def _unbalanced(query: str, found: list[Token]) -> str | None:
    """A string never closed, the first bracket that closes nothing or the wrong thing, or
    the last one left open."""
    pairs = {")": "(", "}": "{", "]": "["}
    open_: list[Token] = []
    for token in found:
        if token.kind == "quote":
            return _at(query, token, f"this {token.text} starts a string that is never closed")
        if token.kind != "bracket":
            continue
        if token.text in pairs.values():
            open_.append(token)
        elif not open_ or open_[-1].text != pairs[token.text]:
            what = "closes nothing"
            if open_:
                line, column = line_column(query, open_[-1].start)
                what = f"does not close the '{open_[-1].text}' at line {line}, column {column}"
            return _at(query, token, f"this '{token.text}' {what}")
        else:
            open_.pop()
    if open_:
        return _at(query, open_[-1], f"this '{open_[-1].text}' is never closed")
    return None


def _ungrouped(query: str, found: list[Token]) -> str | None:
    """A variable a grouping SELECT projects (bare or in an expression) without grouping it.
    Each SELECT is read to the end of its group, so a query of very many is left alone."""
    if sum(t.upper == "SELECT" for t in found) > MAX_SELECTS:
        return None
    for i, token in enumerate(found):
        if token.upper == "SELECT" and (missing := _not_grouped(found, i)):
            names = " and ".join(t.text for t in missing)
            first = missing[0].text
            one = len(missing) == 1
            return _at(
                query,
                missing[0],
                f"{names} {'is' if one else 'are'} selected but not grouped; add "
                f"{'it' if one else 'them'} to GROUP BY, or select an aggregate of "
                f"{'it' if one else 'each'}, e.g. (SAMPLE({first}) AS {first}1)",
            )
    return None


def _not_grouped(found: list[Token], select: int) -> list[Token]:
    """The variables the SELECT at `found[select]` needs grouped but does not group."""
    needed, aliases, aggregated, end = _projection(found, select)
    grouped, grouping = _group_by(found, _closing(found, end))
    if not (grouping or aggregated):
        return []
    return [t for t in needed if t.text[1:] not in grouped | aliases]


def _projection(found: list[Token], select: int) -> tuple[list[Token], set[str], bool, int]:
    """The variables a projection uses outside aggregates, those it binds with AS, whether it
    aggregates, and the index of the token that ends it (WHERE, FROM or the group's '{')."""
    needed: list[Token] = []
    aliases: set[str] = set()
    aggregated, depth, inside = False, 0, None  # inside: the depth of an aggregate's '('
    i = select + 1
    while i < len(found) and not (depth == 0 and found[i].upper in ("WHERE", "FROM")):
        token = found[i]
        if token.text == "{":
            break
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
            inside = None if inside is not None and depth < inside else inside
        elif token.upper in AGGREGATES:
            aggregated = True
            inside = depth + 1 if inside is None else inside
        elif token.kind == "var" and found[i - 1].upper == "AS":
            aliases.add(token.text[1:])
        elif token.kind == "var" and inside is None:
            needed.append(token)
        i += 1
    return needed, aliases, aggregated, i


def _closing(found: list[Token], start: int) -> int:
    """The index just after the group that opens at or after `start` ('{' … its '}')."""
    depth, i = 0, start
    while i < len(found):
        if found[i].text == "{":
            depth += 1
        elif found[i].text == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def _group_by(found: list[Token], start: int) -> tuple[set[str], bool]:
    """The variables a GROUP BY from `start` groups (bare, or bound with AS), and whether
    the solution modifiers there group at all (GROUP BY, or HAVING alone)."""
    grouped: set[str] = set()
    grouping = collecting = False
    depth, i = 0, start
    while i < len(found) and found[i].text not in ("{", "}"):
        token = found[i]
        if token.upper == "GROUP":
            grouping = collecting = True
        elif token.upper in AFTER_GROUP_BY:
            grouping, collecting = grouping or token.upper == "HAVING", False
        elif collecting and token.text in ("(", ")"):
            depth += 1 if token.text == "(" else -1
        elif collecting and token.kind == "var" and (depth == 0 or found[i - 1].upper == "AS"):
            grouped.add(token.text[1:])
        i += 1
    return grouped, grouping


def _parser_message(query: str, error: str) -> str:
    """The parser's own message: its position, and what it expected if that reads as words
    (its own sentences such as 'Duplicated variable name in SELECT', or a few keywords and
    punctuation), never its character classes."""
    match = _PARSER.match(error)
    if not match:
        return f"SPARQL syntax error: {error}"
    items = [i.strip() for i in _EXPECTED.findall(match[3].replace("\n", " ")) if i.strip()]
    sentences = [i for i in items if " " in i and not i.startswith(('"', "["))]
    words = [i.strip('"') for i in items if not i.startswith("[")]
    if sentences:
        said = "; ".join(s if s.split()[0].isupper() else s[0].lower() + s[1:] for s in sentences)
    elif words and len(words) <= MAX_EXPECTED:
        said = "expected " + (
            words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
        )
    else:
        said = "this is not valid SPARQL here"
    return at(query, int(match[1]), int(match[2]), said)
