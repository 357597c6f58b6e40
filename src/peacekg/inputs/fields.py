"""Read the fields of one YAML mapping with errors that say which file, line and field.

Each accessor marks its field as used; `finish()` then rejects any field nobody read, so a
misspelt key (`qualifer:`) fails the build instead of silently dropping a fact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from peacekg.errors import InputError
from peacekg.inputs.located import Located

T = TypeVar("T")


class Fields:
    def __init__(self, node: object, what: str, parent: Located | None = None) -> None:
        if not isinstance(node, Located):
            if parent is None:
                raise TypeError("a top-level node must be a mapping")
            raise InputError(parent.path, parent.line, f"{what} must be a mapping, got {node!r}")
        self.node = node
        self.what = what
        self._used: set[str] = set()

    def error(self, message: str) -> InputError:
        return InputError(self.node.path, self.node.line, f"{self.what}: {message}")

    def raw(self, key: str, required: bool = True) -> Any:
        self._used.add(key)
        if key not in self.node or self.node[key] is None:
            if required:
                raise self.error(f"missing field '{key}'")
            return None
        return self.node[key]

    def text(self, key: str, required: bool = True) -> str | None:
        value = self.raw(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"field '{key}' must be non-empty text, got {value!r}")
        return value

    def integer(self, key: str, required: bool = True) -> int | None:
        value = self.raw(key, required)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(f"field '{key}' must be a whole number, got {value!r}")
        return value

    def listing(self, key: str) -> list[Any]:
        """A list field; absent means empty, and a single value is accepted as a list of one."""
        value = self.raw(key, required=False)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def convert(self, key: str, fn: Callable[[Any], T], required: bool = True) -> T | None:
        """Apply fn (which raises ValueError with a reason) to a field's value."""
        value = self.raw(key, required)
        if value is None:
            return None
        try:
            return fn(value)
        except ValueError as exc:
            raise self.error(f"field '{key}': {exc}") from None

    def finish(self) -> None:
        unknown = sorted(set(self.node) - self._used, key=repr)  # keys may be 1, True, None
        if unknown:
            raise self.error(
                f"unknown field(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(sorted(self._used))}"
            )
