"""Options shared by several commands, and the defaults they imply. Command modules import from here."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from auditor.scan.targets import resolve_targets
from scanners.errors import TagauditError

__all__ = ["Engine", "EngineOpt", "engine_billing", "output_targets", "resolve_targets"]

Paths = Annotated[list[Path] | None, typer.Argument(help="Files or directories (default: .).")]
PolicyOpt = Annotated[Path | None, typer.Option("--policy", "-p", help="Policy file (YAML, or pyproject.toml).")]
RootOpt = Annotated[Path | None, typer.Option(help="Scan root: output paths are relative to it and the policy, baseline "
                                                   "and cache live there (default: the one directory given, else .).")]
CacheDirOpt = Annotated[Path | None, typer.Option("--cache-dir", help="Result cache (default: ROOT/.tagaudit-cache).")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the result cache.")]
BaselineOpt = Annotated[Path | None, typer.Option("--baseline", help="Baseline file "
                                                                     "(default: ROOT/.tagaudit-baseline.json if present).")]



class Engine(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


EngineOpt = Annotated[Engine | None, typer.Option(
    "--engine", help="Where the billing scan runs: duckdb (here; the default) or spark (only aggregates come "
                     "back). A spark:catalog.db.table input picks spark itself; with --engine spark a file "
                     "path is one Parquet file or folder that Spark reads.")]


def engine_billing(engine: Engine | None, billing: list[Path] | None, invoices: Path | None = None) -> list[Path]:
    """--billing as the pipelines read it (an engine's input as ENGINE:TABLE), checked before any work starts;
    billing.engines imports no engine until one runs."""
    from auditor.billing.engines import billing_specs, refuse_invoice_table

    refuse_invoice_table(str(invoices) if invoices is not None else None)
    if not billing:
        return []
    return [Path(spec) for spec in billing_specs(engine.value if engine else None, [str(b) for b in billing])]


def output_targets(specs: list[str] | None, formats: list[str]) -> list[tuple[str, Path]]:
    """`--output FORMAT=PATH` values, checked before any work starts."""
    targets = []
    for spec in specs or []:
        kind, sep, where = spec.partition("=")
        if not sep or not where or kind not in formats:
            raise TagauditError(f"--output {spec!r} is not FORMAT=PATH", hint=f"formats: {', '.join(formats)}")
        targets.append((kind, Path(where)))
    return targets
