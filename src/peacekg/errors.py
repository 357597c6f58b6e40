"""The one error type the pipeline raises for bad input: it always names the place."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad input, located at `path:line` so that a curator can go straight to it."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        path = (
            self.path.relative_to(Path.cwd()) if self.path.is_relative_to(Path.cwd()) else self.path
        )
        where = f"{path}:{self.line}" if self.line else f"{path}"
        return f"{where}: {self.message}"


class BuildErrors(Exception):
    """Several source errors found in one pass, reported together rather than one per run."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
