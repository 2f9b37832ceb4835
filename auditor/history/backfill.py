"""Call sites as of each month end, backfilled from git objects (nothing checked out, nothing executed).

The tree at the last commit on HEAD's first-parent chain whose committer time is before the month's end
(00:00 UTC on the 1st of the next month) is listed with `ls-tree` and its blobs read with `cat-file`;
each candidate file goes through the real scanner (`scan_data`, the per-file result cache keyed by blob
content), and each call site through the policy the caller gives. That is HEAD's policy, never the one
committed in history: old, untrusted commits must not change today's verdict, and a trend must measure
code, not policy edits. Not done yet: cross-module linking (phase 2 of a whole-repo scan).

Per-commit results are cached in CACHE_DIR/history as sealed JSON (the scan cache's MAC and key): an entry
that does not verify or has the wrong shape is recomputed, never trusted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from auditor import gitcmd
from auditor.policy import Policy
from auditor.scan.discover import PRUNE_DIRS, SUFFIXES
from auditor.scan.engine import ScanJob, audit_file, scan_data
from scanners.errors import TagauditError

__all__ = ["MonthSnapshot", "SiteKey", "month_end_snapshots", "site_changes"]
_FORMAT = 1
_CEILING = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True, order=True)
class SiteKey:
    """A call site's identity across commits: no line numbers, which drift."""

    path: str
    provider: str
    operation: str
    scope: str
    occurrence: int


@dataclass(frozen=True, slots=True)
class MonthSnapshot:
    month: str
    commit: str | None
    committed_at: str | None
    call_sites: int
    tagged_call_sites: int
    sites: frozenset[SiteKey]
    note: str | None
    errors: tuple[str, ...] = ()  # "path: why" for each file that could not be scanned (a TAG901 finding)


@dataclass(frozen=True, slots=True)
class _TreeScan:
    call_sites: int
    tagged: int
    sites: frozenset[SiteKey]
    errors: tuple[str, ...]


def _month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    try:
        start = dt.datetime.strptime(month + "-01", "%Y-%m-%d").replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise TagauditError(f"not a month: {month!r}", hint="write months as YYYY-MM") from exc
    nxt = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, nxt


def _scan_tree(root: Path, commit: str, policy: Policy, cache_dir: Path | None, today: dt.date) -> _TreeScan:
    files = [(p, oid, size) for p, oid, size in gitcmd.tree_files(root, commit)
             if p.endswith(SUFFIXES) and not (set(p.split("/")[:-1]) & PRUNE_DIRS)
             and policy.settings_for(p).mode != "exclude"]
    errors = [f"{p}: blob of {size:,} bytes not read" for p, _, size in files if size > _CEILING]
    blobs = gitcmd.read_objects(root, [oid for _, oid, size in files if size <= _CEILING])
    cache = str(cache_dir) if cache_dir is not None else None
    calls, sites = 0, set()
    tagged = 0
    for path, oid, size in files:
        if size > _CEILING:
            continue
        fs = scan_data(ScanJob(path, "", policy.max_file_bytes, cache, policy.digest), blobs[oid])
        if fs is None:
            continue
        if fs.error is not None:
            errors.append(f"{path}: {fs.error.message} (line {fs.error.line})")
        audited, _ = audit_file(fs, policy, today)
        calls += len(audited)
        tagged += sum(1 for c in audited if c.status == "tagged")
        sites |= {SiteKey(c.site.path, c.site.provider, c.site.operation, c.site.scope, c.site.occurrence)
                  for c in audited}
    return _TreeScan(calls, tagged, frozenset(sites), tuple(errors))


def _context(commit: str, policy: Policy) -> str:
    from auditor.scan.cache import tool_key
    from scanners.catalog import load_catalog

    return f"history:{_FORMAT}:{commit}:{policy.digest}:{tool_key(load_catalog().digest)}"


def _cached(cache_dir: Path | None, commit: str, policy: Policy) -> _TreeScan | None:
    from auditor.scan.cache import read_private, safe_dir, unseal

    folder = safe_dir(cache_dir, "history", create=False) if cache_dir is not None else None
    if folder is None:
        return None
    body = unseal(_context(commit, policy), read_private(folder / f"{commit}.{policy.digest}.json", 1 << 26))
    try:
        raw = json.loads(body) if body is not None else None
        if type(raw) is not dict or set(raw) != {"calls", "tagged", "sites", "errors"}:
            return None
        sites = frozenset(SiteKey(*s) for s in raw["sites"] if [type(x) for x in s] == [str, str, str, str, int])
        if len(sites) != len(raw["sites"]) or type(raw["calls"]) is not int or type(raw["tagged"]) is not int \
                or not all(type(e) is str for e in raw["errors"]):
            return None
        return _TreeScan(raw["calls"], raw["tagged"], sites, tuple(raw["errors"]))
    except (ValueError, TypeError, RecursionError):
        return None


def _store(cache_dir: Path | None, commit: str, policy: Policy, scan: _TreeScan) -> None:
    from auditor.scan.cache import safe_dir, write_sealed

    folder = safe_dir(cache_dir, "history", create=True) if cache_dir is not None else None
    if folder is not None:
        body = json.dumps({"calls": scan.call_sites, "tagged": scan.tagged, "errors": list(scan.errors),
                           "sites": [[s.path, s.provider, s.operation, s.scope, s.occurrence] for s in sorted(scan.sites)]})
        write_sealed(folder, f"{commit}.{policy.digest}.json", _context(commit, policy), body.encode())


def _empty(month: str, note: str) -> MonthSnapshot:
    return MonthSnapshot(month, None, None, 0, 0, frozenset(), note)


def month_end_snapshots(root: Path, months: Sequence[str], *, policy: Policy, cache_dir: Path | None = None,
                        now: dt.datetime | None = None, rev: str = "HEAD") -> list[MonthSnapshot]:
    """One snapshot per month, in the order given; missing history is said in `note`, never raised."""
    now = now or dt.datetime.now(dt.UTC)
    bounds = [(m, *_month_bounds(m)) for m in months]
    shallow = gitcmd.shallow_state(root)
    if shallow is None:
        return [_empty(m, f"not a git repository: {root}") for m in months]
    try:
        chain = gitcmd.first_parent_commits(root, rev)
    except gitcmd.GitError as exc:
        return [_empty(m, f"repository has no commits ({exc})") for m in months]
    return [_snapshot(root, m, start, end, chain, shallow, policy, cache_dir, now) for m, start, end in bounds]


def _snapshot(root: Path, month: str, start: dt.datetime, end: dt.datetime, chain: list[tuple[str, int]],
              shallow: bool, policy: Policy, cache_dir: Path | None, now: dt.datetime) -> MonthSnapshot:
    if start > now:
        return _empty(month, f"month has not begun: as of {now.date().isoformat()}")
    cut = min(end, now)
    # First-parent order, newest first: the first commit before the cut is the one in force then.
    pick = next(((oid, t) for oid, t in chain if t < cut.timestamp()), None)
    last_day = (end - dt.timedelta(days=1)).date().isoformat()
    if pick is None:
        oldest = dt.datetime.fromtimestamp(chain[-1][1], dt.UTC).date().isoformat() if chain else "?"
        if shallow:
            return _empty(month, f"shallow clone: history before {oldest} is not available; "
                                 "fetch it with `git fetch --unshallow`")
        return _empty(month, f"repository has no commit before {last_day} (first commit {oldest})")
    oid, stamp = pick
    scan = _cached(cache_dir, oid, policy)
    if scan is None:
        try:
            scan = _scan_tree(root, oid, policy, cache_dir, end.date())
        except gitcmd.GitError as exc:
            return _empty(month, f"git could not read the tree of {oid[:12]}: {exc}")
        _store(cache_dir, oid, policy, scan)
    notes = [f"month not over yet: as of {now.date().isoformat()}"] if end > now else []
    if shallow and pick == chain[-1]:
        notes.append("shallow clone: this is the oldest commit available; the true month-end commit may be older")
    if scan.errors:
        notes.append(f"{len(scan.errors)} file(s) could not be scanned: {scan.errors[0]}")
    return MonthSnapshot(month, oid, dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(), scan.call_sites,
                         scan.tagged, scan.sites, "; ".join(notes) or None, scan.errors)


def site_changes(a: MonthSnapshot, b: MonthSnapshot) -> tuple[list[SiteKey], list[SiteKey]]:
    """(added, removed) call sites from month a to month b, sorted. A file renamed with its sites is no change:
    a vanished path whose sites all reappear (same provider, operation, scope, ordinal) under one new path."""
    added, removed = b.sites - a.sites, a.sites - b.sites
    old_paths, new_paths = {s.path for s in a.sites}, {s.path for s in b.sites}

    def tails(sites: frozenset[SiteKey], path: str) -> frozenset[tuple[str, str, str, int]]:
        return frozenset((s.provider, s.operation, s.scope, s.occurrence) for s in sites if s.path == path)
    gone = {p: tails(removed, p) for p in old_paths - new_paths}
    fresh = {p: tails(added, p) for p in new_paths - old_paths}
    for old, sig in gone.items():
        match = next((p for p, s in fresh.items() if s == sig), None)
        if match is not None:
            del fresh[match]
            added = frozenset(s for s in added if s.path != match)
            removed = frozenset(s for s in removed if s.path != old)
    return sorted(added), sorted(removed)
