"""`tagaudit billing check`: validate FOCUS files and summarise them (no policy needed).

    check_files(paths, *, currency=None, max_listed=1000) -> CheckReport

Exit codes (CheckReport.exit_code): 0 every row readable; 1 some rows rejected (each listed with
file:row: column: what; how to fix, and their cost when readable); 2 a file is unusable (missing,
empty, unparseable, or lacking a column tagaudit computes with). Notes (FOCUS deviations tagaudit
reads through, e.g. `YYYY-MM-DD HH:MM:SS` dates or literal "NULL") never change the exit code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor.billing import tables
from auditor.billing.allocate import classify
from auditor.billing.db import fetch_dicts
from auditor.billing.ingest import commitments
from auditor.billing.ingest.sources import describe, expand_paths
from auditor.billing.records import BillingData, Money
from scanners.errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, TagauditError


@dataclass(frozen=True, slots=True)
class CheckReport:
    unusable: tuple[str, ...]
    data: BillingData | None
    ai_spend: tuple[Money, ...]
    not_generative: tuple[tuple[str, str, int, Decimal], ...]  # currency, service, rows, cost
    # FOCUS 1.3 ContractApplied on AI rows: currency, commitment id(s), billed cost, applied cost, rows
    committed_ai: tuple[tuple[str, str, Decimal, Decimal, int], ...] = ()
    # FOCUS 1.3 Contract Commitment dataset rows with the AI spend applied to each (ingest.commitments)
    commitments: tuple[dict[str, Any], ...] = ()

    @property
    def exit_code(self) -> int:
        if self.unusable:
            return EXIT_USAGE
        if self.data is not None and self.data.rejected_rows:
            return EXIT_FINDINGS
        return EXIT_CLEAN


def check_files(paths: list[Path], *, currency: str | None = None, max_listed: int = 1000) -> CheckReport:
    from auditor.billing.ingest.load import connect, load_billing

    files, skipped = expand_paths(paths)
    con = connect()
    unusable, usable = [], []
    for i, path in enumerate(files):
        try:
            describe(con, path, i)
            usable.append(path)
        except TagauditError as exc:
            unusable.append(str(exc))
    if not usable:
        return CheckReport(tuple(unusable), None, (), ())
    data = load_billing(usable, currency=currency, max_listed=max_listed, notes=tuple(skipped))
    ai_spend = _ai_spend(data)
    return CheckReport(tuple(unusable), data, ai_spend, tuple(
        (str(r["currency"]), str(r["service"]), int(r["rows"]), Decimal(r["cost"]))
        for r in classify.unrecognised_ai_category(data.con, data.rollup)), _committed(data),
        tuple(commitments.committed_spend(data.con, tables.CHECK_AI)))


def _ai_spend(data: BillingData) -> tuple[Money, ...]:
    classify.create_ai_table(data.con, data.rollup, tables.CHECK_AI,
                             ("BillingCurrency", "BilledCost", "Rows", "x_ContractCommitmentId", "ContractAppliedCost"))
    rows = fetch_dicts(data.con, f"SELECT BillingCurrency AS currency, sum(BilledCost) AS amount, sum(Rows) AS n "
                                 f"FROM {tables.CHECK_AI} GROUP BY 1 ORDER BY 1")
    return tuple(Money(str(r["currency"]), Decimal(r["amount"]), int(r["n"])) for r in rows)


def _committed(data: BillingData) -> tuple[tuple[str, str, Decimal, Decimal, int], ...]:
    """AI spend under a FOCUS 1.3 contract commitment (ContractApplied), by currency and commitment."""
    rows = fetch_dicts(data.con, f"""
        SELECT BillingCurrency AS currency, x_ContractCommitmentId AS ids, sum(BilledCost) AS billed,
               coalesce(sum(ContractAppliedCost), 0) AS applied, sum(Rows) AS n
        FROM {tables.CHECK_AI} WHERE x_ContractCommitmentId IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2""")
    return tuple((str(r["currency"]), str(r["ids"]), Decimal(r["billed"]), Decimal(r["applied"]), int(r["n"]))
                 for r in rows)


def _money(items: tuple[Money, ...]) -> str:
    return "; ".join(f"{m.amount.normalize():f} {m.currency} ({m.rows} rows)" for m in items) or "none"


def summary_lines(report: CheckReport) -> list[str]:
    """The human summary printed after the problems."""
    data = report.data
    lines = [f"unusable files: {len(report.unusable)}"] if report.unusable else []
    if data is None:
        return lines
    for f in data.files:
        lines.append(f"file {f.path}: {f.format}, FOCUS {f.focus_version}, {f.rows} rows, {f.rejected_rows} rejected")
    lines.append(f"rows: {data.rows} read, {data.valid_rows} valid, {data.rejected_rows} rejected")
    if data.rejected_rows:
        parts = [_money(data.rejected_cost)] if data.rejected_cost else []
        if data.unreadable_cost_rows:
            parts.append(f"{data.unreadable_cost_rows} rows whose cost is unreadable")
        lines.append(f"{data.rejected_rows} rows rejected, cost not counted: {' + '.join(parts) or 'none billed'}")
        if data.unlisted_rows:
            lines.append(f"({data.unlisted_rows} rejected rows not listed one by one; raise --max-listed)")
    lines.append(f"BilledCost: {_money(data.currencies)}")
    if data.excluded:
        lines.append(f"excluded by --currency {data.currency}: {_money(data.excluded)}")
    lines.append(f"AI spend (generative AI rows): {_money(report.ai_spend)}")
    for cur, ids, billed, applied, n in report.committed_ai:
        lines.append(f"  of which committed (contract commitment {ids}): {billed.normalize():f} {cur} ({n} rows; "
                     f"applied to the commitment {applied.normalize():f}); the rest is on-demand")
    lines += commitments.summary_lines(report.commitments, report.committed_ai, report.ai_spend)
    for cur, service, n, cost in report.not_generative:
        lines.append(f"not counted as generative AI: {service} ({n} rows, {cost.normalize():f} {cur}) "
                     "in category 'AI and Machine Learning'")
    if data.period:
        lines.append(f"period: {_iso(data.period[0])} .. {_iso(data.period[1])}")
    return lines


def _iso(ts: Any) -> str:
    return str(ts.strftime("%Y-%m-%dT%H:%M:%SZ"))


def report_json(report: CheckReport) -> dict[str, Any]:
    data = report.data

    def money(items: tuple[Money, ...]) -> list[dict[str, Any]]:
        return [{"currency": m.currency, "amount": str(m.amount), "rows": m.rows} for m in items]

    out: dict[str, Any] = {"exit_code": report.exit_code, "unusable": list(report.unusable)}
    if data is not None:
        out.update({
            "files": [{"path": f.path, "format": f.format, "focus_version": f.focus_version, "rows": f.rows,
                       "rejected_rows": f.rejected_rows} for f in data.files],
            "rows": data.rows, "valid_rows": data.valid_rows, "rejected_rows": data.rejected_rows,
            "rejected": [{"file": r.file, "row": r.row, "column": r.column, "reason": r.reason, "hint": r.hint,
                          "cost": None if r.cost is None else str(r.cost), "currency": r.currency}
                         for r in data.rejected],
            "rejected_cost": money(data.rejected_cost), "unreadable_cost_rows": data.unreadable_cost_rows,
            "billed_cost": money(data.currencies), "excluded": money(data.excluded),
            "ai_spend": money(report.ai_spend),
            "committed_ai_spend": [{"currency": c, "commitment": i, "billed": str(b), "applied": str(a), "rows": n}
                                   for c, i, b, a, n in report.committed_ai],
            **({"contract_commitments": [{k: v if v is None or isinstance(v, (int, str)) else
                                          _iso(v) if hasattr(v, "strftime") else str(v) for k, v in c.items()}
                                         for c in report.commitments]} if report.commitments else {}),
            "notes": [str(n) for n in data.notes],
            "period": None if not data.period else [_iso(data.period[0]), _iso(data.period[1])],
        })
    return out
