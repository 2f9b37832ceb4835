"""Fix suggestions on scan findings, from the stdlib ast alone (libcst is the `fix` extra's, never the scan's)."""

from __future__ import annotations

import ast
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from auditor.fix.plan import (
    FIXABLE,
    FIXABLE_SITES,
    UNSEEN_CLIENT,
    argument_text,
    client_names,
    codeowners_of,
    propose,
    request_clash,
)
from auditor.fix.records import Carrier, Proposal
from auditor.policy import Policy
from auditor.records import AuditedCall, Finding, FixEdit, FixSuggestion, Report
from scanners.catalog import Catalog, load_catalog

_LITERAL = (ast.Dict, ast.List, ast.Call)  # values `tagaudit fix` can merge into


@dataclass
class _File:
    data: bytes
    starts: list[int]
    calls: list[ast.Call]

    @classmethod
    def parse(cls, data: bytes) -> _File:
        starts = [0]
        for line in data.splitlines(keepends=True):
            starts.append(starts[-1] + len(line))
        tree = ast.parse(data)
        return cls(data, starts, [n for n in ast.walk(tree) if isinstance(n, ast.Call)])

    def offset(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def position(self, offset: int) -> tuple[int, int]:
        """(line, 1-based code-point column) of a byte offset."""
        line = bisect_right(self.starts, offset) - 1
        return line + 1, len(self.data[self.starts[line]:offset].decode("utf-8", errors="ignore")) + 1

    def call_at(self, line: int, end_line: int, end_column: int) -> ast.Call | None:
        for node in self.calls:
            if (node.end_lineno == end_line and node.lineno <= line and node.end_col_offset is not None
                    and self.position(self.offset(end_line, node.end_col_offset))[1] == end_column):
                return node
        return None

    def constructor_at(self, line: int, names: frozenset[str]) -> ast.Call | None:
        for node in self.calls:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if node.lineno == line and name in names:
                return node
        return None


def _gap_end(data: bytes, start: int, close: int) -> tuple[int, int | None] | None:
    """Between the last argument and the call's `)`: where the argument really ends (after its own
    parentheses) and the offset just past a trailing comma; None when anything else is there."""
    end, comma, i = start, None, start
    while i < close:
        ch = data[i:i + 1]
        if ch == b"#":
            i = data.find(b"\n", i, close)
            i = close if i < 0 else i
            continue
        if ch == b")" and comma is None:
            end = i + 1
        elif ch == b"," and comma is None:
            comma = i + 1
        elif ch not in (b" ", b"\t", b"\n", b"\r", b"\\", b"\f"):
            return None
        i += 1
    return end, comma


def insertion(src: _File, node: ast.Call, argument: str) -> FixEdit | None:
    """The exact text to insert so that `node` passes `argument` last, or None when that is not certain."""
    if node.end_lineno is None or node.end_col_offset is None:
        return None
    close = src.offset(node.end_lineno, node.end_col_offset) - 1
    if src.data[close:close + 1] != b")" or any(isinstance(a, ast.GeneratorExp) for a in node.args):
        return None
    items: list[ast.expr] = [*node.args, *(k.value for k in node.keywords)]
    if not items:
        at, text = close, argument
    else:
        last = max(items, key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0))
        gap = _gap_end(src.data, src.offset(last.end_lineno or 0, last.end_col_offset or 0), close)
        if gap is None:
            return None
        end, comma = gap
        line_start = src.starts[bisect_right(src.starts, close) - 1]
        if comma is not None and not src.data[line_start:close].strip():  # `)` on its own line: a new line
            first = src.data[src.starts[(last.lineno or 1) - 1]:]
            indent = first[:len(first) - len(first.lstrip(b" \t"))].decode("utf-8")
            at, text = line_start, f"{indent}{argument},\n"
        elif comma is not None:
            at, text = comma, f" {argument},"
        else:
            at, text = end, f", {argument}"
    start = src.offset(node.lineno, node.col_offset)
    snippet = src.data[start:at] + text.encode("utf-8") + src.data[at:close + 1]
    try:
        ast.parse(b"(" + snippet + b"\n)")  # the call alone must still parse once the text is in
    except SyntaxError:
        return None
    line, column = src.position(at)
    return FixEdit(line, column, text)


def _reason(node: ast.Call, carriers: tuple[Carrier, ...]) -> tuple[Carrier, str | None, bool]:
    """The carrier a fix would use, why it cannot (None: it can), and whether the argument is new."""
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return carriers[0], "the call passes *args or **kwargs: the tags may already be among them", False
    reasons = []
    for carrier in carriers:
        given = next((k.value for k in node.keywords if k.arg == carrier.arg), None)
        clash = request_clash(carrier, node)
        if clash is not None:
            reasons.append(clash)
            continue
        if given is None:
            return carrier, None, True
        if isinstance(given, _LITERAL):
            return carrier, None, False
        reasons.append(f"`{carrier.arg}` is `{ast.unparse(given)}`, which the fixer cannot see into")
    return carriers[0], "; ".join(dict.fromkeys(reasons)), False


def _suggest(p: Proposal, src: _File | None, names: frozenset[str], cell: int | None) -> FixSuggestion | None:
    first = p.carriers[0] if p.carriers else p.client_carrier
    if first is None:
        return None
    missing = f"the policy gives no value for {', '.join(p.unvalued)}" if p.unvalued else None
    if cell is not None:
        return FixSuggestion("hint", p.line, argument_text(first), first.label, p.keys,
                             _join(f"notebook cell {cell}: edit the cell by hand", missing))
    if not p.carriers and p.client is None:  # the client is built where this file does not show
        return FixSuggestion("hint", p.line, argument_text(first), first.label, p.keys, _join(UNSEEN_CLIENT, missing))
    if p.client is not None and p.client_carrier is not None:
        carrier, line = p.client_carrier, p.client.line
        node = src.constructor_at(line, names) if src is not None else None
        reason, new = (None, True) if node is not None else ("the fixer could not find the client's constructor", False)
        if node is not None:
            carrier, reason, new = _reason(node, (carrier,))
    else:
        carrier, line = p.carriers[0], p.line
        node = src.call_at(p.target.line, p.target.end_line, p.target.end_column) if src is not None else None
        reason, new = ("the fixer could not find the call", False) if node is None else (None, False)
        if node is not None:
            carrier, reason, new = _reason(node, p.carriers)
    argument = argument_text(carrier)
    edit = insertion(src, node, argument) if new and src is not None and node is not None else None
    return FixSuggestion("hint" if reason else "edit", line, argument, carrier.label, p.keys,
                         _join(reason, missing), edit)


def _join(*parts: str | None) -> str | None:
    return "; ".join(p for p in parts if p) or None


def _read(path: Path) -> _File | None:
    try:
        return _File.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return None  # the scan already reported it; a hint without an exact place is still a hint


def attach_fixes(report: Report, root: Path, policy: Policy, catalog: Catalog | None = None) -> Report:
    """The report with a `fix` on each fixable finding the policy gives values for."""
    if not policy.owner_tags and not any(r.tags for r in policy.paths):
        return report  # no values to write anywhere: nothing to suggest, and no file is read
    catalog = catalog or load_catalog()
    names = client_names(catalog)
    calls = {(c.site.path, c.site.line, c.site.column): c for c in report.calls if c.site.kind in FIXABLE_SITES}
    wanted: dict[str, list[tuple[int, Finding, AuditedCall]]] = defaultdict(list)
    for i, f in enumerate(report.findings):
        call = calls.get((f.path, f.line, f.column))
        if f.rule in FIXABLE and f.suppressed is None and call is not None:
            wanted[f.path].append((i, f, call))
    findings = list(report.findings)
    for path, items in wanted.items():
        src = _read(root / path) if items[0][2].site.cell is None else None
        for i, f, call in items:
            p = propose(call, policy, catalog, codeowners_of(f))
            fix = _suggest(p, src, names, call.site.cell)
            if fix is not None:
                findings[i] = replace(f, fix=fix)
    return replace(report, findings=tuple(findings))
