"""Path globs for policy scopes: `**` spans directories, a pattern without '/' matches any basename."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable


def glob_to_regex(pattern: str) -> str:
    pattern = pattern.strip()
    pattern = pattern.removeprefix("./")
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.removeprefix("/")
    if pattern.endswith("/"):
        pattern += "**"
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("(?:/.*)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif ch == "*":
            out.append("[^/]*")
            i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(ch))
                i += 1
            else:
                body = pattern[i + 1:end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(ch))
            i += 1
    body = "".join(out)
    return f"^{body}$" if anchored else f"^(?:.*/)?{body}$"


def compile_globs(patterns: Iterable[str]) -> Callable[[str], bool]:
    regexes = [glob_to_regex(p) for p in patterns]
    if not regexes:
        return lambda path: False
    combined = re.compile("|".join(f"(?:{r})" for r in regexes))
    return lambda path: combined.match(path) is not None
