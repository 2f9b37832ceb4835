"""Chargeback as JSON (versioned, money as exact decimal strings), Markdown, the statement CSV and FOCUS 1.3
allocated rows (CSV: AllocatedMethodId, AllocatedMethodDetails, AllocatedTags; each origin's rows sum to it)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from auditor import __version__
from auditor.finops.records import Chargeback, MonthStatement
from auditor.inventory.render import fmt_money, fmt_pct, money, ratio
from auditor.report.escape import md_escape as _md

CHARGEBACK_VERSION = 1


def _month(m: MonthStatement) -> dict[str, Any]:
    return {"month": m.month, "total_ai_cost": money(m.total), "charged": money(m.charged),
            "overhead": money(m.overhead), "showback_only": money(m.showback), "unallocated": money(m.unallocated),
            "ready": m.ready, "not_ready_because": list(m.reasons),
            "teams": [{"team": ln.team, "status": ln.status, "direct": money(ln.direct), "overhead": money(ln.overhead),
                       "total": money(ln.total), "rules": ln.rules} for ln in m.lines]}


def chargeback_json(cb: Chargeback) -> dict[str, Any]:
    return {"version": CHARGEBACK_VERSION, "tool": f"tagaudit {__version__}", "policy": cb.policy,
            "currency": cb.currency, "split": cb.split, "rules": list(cb.rules), "total_ai_cost": money(cb.total),
            "overhead": money(cb.overhead), "overhead_share": ratio(cb.overhead_share), "tolerance": ratio(cb.tolerance),
            "ready": cb.ready, "months": [_month(m) for m in cb.months]}


def render_chargeback_json(cb: Chargeback) -> str:
    return json.dumps(chargeback_json(cb), indent=2) + "\n"


def _month_md(m: MonthStatement, cur: str | None) -> list[str]:
    verdict = "ready" if m.ready else "**not ready**: " + "; ".join(_md(r) for r in m.reasons)
    out = [f"## {m.month}", "", (f"AI spend {fmt_money(m.total, cur)}: charged {fmt_money(m.charged, cur)} "
           f"(overhead {fmt_money(m.overhead, cur)} included), showback only {fmt_money(m.showback, cur)}, "
           f"unallocated {fmt_money(m.unallocated, cur)}. Reconciliation: {verdict}."), "",
           "| team | status | direct | overhead share | total |", "|---|---|---:|---:|---:|"]
    out += [f"| {_md(ln.team)} | {ln.status} | {fmt_money(ln.direct, cur)} | {fmt_money(ln.overhead, cur)} | "
            f"{fmt_money(ln.total, cur)} |" for ln in m.lines]
    return out + [""]


def render_chargeback_markdown(cb: Chargeback) -> str:
    cur = cb.currency
    share = fmt_pct(cb.overhead_share)
    out = ["# AI spend chargeback statement", "",
           (f"Policy `{_md(cb.policy)}`. AI spend {fmt_money(cb.total, cur)}; shared overhead "
           f"{fmt_money(cb.overhead, cur)} ({share} of the total). "
           f"{'Every month reconciles to its invoices.' if cb.ready else 'Not ready for chargeback (see each month).'}"),
           "", "Rules used:", ""]
    out += [f"- {_md(r)}" for r in cb.rules] + [""]
    for m in cb.months:
        out += _month_md(m, cur)
    if not cb.months:
        out += ["No generative-AI spend in the billing data: there is nothing to charge, so nothing is ready.", ""]
    return "\n".join(out)


STATEMENT_FIELDS = ("month", "team", "status", "direct", "overhead", "total", "currency", "ready", "rules")


def render_chargeback_csv(cb: Chargeback) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(STATEMENT_FIELDS)
    for m in cb.months:
        for ln in m.lines:
            writer.writerow([m.month, ln.team, ln.status, money(ln.direct), money(ln.overhead), money(ln.total),
                             cb.currency or "", "true" if m.ready else "false", ln.rules])
    return buf.getvalue()


FOCUS_FIELDS = ("BillingCurrency", "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ProviderName",
                "SubAccountId", "ResourceId", "BilledCost", "AllocatedMethodId", "AllocatedMethodDetails",
                "AllocatedTags", "x_Model", "x_CostSource", "x_ChargebackStatus", "x_Team", "x_OriginId",
                "x_OriginCost")


def render_chargeback_focus(cb: Chargeback) -> str:
    """One row per origin charge group (month x vendor x sub-account x resource x model x cost source x team),
    or, for shared overhead, one per team it was split to. ChargeCategory is "Usage" for every row: the groups
    are AI spend summed per month, credits included (x_CostSource says which)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(FOCUS_FIELDS)
    for r in cb.rows:
        writer.writerow([cb.currency or "", f"{r.start:%Y-%m-%dT%H:%M:%SZ}", f"{r.end:%Y-%m-%dT%H:%M:%SZ}", "Usage",
                         r.provider, r.sub_account_id or "", r.resource_id or "", money(r.billed_cost),
                         r.method_id or "", r.method_details or "", r.allocated_tags or "", r.model, r.cost_source,
                         r.status, r.team, r.origin_id, money(r.origin_cost)])
    return buf.getvalue()
