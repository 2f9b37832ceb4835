"""`tagaudit fix`: scan (stdlib ast), propose, then edit only the flagged files with libcst."""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from auditor.fix.apply import fix_source
from auditor.fix.plan import FIXABLE, FIXABLE_SITES, client_names, codeowners_of, propose
from auditor.fix.records import CallFix, FileResult, FixHint, Proposal
from auditor.gate.run import GateOptions, run_gate
from auditor.policy import Policy
from auditor.records import AuditedCall, Finding, Report
from scanners.catalog import load_catalog


@dataclass(frozen=True)
class FixRun:
    report: Report  # the scan before the fix
    files: tuple[FileResult, ...]
    remaining: tuple[Finding, ...]  # blocking findings the fix does not resolve


def flagged_calls(report: Report, select: frozenset[str]) -> list[tuple[AuditedCall, list[Finding]]]:
    """Calls with an unsuppressed finding of a selected fixable rule, with those findings."""
    by_pos: dict[tuple[str, int, int], list[Finding]] = defaultdict(list)
    for f in report.findings:
        if f.rule in FIXABLE & select and f.suppressed is None:
            by_pos[(f.path, f.line, f.column)].append(f)
    out = []
    for call in report.calls:
        found = by_pos.get((call.site.path, call.site.line, call.site.column))
        if found and call.site.kind in FIXABLE_SITES:
            out.append((call, found))
    return out


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def plan_fixes(report: Report, root: Path, policy: Policy, select: frozenset[str]) -> tuple[FileResult, ...]:
    catalog = load_catalog()
    names = client_names(catalog)
    per_file: dict[str, list[Proposal]] = defaultdict(list)
    notebook: list[FileResult] = []
    for call, findings in flagged_calls(report, select):
        p = propose(call, policy, catalog, codeowners_of(findings[0]))
        if call.site.cell is not None:
            hint = FixHint("hinted", p.line, None, None, f"notebook cell {call.site.cell}: edit the cell by hand", p.keys)
            notebook.append(FileResult(p.path, None, (CallFix(p.path, p.line, p.operation, p.family, hint),)))
            continue
        per_file[call.site.path].append(p)
    out = list(notebook)
    for rel, props in sorted(per_file.items()):
        text = _read(root / rel)
        if text is None:
            out.append(FileResult(rel, None, (), "cannot read the file as UTF-8"))
            continue
        out.append(fix_source(rel, text, props, names))
    return tuple(out)


def run_fix(paths: list[Path], root: Path, policy: Policy, *, select: frozenset[str], write: bool,
            cache_dir: Path | None = None, baseline: Path | None = None) -> FixRun:
    opts = GateOptions(owners=bool(policy.owner_tags), blame=False, cache_dir=cache_dir, baseline=baseline)
    report = run_gate(paths, root, policy, opts).report
    files = plan_fixes(report, root, policy, select)
    if write:
        for result in files:
            if result.new_text is not None:
                (root / result.path).write_bytes(result.new_text.encode("utf-8"))
    resolved = {(c.path, c.line) for r in files for c in r.calls
                if c.hint.outcome == "fixed" and not c.hint.reason}
    remaining = tuple(f for f in report.findings if f.blocking and not (
        f.rule in FIXABLE and (f.path, f.line) in resolved))
    return FixRun(report, files, remaining)


def unified_diff(root: Path, result: FileResult) -> str:
    if result.new_text is None:
        return ""
    old = _read(root / result.path) or ""
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), result.new_text.splitlines(keepends=True),
                                        f"a/{result.path}", f"b/{result.path}"))
