"""The recipes of docs/using.md, run as written against the real server on 127.0.0.1.

Every fenced ```sh and ```python block of the document is a recipe, and a ```text block right
after one is what it prints: each of its lines, spaces aside, must be part of a line of the
output, in order. Only the server's base URL is substituted. Shell recipes run a command at a
time, so that a command whose tool is not installed here (Apache Jena, the Oxigraph server) is
skipped by itself, saying so; a command that serves (`peacekg serve`) is started, must answer
/health, and is stopped. Recipes run in a scratch directory that sees the checkout's .venv and
queries/, with the venv first on PATH (as after `source .venv/bin/activate`), PEACEKG_BUILD_DIR
at the tests' build and PEACEKG_PORT free.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import ROOT
from support.serving import free_port, stop_group, wait_healthy

pytestmark = pytest.mark.process  # a real server and subprocesses: not in make test-fast

DOC = ROOT / "docs" / "using.md"
BASE = "http://127.0.0.1:8000"
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
MISSING = {
    "tdb2.tdbloader": "Apache Jena",
    "riot": "Apache Jena",
    "oxigraph": "the Oxigraph server's command line",
}
"""Tools a recipe may name that this machine need not have, and what they are part of."""
SEPARATORS = {"|", "||", "&&", ";", "&"}
TIMEOUT = 180


@dataclass(frozen=True)
class Recipe:
    section: str
    """The `## ` section it is in (`### ` headings name it in test ids)."""
    heading: str
    line: int
    language: str  # sh | python
    text: str
    expected: str | None

    def steps(self) -> list[str]:
        """What runs one at a time: each shell command (continuations joined), or the script."""
        if self.language == "python":
            return [self.text]
        joined = self.text.replace("\\\n", " ")
        return [c for c in joined.splitlines() if c.strip() and not c.lstrip().startswith("#")]


@dataclass(frozen=True)
class Result:
    status: str  # ok | skipped | failed
    output: str = ""
    reason: str = ""


def recipes(path: Path = DOC) -> list[Recipe]:
    text = path.read_text(encoding="utf-8")
    blocks = list(FENCE.finditer(text))
    found = []
    for i, block in enumerate(blocks):
        if block[1] not in ("sh", "python"):
            continue
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        expected = (
            after[2]
            if after and after[1] == "text" and not text[block.end() : after.start()].strip()
            else None
        )
        before = text[: block.start()]
        sections = re.findall(r"^## (.+)$", before, re.MULTILINE) or [""]
        headings = re.findall(r"^##+ (.+)$", before, re.MULTILINE) or [""]
        line = text.count("\n", 0, block.start()) + 1
        found.append(Recipe(sections[-1], headings[-1], line, block[1], block[2], expected))
    return found


RECIPES = recipes()
STEPS = [
    pytest.param(r, i, id=f"L{r.line}-{re.sub(r'[^a-z]+', '-', r.heading.lower()).strip('-')}-{i}")
    for r in RECIPES
    for i in range(len(r.steps()))
]
RAN: dict[int, list[Result]] = {}
"""What each recipe's steps did so far, by the recipe's line."""


def _segments(command: str) -> list[list[str]]:
    """The simple commands of a shell line (split at pipes, && and ;), as words."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    segments: list[list[str]] = [[]]
    for word in lexer:
        if word in SEPARATORS:
            segments.append([])
        else:
            segments[-1].append(word)
    return [s for s in segments if s]


def _missing_tool(command: str, cwd: Path, env: dict[str, str]) -> str | None:
    for words in _segments(command):
        tool = next((w for w in words if not re.match(r"\w+=", w)), None)
        if tool is None:
            continue
        found = (cwd / tool).exists() if "/" in tool else shutil.which(tool, path=env["PATH"])
        if not found:
            return f"{tool} is not installed here ({MISSING.get(tool, 'not on PATH')})"
    return None


def _serves(command: str) -> bool:
    return any(
        w.endswith("peacekg") and "serve" in words for words in _segments(command) for w in words
    )


def _serve(command: str, cwd: Path, env: dict[str, str]) -> Result:
    """Start a serving command on a free port; it works if it answers /health, then stops."""
    port = free_port()
    process = subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env={**env, "PEACEKG_PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process, TIMEOUT)
        return Result("ok", f"served on port {port}")
    except RuntimeError as exc:
        return Result("failed", reason=str(exc))
    finally:
        stop_group(process)
        if process.stdout:
            process.stdout.close()


def _step(recipe: Recipe, text: str, cwd: Path, env: dict[str, str], base: str) -> Result:
    text = text.replace(BASE, base)
    if recipe.language == "python":
        script = cwd / f"recipe_{recipe.line}.py"
        script.write_text(text, encoding="utf-8")
        argv = [str(ROOT / ".venv" / "bin" / "python"), script.name]
    else:
        if missing := _missing_tool(text, cwd, env):
            return Result("skipped", reason=missing)
        if _serves(text):
            return _serve(text, cwd, env)
        argv = ["bash", "-c", text]  # as typed: a pipe's status is its last command's (head)
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    if done.returncode:
        return Result("failed", done.stdout, f"exit {done.returncode}:\n{done.stderr[-3000:]}")
    return Result("ok", done.stdout)


def _scratch(root: Path, recipe: Recipe) -> Path:
    """The recipe's directory: empty but for the checkout's .venv and queries/."""
    cwd = root / f"L{recipe.line}"
    if not cwd.exists():
        cwd.mkdir()
        for name in (".venv", "queries"):
            (cwd / name).symlink_to(ROOT / name)
    return cwd


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("recipes")


@pytest.fixture(scope="module")
def recipe_env(built) -> dict[str, str]:
    venv = ROOT / ".venv" / "bin"
    return {
        **os.environ,
        "PATH": f"{venv}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(venv.parent),
        "PEACEKG_BUILD_DIR": str(built[0].build_dir),
    }


def _prints(expected: str, output: str) -> None:
    """Each expected line, spaces aside, is part of an output line, in order."""
    lines = [" ".join(line.split()) for line in output.splitlines()]
    at = 0
    for want in filter(None, (" ".join(w.split()) for w in expected.splitlines())):
        while at < len(lines) and want not in lines[at]:
            at += 1
        assert at < len(lines), (
            f"the recipe does not print {want!r} (in order); it printed:\n{output}"
        )
        at += 1


def test_the_document_has_recipes_of_each_kind():
    kinds = {(r.section, r.language) for r in RECIPES}
    assert ("Recipes", "python") in kinds and ("Recipes", "sh") in kinds
    assert all(r.expected for r in RECIPES if r.section == "Recipes")


@pytest.mark.parametrize(("recipe", "step"), STEPS)
def test_recipe_runs_as_written(
    recipe: Recipe, step: int, site: str, scratch: Path, recipe_env: dict[str, str]
):
    cwd = _scratch(scratch, recipe)
    results = RAN.setdefault(recipe.line, [])
    steps = recipe.steps()
    while len(results) <= step:  # a step needs the ones before it (a download, then its use)
        results.append(_step(recipe, steps[len(results)], cwd, recipe_env, site))
    result = results[step]
    if result.status == "skipped":
        pytest.skip(result.reason)
    assert result.status == "ok", f"{steps[step]}\n{result.reason}\n{result.output[-2000:]}"
    if step == len(steps) - 1 and recipe.expected is not None:
        _prints(recipe.expected, "".join(r.output for r in results))
