"""The reference list of the UN's peace operations (mappings/un-peace-operations.yaml).

An input for drafting only: it lets a draft recognise missions no article has named yet, and it
never becomes triples (a fact in the graph needs a quote). Kept apart from the registry, which
holds only what some article names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from peacekg.errors import InputError
from peacekg.inputs.fields import Fields
from peacekg.inputs.located import Located, load_mapping

OPERATIONS_FILE = "un-peace-operations.yaml"
KINDS = ("peacekeeping", "political")
FIRST_YEAR = 1945
"""The UN's founding: no operation of it began earlier."""


@dataclass(frozen=True)
class Operation:
    """One UN peace operation as the UN's own list gives it."""

    acronym: str
    name: str
    kind: Literal["peacekeeping", "political"]
    hosts: tuple[str, ...]
    start: int | None
    end: int | None
    ongoing: bool | None
    """True: current when the list was compiled (`end: null`); False: ended in `end`;
    None: the list does not say (`end` left out)."""
    aliases: tuple[str, ...]
    path: Path
    line: int


def _year(f: Fields, key: str) -> int | None:
    year = f.integer(key, required=False)
    if year is not None and not FIRST_YEAR <= year <= 2100:
        raise f.error(f"field '{key}' must be a year from {FIRST_YEAR}, got {year}")
    return year


def _names(f: Fields, key: str) -> tuple[str, ...]:
    values = f.listing(key)
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise f.error(f"field '{key}' must be a list of names, got {values!r}")
    return tuple(values)


def _operation(node: object, parent: Located) -> Operation:
    f = Fields(node, "operation", parent)
    acronym = f.text("acronym") or ""
    f.what = f"operation {acronym}"
    kind = f.text("kind")
    if kind not in KINDS:
        raise f.error(f"field 'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
    hosts = _names(f, "host")
    if not hosts:
        raise f.error("missing field 'host'")
    start, end = _year(f, "start"), _year(f, "end")
    if start is not None and end is not None and end < start:
        raise f.error(f"ends ({end}) before it starts ({start})")
    operation = Operation(
        acronym=acronym,
        name=f.text("name") or "",
        kind=kind,  # type: ignore[arg-type]  # checked against KINDS above
        hosts=hosts,
        start=start,
        end=end,
        ongoing=None if "end" not in f.node else end is None,
        aliases=_names(f, "aliases"),
        path=f.node.path,
        line=f.node.line,
    )
    f.finish()
    return operation


def load_operations(path: Path) -> list[Operation]:
    """The operations of the list in file order; an error names the file and line of a bad or
    repeated entry."""
    top = load_mapping(path, "the list of UN peace operations")
    f = Fields(top, "the list of UN peace operations")
    entries = f.listing("operations")
    f.finish()
    operations: list[Operation] = []
    seen: dict[str, Operation] = {}
    for entry in entries:
        operation = _operation(entry, top)
        if operation.acronym in seen:
            first = seen[operation.acronym].line
            message = f"acronym {operation.acronym!r} is listed twice (first at line {first})"
            raise InputError(path, operation.line, message)
        seen[operation.acronym] = operation
        operations.append(operation)
    return operations
