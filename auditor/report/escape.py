"""Untrusted text (paths, tag values, model names, owners, notes) made inert for Markdown, terminals and CI.

Every value a reporter prints can come from the repository or billing data being audited, and the
Markdown is posted as a PR comment: a tag value must not become a link, an image, HTML, a new table
row or an @mention that notifies someone, and a file name must not recolour or rewrite a terminal or a
CI log.
"""

from __future__ import annotations

import re

# C0 and C1 controls (ESC opens ANSI sequences; CR rewrites a line), DEL, and the bidirectional
# overrides and isolates that reorder what a reviewer sees ("Trojan Source").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")
_TICKS = re.compile("`+")
# `@name` or `@org/team` where GitHub (and GitLab) would notify someone: after no word character. A zero-width
# space after the `@` (as Renovate writes them) leaves the text readable and pings nobody.
_MENTION = re.compile(r"(?<!\w)@(?=[A-Za-z0-9_])")
ZWSP = "\u200b"


def scrub(text: str) -> str:
    """Lone surrogates (from `'\\ud800'` in scanned source) as U+FFFD, so UTF-8 output cannot fail."""
    return _SURROGATE.sub("\ufffd", text)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain(text: object, keep: str = "") -> str:
    """One line for a terminal or a CI log: control, escape and bidi characters shown as `\\x1b`-style text
    (except those in `keep`, for a caller that encodes them itself)."""
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else _visible(m), scrub(str(text)))


def _line(text: object, cap: int) -> str:
    one = plain(" ".join(str(text).split()))
    return one if len(one) <= cap else one[: cap - 1] + "…"


def md_escape(text: object, cap: int = 600) -> str:
    """Text safe anywhere in Markdown, table cells included: no HTML, emphasis, links, headings, cell
    breaks or @mentions, on one line, at most `cap` characters."""
    one = _line(text, cap).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@" + ZWSP, _MD_SPECIAL.sub(r"\\\1", one))


def md_code(text: object, *, cap: int = 300, in_table: bool = True) -> str:
    """An inline code span showing `text` literally: the fence is longer than any backtick run inside it.

    In a table, `|` is still a cell break inside a code span (GFM), so it is escaped; GFM drops the
    backslash when it renders the cell.
    """
    one = _line(text, cap)
    fence = "`" * (max((len(m) for m in _TICKS.findall(one)), default=0) + 1)
    pad = " " if one.startswith("`") or one.endswith("`") or not one.strip(" ") else ""
    if in_table:
        one = one.replace("|", "\\|")
    return f"{fence}{pad}{one}{pad}{fence}"
