"""`tagaudit scan` (the gate), `tagaudit explain` and `tagaudit rules`."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from auditor.cli.options import BaselineOpt, CacheDirOpt, NoCacheOpt, Paths, PolicyOpt, RootOpt
from auditor.cli.scanrun import GROUP_BY, ScanArgs, run_scan
from auditor.report.registry import REPORTERS
from scanners.errors import TagauditError

# The choices are the registry's keys: a new reporter needs no change here.
Format = Enum("Format", {name: name for name in REPORTERS}, type=str)  # type: ignore[misc]


GroupBy = Enum("GroupBy", {name: name for name in GROUP_BY}, type=str)  # type: ignore[misc]


def scan(
    paths: Paths = None,
    policy: PolicyOpt = None,
    root: RootOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Format written to standard output.")] = Format["console"],
    output: Annotated[list[str] | None, typer.Option("--output", "-o", metavar="FORMAT=PATH",
                                                     help="Also write FORMAT to PATH (repeatable).")] = None,
    diff_base: Annotated[str | None, typer.Option("--diff-base", metavar="REF",
                                                  help="Report only findings that do not exist at the merge base "
                                                       "of REF and HEAD.")] = None,
    changed_lines: Annotated[bool, typer.Option("--changed-lines", help="With --diff-base: report findings on added "
                                                                        "or changed lines instead.")] = False,
    baseline: BaselineOpt = None,
    no_baseline: Annotated[bool, typer.Option("--no-baseline", help="Ignore the baseline file.")] = False,
    owners: Annotated[bool, typer.Option("--owners/--no-owners", help="Name each finding's owner (CODEOWNERS, "
                                                                      "then git blame).")] = True,
    group_by: Annotated[GroupBy, typer.Option("--group-by", help="Group console findings by file or owner.")]
    = GroupBy["file"],
    show_calls: Annotated[bool, typer.Option("--show-calls", help="List every call site, not only findings.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: auto).")] = None,
    cache_dir: CacheDirOpt = None,
    no_cache: NoCacheOpt = False,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even with blocking findings.")] = False,
) -> None:
    """Find cost-incurring AI SDK calls and check their allocation tags against the policy."""
    args = ScanArgs(paths=paths, policy=policy, root=root, fmt=fmt.value, output=list(output or []),
                    diff_base=diff_base, changed_lines=changed_lines, baseline=baseline, no_baseline=no_baseline,
                    owners=owners, group_by=group_by.value, show_calls=show_calls, jobs=jobs, cache_dir=cache_dir,
                    no_cache=no_cache, exit_zero=exit_zero)
    raise typer.Exit(run_scan(args))


def explain(rule: Annotated[str, typer.Argument(help="Rule id, e.g. TAG001, or its name.")]) -> None:
    """Show a rule's documentation."""
    from auditor.rules import RULES
    from auditor.rules import explain as explain_rule

    key = rule.upper()
    if key not in RULES:
        by_name = {r.name: r.id for r in RULES.values()}
        if rule not in by_name:
            raise TagauditError(f"unknown rule {rule!r}", hint="`tagaudit rules` lists them")
        key = by_name[rule]
    sys.stdout.write(explain_rule(key))


def rules(fmt: Annotated[Format, typer.Option("--format", "-f", help="console, json or markdown.")] = Format["console"]
          ) -> None:
    """List every rule with its id, name and default severity."""
    from auditor.rules import RULES

    if fmt.value == "json":
        import json

        data = [{"id": r.id, "name": r.name, "severity": r.severity, "summary": r.summary} for r in RULES.values()]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif fmt.value == "markdown":
        from auditor.report.rulesdoc import render_rules_markdown

        sys.stdout.write(render_rules_markdown())
    else:
        for r in RULES.values():
            sys.stdout.write(f"{r.id}  {r.name:<38} {r.severity:<8} {r.summary}\n")
