"""Wildcards for identifiers and host names: `*` is any run of characters (including `/` and `.`), `?` one
character, case-insensitive; nothing else is special.

Not pathspec: ids (`proj_team_*`, ARNs such as `arn:aws:bedrock:*:123:application-inference-profile/*`) and
host names (`*.openai.azure.com`) are not paths, so gitignore rules (`*` stops at `/`, a pattern without `/`
matches a basename) would be wrong for them; and fnmatch has no SQL counterpart. This is the one translation:
`to_like` gives the SQL LIKE pattern DuckDB matches billing rows with, and `matches` (the scan side) compiles
that same LIKE pattern to a regex, so code and billing can never disagree on what an id glob means.
"""

from __future__ import annotations

import re
from functools import lru_cache

ESCAPE = "\\"  # the LIKE escape character: use `LIKE pattern ESCAPE '\'`


def to_like(glob: str) -> str:
    """`*`/`?` wildcard -> SQL LIKE pattern, lower-cased, with `\\` escaping LIKE's own `%`, `_` and `\\`."""
    out = []
    for ch in glob.lower():
        if ch in "\\%_":
            out.append(ESCAPE + ch)
        elif ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        else:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=4096)
def _like_regex(like: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(like):
        ch = like[i]
        if ch == ESCAPE and i + 1 < len(like):
            out.append(re.escape(like[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def matches(value: str, glob: str) -> bool:
    """Whether `value` matches the wildcard `glob`, exactly as `lower(value) LIKE to_like(glob)` in SQL."""
    return _like_regex(to_like(glob)).fullmatch(value.lower()) is not None
