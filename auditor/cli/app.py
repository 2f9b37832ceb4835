"""The `tagaudit` command. The one boundary that turns errors into messages and exit codes."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from auditor import __version__
from scanners.errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, TagauditError

app = typer.Typer(
    name="tagaudit",
    help="Audit how well application code tags its AI spend.\n\n"
         "Exit codes: 0 clean, 1 blocking findings (including files that could not be parsed), "
         "2 usage, configuration or input error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Format(str, Enum):
    console = "console"
    json = "json"
    sarif = "sarif"
    gitlab = "gitlab"
    junit = "junit"
    github = "github"
    markdown = "markdown"


class GroupBy(str, Enum):
    file = "file"
    owner = "owner"


def fail(exc: TagauditError) -> None:
    for line in str(exc).splitlines():
        sys.stderr.write(f"tagaudit: error: {line}\n")
    raise typer.Exit(exc.exit_code)


def default_root(paths: list[Path]) -> Path:
    return paths[0] if len(paths) == 1 and paths[0].is_dir() else Path(".")


def cache_dir_for(root: Path, cache_dir: Path | None, no_cache: bool) -> Path | None:
    from auditor.scan.cache import DEFAULT_DIR

    if no_cache:
        return None
    return cache_dir if cache_dir is not None else root / DEFAULT_DIR


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"tagaudit {__version__}\n")
        raise typer.Exit(EXIT_CLEAN)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    pass


Paths = Annotated[list[Path] | None, typer.Argument(help="Files or directories (default: .).")]
PolicyOpt = Annotated[Path | None, typer.Option("--policy", "-p", help="Policy file (YAML, or pyproject.toml).")]
RootOpt = Annotated[Path | None, typer.Option(help="Scan root: output paths are relative to it and the policy, baseline "
                                                   "and cache live there (default: the one directory given, else .).")]
CacheDirOpt = Annotated[Path | None, typer.Option("--cache-dir", help="Result cache (default: ROOT/.tagaudit-cache).")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the result cache.")]
BaselineOpt = Annotated[Path | None, typer.Option("--baseline", help="Baseline file "
                                                                     "(default: ROOT/.tagaudit-baseline.json if present).")]


@app.command()
def scan(
    paths: Paths = None,
    policy: PolicyOpt = None,
    root: RootOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Format written to standard output.")] = Format.console,
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
    = GroupBy.file,
    show_calls: Annotated[bool, typer.Option("--show-calls", help="List every call site, not only findings.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: auto).")] = None,
    cache_dir: CacheDirOpt = None,
    no_cache: NoCacheOpt = False,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even with blocking findings.")] = False,
) -> None:
    """Find cost-incurring AI SDK calls and check their allocation tags against the policy."""
    from auditor.gate.run import GateOptions, run_gate
    from auditor.policy import discover_policy
    from auditor.report.outputs import OutputSpec, parse_outputs, write_outputs

    targets = list(paths) if paths else [Path(".")]
    root = root or default_root(targets)
    if changed_lines and diff_base is None:
        fail(TagauditError("--changed-lines needs --diff-base REF"))
    try:
        specs = parse_outputs(output or []) + [OutputSpec(fmt.value, "-")] * (fmt is not Format.console)
        cache = cache_dir_for(root, cache_dir, no_cache)
        pol = discover_policy(root, policy, cache_dir=cache)
        opts = GateOptions(diff_base=diff_base, changed_lines=changed_lines, baseline=baseline,
                           use_baseline=not no_baseline, owners=owners, workers=jobs, cache_dir=cache)
        result = run_gate(targets, root, pol, opts)
        write_outputs(specs, result, root, group_by=group_by.value, show_calls=show_calls)
    except TagauditError as exc:
        fail(exc)
        return
    if fmt is Format.console:
        from auditor.report.console import render_console

        render_console(result.report, show_calls=show_calls, group_by=group_by.value)
    blocking = any(f.blocking for f in result.report.findings)
    raise typer.Exit(EXIT_FINDINGS if blocking and not exit_zero else EXIT_CLEAN)


@app.command()
def explain(rule: Annotated[str, typer.Argument(help="Rule id, e.g. TAG001, or its name.")]) -> None:
    """Show a rule's documentation."""
    from auditor.rules import RULES
    from auditor.rules import explain as explain_rule

    key = rule.upper()
    if key not in RULES:
        by_name = {r.name: r.id for r in RULES.values()}
        if rule not in by_name:
            sys.stderr.write(f"tagaudit: error: unknown rule {rule!r}; `tagaudit rules` lists them\n")
            raise typer.Exit(EXIT_USAGE)
        key = by_name[rule]
    sys.stdout.write(explain_rule(key))


@app.command()
def rules(fmt: Annotated[Format, typer.Option("--format", "-f", help="console, json or markdown.")] = Format.console
          ) -> None:
    """List every rule with its id, name and default severity."""
    from auditor.rules import RULES

    if fmt is Format.json:
        import json

        data = [{"id": r.id, "name": r.name, "severity": r.severity, "summary": r.summary} for r in RULES.values()]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif fmt is Format.markdown:
        from auditor.report.rulesdoc import render_rules_markdown

        sys.stdout.write(render_rules_markdown())
    else:
        for r in RULES.values():
            sys.stdout.write(f"{r.id}  {r.name:<38} {r.severity:<8} {r.summary}\n")


def _register() -> None:
    from auditor.cli.baseline import baseline_app, suppressions
    from auditor.cli.billing import billing_app  # typer only; DuckDB loads inside its commands
    from auditor.cli.inventory import inventory, score
    from auditor.cli.policy import policy_app

    app.add_typer(policy_app, name="policy")
    app.add_typer(baseline_app, name="baseline")
    app.add_typer(billing_app, name="billing")
    app.command()(suppressions)
    app.command()(inventory)
    app.command()(score)


_register()


def main() -> None:
    try:
        app()
    except TagauditError as exc:  # raised outside a command body: still a message, never a traceback
        sys.stderr.write(f"tagaudit: error: {exc}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("tagaudit: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the one boundary: a crash must fail the gate, not pass it
        import os
        import traceback

        if os.environ.get("TAGAUDIT_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(f"tagaudit: internal error: {type(exc).__name__}: {exc}\n"
                         "tagaudit: set TAGAUDIT_DEBUG=1 for the traceback, and please report it\n")
        sys.exit(EXIT_USAGE)
