"""Standard output that fails as a usage error (exit 2, one line) when it cannot be written: a full disk, a closed pipe."""

from __future__ import annotations

import errno
import os
import sys
from typing import Any, TextIO, cast

from scanners.errors import TagauditError


class OutputClosed(Exception):
    """Standard output went away mid-run (`tagaudit ... | head`)."""


class _GuardedStdout:
    """Wraps the real stream; everything but write and flush passes through (rich asks for isatty, fileno...)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise _broken(self._stream, exc) from exc

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise _broken(self._stream, exc) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _broken(stream: TextIO, exc: OSError) -> TagauditError:
    # The unwritten bytes stay buffered; point the descriptor at /dev/null so the interpreter's own flush
    # at exit succeeds instead of printing a second, uglier error (the Python docs' advice for EPIPE).
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    hint = ("the reader stopped early; write to a file with --output FORMAT=PATH instead" if exc.errno == errno.EPIPE
            else "free space where the output goes, or redirect it elsewhere")
    return TagauditError(f"cannot write to standard output ({exc.strerror or exc})", hint=hint)


class _ClosedStdout:
    """Stands in for a closed standard output (`>&-`), where Python sets sys.stdout to None."""

    def write(self, text: str) -> int:
        raise TagauditError("cannot write to standard output (it is closed)", hint="run with an open standard output")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def guard_stdout() -> None:
    if sys.stdout is None:
        sys.stdout = cast(TextIO, _ClosedStdout())
    elif not isinstance(sys.stdout, (_GuardedStdout, _ClosedStdout)):
        sys.stdout = cast(TextIO, _GuardedStdout(sys.stdout))
