"""The on-disk Oxigraph store: where a build puts it, and how readers open it safely.

Layout of the build directory:
  releases/<stamp>/store/     an Oxigraph store (RocksDB)
  releases/<stamp>/dumps/     the dump files
  releases/<stamp>/manifest.json
  current -> releases/<stamp> symlink, replaced atomically by a successful build
  dumps -> current/dumps      stable path for the dump files
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pyoxigraph import Store

CURRENT = "current"
RELEASES = "releases"


class NoGraphError(RuntimeError):
    """There is no built graph yet, or it is unreadable; the message says what to run."""


def current_release(build_dir: Path) -> Path:
    """The release `current` points at. One readlink and one stat, on strings: this runs on
    every request, and path objects cost more than the rest of a trivial query's bookkeeping."""
    base = os.fspath(build_dir)
    try:
        release = os.path.join(base, os.readlink(os.path.join(base, CURRENT)))
    except OSError:
        release = os.path.join(base, CURRENT)  # missing, or not a symlink: checked below
    if not os.path.isdir(release):
        raise NoGraphError(f"no graph has been built in {build_dir}: run `peacekg build` first")
    return Path(release)


def open_store(build_dir: Path) -> Store:
    """The current store, read-only: readers never lock out a build that is writing the next one."""
    path = current_release(build_dir) / "store"
    try:
        return Store.read_only(str(path))
    except (OSError, RuntimeError) as exc:  # RuntimeError: how RocksDB reports corruption
        raise NoGraphError(f"the store at {path} cannot be opened: {exc}") from None


def read_manifest(build_dir: Path) -> dict[str, object]:
    return json.loads((current_release(build_dir) / "manifest.json").read_text(encoding="utf-8"))
