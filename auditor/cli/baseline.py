"""`tagaudit baseline create|update` and `tagaudit suppressions` (the auditor's inventory of exceptions)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from auditor.cli import options
from auditor.cli.options import BaselineOpt, CacheDirOpt, NoCacheOpt, Paths, PolicyOpt, RootOpt
from scanners.errors import EXIT_CLEAN, TagauditError

baseline_app = typer.Typer(help="Record existing findings as debt with a reason, an owner and an expiry.",
                           no_args_is_help=True)

ReasonOpt = Annotated[str, typer.Option("--reason", help="Why these findings are accepted for now.")]
OwnerOpt = Annotated[str | None, typer.Option("--owner", help="Owner for every new entry (default: each finding's "
                                                              "owner from CODEOWNERS or git blame).")]
ExpiresOpt = Annotated[str | None, typer.Option("--expires", metavar="YYYY-MM-DD", help="Expiry of new entries.")]
ExpiresInOpt = Annotated[int, typer.Option("--expires-in", metavar="DAYS", help="Expiry in days from today.")]


def _expiry(expires: str | None, days: int) -> dt.date:
    if expires is None:
        return dt.date.today() + dt.timedelta(days=days)
    try:
        return dt.date.fromisoformat(expires)
    except ValueError as exc:
        raise TagauditError(f"--expires {expires!r} is not a date", hint="use YYYY-MM-DD") from exc


def _raw_findings(paths: list[Path] | None, root: Path | None, policy: Path | None, cache_dir: Path | None,
                  no_cache: bool, *, owners: bool) -> tuple[Path, Any]:
    from auditor.gate.run import GateOptions, run_gate
    from auditor.policy import discover_policy
    from auditor.scan.cache import cache_dir_for

    targets, root = options.resolve_targets(paths, root)
    pol = discover_policy(root, policy)
    opts = GateOptions(use_baseline=False, owners=owners, cache_dir=cache_dir_for(root, cache_dir, no_cache))
    return root, run_gate(targets, root, pol, opts).report


@baseline_app.command("create")
def baseline_create(
    paths: Paths = None, policy: PolicyOpt = None, root: RootOpt = None, baseline: BaselineOpt = None,
    reason: ReasonOpt = "existing debt recorded when tagaudit was adopted", owner: OwnerOpt = None,
    expires: ExpiresOpt = None, expires_in: ExpiresInOpt = 90,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing baseline.")] = False,
    cache_dir: CacheDirOpt = None, no_cache: NoCacheOpt = False,
) -> None:
    """Write every open finding to the baseline, so the gate blocks only new ones."""
    from auditor.gate.baseline import baselinable, entry_for, write_baseline
    from auditor.gate.run import baseline_path

    until = _expiry(expires, expires_in)
    root_dir, report = _raw_findings(paths, root, policy, cache_dir, no_cache, owners=owner is None)
    target = baseline_path(root_dir, baseline)
    if target.exists() and not force:
        raise TagauditError("baseline already exists", where=str(target),
                            hint="use `tagaudit baseline update`, or --force to start over")
    entries = [entry_for(f, reason, owner, until) for f in report.findings if baselinable(f)]
    write_baseline(target, entries)
    sys.stdout.write(f"wrote {len(entries)} entries to {target} (expire {until})\n")


@baseline_app.command("update")
def baseline_update(
    paths: Paths = None, policy: PolicyOpt = None, root: RootOpt = None, baseline: BaselineOpt = None,
    prune_only: Annotated[bool, typer.Option("--prune-only", help="Only remove entries that match nothing.")] = False,
    allow_add: Annotated[bool, typer.Option("--allow-add", help="Also add findings that are not recorded yet.")] = False,
    reason: ReasonOpt = "accepted in a baseline update", owner: OwnerOpt = None, expires: ExpiresOpt = None,
    expires_in: ExpiresInOpt = 90, cache_dir: CacheDirOpt = None, no_cache: NoCacheOpt = False,
) -> None:
    """Drop entries whose findings are gone; add new ones only with --allow-add (the ratchet)."""
    from auditor.gate.baseline import baselinable, entry_for, load_baseline, write_baseline
    from auditor.gate.run import baseline_path, entry_in_scope

    if prune_only and allow_add:
        raise TagauditError("--prune-only and --allow-add contradict each other", hint="pick one")
    root_dir, report = _raw_findings(paths, root, policy, cache_dir, no_cache, owners=allow_add and owner is None)
    target = baseline_path(root_dir, baseline)
    if not target.exists():
        raise TagauditError("no baseline to update", where=str(target), hint="run `tagaudit baseline create`")
    current = load_baseline(target)
    open_findings = {f.fingerprint: f for f in report.findings if baselinable(f)}
    kept = [e for e in current.entries
            if e.fingerprint in open_findings or not entry_in_scope(e.path, report, root_dir)]
    recorded = {e.fingerprint for e in current.entries}
    new = [f for fp, f in open_findings.items() if fp not in recorded]
    added = [entry_for(f, reason, owner, _expiry(expires, expires_in)) for f in new] if allow_add else []
    write_baseline(target, kept + added)
    removed = len(current.entries) - len(kept)
    sys.stdout.write(f"{target}: removed {removed}, added {len(added)}, kept {len(kept)}\n")
    if new and not allow_add:
        sys.stdout.write(f"{len(new)} open finding(s) are not in the baseline and will fail the gate; "
                         "tag them, or add them with --allow-add\n")


def suppressions(
    paths: Paths = None, policy: PolicyOpt = None, root: RootOpt = None, baseline: BaselineOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="console or json.")] = "console",
    cache_dir: CacheDirOpt = None, no_cache: NoCacheOpt = False,
) -> None:
    """List every inline suppression and baseline entry with reason, owner, expiry and status."""
    from auditor.gate.run import GateOptions, run_gate
    from auditor.policy import discover_policy
    from auditor.scan.cache import cache_dir_for

    targets, root_dir = options.resolve_targets(paths, root)
    pol = discover_policy(root_dir, policy)
    opts = GateOptions(baseline=baseline, owners=False, cache_dir=cache_dir_for(root_dir, cache_dir, no_cache))
    report = run_gate(targets, root_dir, pol, opts).report
    rows = _inventory(report, root_dir, baseline)
    if fmt == "json":
        sys.stdout.write(json.dumps({"version": 1, "suppressions": rows}, indent=2) + "\n")
    else:
        for r in rows:
            sys.stdout.write(f"{r['status']:<8} {r['kind']:<8} {r['location']:<40} {','.join(r['rules']):<14} "
                             f"owner={r['owner'] or '-'} expires={r['expires'] or '-'} reason={r['reason']!r}\n")
        sys.stdout.write(f"{len(rows)} suppression(s) and baseline entries\n")
    raise typer.Exit(EXIT_CLEAN)


def _inventory(report: Any, root: Path, baseline: Path | None) -> list[dict[str, Any]]:
    from auditor.gate.baseline import load_baseline
    from auditor.gate.run import baseline_path
    from auditor.rules import RULES

    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for f in report.findings:
        s = f.suppressed
        if s is not None and s.kind == "inSource":
            row = rows.setdefault((f.path, s.line), {
                "kind": "inline", "location": f"{f.path}:{s.line}", "rules": [], "reason": s.justification,
                "owner": s.owner, "expires": s.expires, "status": "active", "findings": 0})
            row["rules"] = sorted({*row["rules"], f.rule})
            row["findings"] += 1
        elif RULES[f.rule].category == "suppression":
            status = RULES[f.rule].marks
            rows[(f.path, f.line)] = {"kind": "inline", "location": f"{f.path}:{f.line}", "rules": [f.rule],
                                      "reason": f.message, "owner": None, "expires": None, "status": status,
                                      "findings": 0}
    out = sorted(rows.values(), key=lambda r: r["location"])
    target = baseline_path(root, baseline)
    if target.exists():
        flagged = {f.line: RULES[f.rule].marks for f in report.findings if RULES[f.rule].category == "baseline"}
        scanned = set(report.paths)
        for e in load_baseline(target).entries:
            status = flagged.get(e.line) or "active"
            out.append({"kind": "baseline", "location": f"{e.path} ({e.operation or e.scope})", "rules": [e.rule],
                        "reason": e.reason, "owner": e.owner, "expires": e.expires.isoformat(),
                        "status": status if e.path in scanned else "unscanned", "findings": int(status == "active")})
    return out
