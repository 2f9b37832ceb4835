"""`tagaudit report showback|chargeback`: FinOps reports from billing, by the policy's keys and rules.

Only typer and the renderer registries load here; DuckDB and the rest of billing load when a command runs.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from auditor.cli.extras import require_audit_extra
from auditor.cli.inventory import AccountOpt, BillingOpt, CurrencyOpt, InvoicesOpt, Repos
from auditor.cli.options import CacheDirOpt, EngineOpt, NoCacheOpt, PolicyOpt, engine_billing, output_targets
from auditor.finops.registry import (
    CHARGEBACK_RENDERERS,
    QUARTERLY_FILE_FORMATS,
    QUARTERLY_RENDERERS,
    SHOWBACK_RENDERERS,
)
from scanners.errors import EXIT_CLEAN, EXIT_FINDINGS

report_app = typer.Typer(
    help="FinOps reports from billing data: showback (spend per team, feature, customer, environment, model, "
         "vendor and cost source per period) and chargeback (monthly statements with shared overhead split).\n\n"
         "Exit codes: 0 report written, 1 chargeback not ready (with --fail-if-not-ready), 2 unusable input.",
    no_args_is_help=True,
)

ShowbackFormat = Enum("ShowbackFormat", {n: n for n in SHOWBACK_RENDERERS}, type=str)  # type: ignore[misc]
ChargebackFormat = Enum("ChargebackFormat", {n: n for n in CHARGEBACK_RENDERERS}, type=str)  # type: ignore[misc]
QuarterlyFormat = Enum("QuarterlyFormat", {n: n for n in QUARTERLY_RENDERERS}, type=str)  # type: ignore[misc]


class Period(str, Enum):
    month = "month"
    week = "week"


def _note(text: str) -> None:
    sys.stderr.write(f"tagaudit: note: {text}\n")


def write_targets(targets: list[tuple[str, Path]], texts: dict[str, str]) -> None:
    for kind, target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(texts[kind], encoding="utf-8")


OutputOpt = Annotated[list[str] | None, typer.Option("--output", "-o", metavar="FORMAT=PATH",
                                                     help="Also write FORMAT to PATH (repeatable).")]
PeriodOpt = Annotated[Period, typer.Option("--period", help="Report period.")]


@report_app.command()
def showback(
    repos: Repos = None, billing: BillingOpt = None, policy: PolicyOpt = None, period: PeriodOpt = Period.month,
    fmt: Annotated[ShowbackFormat, typer.Option("--format", "-f", help="Written to standard output.")]
    = ShowbackFormat["markdown"],
    output: OutputOpt = None, currency: CurrencyOpt = None, account: AccountOpt = None,
    cache_dir: CacheDirOpt = None, no_cache: NoCacheOpt = False, engine: EngineOpt = None,
) -> None:
    """AI spend per period by team, feature, customer, environment, model, vendor and cost source; untagged
    spend on its own line; change against the previous period; cost per unit by feature."""
    require_audit_extra("report showback")
    from auditor.finops.pipeline import ReportInputs, loaded_billing
    from auditor.finops.showback import build_showback

    targets = output_targets(output, list(SHOWBACK_RENDERERS))
    inputs = ReportInputs(list(repos or []), engine_billing(engine, billing), policy, currency, account, cache_dir,
                          no_cache)
    with loaded_billing(inputs, _note) as (data, pol):
        show = build_showback(data, pol, period.value)
    kinds = {fmt.value, *(kind for kind, _ in targets)}
    texts = {kind: SHOWBACK_RENDERERS[kind](show) for kind in kinds}
    write_targets(targets, texts)
    sys.stdout.write(texts[fmt.value])
    raise typer.Exit(EXIT_CLEAN)


@report_app.command()
def chargeback(
    repos: Repos = None, billing: BillingOpt = None, invoices: InvoicesOpt = None, policy: PolicyOpt = None,
    fmt: Annotated[ChargebackFormat, typer.Option("--format", "-f", help="Written to standard output (csv: the "
                                                  "statement; focus: FOCUS 1.3 allocated rows as CSV).")]
    = ChargebackFormat["markdown"],
    output: OutputOpt = None,
    fail_if_not_ready: Annotated[bool, typer.Option("--fail-if-not-ready", help="Exit 1 unless every month "
                                                                                "reconciles.")] = False,
    currency: CurrencyOpt = None, account: AccountOpt = None, cache_dir: CacheDirOpt = None,
    no_cache: NoCacheOpt = False, engine: EngineOpt = None,
) -> None:
    """Monthly chargeback statement per team: direct spend, shared overhead share (split by the policy's rule),
    total; experimental spend (by environment or key in billing, and by the tags of code under a path with
    mode showback in the REPOs given) listed as showback only; reconciled to the invoices or marked not ready."""
    require_audit_extra("report chargeback")
    from auditor.billing import load_invoices
    from auditor.finops.chargeback import build_chargeback
    from auditor.finops.experiments import code_experiments
    from auditor.finops.pipeline import ReportInputs, loaded_billing
    from auditor.inventory.pipeline import scan_repos

    targets = output_targets(output, list(CHARGEBACK_RENDERERS))
    specs = engine_billing(engine, billing, invoices)
    bills = load_invoices(invoices) if invoices else None
    inputs = ReportInputs(list(repos or []), specs, policy, currency, account, cache_dir, no_cache)
    with loaded_billing(inputs, _note) as (data, pol):
        # Repositories named on the command line are scanned: experimental code (path mode showback) is
        # recognised in billing by the literal tags it writes.
        experiments = code_experiments(scan_repos(inputs.repos, pol, explicit=policy is not None,
                                                  cache_dir=cache_dir, no_cache=no_cache), pol) if repos else ()
        cb = build_chargeback(data, pol, bills, experiments=experiments)
    kinds = {fmt.value, *(kind for kind, _ in targets)}
    texts = {kind: CHARGEBACK_RENDERERS[kind](cb) for kind in kinds}
    write_targets(targets, texts)
    sys.stdout.write(texts[fmt.value])
    raise typer.Exit(EXIT_FINDINGS if fail_if_not_ready and not cb.ready else EXIT_CLEAN)


@report_app.command()
def quarterly(
    repos: Repos = None, billing: BillingOpt = None, invoices: InvoicesOpt = None, policy: PolicyOpt = None,
    quarter: Annotated[str, typer.Option("--quarter", help="Calendar quarter, e.g. 2026-Q3.")] = "",
    fmt: Annotated[QuarterlyFormat, typer.Option("--format", "-f", help="Written to standard output.")]
    = QuarterlyFormat["markdown"],
    output: Annotated[list[str] | None, typer.Option("--output", "-o", metavar="FORMAT=PATH", help="Also write "
                      "FORMAT (markdown, json, html or pdf) to PATH (repeatable).")] = None,
    history_file: Annotated[Path, typer.Option("--history-file", help="SQLite history store (the score's): the "
                                                                      "previous quarter is read from it.")]
    = Path(".tagaudit-history.sqlite"),
    no_record: Annotated[bool, typer.Option("--no-record", help="Do not record this quarter in the history.")]
    = False,
    currency: CurrencyOpt = None, account: AccountOpt = None, cache_dir: CacheDirOpt = None,
    no_cache: NoCacheOpt = False, engine: EngineOpt = None,
) -> None:
    """The quarterly audit report: spend and coverage by month from billing and from each month-end commit,
    team/feature/vendor/model spend, untagged pools and their code, governance debt, chargeback readiness,
    procurement evidence and actions per owner; compared with the previous quarter in the history store."""
    require_audit_extra("report quarterly")
    from scanners.errors import TagauditError

    if not quarter:
        raise TagauditError("no quarter given", hint="pass --quarter YYYY-QN, e.g. --quarter 2026-Q3")
    from auditor.quarterly.period import parse_quarter
    from auditor.quarterly.pipeline import QuarterlyRun, run_quarterly

    targets = output_targets(output, [*QUARTERLY_RENDERERS, *QUARTERLY_FILE_FORMATS])
    run = QuarterlyRun(list(repos or []), engine_billing(engine, billing, invoices), invoices, policy,
                       parse_quarter(quarter), history_file, not no_record, currency, account, cache_dir, no_cache)
    report = run_quarterly(run, _note)
    kinds = {fmt.value, *(kind for kind, _ in targets if kind in QUARTERLY_RENDERERS)}
    if any(kind == "pdf" for kind, _ in targets):
        kinds.add("html")
    texts = {kind: QUARTERLY_RENDERERS[kind](report) for kind in kinds}
    write_targets([(k, t) for k, t in targets if k != "pdf"], texts)
    pdfs = [t for k, t in targets if k == "pdf"]
    if pdfs:
        from auditor.quarterly.pdf import html_to_pdf

        pdf = html_to_pdf(texts["html"])
        for target in pdfs:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(pdf)
    sys.stdout.write(texts[fmt.value])
    raise typer.Exit(EXIT_CLEAN)
