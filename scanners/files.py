"""Files, carefully: the one atomic-write helper, and bounded reads of regular files only."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def write_atomic(path: Path, data: bytes | str, *, mode: int = 0o600) -> None:
    """Write DATA (str as UTF-8) to PATH via a unique temporary file in the same directory and os.replace.

    Safe when several runs write at once (the last writer wins; every version is whole). Caches stay
    private (0600, as mkstemp makes them); files meant to be committed pass mode=0o644. Raises OSError;
    callers whose file is only a cache ignore it.
    """
    import tempfile  # only where something is written (cache, baseline): not on a hook run's import path

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


class NotRegular(OSError):
    """The path is not a regular file we may read: a FIFO, device or socket, or a link out of the root."""


def check_regular(path: Path, root: Path | None = None) -> None:
    """Raise NotRegular unless `path` is a regular file (inside `root`, when given); never opens it."""
    if root is not None:
        real, top = os.path.realpath(path), os.path.realpath(root)
        if real != top and not real.startswith(top.rstrip(os.sep) + os.sep):
            raise NotRegular("a symbolic link to a path outside the scan root (not followed)")
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise NotRegular("not a regular file (a FIFO, device or socket is never read)")


def read_regular(path: Path, limit: int, *, root: Path | None = None) -> bytes:
    """At most `limit` + 1 bytes of the regular file at `path`, never blocking and never reading a device.

    With `root`, a path that resolves outside it (through a symbolic link) is refused: files found inside
    a scanned repository are its input, and must not make tagaudit read, say, /etc/passwd into an error
    message. Raises NotRegular for those refusals and OSError for the rest; callers turn both into messages.
    """
    if root is not None:
        check_regular(path, root)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular("not a regular file (a FIFO, device or socket is never read)")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
