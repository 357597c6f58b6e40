"""Writing a file so that readers, and a crash, see either the old content or the new one."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def write_atomically(path: Path, data: bytes | str) -> None:
    """Replace `path` with `data` (text as UTF-8) in one rename.

    The new content goes first to a temporary file beside it, on the same file system, so the
    rename is atomic: a reader or a process killed half-way never meets a half-written file.
    The temporary name is unique to the writing thread, and the file gets the usual
    permissions (not mkstemp's private ones: the registry is a file people share).
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
