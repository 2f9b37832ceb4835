"""`tagaudit fix`: write the tags the policy gives into the flagged calls (in place, or as a diff)."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Annotated

import typer

from auditor.cli import options
from auditor.cli.options import BaselineOpt, CacheDirOpt, NoCacheOpt, Paths, PolicyOpt, RootOpt
from scanners.errors import EXIT_CLEAN, EXIT_FINDINGS, TagauditError


def _select(text: str | None) -> frozenset[str]:
    from auditor.fix.plan import FIXABLE

    if text is None:
        return FIXABLE
    chosen = frozenset(s.strip().upper() for s in text.split(",") if s.strip())
    unknown = sorted(chosen - FIXABLE)
    if unknown or not chosen:
        raise TagauditError(f"--select: {', '.join(unknown) or 'nothing'} cannot be fixed",
                            hint=f"choose from {', '.join(sorted(FIXABLE))}")
    return chosen


def fix(
    paths: Paths = None,
    policy: PolicyOpt = None,
    root: RootOpt = None,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff and write nothing.")] = False,
    select: Annotated[str | None, typer.Option("--select", metavar="TAG001,TAG004",
                                               help="Fix only these rules (default: TAG001 and TAG004).")] = None,
    baseline: BaselineOpt = None,
    cache_dir: CacheDirOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Write the policy's tag values into the calls that lack them (exit 0 nothing left, 1 findings remain)."""
    from auditor.cli.extras import missing_modules

    if missing_modules(("libcst",)):  # a plain install: say how to get it, before anything imports libcst
        raise TagauditError("'tagaudit fix' needs the fix extra (missing: libcst)",
                            hint="install it with: pip install 'tagaudit[fix]'")
    from auditor.fix.run import run_fix, unified_diff
    from auditor.policy import discover_policy
    from auditor.scan.cache import cache_dir_for

    rules = _select(select)
    targets, root = options.resolve_targets(paths, root)
    cache = cache_dir_for(root, cache_dir, no_cache)
    pol = discover_policy(root, policy, cache_dir=cache)
    result = run_fix(targets, root, pol, select=rules, write=not diff, cache_dir=cache, baseline=baseline)
    counts: Counter[str] = Counter()
    for file in result.files:
        if diff:
            sys.stdout.write(unified_diff(root, file))
        if file.error:
            sys.stderr.write(f"{file.path}: not fixed: {file.error}\n")
        for call in file.calls:
            counts[call.hint.outcome] += 1
            if call.hint.outcome != "fixed" or call.hint.reason:
                sys.stderr.write(f"{call.path}:{call.line}: {call.operation}: {call.hint.describe()}\n")
    edited = sum(f.new_text is not None for f in result.files)
    verb = "would edit" if diff else "edited"
    sys.stderr.write(f"tagaudit fix: {verb} {edited} file(s); {counts['fixed']} call(s) fixed, "
                     f"{counts['hinted']} hinted, {counts['left']} left; "
                     f"{len(result.remaining)} blocking finding(s) remain\n")
    raise typer.Exit(EXIT_FINDINGS if result.remaining else EXIT_CLEAN)
