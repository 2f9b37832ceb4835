"""The CI gate around a scan: baseline, diff-aware filtering and owners, in that order."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from auditor.gate.baseline import BASELINE_NAME, Baseline, BaselineEntry, apply_baseline, load_baseline
from auditor.gate.gitdiff import DiffBase
from auditor.policy import Policy
from auditor.records import Finding, Report
from auditor.scan.engine import ScanJob, audit_file, make_finding, run_scan, scan_data
from scanners.errors import TagauditError


@dataclass(frozen=True)
class GateResult:
    report: Report
    changed_lines: frozenset[tuple[str, int]] | None = None  # (path, line) added or changed, in diff mode


@dataclass
class GateOptions:
    diff_base: str | None = None
    changed_lines: bool = False
    baseline: Path | None = None
    use_baseline: bool = True
    owners: bool = True
    blame: bool = True  # False when no output shows owners: CODEOWNERS is still checked (exit 2), git blame skipped
    cache_dir: Path | None = None
    workers: int | None = None
    today: dt.date = field(default_factory=dt.date.today)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()


def entry_in_scope(path: str, report: Report, root: Path) -> bool:
    """A baseline entry is judged when its file was scanned, or is gone (a subset run judges nothing else)."""
    return path in set(report.paths) or not (root / path).exists()


def baseline_path(root: Path, explicit: Path | None) -> Path:
    return explicit if explicit is not None else root / BASELINE_NAME


def _governance(baseline: Baseline, expired: list[BaselineEntry], used: list[BaselineEntry], report: Report,
                policy: Policy, root: Path) -> list[Finding]:
    where = _rel(baseline.path, root)
    settings = policy.settings_for(where)
    out: list[Finding | None] = []
    for e in expired:
        out.append(make_finding("TAG908", f"baseline entry for {e.rule} at {e.path} ({e.operation or e.scope}) expired "
                                          f"on {e.expires} (owner {e.owner or 'unknown'}, reason: {e.reason})",
                                policy, settings, path=where, line=e.line, ident=(e.fingerprint,)))
    used_prints = {e.fingerprint for e in used}
    for e in baseline.entries:
        if e.fingerprint not in used_prints and entry_in_scope(e.path, report, root):
            out.append(make_finding("TAG907", f"baseline entry for {e.rule} at {e.path} ({e.operation or e.scope}) "
                                              "matches no finding; run `tagaudit baseline update --prune-only`",
                                    policy, settings, path=where, line=e.line, ident=(e.fingerprint,)))
    return [f for f in out if f is not None]


def _base_fingerprints(diff: DiffBase, changed: dict[str, str], policy: Policy, today: dt.date) -> set[str]:
    """Identities at the merge base of every changed file that existed there (renames keep their new path)."""
    from auditor.gate.gitdiff import read_blobs

    blobs = read_blobs(diff.repo_root, diff.base, sorted(set(changed.values())))
    prints: set[str] = set()
    for rel, old in changed.items():
        data = blobs.get(old)
        fs = scan_data(ScanJob(rel, "", policy.max_file_bytes), data) if data is not None else None
        if fs is not None:
            prints |= {f.fingerprint for f in audit_file(fs, policy, today)[1]}
    return prints


def _filter_new(report: Report, findings: list[Finding], root: Path, opts: GateOptions, policy: Policy
                ) -> tuple[list[Finding], list[str], frozenset[tuple[str, int]]]:
    from auditor.gate.gitdiff import resolve_base

    assert opts.diff_base is not None
    diff = resolve_base(root, opts.diff_base)
    prefix = _rel(root, diff.repo_root)
    prefix = "" if prefix in (".", "") else prefix + "/"
    sources = set(report.paths)
    changed: dict[str, str] = {}
    touched: set[str] = set()
    for rel in sources:
        repo_path = prefix + rel
        if repo_path in diff.changed:
            touched.add(rel)
            old = diff.changed[repo_path]
            if old is not None:
                changed[rel] = old
    base = set() if opts.changed_lines else _base_fingerprints(diff, changed, policy, opts.today)
    kept: list[Finding] = []
    hidden = 0
    for f in findings:
        if f.path not in sources:
            kept.append(f)  # findings about the baseline itself are never pre-existing code
        elif f.path not in touched:
            hidden += 1
        elif opts.changed_lines:
            if f.cell is not None or diff.touches(prefix + f.path, f.statement_line or f.line, max(f.end_line, f.line)):
                kept.append(f)
            else:
                hidden += 1
        elif f.fingerprint in base:
            hidden += 1
        else:
            kept.append(f)
    mode = "changed lines" if opts.changed_lines else "new findings"
    note = (f"diff-aware ({mode}) against {opts.diff_base} (merge base {diff.base[:12]}): {len(touched)} changed "
            f"file(s) scanned for new findings; {hidden} pre-existing finding(s) not shown")
    lines = frozenset((rel, n) for rel in touched for n in diff.lines.get(prefix + rel, ()))
    return kept, [note], lines


def run_gate(paths: list[Path], root: Path, policy: Policy, opts: GateOptions) -> GateResult:
    report = run_scan(paths, root, policy, workers=opts.workers, cache_dir=opts.cache_dir, today=opts.today)
    findings = list(report.findings)
    notes: list[str] = list(report.notes)  # files the scan refused to open
    bpath = baseline_path(root, opts.baseline)
    if opts.use_baseline and (bpath.exists() or opts.baseline is not None):
        if not bpath.exists():
            raise TagauditError("baseline file not found", where=str(bpath),
                                hint="create it with `tagaudit baseline create` or drop --baseline")
        baseline = load_baseline(bpath, root if opts.baseline is None else None)
        findings, expired, used = apply_baseline(findings, baseline, opts.today)
        findings += _governance(baseline, expired, used, report, policy, root)
        notes.append(f"baseline {_rel(bpath, root)}: {len(baseline.entries)} entries, {len(used)} matched, "
                     f"{len(expired)} expired")
    changed = None
    if opts.diff_base is not None:
        findings, diff_notes, changed = _filter_new(report, findings, root, opts, policy)
        notes += diff_notes
    findings.sort(key=lambda f: (f.path, f.line, f.column, f.rule))
    report = replace(report, findings=tuple(findings), notes=tuple(notes))
    if opts.owners:
        report = _with_owners(report, root, opts.cache_dir, blame=opts.blame)
    return GateResult(report, changed)


def _with_owners(report: Report, root: Path, cache_dir: Path | None, *, blame: bool) -> Report:
    if not report.findings:
        return report
    from auditor.owners.assign import assign_owners, repo_root_of
    from auditor.owners.blame import BlameCache

    cache = BlameCache(cache_dir / "blame.json") if cache_dir is not None else None
    result = assign_owners(report, repo_root_of(root, cache=cache), cache=cache, blame=blame)
    if cache is not None:
        cache.save()
    return result
