"""`tagaudit policy check|show`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from scanners.errors import EXIT_CLEAN, EXIT_USAGE

policy_app = typer.Typer(help="Validate and show tag policies.", no_args_is_help=True)


@policy_app.command("check")
def policy_check(files: Annotated[list[Path], typer.Argument(help="Policy files (YAML or pyproject.toml).")]) -> None:
    """Validate policy files; every problem names the file, line and key path, and how to fix it."""
    from auditor.policy import policy_file_problems

    bad = 0
    for path in files:
        if path.name == "pyproject.toml" and path.is_file() and "[tool.tagaudit" not in path.read_text(errors="replace"):
            sys.stdout.write(f"{path}: no [tool.tagaudit] table, nothing to check\n")
            continue
        problems = policy_file_problems(path)
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
    policy: Annotated[Path | None, typer.Option("--policy", "-p")] = None,
) -> None:
    """Print which policy applies at ROOT and where it came from."""
    from auditor.policy import discover_policy

    pol = discover_policy(root, policy)
    sys.stdout.write(f"policy: {pol.name} ({pol.source})\nmode: {pol.mode}\nmin_grade: {pol.min_grade}\n"
                     f"unverifiable: {pol.unverifiable}\n")
    for k in pol.keys:
        extra = f" aliases={','.join(k.aliases)}" if k.aliases else ""
        sys.stdout.write(f"key {k.name}{extra}{f' min_grade={k.min_grade}' if k.min_grade else ''}\n")
