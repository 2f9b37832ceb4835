"""Policy `pattern`s, matched with RE2: linear time whatever the pattern, so `(a+)+$` cannot hang a scan.

Patterns come from policy authors and values from the code being scanned; with a backtracking engine a
32-character value against `(a+)+$` takes minutes. RE2 has no backreferences or lookaround, which tag
naming rules never need; a pattern that uses them is rejected when the policy is checked.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from scanners.errors import clip


def _re2() -> Any:
    """google-re2, imported on the first pattern (most runs have none): a few ms of every hook run otherwise."""
    import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

    return re2


def _options() -> Any:
    options = _re2().Options()
    options.log_errors = False  # RE2 would otherwise print every rejected pattern to stderr
    return options


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Any:
    """The compiled pattern; raises ValueError with RE2's reason when RE2 cannot run it."""
    re2 = _re2()
    try:
        return re2.compile(pattern, options=_options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise ValueError(clip(text, 120)) from exc
    except UnicodeEncodeError as exc:
        raise ValueError("the pattern holds a lone surrogate") from exc


def pattern_problem(pattern: str) -> str | None:
    """Why RE2 will not take `pattern` (for `tagaudit policy check`), or None."""
    try:
        compile_pattern(pattern)
    except ValueError as exc:
        return str(exc)
    return None


def full_match(pattern: str, value: str) -> bool:
    """Whether all of `value` matches `pattern` (a lone surrogate in `value` reads as U+FFFD)."""
    text = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if not value.isascii() else value
    return compile_pattern(pattern).fullmatch(text) is not None
