"""Run a function in a process of its own and collect its result later.

The last stages of a build (writing the store, writing the dumps) need only the finished
quads and touch nothing of each other's, so they run in their own processes, alongside SHACL
validation, on a machine's other cores instead of one after another on one. Arguments and
results cross the process boundary by pickling: pass paths, not a million quads.

The child is a fresh interpreter that imports this module and the function's own
(`python -m peacekg.build.background JOB RESULT`), not the program that started it as
multiprocessing's spawn does (for `peacekg`, its whole command line: the web app, SHACL,
HermiT's bindings), and it reads its arguments from a file, so that starting it never waits
for it: a rebuild's writers are quick, and their start-up was most of their time.
"""

from __future__ import annotations

import contextlib
import gc
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")
MODULE = "peacekg.build.background"


@contextlib.contextmanager
def paused_collector() -> Iterator[None]:
    """Python's cycle collector off for a block that makes many small objects and no cycles.

    Why: pickling allocates as it goes, and each time the allocations pass the collector's
    threshold it walks the build's live objects again: a rebuild's 20,000 dump sections took
    0.84 s to pickle with it, 0.17 s without."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class BackgroundError(RuntimeError):
    """The process died without a result, or raised an exception that cannot be sent back."""


class Background(Generic[T]):
    """`function(*args)` running in a child process; `result()` waits for it."""

    def __init__(self, function: Callable[..., T], *args: Any) -> None:
        self._name = function.__name__
        self._dir = Path(tempfile.mkdtemp(prefix="peacekg-job-"))
        job, self._result = self._dir / "job.pickle", self._dir / "result.pickle"
        try:
            with paused_collector():
                data = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
            job.write_bytes(data)
            self._process = subprocess.Popen(
                [sys.executable, "-m", MODULE, str(job), str(self._result)],
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            shutil.rmtree(self._dir, ignore_errors=True)
            raise

    def result(self) -> T:
        """The function's return value; its exception, re-raised here, if it raised one."""
        try:
            code = self._process.wait()
            try:
                status, value = pickle.loads(self._result.read_bytes())
            except (OSError, EOFError, pickle.UnpicklingError):
                raise BackgroundError(
                    f"{self._name} stopped without a result (exit code {code})"
                ) from None
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)
        if status == "error":
            raise value
        return value  # type: ignore[no-any-return]

    def cancel(self) -> None:
        """Stop it (the build failed elsewhere); its partial output is the caller's to remove."""
        with contextlib.suppress(OSError):
            self._process.kill()
        self._process.wait()
        shutil.rmtree(self._dir, ignore_errors=True)


def _main(job: str, result: str) -> None:
    """In the child: run the job, and leave its outcome (value, or exception) in `result`."""
    function, args = pickle.loads(Path(job).read_bytes())  # our own file, from Background
    try:
        outcome: tuple[str, object] = ("ok", function(*args))
    except Exception as exc:  # sent back and raised in the parent, with its own type
        outcome = ("error", exc)
    try:
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # the exception itself does not pickle: send its words
        error = BackgroundError(f"{type(outcome[1]).__name__}: {outcome[1]}")
        data = pickle.dumps(("error", error))
    partial = Path(result + ".partial")
    partial.write_bytes(data)
    partial.replace(result)  # a result is whole or absent


if __name__ == "__main__":
    _main(*sys.argv[1:3])
