"""Inline suppressions: `# tagaudit: ignore[TAG001] reason="..." [owner=...] [expires=YYYY-MM-DD]`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from scanners.python.comments import is_directive, parse_annotation
from scanners.records import Comment

_IGNORE = re.compile(r"^ignore\s*\[([^\]]*)\](.*)$", re.DOTALL)
_RULE_ID = re.compile(r"^TAG\d{3}$")


@dataclass(frozen=True, slots=True)
class InlineSuppression:
    line: int
    anchor: int | None
    cell: int | None
    rules: tuple[str, ...]
    reason: str | None
    owner: str | None
    expires: dt.date | None

    def covers(self, rule: str, statement_line: int, end_line: int, cell: int | None) -> bool:
        """On any line of the call's statement up to its last line, or standalone right above it."""
        if rule not in self.rules or cell != self.cell:
            return False
        return statement_line <= self.line <= end_line or self.anchor == statement_line


@dataclass(frozen=True, slots=True)
class SuppressionProblem:
    rule: str
    line: int
    cell: int | None
    message: str


def parse_suppressions(comments: tuple[Comment, ...], known: set[str]
                       ) -> tuple[list[InlineSuppression], list[SuppressionProblem]]:
    good: list[InlineSuppression] = []
    problems: list[SuppressionProblem] = []
    for c in comments:
        if not is_directive(c.text):
            continue
        m = _IGNORE.match(c.text)
        if m is None:
            problems.append(SuppressionProblem("TAG903", c.line, c.cell,
                                               f"cannot parse suppression {c.text!r}; write "
                                               "`# tagaudit: ignore[TAG001] reason=\"...\"`"))
            continue
        ids = [p.strip().upper() for p in re.split(r"[,\s]+", m.group(1)) if p.strip()]
        bad = [i for i in ids if not _RULE_ID.match(i) or i not in known]
        if not ids or bad:
            what = ", ".join(bad) if bad else "no rule id"
            problems.append(SuppressionProblem("TAG903", c.line, c.cell,
                                               f"suppression names unknown rule {what}; `tagaudit rules` lists them"))
            continue
        fields = dict(parse_annotation(m.group(2)))
        reason = (fields.get("reason") or "").strip() or None
        expires = None
        if "expires" in fields:
            try:
                expires = dt.date.fromisoformat(fields["expires"])
            except ValueError:
                problems.append(SuppressionProblem("TAG903", c.line, c.cell,
                                                   f"expires={fields['expires']!r} is not a date; use YYYY-MM-DD"))
                continue
        if reason is None:
            problems.append(SuppressionProblem("TAG902", c.line, c.cell,
                                               f"suppression of {', '.join(ids)} has no reason=\"...\"; it suppresses "
                                               "nothing until it says why"))
            continue
        good.append(InlineSuppression(c.line, c.anchor, c.cell, tuple(ids), reason, fields.get("owner"), expires))
    return good, problems
