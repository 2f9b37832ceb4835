"""Options shared by several commands, and the defaults they imply. Command modules import from here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditor.scan.targets import resolve_targets
from scanners.errors import TagauditError

__all__ = ["output_targets", "resolve_targets"]

Paths = Annotated[list[Path] | None, typer.Argument(help="Files or directories (default: .).")]
PolicyOpt = Annotated[Path | None, typer.Option("--policy", "-p", help="Policy file (YAML, or pyproject.toml).")]
RootOpt = Annotated[Path | None, typer.Option(help="Scan root: output paths are relative to it and the policy, baseline "
                                                   "and cache live there (default: the one directory given, else .).")]
CacheDirOpt = Annotated[Path | None, typer.Option("--cache-dir", help="Result cache (default: ROOT/.tagaudit-cache).")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the result cache.")]
BaselineOpt = Annotated[Path | None, typer.Option("--baseline", help="Baseline file "
                                                                     "(default: ROOT/.tagaudit-baseline.json if present).")]


def output_targets(specs: list[str] | None, formats: list[str]) -> list[tuple[str, Path]]:
    """`--output FORMAT=PATH` values, checked before any work starts."""
    targets = []
    for spec in specs or []:
        kind, sep, where = spec.partition("=")
        if not sep or not where or kind not in formats:
            raise TagauditError(f"--output {spec!r} is not FORMAT=PATH", hint=f"formats: {', '.join(formats)}")
        targets.append((kind, Path(where)))
    return targets
