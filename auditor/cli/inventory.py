"""`tagaudit inventory` (the two-week audit) and `tagaudit score` (compliance score with history)."""

from __future__ import annotations

import datetime as dt
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from auditor.cli.extras import require_audit_extra
from auditor.cli.options import CacheDirOpt, EngineOpt, NoCacheOpt, PolicyOpt, engine_billing, output_targets
from auditor.inventory.registry import INVENTORY_RENDERERS
from scanners.errors import EXIT_CLEAN, EXIT_FINDINGS

Repos = Annotated[list[Path] | None, typer.Argument(help="Repositories (directories) to scan.")]
BillingOpt = Annotated[list[Path] | None, typer.Option("--billing", "-b", help="Billing files or folders: FOCUS "
                                                        "1.0-1.2 (CSV, CSV.gz, Parquet) or provider exports (repeatable); "
                                                        "or one engine table, spark:catalog.db.table.")]
InvoicesOpt = Annotated[Path | None, typer.Option("--invoices", help="Invoice totals (YAML or CSV) to reconcile with "
                                                                    "(a file, with any engine).")]
CurrencyOpt = Annotated[str | None, typer.Option("--currency", help="Only rows billed in this currency.")]
AccountOpt = Annotated[str | None, typer.Option("--account", help="Billing account id for converted OpenAI and "
                                                                  "Anthropic exports.")]


# The choices are the registry's keys: a new inventory format needs no change here.
InvFormat = Enum("InvFormat", {name: name for name in INVENTORY_RENDERERS}, type=str)  # type: ignore[misc]
_FORMATS = ", ".join(INVENTORY_RENDERERS)


def _note(text: str) -> None:
    sys.stderr.write(f"tagaudit: note: {text}\n")


def inventory(
    repos: Repos = None, billing: BillingOpt = None, invoices: InvoicesOpt = None, policy: PolicyOpt = None,
    fmt: Annotated[InvFormat, typer.Option("--format", "-f", help="Written to standard output.")]
    = InvFormat["markdown"],
    output: Annotated[list[str] | None, typer.Option("--output", "-o", metavar="FORMAT=PATH",
                                                     help=f"Also write FORMAT ({_FORMATS}) to PATH.")] = None,
    currency: CurrencyOpt = None, account: AccountOpt = None, cache_dir: CacheDirOpt = None,
    no_cache: NoCacheOpt = False, engine: EngineOpt = None,
) -> None:
    """The two-week audit: every AI integration, tagging coverage, largest untagged pools and their code."""
    require_audit_extra("inventory")
    from auditor.inventory.pipeline import AuditInputs, run_audit

    targets = output_targets(output, list(INVENTORY_RENDERERS))
    inv, _ = run_audit(AuditInputs(list(repos or []), engine_billing(engine, billing, invoices), invoices, policy,
                                   currency, account, cache_dir, no_cache), _note)
    for kind, target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(INVENTORY_RENDERERS[kind](inv), encoding="utf-8")
    sys.stdout.write(INVENTORY_RENDERERS[fmt.value](inv))
    raise typer.Exit(EXIT_CLEAN)


def score(
    repos: Repos = None, billing: BillingOpt = None, invoices: InvoicesOpt = None, policy: PolicyOpt = None,
    history: Annotated[bool, typer.Option("--history", help="Print the recorded trend instead of scoring.")] = False,
    history_file: Annotated[Path, typer.Option("--history-file", help="SQLite history store.")]
    = Path(".tagaudit-history.sqlite"),
    no_record: Annotated[bool, typer.Option("--no-record", help="Do not append this score to the history.")] = False,
    fail_if_not_ready: Annotated[bool, typer.Option("--fail-if-not-ready", help="Exit 1 unless chargeback-ready.")]
    = False,
    currency: CurrencyOpt = None, account: AccountOpt = None, cache_dir: CacheDirOpt = None,
    no_cache: NoCacheOpt = False, engine: EngineOpt = None,
) -> None:
    """Coverage by call sites and spend, untagged share, reconciliation variance and chargeback readiness."""
    require_audit_extra("score")
    from auditor.inventory.pipeline import AuditInputs, run_audit
    from auditor.inventory.score import (
        append_history,
        compute_score,
        read_history,
        render_history,
        render_score,
    )

    past = read_history(history_file)
    if history:
        sys.stdout.write(render_history(past))
        raise typer.Exit(EXIT_CLEAN)
    inv, pol = run_audit(AuditInputs(list(repos or []), engine_billing(engine, billing, invoices), invoices, policy,
                                     currency, account, cache_dir, no_cache), _note)
    from decimal import Decimal

    result = compute_score(inv, past, Decimal(str(pol.tolerance)), dt.datetime.now(dt.timezone.utc))
    if not no_record:
        append_history(history_file, result)
    sys.stdout.write(render_score(result))
    raise typer.Exit(EXIT_FINDINGS if fail_if_not_ready and not result.ready else EXIT_CLEAN)
