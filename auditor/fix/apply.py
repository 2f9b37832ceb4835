"""Apply one file's proposals: find each call with the stdlib ast, edit its text with libcst, splice it back."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from auditor.fix.cstedit import Refused, edit_call_text
from auditor.fix.plan import UNSEEN_CLIENT, argument_text, request_clash
from auditor.fix.records import CallFix, Carrier, FileResult, FixHint, Proposal, Target


@dataclass
class _Source:
    text: str
    starts: list[int]  # byte offset of each line start in the UTF-8 text
    data: bytes
    calls: list[ast.Call]

    @classmethod
    def read(cls, text: str) -> _Source:
        data = text.encode("utf-8")
        starts = [0]
        for line in data.splitlines(keepends=True):
            starts.append(starts[-1] + len(line))
        tree = ast.parse(data)
        return cls(text, starts, data, [n for n in ast.walk(tree) if isinstance(n, ast.Call)])

    def span(self, node: ast.Call) -> tuple[int, int]:
        assert node.end_lineno is not None and node.end_col_offset is not None
        return self.starts[node.lineno - 1] + node.col_offset, self.starts[node.end_lineno - 1] + node.end_col_offset

    def char_col(self, line: int, byte_col: int) -> int:
        start = self.starts[line - 1]
        return len(self.data[start:start + byte_col].decode("utf-8", errors="ignore")) + 1

    def find(self, target: Target, names: frozenset[str] = frozenset()) -> ast.Call | None:
        for node in self.calls:
            if target.end_line:
                if (node.end_lineno == target.end_line and node.lineno <= target.line
                        and self.char_col(target.end_line, node.end_col_offset or 0) == target.end_column):
                    return node
            elif node.lineno == target.line and _name(node.func) in names:
                return node
        return None


def _name(func: ast.expr) -> str | None:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


@dataclass
class _Edit:
    start: int
    end: int
    text: str


def _try(src: _Source, node: ast.Call, carriers: tuple[Carrier, ...]) -> tuple[_Edit, Carrier] | str:
    """The first carrier that can be written into the call, or the reason none can."""
    start, end = src.span(node)
    text = src.data[start:end].decode("utf-8")
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return "the call passes *args or **kwargs: the tags may already be among them, and adding them could clash"
    reasons = []
    for carrier in carriers:
        clash = request_clash(carrier, node)
        if clash is not None:
            reasons.append(clash)
            continue
        try:
            return _Edit(start, end, edit_call_text(text, carrier)), carrier
        except Refused as exc:
            reasons.append(str(exc))
    return "; ".join(dict.fromkeys(reasons))


def _hint(p: Proposal, outcome: str, line: int, carrier: Carrier | None, reason: str | None) -> CallFix:
    if p.unvalued:
        missing = f"the policy gives no value for {', '.join(p.unvalued)}: add it to paths[].tags or owners"
        reason = f"{reason}; {missing}" if reason else missing
    argument = argument_text(carrier) if carrier is not None else None
    hint = FixHint(outcome, line, argument, carrier.label if carrier else None, reason,  # type: ignore[arg-type]
                   p.keys if carrier else ())
    return CallFix(p.path, p.line, p.operation, p.family, hint)


def _no_carrier(p: Proposal) -> CallFix:
    if not p.keys:
        return _hint(p, "left", p.line, None, None)
    if p.note:
        return _hint(p, "left", p.line, None, p.note)
    if p.client_carrier is not None:
        return _hint(p, "hinted", p.line, p.client_carrier, UNSEEN_CLIENT)
    return _hint(p, "left", p.line, None, "no tag carrier of this call meets the policy's minimum grade "
                                          "(a scope mapped in scope_map, or the policy's `gateway`, may)")


def _client_edits(src: _Source, props: list[Proposal], names: frozenset[str], taken: list[_Edit]
                  ) -> dict[int, CallFix]:
    """One constructor edit for all flagged calls of a client that would get the same tags. A call with no
    carrier of its own gets a hint when that edit cannot be made; the others fall back to a call edit."""
    done: dict[int, CallFix] = {}
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(props):
        if p.client is not None and p.client_carrier is not None:
            groups.setdefault(p.client.line, []).append(i)
    for line, members in groups.items():
        carrier, client = props[members[0]].client_carrier, props[members[0]].client
        assert carrier is not None and client is not None  # grouped above on both being set
        node = src.find(client, names)
        if len({props[i].client_carrier for i in members}) != 1:
            result: tuple[_Edit, Carrier] | str = "the client's calls need different tag values: tag each call"
        elif node is None:
            result = "the fixer could not find the client's constructor"
        else:
            result = _try(src, node, (carrier,))
            result = f"at the client's constructor, {result}" if isinstance(result, str) else result
            if not isinstance(result, str) and _overlaps(result[0], taken):
                result = "inside another call being fixed: run fix again"
        if isinstance(result, str):
            done.update({i: _hint(props[i], "hinted", line, props[i].client_carrier, result)
                         for i in members if not props[i].carriers})
            continue
        taken.append(result[0])
        for i in members:
            done[i] = _hint(props[i], "fixed", line, result[1], None)
    return done


def _overlaps(edit: _Edit, taken: list[_Edit]) -> bool:
    return any(edit.start < t.end and t.start < edit.end for t in taken)


def fix_source(path: str, text: str, props: list[Proposal], client_names: frozenset[str]) -> FileResult:
    """Apply every proposal that can be applied; the result must still compile, or nothing is written."""
    try:
        src = _Source.read(text)
    except (SyntaxError, ValueError) as exc:
        return FileResult(path, None, (), f"cannot parse: {exc}")
    edits: list[_Edit] = []
    fixes = _client_edits(src, props, client_names, edits)
    for i, p in enumerate(props):
        if i in fixes:
            continue
        if not p.carriers:
            fixes[i] = _no_carrier(p)
            continue
        node = src.find(p.target)
        result = _try(src, node, p.carriers) if node is not None else "the fixer could not find the call"
        if isinstance(result, str):
            fixes[i] = _hint(p, "hinted", p.line, p.carriers[0], result)
        elif _overlaps(result[0], edits):
            fixes[i] = _hint(p, "hinted", p.line, result[1], "inside another call being fixed: run fix again")
        else:
            edits.append(result[0])
            fixes[i] = _hint(p, "fixed", p.line, result[1], None)
    calls = tuple(fixes[i] for i in range(len(props)))
    if not edits:
        return FileResult(path, None, calls)
    data = src.data
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        data = data[:e.start] + e.text.encode("utf-8") + data[e.end:]
    new_text = data.decode("utf-8")
    try:
        compile(new_text, path, "exec", dont_inherit=True, flags=ast.PyCF_ONLY_AST)
    except SyntaxError as exc:  # a fixer bug must never leave a broken file behind
        return FileResult(path, None, calls, f"the fixed source does not compile ({exc}); nothing written")
    return FileResult(path, new_text, calls)
