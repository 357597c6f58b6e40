"""Load YAML so that every mapping remembers the line it came from.

Curators fix mistakes faster when an error says `mappings/articles/x.yaml:42`; PyYAML knows
each node's position while composing, so a SafeLoader subclass keeps it on the dicts it builds.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from pathlib import Path
from typing import Any

import yaml
from pyoxigraph import Literal

from peacekg.errors import InputError
from peacekg.files import write_atomically


class Located(dict[str, Any]):
    """A YAML mapping with the file and 1-based line it starts on."""

    path: Path
    line: int


LOADER_CODE = Path(__file__).read_bytes()
"""Part of a parse cache key: a change to how files are loaded invalidates what was cached."""

# libyaml's parser is several times faster and keeps node positions too; pure Python where it
# is missing.
BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _loader_for(path: Path) -> type[yaml.SafeLoader]:
    class LineLoader(BaseLoader):  # type: ignore[valid-type,misc]
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Located:
            keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
            duplicates = {k for k in keys if keys.count(k) > 1}
            if duplicates:
                raise InputError(
                    path,
                    node.start_mark.line + 1,
                    f"duplicate key(s): {', '.join(sorted(duplicates))}",
                )
            mapping = Located(super().construct_mapping(node, deep=True))
            mapping.path = path
            mapping.line = node.start_mark.line + 1
            return mapping

        def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> object:
            try:
                return super().construct_yaml_timestamp(node)
            except ValueError as exc:
                raise InputError(
                    path, node.start_mark.line + 1, f"malformed date {node.value!r}: {exc}"
                ) from None

    LineLoader.add_constructor(
        "tag:yaml.org,2002:timestamp",
        LineLoader.construct_yaml_timestamp,  # type: ignore[arg-type]
    )
    LineLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
        LineLoader.construct_mapping,  # type: ignore[arg-type]
    )
    return LineLoader


def _deepest_line(text: str) -> int:
    """The line where the nesting is deepest (read as events: no recursion)."""
    depth, deepest, line = 0, 0, 1
    for event in yaml.parse(text, Loader=BaseLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > deepest:
                deepest, line = depth, event.start_mark.line + 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return line


def load_yaml(path: Path, cache: Path | None = None) -> Any:
    """Parse one YAML file; syntax errors become a InputError at the offending line.

    With a cache directory, a file parsed before (same path, same bytes, same loader code) is
    read back from a pickle there, for a fraction of the cost of building the line-numbered
    objects again, which adds up over the metadata of thousands of articles.
    """
    data = path.read_bytes()
    if cache is None:
        return _parse(path, data)
    key = hashlib.sha256(b"\0".join([str(path).encode(), data, LOADER_CODE])).hexdigest()
    stored = cache / f"{path.stem}-{key[:32]}.pickle"
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return pickle.loads(stored.read_bytes())  # our own file, named by its content
    parsed = _parse(path, data)
    cache.mkdir(parents=True, exist_ok=True)
    for old in cache.glob(f"{path.stem}-*.pickle"):
        old.unlink(missing_ok=True)
    write_atomically(stored, pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
    return parsed


def _parse(path: Path, data: bytes) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(path, line, f"not UTF-8 text ({exc.reason})") from None
    try:
        return yaml.load(text, Loader=_loader_for(path))
    except RecursionError:  # hundreds of levels: libyaml allows them, building them does not
        raise InputError(path, _deepest_line(text), "invalid YAML: nested too deeply") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(path, line, f"invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise InputError(path, 1, f"invalid YAML: {exc}") from None


def load_mapping(path: Path, what: str, cache: Path | None = None) -> Located:
    """A YAML file whose top level must be a mapping (a registry, an article's mapping); its
    parse kept in `cache` if given (`load_yaml`)."""
    top = load_yaml(path, cache)
    if not isinstance(top, Located):
        got = "nothing" if top is None else f"a {type(top).__name__}"
        raise InputError(path, 1, f"{what} must be a mapping of fields at the top, got {got}")
    return top


def source_line(path: Path, line: int, root: Path) -> Literal:
    """`path:line` relative to the project root, for pk:mappingSource."""
    shown = path.relative_to(root) if path.is_relative_to(root) else path
    return Literal(f"{shown.as_posix()}:{line}")
