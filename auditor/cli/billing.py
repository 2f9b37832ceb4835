"""`tagaudit billing ...`: convert native exports to FOCUS 1.2, and check FOCUS files.

Only typer and the converter registry are imported here; DuckDB and the rest of billing load when a
command runs.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from auditor.billing.convert import CONVERTERS, FOCUS_VERSIONS
from auditor.cli.extras import require_audit_extra
from auditor.cli.options import EngineOpt
from scanners.errors import EXIT_CLEAN

billing_app = typer.Typer(
    help="Billing data: convert provider exports to FOCUS 1.2 and check FOCUS files.\n\n"
         "check exit codes: 0 every row readable, 1 some rows rejected (listed), 2 a file unusable.",
    no_args_is_help=True,
)


# "auto" sniffs each input; the rest are the converter registry's keys.
Source = Enum("Source", {"auto": "auto", **{kind: kind for kind in CONVERTERS}}, type=str)  # type: ignore[misc]
FocusVersion = Enum("FocusVersion", {v: v for v in FOCUS_VERSIONS}, type=str)  # type: ignore[misc]


class Format(str, Enum):
    console = "console"
    json = "json"


@billing_app.command()
def convert(
    inputs: Annotated[list[Path], typer.Argument(help="Native export files (JSON, JSON lines, CSV, CSV.gz, Parquet).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="FOCUS 1.2 file to write: .parquet or .csv.")],
    source: Annotated[Source, typer.Option("--from", help="What the inputs are; auto sniffs each.")] = Source["auto"],
    account: Annotated[str | None, typer.Option(help="BillingAccountId for OpenAI/Anthropic (their exports "
                                                        "do not name the organisation).")] = None,
    focus_version: Annotated[FocusVersion, typer.Option("--focus-version", help="FOCUS version to write; 1.3 adds "
                                                        "ServiceProviderName, HostProviderName and a "
                                                        "<name>.focus-metadata.json file.")] = FocusVersion["1.2"],
) -> None:
    """Convert provider-native billing exports to one FOCUS 1.2 file (Σ BilledCost = the native total)."""
    require_audit_extra("billing convert")
    from auditor.billing.convert import convert_files

    result = convert_files(list(inputs), source.value, output, account=account, focus_version=focus_version.value)
    for note in result.notes:
        sys.stderr.write(f"tagaudit: note: {note}\n")
    totals = "; ".join(f"{m.amount.normalize():f} {m.currency}" for m in result.focus_total) or "0"
    native = "; ".join(f"{m.amount.normalize():f} {m.currency}" for m in result.native_total) or "none"
    sys.stdout.write(f"wrote {result.output}: {result.rows} rows, BilledCost {totals} (native total {native})\n")
    raise typer.Exit(EXIT_CLEAN)


@billing_app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="FOCUS 1.0-1.2 files or folders (CSV, CSV.gz, Parquet), or "
                                                     "one engine table, spark:catalog.db.table.")],
    currency: Annotated[str | None, typer.Option(help="Count only this BillingCurrency (others are "
                                                         "reported as excluded).")] = None,
    max_listed: Annotated[int, typer.Option(min=0, help="List at most this many rejected rows per file.")] = 1000,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.console,
    engine: EngineOpt = None,
) -> None:
    """Validate FOCUS files: every problem as file:row: column: what; how to fix, then a summary."""
    require_audit_extra("billing check")
    from auditor.billing.check import check_files, report_json, summary_lines
    from auditor.billing.engines import billing_specs, check_tables, parse_target

    cur = currency.upper() if currency else None
    specs = billing_specs(engine.value if engine else None, [str(f) for f in files])
    target = parse_target(specs[0]) if specs else None
    if target is None:
        report = check_files(list(files), currency=cur, max_listed=max_listed)
    else:
        report = check_tables(target[0], specs, currency=cur)
    if fmt is Format.json:
        sys.stdout.write(json.dumps(report_json(report), indent=2) + "\n")
        raise typer.Exit(report.exit_code)
    for problem in report.unusable:
        for line in problem.splitlines():
            sys.stdout.write(f"{line}\n")
    if report.data is not None:
        for rejection in report.data.rejected:
            sys.stdout.write(f"{rejection}\n")
        for note in report.data.notes:
            sys.stdout.write(f"note: {note}\n")
    for line in summary_lines(report):
        sys.stdout.write(f"{line}\n")
    raise typer.Exit(report.exit_code)
