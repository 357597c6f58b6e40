"""A progress bar for long bench steps: tqdm when the environment has it, else a plain one.

Why: generating or loading millions of triples takes minutes, and a silent terminal looks hung.
tqdm is not a declared dependency (it arrives with pylode), so a fallback keeps bench/ working.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

try:  # pragma: no cover - depends on the environment
    from tqdm import tqdm as _tqdm
except ImportError:  # pragma: no cover
    _tqdm = None


def progress(
    items: Iterable[T], total: int | None = None, desc: str = "", enabled: bool | None = None
) -> Iterator[T]:
    """Yield items while drawing a bar on stderr: by default only when stderr is a terminal,
    so logs and captured test output stay clean."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield from items
        return
    if _tqdm is not None:
        yield from _tqdm(items, total=total, desc=desc, leave=False, dynamic_ncols=True)
        return
    yield from _plain(items, total, desc)


def _plain(items: Iterable[T], total: int | None, desc: str) -> Iterator[T]:
    started, shown = time.monotonic(), -1.0
    for done, item in enumerate(items, 1):
        yield item
        now = time.monotonic()
        if now - shown >= 0.5:
            shown = now
            if total:
                filled = int(30 * done / total)
                bar = "#" * filled + "." * (30 - filled)
                sys.stderr.write(f"\r{desc} [{bar}] {done}/{total} {now - started:.0f}s")
            else:
                sys.stderr.write(f"\r{desc} {done} {now - started:.0f}s")
            sys.stderr.flush()
    sys.stderr.write("\r" + " " * 72 + "\r")
    sys.stderr.flush()
