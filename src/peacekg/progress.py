"""Progress bars for long work (a build of thousands of articles, the benchmarks), by tqdm.

Why: mapping ten thousand articles or loading millions of triples takes minutes, and a silent
terminal looks hung. Bars go to stderr and only when it is a terminal, so logs, pipes and
captured test output stay clean.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def progress(
    items: Iterable[T], total: int | None = None, desc: str = "", enabled: bool | None = None
) -> Iterator[T]:
    """Yield items while drawing a bar on stderr; `enabled=None`: only on a terminal."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield from items
        return
    yield from tqdm(items, total=total, desc=desc, leave=False, dynamic_ncols=True)


class Status:
    """One line on stderr (only on a terminal) saying which step of a long job is running and
    for how long, for steps that are single calls and so have no items to count."""

    def __init__(self, job: str, enabled: bool | None = None) -> None:
        if enabled is None:
            enabled = sys.stderr.isatty()
        self._job = job
        self._bar = tqdm(bar_format="{desc} {elapsed}", leave=False, disable=not enabled)

    def show(self, step: str) -> None:
        self._bar.set_description_str(f"{self._job}: {step}")

    def close(self) -> None:
        self._bar.close()
