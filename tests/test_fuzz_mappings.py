"""Fuzz the mapping loader with Hypothesis: broken YAML, wrong types, missing and duplicate
fields, non-text keys, Unicode look-alikes in quotes, bad bytes, deep nesting.

The property, in-process (peacekg.build.dataset.assemble) and through `peacekg build`:
either the mappings compile, or every error names its file and line (`x.yaml:12: ...`),
raised as InputError/BuildErrors and never as any other exception; the CLI prints no
traceback and leaves the served release exactly as it was (no partial release behind).

PEACEKG_FUZZ_EXAMPLES scales the number of examples (in-process: a tenth of it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from peacekg.build.dataset import assemble
from peacekg.config import Settings
from peacekg.errors import BuildErrors, InputError
from support import INPUTS, ROOT

TOTAL = int(os.environ.get("PEACEKG_FUZZ_EXAMPLES", "3000"))
LOCATED = re.compile(r"^\S+\.ya?ml:\d+: \S")
PEACEKG = Path(sys.executable).with_name("peacekg")
ARTICLE_FILES = sorted(
    f"mappings/articles/{p.name}" for p in (ROOT / "mappings" / "articles").glob("*.yaml")
)
FILES = ["mappings/registry.yaml", *ARTICLE_FILES]

# Look-alikes a curator pastes in from a web page or a word processor.
LOOKALIKES = {
    "a": "а",  # Cyrillic a
    "e": "е",  # Cyrillic e
    "o": "о",  # Cyrillic o
    "i": "і",  # Ukrainian i
    " ": "\u00a0",  # no-break space
    "'": "\u2019",  # right single quotation mark
    '"': "\u201c",  # left double quotation mark
    "-": "\u2010",  # hyphen
}
INVISIBLE = ["\u200b", "\u200d", "\u00ad", "\ufeff", "\u202e", "\u0301", "\u2028", "\x85"]
VALUES = [
    "[a, b]",
    "[]",
    "{a: 1}",
    "{}",
    "12",
    "-1",
    "1.5",
    ".nan",
    ".inf",
    "0x1F",
    "99999999999999999999999",
    "null",
    "~",
    "",
    "true",
    "yes",
    "no",
    "2020-13-45",
    "2020-02-30",
    "2023-10-31 10:00:00",
    "0000-01-01",
    "'",
    '"unclosed',
    "''",
    '"\\x00"',
    "!!binary aGk=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!python/object:os.system x",
    "!!str",
    "*nowhere",
    "&anchor value",
    "|\n  block",
    ">-",
    "- a\n- b",
    "person/ermek-tulesov",
    "place/mali",
    "operation/nonexistent",
]
KEYS = ["1", "yes", "~", "2020-01-01", "[a]", "{a: 1}", "? [x]", "quоte", "id ", '"id"', "<<"]
SYNTAX = [":", ": :", "- ", "[", "]", "{", "}", '"', "'", "\t", "&", "*", "!", "%", "@", "`", "|"]
TOPS = [
    "",
    "\n",
    "# only a comment\n",
    "---\n...\n",
    "- a\n- b\n",
    "just a string\n",
    "42\n",
    "null\n",
    "[]\n",
    "{}\n",
    "--- a\n--- b\n",
    "article: x\nfacts:\n",
]
KINDS = [
    "syntax",
    "truncate",
    "indent",
    "retype",
    "drop",
    "duplicate",
    "lookalike",
    "invisible",
    "key",
    "bytes",
    "top",
    "nest",
    "tab",
    "insert",
]


@dataclass(frozen=True)
class Edit:
    """One edit of a mapping file's text; `line` wraps around the file's length."""

    kind: str
    line: int = 0
    payload: str = ""
    at: int = 0

    def apply(self, text: str) -> str | bytes:
        lines = text.splitlines(keepends=True) or [""]
        i = self.line % len(lines)
        line = lines[i]
        key, colon, value = line.partition(":")
        indent = key[: len(key) - len(key.lstrip(" -"))]
        if self.kind == "syntax":
            pos = self.at % (len(line) + 1)
            lines[i] = line[:pos] + self.payload + line[pos:]
        elif self.kind == "truncate":
            lines = [*lines[:i], line[: self.at % (len(line) + 1)]]
        elif self.kind == "indent":
            lines[i] = self.payload + line if self.at % 2 else line.lstrip(" ")
        elif self.kind == "retype" and colon:
            lines[i] = f"{key}: {self.payload}\n"
        elif self.kind == "drop":
            del lines[i]
        elif self.kind == "duplicate":
            lines.insert(i, line)
        elif self.kind == "lookalike" and colon:
            plain = [j for j, c in enumerate(value) if c in LOOKALIKES]
            if plain:
                j = plain[self.at % len(plain)]
                lines[i] = key + colon + value[:j] + LOOKALIKES[value[j]] + value[j + 1 :]
        elif self.kind == "invisible" and colon:
            pos = self.at % (len(value.rstrip("\n")) + 1)
            lines[i] = key + colon + value[:pos] + self.payload + value[pos:]
        elif self.kind == "key" and colon:
            lines[i] = f"{indent}{self.payload}:{value}"
        elif self.kind == "insert" and colon:  # a new field beside this one
            lines.insert(i + 1, f"{' ' * len(indent)}{self.payload}: x\n")
        elif self.kind == "bytes":
            data = "".join(lines).encode()
            if self.payload == "utf-16":
                return "".join(lines).encode("utf-16")
            pos = sum(len(x.encode()) for x in lines[:i])
            return data[:pos] + self.payload.encode("latin-1") + data[pos:]
        elif self.kind == "top":
            return self.payload
        elif self.kind == "nest" and colon:
            depth = int(self.payload)
            lines[i] = f"{key}: " + "[" * depth + "]" * depth + "\n"
        elif self.kind == "tab":
            lines[i] = line.replace("  ", "\t", 1)
        return "".join(lines)


@dataclass(frozen=True)
class Mutation:
    """Edits of one mapping file, applied in order (bytes edits end the chain)."""

    file: str
    edits: tuple[Edit, ...]

    def apply(self, original: bytes) -> bytes:
        text: str | bytes = original.decode()
        for edit in self.edits:
            if isinstance(text, bytes):
                break
            text = edit.apply(text)
        return text if isinstance(text, bytes) else text.encode()


PAYLOADS = {
    "syntax": st.sampled_from(SYNTAX),
    "indent": st.sampled_from([" ", "   ", "    " * 8]),
    "retype": st.sampled_from(VALUES),
    "invisible": st.sampled_from(INVISIBLE),
    "key": st.sampled_from(KEYS),
    "insert": st.sampled_from([*KEYS, "zz", "label", "id"]),
    "bytes": st.sampled_from(["\xff", "\xc3", "\xe2\x80", "\x00", "\x1b[31m", "utf-16"]),
    "top": st.sampled_from(TOPS),
    "nest": st.sampled_from(["60", "400", "990", "5000"]),
}


@st.composite
def edits(draw) -> Edit:
    kind = draw(st.sampled_from(KINDS))
    return Edit(
        kind=kind,
        line=draw(st.integers(0, 400)),
        payload=draw(PAYLOADS.get(kind, st.just(""))),
        at=draw(st.integers(0, 200)),
    )


def mutations(files: list[str] = FILES) -> st.SearchStrategy[Mutation]:
    return st.builds(
        Mutation, st.sampled_from(files), st.lists(edits(), min_size=1, max_size=3).map(tuple)
    )


def _messages(exc: BaseException) -> list[str]:
    return [str(e) for e in exc.errors] if isinstance(exc, BuildErrors) else [str(exc)]


def _unlocated(messages: list[str]) -> list[str]:
    return [m for m in messages if not LOCATED.match(m) or "Traceback" in m]


def _copy_inputs(root: Path) -> Settings:
    for name in INPUTS:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, root / name)
    return Settings(root=root, build_dir=root / "build")


# Found by this fuzzer (see the report on issue #8); kept so they stay fixed. Line 7 of the
# first article mapping is `    type: mention`, inside its first fact.
FOUND = [
    Mutation(FILES[1], (Edit("top", payload="- a\n- b\n"),)),  # TypeError: a top-level list
    Mutation(FILES[0], (Edit("top", payload="# only a comment\n"),)),  # TypeError: no mapping
    Mutation(FILES[1], (Edit("insert", 7, "1"), Edit("insert", 7, "zz"))),  # TypeError: 1 < 'zz'
    Mutation(FILES[1], (Edit("insert", 7, "yes"), Edit("insert", 7, "zz"))),  # True < 'zz'
    Mutation(FILES[1], (Edit("nest", 7, "400"),)),  # RecursionError
    Mutation(FILES[1], (Edit("bytes", 7, "\xff"),)),  # not UTF-8: the error had no line
    Mutation(FILES[1], (Edit("top", payload=""),)),  # empty file: the error had no line
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Settings:
    return _copy_inputs(tmp_path_factory.mktemp("mappings-fuzz"))


@settings(
    max_examples=max(50, TOTAL // 10),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.slow
@given(mutation=mutations())
@example(mutation=FOUND[0])
@example(mutation=FOUND[1])
@example(mutation=FOUND[2])
@example(mutation=FOUND[3])
@example(mutation=FOUND[4])
@example(mutation=FOUND[5])
@example(mutation=FOUND[6])
def test_assemble_fails_with_file_and_line_or_succeeds_whole(workspace, mutation):
    path = workspace.root / mutation.file
    original = path.read_bytes()
    path.write_bytes(mutation.apply(original))
    try:
        dataset = assemble(workspace)
    except (InputError, BuildErrors) as exc:
        messages = _messages(exc)
        assert messages, "an error without a message"
        assert not _unlocated(messages), _unlocated(messages)
    else:  # no partial graph: every article is there
        assert dataset.articles == sorted(
            p.stem for p in (workspace.mappings_dir / "articles").glob("*.yaml")
        )
    finally:
        path.write_bytes(original)


# ---------------------------------------------------------------- through the CLI


@pytest.fixture(scope="module")
def released(built, tmp_path_factory) -> Settings:
    """A project copy with one good release (the session's), which failed builds must leave
    alone."""
    project = _copy_inputs(tmp_path_factory.mktemp("mappings-cli"))
    shutil.copytree(built[0].output_dir, project.output_dir, symlinks=True)
    return project


def _releases(project: Settings) -> set[str]:
    return {p.name for p in (project.output_dir / "releases").iterdir()}


def _cli_build(project: Settings) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PEACEKG), "--build-dir", str(project.output_dir), "build"],
        capture_output=True,
        text=True,
        env={**os.environ, "PEACEKG_ROOT": str(project.root)},
        timeout=300,
    )


@pytest.mark.process
@settings(max_examples=3, deadline=None, derandomize=True, database=None)
@given(mutation=mutations(files=FILES[1:]))
@example(mutation=FOUND[0])
@example(mutation=FOUND[2])
@example(mutation=FOUND[4])
@example(mutation=Mutation(FILES[2], (Edit("lookalike", 9, at=3),)))
def test_cli_build_prints_located_errors_and_keeps_the_release(released, mutation):
    path = released.root / mutation.file
    original = path.read_bytes()
    current = (released.output_dir / "current").resolve()
    before = _releases(released)
    path.write_bytes(mutation.apply(original))
    try:
        done = _cli_build(released)
    finally:
        path.write_bytes(original)
    assert "Traceback" not in done.stderr, done.stderr
    if done.returncode == 0:  # the mutation kept the mappings valid: a whole new release
        new = (released.output_dir / "current").resolve()
        assert (new / "manifest.json").is_file() and (new / "store").is_dir()
        return
    assert done.returncode == 1, done.stderr
    errors = [
        line[len("error: ") :] for line in done.stderr.splitlines() if line.startswith("error: ")
    ]
    assert errors and not _unlocated(errors), done.stderr
    assert (released.output_dir / "current").resolve() == current
    assert _releases(released) == before, "a failed build left a release directory behind"


def test_the_kept_findings_still_point_at_a_fact_field():
    """FOUND edits line 7 of the first article mapping; if that file changes so that the line
    is no longer a field of a fact, the kept findings would silently test nothing."""
    line = (ROOT / FILES[1]).read_text(encoding="utf-8").splitlines()[7]
    assert re.match(r"^    [a-z_]+: \S", line), line
