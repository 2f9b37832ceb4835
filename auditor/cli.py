"""The `tagaudit` command. The one boundary that turns errors into messages and exit codes."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from auditor import __version__
from auditor.errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, PolicyError, TagauditError

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
policy_app = typer.Typer(help="Validate and show tag policies.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
from auditor.billing.cli import billing_app  # noqa: E402  (typer only; DuckDB loads inside commands)

app.add_typer(billing_app, name="billing")


class Format(str, Enum):
    console = "console"
    json = "json"


def _fail(exc: TagauditError) -> None:
    text = str(exc)
    for line in text.splitlines():
        sys.stderr.write(f"tagaudit: error: {line}\n")
    raise typer.Exit(exc.exit_code)


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


@app.command()
def scan(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files or directories (default: .).")] = None,
    policy: Annotated[Optional[Path], typer.Option("--policy", "-p", help="Policy file (YAML, or pyproject.toml).")] = None,
    root: Annotated[Optional[Path], typer.Option(help="Scan root: paths in output are relative to it and the policy "
                                                      "is looked up there (default: the one directory given, else .).")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.console,
    show_calls: Annotated[bool, typer.Option("--show-calls", help="List every call site, not only findings.")] = False,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes (default: auto).")] = None,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even with blocking findings.")] = False,
) -> None:
    """Find cost-incurring AI SDK calls and check their allocation tags against the policy."""
    from auditor.engine import run_scan
    from auditor.policy import discover_policy

    targets = list(paths) if paths else [Path(".")]
    if root is None:
        root = targets[0] if len(targets) == 1 and targets[0].is_dir() else Path(".")
    try:
        pol = discover_policy(root, policy)
        report = run_scan(targets, root, pol, workers=jobs)
    except TagauditError as exc:
        _fail(exc)
        return
    if fmt is Format.json:
        from auditor.report.jsonout import render_json

        sys.stdout.write(render_json(report))
    else:
        from auditor.report.console import render_console

        render_console(report, show_calls=show_calls)
    blocking = any(f.blocking for f in report.findings)
    raise typer.Exit(EXIT_FINDINGS if blocking and not exit_zero else EXIT_CLEAN)


@app.command()
def explain(rule: Annotated[str, typer.Argument(help="Rule id, e.g. TAG001, or its name.")]) -> None:
    """Show a rule's documentation."""
    from auditor.rules import RULES, explain as explain_rule

    key = rule.upper()
    if key not in RULES:
        by_name = {r.name: r.id for r in RULES.values()}
        if rule in by_name:
            key = by_name[rule]
        else:
            sys.stderr.write(f"tagaudit: error: unknown rule {rule!r}; `tagaudit rules` lists them\n")
            raise typer.Exit(EXIT_USAGE)
    sys.stdout.write(explain_rule(key))


@app.command()
def rules(fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.console) -> None:
    """List every rule with its id, name and default severity."""
    from auditor.rules import RULES

    if fmt is Format.json:
        import json

        data = [{"id": r.id, "name": r.name, "severity": r.severity, "summary": r.summary} for r in RULES.values()]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    for r in RULES.values():
        sys.stdout.write(f"{r.id}  {r.name:<38} {r.severity:<8} {r.summary}\n")


@policy_app.command("check")
def policy_check(files: Annotated[list[Path], typer.Argument(help="Policy files (YAML or pyproject.toml).")]) -> None:
    """Validate policy files; every problem names the file, line and key path, and how to fix it."""
    from auditor.policy import read_policy_file, validate_policy_data

    bad = 0
    for path in files:
        try:
            data, lines, _ = read_policy_file(path)
            problems = validate_policy_data(data, path, lines)
        except PolicyError as exc:
            problems = exc.problems
        except TagauditError as exc:
            problems = [str(exc)]
        if problems:
            bad += 1
            for p in problems:
                sys.stderr.write(f"{p}\n")
        else:
            sys.stdout.write(f"{path}: ok\n")
    raise typer.Exit(EXIT_USAGE if bad else EXIT_CLEAN)


@policy_app.command("show")
def policy_show(
    root: Annotated[Path, typer.Argument(help="Directory whose policy to show.")] = Path("."),
    policy: Annotated[Optional[Path], typer.Option("--policy", "-p")] = None,
) -> None:
    """Print which policy applies at ROOT and where it came from."""
    from auditor.policy import discover_policy

    try:
        pol = discover_policy(root, policy)
    except TagauditError as exc:
        _fail(exc)
        return
    sys.stdout.write(f"policy: {pol.name} ({pol.source})\nmode: {pol.mode}\nmin_grade: {pol.min_grade}\n"
                     f"unverifiable: {pol.unverifiable}\n")
    for k in pol.keys:
        extra = f" aliases={','.join(k.aliases)}" if k.aliases else ""
        sys.stdout.write(f"key {k.name}{extra}{f' min_grade={k.min_grade}' if k.min_grade else ''}\n")


def main() -> None:
    try:
        app()
    except TagauditError as exc:  # raised outside a command body (should not happen, but never a traceback)
        sys.stderr.write(f"tagaudit: error: {exc}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("tagaudit: interrupted\n")
        sys.exit(130)
