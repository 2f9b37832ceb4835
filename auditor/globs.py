"""Path globs for policy scopes, with gitignore semantics (pathspec): `*` stays within a directory, `**` spans
directories, a glob without `/` matches a file or directory name at any depth, a glob with `/` is anchored at
the scan root, a trailing `/` matches a directory's contents, and `!` re-excludes within one rule's list.

Id and host globs are not paths: see scanners/wildcard.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

# Pattern list -> the one regex pathspec's patterns amount to ("" when nothing is active), filled from the sealed
# policy cache so that a run whose policy is cached never imports pathspec (~30 modules of a pre-commit run).
_KNOWN: dict[tuple[str, ...], str] = {}


def _lines(patterns: Iterable[str]) -> list[str]:
    # `./src/**` is how people write a root-relative path; gitignore spells it `/src/**`.
    lines = ["/" + p[2:] if p.startswith("./") else p for p in (p.strip() for p in patterns)]
    return [p for p in lines if p]


def _spec(patterns: Iterable[str]) -> Any:
    import pathspec  # lazily: `tagaudit --version` and friends need no glob engine

    return pathspec.GitIgnoreSpec.from_lines(_lines(patterns))


def translate(patterns: Iterable[str]) -> str | None:
    """The single regex that matches exactly the paths pathspec's spec for `patterns` matches, or None when
    there is none (a `!` re-exclusion, or a pathspec release shaping its regexes differently)."""
    active = [p for p in _spec(patterns).patterns if p.include is not None]  # comments and blanks: None
    regexes = [p.regex for p in active if p.include and isinstance(p.regex, re.Pattern)]
    if len(regexes) != len(active):
        return None
    # No `!`: a path matches iff one of pathspec's own regexes matches it, so one alternation of them does
    # in a single pass (about twice as fast as spec.match_file per rule, which policies pay per file on every
    # scan). Group names are made unique so the alternation compiles.
    combined = "|".join(f"(?:{r.pattern.replace('(?P<', f'(?P<g{i}_')})" for i, r in enumerate(regexes))
    try:
        re.compile(combined)
    except re.error:
        return None
    return combined


def preload(known: dict[tuple[str, ...], str]) -> None:
    """Translations `translate` gave earlier for these pattern lists (from the sealed policy cache)."""
    _KNOWN.update(known)


def compile_globs(patterns: Iterable[str]) -> Callable[[str], bool]:
    """One matcher over repo-relative POSIX paths for a list of globs; compile once per policy rule."""
    patterns = tuple(patterns)
    combined = _KNOWN.get(patterns)
    if combined is None:
        combined = translate(patterns)
    if combined is None:
        return _spec(patterns).match_file  # type: ignore[no-any-return]
    if not combined:
        return lambda path: False
    compiled = re.compile(combined)
    return lambda path: compiled.match(path) is not None
