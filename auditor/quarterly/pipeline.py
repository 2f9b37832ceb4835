"""`tagaudit report quarterly` as one function: scan, load billing once, showback + chargeback + inventory +
measures, month-end code snapshots from git, governance debt, and the history store's previous quarter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor.finops.records import Showback
from auditor.policy import Policy
from auditor.quarterly.period import Quarter
from auditor.quarterly.records import Quarterly
from scanners.errors import TagauditError


@dataclass(frozen=True)
class QuarterlyRun:
    repos: list[Path]
    billing: list[Path]
    invoices: Path | None
    policy: Path | None
    quarter: Quarter
    history_file: Path
    record: bool
    currency: str | None = None
    account: str | None = None
    cache_dir: Path | None = None
    no_cache: bool = False
    now: dt.datetime | None = None


def _outside(show: Showback, q: Quarter) -> None:
    """Billing outside the quarter is an error, never silently left out or counted in."""
    stray = [p for p in show.periods if p.rows and p.label not in q.months]
    if stray:
        what = ", ".join(f"{p.label} ({p.rows:,} rows, {p.total:,.2f})" for p in stray)
        raise TagauditError(f"billing data has AI charges outside {q.label}: {what}",
                            hint=f"pass only the files of {q.months[0]}..{q.months[-1]} (a month is the month "
                                 "of ChargePeriodStart); earlier quarters belong in the history store")


def _scan(run: QuarterlyRun, repos: list[Path], policy: Policy) -> list[Any]:
    from auditor.inventory.pipeline import scan_repos

    return scan_repos(repos, policy, explicit=run.policy is not None, cache_dir=run.cache_dir, no_cache=run.no_cache)


def _snapshots(run: QuarterlyRun, scanned: list[Any], policy: Policy, now: dt.datetime) -> dict[str, list[Any]]:
    from auditor.history.backfill import month_end_snapshots
    from auditor.scan.cache import cache_dir_for

    before = run.quarter.previous().months[-1]
    return {s.name: month_end_snapshots(s.root, [before, *run.quarter.months], policy=policy,
                                        cache_dir=cache_dir_for(s.root, run.cache_dir, run.no_cache), now=now)
            for s in scanned}


def billing_side(run: QuarterlyRun, scanned: list[Any], policy: Policy, note: Callable[[str], None]) -> dict[str, Any]:
    from auditor.billing import load_invoices, reconcile
    from auditor.finops.chargeback import build_chargeback
    from auditor.finops.experiments import code_experiments
    from auditor.finops.lines import build_lines
    from auditor.finops.pipeline import billing_loaded
    from auditor.finops.showback import build_showback
    from auditor.inventory.build import build_inventory
    from auditor.quarterly.measures import measure

    with billing_loaded(run.billing, run.account, run.currency, note) as data:
        # once, for the showback, the chargeback and (its day grain) the daily measures
        dims = build_lines(data, policy, "month", daily=True)
        inv = build_inventory(scanned, data, dims.allocation, None, policy)
        show = build_showback(data, policy, "month", dims)
        _outside(show, run.quarter)
        bills = load_invoices(run.invoices) if run.invoices else None
        variances = [abs(c.variance) for c in reconcile(data, bills, policy).invoices
                     if c.variance is not None] if bills is not None else []
        meas = measure(data, dims.keys, dims)
        cb = build_chargeback(data, policy, bills, dims, code_experiments(scanned, policy))
    return {"inventory": inv, "show": show, "chargeback": cb, "measures": meas,
            "variance": max(variances) if variances else None}


def run_quarterly(run: QuarterlyRun, note: Callable[[str], None]) -> Quarterly:
    from auditor.inventory.pipeline import checked_inputs
    from auditor.inventory.score import read_history, score_months
    from auditor.quarterly.build import QuarterInputs, build_quarterly
    from auditor.quarterly.debt import governance_debt
    from auditor.quarterly.history import latest, read_quarters, record_quarter

    now = run.now or dt.datetime.now(dt.timezone.utc)
    repos, policy = checked_inputs(run.repos, run.billing, run.policy, run.cache_dir, run.no_cache)
    quarters = read_quarters(run.history_file)
    months = score_months(read_history(run.history_file)) | {m for p in quarters for m in p.months
                                                             if m < run.quarter.months[0]}
    scanned = _scan(run, repos, policy)
    b = billing_side(run, scanned, policy, note)
    report = build_quarterly(QuarterInputs(
        run.quarter, now, b["show"], b["chargeback"], b["inventory"], b["measures"],
        _snapshots(run, scanned, policy, now), governance_debt(scanned, now.date(), run.quarter.next().end.date()),
        latest(quarters, run.quarter.previous().label), frozenset(months), b["variance"], run.invoices is not None,
        Decimal(str(policy.tolerance))))
    if run.record:
        record_quarter(run.history_file, report, now.isoformat(timespec="seconds"))
    return report
