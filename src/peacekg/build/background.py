"""Run a function in a process of its own and collect its result later.

The last stages of a build (writing the store, writing the dumps) need only the finished
quads and touch nothing of each other's, so they run in their own processes, alongside SHACL
validation, on a machine's other cores instead of one after another on one. Arguments and
results cross the process boundary by pickling: pass paths, not a million quads.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

SPAWN = multiprocessing.get_context("spawn")
T = TypeVar("T")


class BackgroundError(RuntimeError):
    """The process died without a result, or raised an exception that cannot be sent back."""


def _run(conn: Connection, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        outcome: tuple[str, object] = ("ok", function(*args))
    except Exception as exc:  # sent back and raised in the parent, with its own type
        outcome = ("error", exc)
    try:
        conn.send(outcome)
    except Exception:  # the exception itself does not pickle: send its words
        conn.send(("error", BackgroundError(f"{type(outcome[1]).__name__}: {outcome[1]}")))


class Background(Generic[T]):
    """`function(*args)` running in a child process; `result()` waits for it."""

    def __init__(self, function: Callable[..., T], *args: Any) -> None:
        self._name = function.__name__
        self._conn, child = SPAWN.Pipe(duplex=False)
        self._process = SPAWN.Process(target=_run, args=(child, function, args), daemon=True)
        self._process.start()
        child.close()

    def result(self) -> T:
        """The function's return value; its exception, re-raised here, if it raised one."""
        try:
            status, value = self._conn.recv()
        except EOFError:
            self._process.join()
            raise BackgroundError(
                f"{self._name} stopped without a result (exit code {self._process.exitcode})"
            ) from None
        finally:
            self._conn.close()
        self._process.join()
        if status == "error":
            raise value
        return value  # type: ignore[no-any-return]

    def cancel(self) -> None:
        """Stop it (the build failed elsewhere); its partial output is the caller's to remove."""
        with contextlib.suppress(OSError):
            self._process.kill()
        self._process.join()
        self._conn.close()
