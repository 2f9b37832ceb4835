"""Read `# tagaudit:` comments: only real comments (tokenize), never text inside strings."""

from __future__ import annotations

import io
import re
import tokenize

from scanners.records import Comment

MARKER = "tagaudit:"
_PAIR = re.compile(r"""([A-Za-z_][\w.-]*)\s*=\s*("([^"]*)"|'([^']*)'|[^\s"']+)""")


def extract_comments(source: str) -> list[Comment]:
    """Every comment whose text starts with `tagaudit:` (after `#` and spaces)."""
    if MARKER not in source:
        return []
    out: list[Comment] = []
    lines = source.splitlines()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type != tokenize.COMMENT:
                continue
            body = tok.string.lstrip("#").strip()
            if not body.startswith(MARKER):
                continue
            row, col = tok.start
            standalone = not lines[row - 1][:col].strip() if row - 1 < len(lines) else True
            out.append(Comment(row, body[len(MARKER):].strip(), standalone,
                               anchor=_next_code_line(lines, row) if standalone else None))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        # The file already parsed with ast; a tokenizer hiccup must not lose the comments we saw.
        pass
    return out


def _next_code_line(lines: list[str], row: int) -> int | None:
    """The first line below `row` that is code, skipping further comment lines (not blank lines)."""
    for i in range(row, len(lines)):
        text = lines[i].strip()
        if not text:
            return None
        if not text.startswith("#"):
            return i + 1
    return None


def is_directive(text: str) -> bool:
    """`ignore[...]` and other directives, as opposed to tag annotations (`team=payments ...`)."""
    return text.startswith("ignore")


def parse_annotation(text: str) -> list[tuple[str, str]]:
    """`team=payments cost_center="cc 1"` -> [("team", "payments"), ("cost_center", "cc 1")]."""
    pairs = []
    for match in _PAIR.finditer(text):
        value = match.group(3) if match.group(3) is not None else match.group(4)
        pairs.append((match.group(1), value if value is not None else match.group(2)))
    return pairs
