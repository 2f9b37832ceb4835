"""The scan pipeline: discover -> prefilter -> parse -> evaluate -> findings. Never raises per file."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from auditor.policy import Policy, Settings
from auditor.records import AuditedCall, FileError, Finding, Report, Suppression
from auditor.rules import RULES
from auditor.scan.discover import Target, discover
from auditor.scan.evaluate import evaluate_call, fingerprint
from auditor.scan.suppress import parse_suppressions
from scanners.catalog import load_catalog
from scanners.records import FileScan, ScanError

_PARALLEL_MIN_FILES = 400
_ACTIONS = {"error": "error", "warn": "warning", "ignore": "off"}


@dataclass(frozen=True, slots=True)
class ScanJob:
    rel: str
    path: str
    max_bytes: int
    cache_dir: str | None = None
    policy_digest: str = ""


def scan_file(job: ScanJob) -> FileScan | None:
    """Read, prefilter and scan one file (or take it from the cache). None when it cannot hold an SDK call."""
    try:
        with open(job.path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return FileScan(job.rel, error=ScanError("read", f"cannot read file ({reason})"))
    return scan_data(job, data)


def scan_data(job: ScanJob, data: bytes) -> FileScan | None:
    """Prefilter and scan file contents (from disk or from a git blob)."""
    catalog = load_catalog()
    if not any(tok in data for tok in catalog.tokens):
        return None
    # Second stage, on the few survivors: an import line must name an SDK. A comment, a string or a
    # docstring mentioning "openai" is not worth a parse. (Notebook sources are JSON strings.)
    if catalog.import_re is not None and not job.rel.endswith(".ipynb") and not catalog.import_re.search(data):
        return None
    if len(data) > job.max_bytes:
        return FileScan(job.rel, error=ScanError(
            "size", f"file is {len(data):,} bytes, over the {job.max_bytes:,}-byte limit; raise limits.max_file_bytes "
                    "in the policy or exclude the file"))
    cache = key = None
    if job.cache_dir is not None:
        from auditor.scan.cache import ResultCache, entry_key, tool_key

        cache = ResultCache(Path(job.cache_dir))
        key = entry_key(data, job.policy_digest, tool_key(catalog.digest))
        hit = cache.get(key, job.rel)
        if hit is not None:
            return hit
    result = _scan_bytes(job.rel, data)
    # Internal errors are not cached: the next version may fix them.
    if cache is not None and key is not None and (result.error is None or result.error.kind != "internal"):
        cache.put(key, result)
    return result


def _scan_bytes(rel: str, data: bytes) -> FileScan:
    from scanners.python import scan_python

    catalog = load_catalog()
    try:
        return scan_python(rel, data, catalog)
    except RecursionError:
        return FileScan(rel, error=ScanError("syntax", "expressions nest too deeply to analyse"))
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run; it fails closed instead
        return FileScan(rel, error=ScanError("internal", f"tagaudit could not analyse this file "
                                                         f"({type(exc).__name__}: {exc}); please report it"))


def _scan_chunk(jobs: list[ScanJob]) -> list[FileScan]:
    return [fs for fs in map(scan_file, jobs) if fs is not None]


def scan_jobs(jobs: Sequence[ScanJob], workers: int | None = None) -> list[FileScan]:
    """Scan serially for small runs (the pre-commit case), in a process pool for large ones."""
    if workers is None:
        workers = min(os.cpu_count() or 1, 8) if len(jobs) >= _PARALLEL_MIN_FILES else 1
    if workers <= 1 or len(jobs) < 2:
        return _scan_chunk(list(jobs))
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    load_catalog()  # loaded once, inherited by forked workers
    ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    size = max(16, len(jobs) // (workers * 8))
    chunks = [list(jobs[i:i + size]) for i in range(0, len(jobs), size)]
    out: list[FileScan] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        for part in pool.map(_scan_chunk, chunks):
            out += part
    return out


def severity_for(rule_id: str, policy: Policy, settings: Settings) -> str:
    if rule_id in policy.severity:
        return policy.severity[rule_id]
    rule = RULES[rule_id]
    sev = rule.severity
    if rule.category == "unverifiable":
        sev = _ACTIONS[settings.unverifiable]
    if settings.mode == "showback" and sev == "error" and not rule.fail_closed:
        sev = "warning"
    return sev


def make_finding(rule_id: str, message: str | tuple[str, str], policy: Policy, settings: Settings, *, path: str,
             line: int = 1, column: int = 1, ident: Iterable[object] = (), call: AuditedCall | None = None,
             cell: int | None = None) -> Finding | None:
    sev = severity_for(rule_id, policy, settings)
    if sev == "off":
        return None
    extra: tuple[object, ...] = ()
    if isinstance(message, tuple):
        extra, message = (message[0],), message[1]
    if call is not None:
        s = call.site
        return Finding(rule_id, RULES[rule_id].name, sev, s.path, s.line, s.column, message,
                       fingerprint(rule_id, s.path, s.scope, s.operation, s.occurrence, *extra), s.end_line,
                       s.end_column, s.scope, s.operation, s.cell, s.statement_line, sev == "error")
    return Finding(rule_id, RULES[rule_id].name, sev, path, line, column, message,
                   fingerprint(rule_id, path, *ident), line, column, "<module>", None, cell, line, sev == "error")


def audit_file(fs: FileScan, policy: Policy, today: dt.date | None = None) -> tuple[list[AuditedCall], list[Finding]]:
    settings = policy.settings_for(fs.path)
    findings: list[Finding | None] = []
    if fs.error is not None:
        e = fs.error
        findings.append(make_finding("TAG901", f"{e.message}", policy, settings, path=fs.path, line=e.line,
                                 column=e.column, ident=(e.kind,), cell=e.cell))
    calls = [evaluate_call(site, policy, settings) for site in fs.call_sites]
    for call in calls:
        if call.status == "exempt":
            continue
        for rule in RULES.values():
            if rule.check is None:
                continue
            for message in rule.check(call):
                findings.append(make_finding(rule.id, message, policy, settings, path=fs.path, call=call))
    result = [f for f in findings if f is not None]
    result = _apply_suppressions(fs, result, policy, settings, today or dt.date.today())
    return calls, result


def _apply_suppressions(fs: FileScan, findings: list[Finding], policy: Policy, settings: Settings,
                        today: dt.date) -> list[Finding]:
    if not fs.comments:
        return findings
    sups, problems = parse_suppressions(fs.comments, set(RULES))
    out: list[Finding] = []
    extra: list[Finding | None] = []
    expired = [s for s in sups if s.expires is not None and s.expires < today]
    active = [s for s in sups if s not in expired]
    used: set[int] = set()
    for f in findings:
        match = next((s for s in active if s.covers(f.rule, f.statement_line or f.line, max(f.end_line, f.line),
                                                     f.cell)), None)
        if match is not None:
            used.add(id(match))
        if match is None or not RULES[f.rule].suppressible:
            out.append(f)
            continue
        if f.rule in policy.forbid_inline:
            out.append(f)
            extra.append(make_finding("TAG904", f"{f.rule} may not be suppressed inline under this policy; tag the call or "
                                            "record it in the baseline", policy, settings, path=fs.path,
                                  line=match.line, ident=(f.fingerprint,), cell=match.cell))
            continue
        sup = Suppression("inSource", match.reason or "", match.line, match.owner,
                          match.expires.isoformat() if match.expires else None)
        out.append(replace(f, suppressed=sup, blocking=False))
    for p in problems:
        extra.append(make_finding(p.rule, p.message, policy, settings, path=fs.path, line=p.line,
                                  ident=(p.message,), cell=p.cell))
    for s in expired:
        extra.append(make_finding("TAG906", f"suppression of {', '.join(s.rules)} expired on {s.expires} "
                                            f"(reason: {s.reason}); it no longer applies", policy, settings,
                                  path=fs.path, line=s.line, ident=(",".join(s.rules), s.reason), cell=s.cell))
    for s in active:
        if id(s) not in used:
            extra.append(make_finding("TAG905", f"suppression of {', '.join(s.rules)} matches no finding; delete it",
                                      policy, settings, path=fs.path, line=s.line,
                                      ident=(",".join(s.rules), s.reason), cell=s.cell))
    return out + [f for f in extra if f is not None]


def run_scan(paths: list[Path], root: Path, policy: Policy, *, workers: int | None = None,
             cache_dir: Path | None = None, today: dt.date | None = None) -> Report:
    targets: list[Target] = [t for t in discover(paths, root) if policy.settings_for(t.rel).mode != "exclude"]
    if cache_dir is not None:
        from auditor.scan.cache import prepare_cache_dir

        prepare_cache_dir(cache_dir)
    cache = str(cache_dir) if cache_dir is not None else None
    jobs = [ScanJob(t.rel, t.path, policy.max_file_bytes, cache, policy.digest) for t in targets]
    scans = sorted(scan_jobs(jobs, workers), key=lambda fs: fs.path)
    calls: list[AuditedCall] = []
    findings: list[Finding] = []
    errors: list[FileError] = []
    for fs in scans:
        c, f = audit_file(fs, policy, today)
        calls += c
        findings += f
        if fs.error is not None:
            errors.append(FileError(fs.path, fs.error.kind, fs.error.message, fs.error.line))
    findings.sort(key=lambda f: (f.path, f.line, f.column, f.rule))
    return Report(str(root), len(targets), tuple(calls), tuple(findings), tuple(errors), policy.source,
                  tuple(t.rel for t in targets))
