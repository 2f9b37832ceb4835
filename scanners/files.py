"""Writing files so that readers never see half of one: the one atomic-write helper."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes | str, *, mode: int = 0o600) -> None:
    """Write DATA (str as UTF-8) to PATH via a unique temporary file in the same directory and os.replace.

    Safe when several runs write at once (the last writer wins; every version is whole). Caches stay
    private (0600, as mkstemp makes them); files meant to be committed pass mode=0o644. Raises OSError;
    callers whose file is only a cache ignore it.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if mode != 0o600:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
