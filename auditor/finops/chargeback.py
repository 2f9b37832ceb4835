"""`build_chargeback`: monthly statements per team with shared overhead split by the policy's rule.

    build_chargeback(data, policy, invoices=None) -> Chargeback

Each month's AI spend is grouped (vendor x sub-account x resource x model x cost source x team, summed in
DuckDB over DECIMAL(38, 10)) and every group gets one status, first match wins:
  showback     matches `chargeback.showback_only` (default: the environment key is an experiment/R&D value)
               or carries the literal tags of experimental code (path mode showback; auditor.finops.experiments):
               listed per team, never charged (the hybrid model);
  shared       matches `chargeback.shared`: overhead, split over the month's charged teams (proportional to
               their direct spend, evenly, or by fixed percentages) with `split.split_exact`, so the parts sum
               to the group exactly; with nobody to split over it stays on its own "unsplit" line;
  unallocated  no team tag: its own line, charged to nobody;
  charged      everything else: the team's direct spend.
A month is ready when invoices were given, each invoice of that billing month is within the policy's
tolerance (auditor.billing.allocate.reconciliation) and no billed spend of the month lacks an invoice, and
all overhead was split; otherwise the statement lists why not.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

from auditor.billing import tables
from auditor.billing.allocate.reconciliation import reconcile
from auditor.billing.db import fetch_dicts
from auditor.billing.ingest.focus import quote_ident as qi
from auditor.billing.ingest.focus import quote_str as qs
from auditor.billing.records import BillingData, Invoice, Reconciliation
from auditor.finops.experiments import CodeExperiment
from auditor.finops.lines import Dimensions, build_lines
from auditor.finops.records import UNTAGGED, AllocatedRow, Chargeback, MonthStatement, StatementLine
from auditor.finops.settings import EXPERIMENT_ENVIRONMENTS, TagRule
from auditor.finops.split import split_exact
from auditor.inventory.render import money
from auditor.policy import Policy

SHARE = Decimal("0.0001")
UNSPLIT = "(shared overhead)"
_SPLIT_WORDS = {"proportional": "proportional to each charged team's direct spend in the month",
                "even": "evenly over the teams charged in the month",
                "fixed": "by fixed percentages"}


def _cond(rules: tuple[TagRule, ...]) -> str:
    if not rules:
        return "false"
    parts = [f"lower(coalesce({qi('key_' + r.key)}, '')) IN ({', '.join(qs(v.lower()) for v in r.values)})"
             for r in rules]
    return "(" + " OR ".join(parts) + ")"


def showback_rules(policy: Policy, env_key: str | None) -> tuple[TagRule, ...]:
    if policy.chargeback.showback_only is not None:
        return policy.chargeback.showback_only
    return (TagRule(env_key, EXPERIMENT_ENVIRONMENTS),) if env_key else ()


def _code_cond(experiments: tuple[CodeExperiment, ...]) -> str:
    """Billing groups whose tags equal all the literal values of an applied experimental tag set."""
    parts = [" AND ".join(f"lower(coalesce({qi('key_' + key)}, '')) = {qs(value.lower())}" for key, value in e.tags)
             for e in experiments if e.applied]
    return "(" + " OR ".join(f"({p})" for p in parts) + ")" if parts else "false"


def _groups(data: BillingData, shared: tuple[TagRule, ...], showback: tuple[TagRule, ...],
            experiments: tuple[CodeExperiment, ...] = ()) -> list[dict[str, Any]]:
    return fetch_dicts(data.con, f"""
        SELECT row_number() OVER (ORDER BY start, status, team, vendor, SubAccountId NULLS FIRST,
                                  ResourceId NULLS FIRST, model, x_CostSource) AS origin_id, *
        FROM (SELECT x_Period AS start, x_Period + INTERVAL 1 MONTH AS "end", strftime(x_Period, '%Y-%m') AS month,
                     CASE WHEN {_cond(showback)} OR {_code_cond(experiments)} THEN 'showback' WHEN {_cond(shared)} THEN 'shared'
                          WHEN dim_team IS NULL THEN 'unallocated' ELSE 'charged' END AS status,
                     coalesce(dim_team, {qs(UNTAGGED)}) AS team, vendor, SubAccountId, ResourceId, model, x_CostSource,
                     sum(BilledCost) AS cost
              FROM {tables.SB_LINES} GROUP BY ALL)
        ORDER BY origin_id""")


def _weights(policy: Policy, charged: dict[str, Decimal]) -> list[tuple[str, Decimal]]:
    method = policy.chargeback.split
    if method == "fixed":
        return list(policy.chargeback.percentages)
    if method == "even":
        return [(team, Decimal(1)) for team in sorted(charged)]
    return [(team, cost) for team, cost in sorted(charged.items()) if cost > 0]


def _row(g: dict[str, Any], status: str, team: str, cost: Decimal, method: tuple[str, str, str] | None
         ) -> AllocatedRow:
    method_id, details, tags = method if method is not None else (None, None, None)
    return AllocatedRow(int(g["origin_id"]), g["month"], g["start"], g["end"], g["vendor"], g["SubAccountId"],
                        g["ResourceId"], g["model"], g["x_CostSource"], status, team, cost, Decimal(g["cost"]),
                        method_id, details, tags)


def _split_group(g: dict[str, Any], policy: Policy, weights: list[tuple[str, Decimal]], team_key: str
                 ) -> list[AllocatedRow]:
    method = policy.chargeback.split
    whole = sum((w for _, w in weights), Decimal(0))
    out = []
    for team, part in split_exact(Decimal(g["cost"]), weights):
        weight = dict(weights)[team]
        details = json.dumps({"method": method, "basis": _SPLIT_WORDS[method], "weight": money(weight),
                              "weights_total": money(whole), "origin_id": int(g["origin_id"]),
                              "origin_cost": money(Decimal(g["cost"])), "origin_team": g["team"]}, sort_keys=True)
        out.append(_row(g, "charged", team, part, (f"tagaudit-{method}", details, json.dumps({team_key: team}))))
    return out


def _month_rows(groups: list[dict[str, Any]], policy: Policy, team_key: str) -> tuple[list[AllocatedRow], bool]:
    """FOCUS rows of one month; False when overhead had nobody to split over."""
    charged: dict[str, Decimal] = defaultdict(Decimal)
    for g in groups:
        if g["status"] == "charged":
            charged[g["team"]] += Decimal(g["cost"])
    weights = _weights(policy, charged)
    rows: list[AllocatedRow] = []
    split_all = True
    for g in groups:
        if g["status"] != "shared":
            rows.append(_row(g, g["status"], g["team"], Decimal(g["cost"]), None))
        elif weights:
            rows += _split_group(g, policy, weights, team_key)
        else:
            split_all = False
            rows.append(_row(g, "unsplit", UNSPLIT, Decimal(g["cost"]), None))
    return rows, split_all


def _statement_lines(month: str, rows: list[AllocatedRow], rules: str) -> list[StatementLine]:
    acc: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for r in rows:
        acc[(r.status, r.team)][1 if r.method_id else 0] += r.billed_cost
    order = {"charged": 0, "showback": 1, "unsplit": 2, "unallocated": 3}
    lines = [StatementLine(month, team, status, d, o, d + o, rules if o else "")
             for (status, team), (d, o) in acc.items()]
    return sorted(lines, key=lambda ln: (order[ln.status], -ln.total, ln.team))


def _months_of(data: BillingData, invoice_id: str | None) -> list[str]:
    """The billing months (of BillingPeriodStart) an invoice id's rows fall in."""
    return [r["m"] for r in fetch_dicts(data.con, f"SELECT DISTINCT strftime(BillingPeriodStart, '%Y-%m') AS m "
                                                  f"FROM {tables.RECON_BILLED} WHERE InvoiceId = ? ORDER BY 1",
                                        [invoice_id])]


def _invoice_months(data: BillingData, rec: Reconciliation) -> dict[str, list[str]]:
    """Billing month -> what stands between it and readiness, from the invoice checks and unmatched spend."""
    out: dict[str, list[str]] = defaultdict(list)
    tol = f"{rec.tolerance * 100:f}%"
    for check in rec.invoices:
        inv = check.invoice
        months = [inv.period] if inv.period else _months_of(data, inv.invoice_id)
        name = inv.invoice_id or f"{inv.provider or 'all providers'} {inv.period}"
        for month in months:
            out[month]  # the month has an invoice, so it can be ready
            if check.flagged:
                variance = "no billed spend" if check.variance is None else f"variance {check.variance:.2%}"
                out[month].append(f"invoice {name}: billed {money(check.billed)} against {money(inv.amount)} "
                                  f"{inv.currency} ({variance}, tolerance {tol})")
    for group in rec.unmatched:
        months = [group.period] if group.period else _months_of(data, group.invoice_id)
        for month in months:
            what = f"invoice id {group.invoice_id}" if group.invoice_id else (group.provider or "billing")
            out[month].append(f"{what}: billed {money(group.billed)} {group.currency} in {month} with no invoice given")
    return out


def _reasons(month: str, invoices: list[Invoice] | None, by_month: dict[str, list[str]], split_all: bool
             ) -> list[str]:
    reasons = []
    if invoices is None:
        reasons.append("no invoices given (--invoices): totals cannot be reconciled")
    elif month not in by_month:
        reasons.append(f"no invoice covers billing month {month}")
    else:
        reasons += by_month[month]
    if not split_all:
        reasons.append("shared overhead could not be split: no team has charged spend this month")
    return reasons


def _rules(policy: Policy, showback: tuple[TagRule, ...], team_key: str,
           experiments: tuple[CodeExperiment, ...] = ()) -> tuple[str, ...]:
    cb = policy.chargeback
    shared = " or ".join(r.describe() for r in cb.shared) or "none declared (chargeback.shared)"
    split = _SPLIT_WORDS[cb.split] + ("" if cb.split != "fixed" else
                                      " (" + ", ".join(f"{t} {p:f}%" for t, p in cb.percentages) + ")")
    return (f"shared overhead: {shared}", f"overhead split: {split}",
            "showback only (listed, not charged): " + (" or ".join(
                [r.describe() for r in showback] + [e.describe() for e in experiments if e.applied]) or "none"),
            *(f"experimental code (path mode showback), charged as usual: {e.describe()}"
              for e in experiments if not e.applied),
            f"no {team_key} tag: unallocated, charged to nobody",
            f"invoice tolerance: {Decimal(str(policy.tolerance)) * 100:f}%")


def _check(months: list[MonthStatement], rows: list[AllocatedRow], total: Decimal) -> None:
    """Statements and FOCUS rows must equal the origin charges exactly; a mismatch is a bug."""
    origin: dict[int, tuple[Decimal, Decimal]] = {}
    for r in rows:
        got, cost = origin.get(r.origin_id, (Decimal(0), r.origin_cost))
        origin[r.origin_id] = (got + r.billed_cost, cost)
    wrong = {i: v for i, v in origin.items() if v[0] != v[1]}
    lines = sum((ln.total for m in months for ln in m.lines), Decimal(0))
    if wrong or lines != total or sum((m.total for m in months), Decimal(0)) != total:
        raise RuntimeError(f"chargeback does not reconcile to {total}: lines {lines}, origins {wrong}")


def build_chargeback(data: BillingData, policy: Policy, invoices: list[Invoice] | None = None,
                     dims: Dimensions | None = None, experiments: tuple[CodeExperiment, ...] = ()) -> Chargeback:
    """`dims`: tables.SB_LINES already built by month (build_lines), shared with a showback. `experiments`:
    tag sets of experimental code (auditor.finops.experiments), listed as showback when applied."""
    dims = dims if dims is not None else build_lines(data, policy, "month")
    team_key, showback = dims.keys["team"], showback_rules(policy, dims.keys.get("environment"))
    groups = _groups(data, policy.chargeback.shared, showback, experiments)
    by_month = _invoice_months(data, reconcile(data, invoices, policy)) if invoices is not None else {}
    rules = _rules(policy, showback, team_key, experiments)
    months, rows = [], []
    for month in sorted({g["month"] for g in groups}):
        month_rows, split_all = _month_rows([g for g in groups if g["month"] == month], policy, team_key)
        lines = _statement_lines(month, month_rows, rules[1])
        reasons = _reasons(month, invoices, by_month, split_all)

        def part(status: str, lines: list[StatementLine] = lines) -> Decimal:
            return sum((ln.total for ln in lines if ln.status == status), Decimal(0))

        months.append(MonthStatement(month, sum((ln.total for ln in lines), Decimal(0)), part("charged"),
                                     sum((ln.overhead for ln in lines), Decimal(0)) + part("unsplit"),
                                     part("showback"), part("unallocated"), not reasons, tuple(reasons), tuple(lines)))
        rows += month_rows
    total = dims.allocation.total_ai_cost
    _check(months, rows, total)
    overhead = sum((m.overhead for m in months), Decimal(0))
    return Chargeback(dims.allocation.currency, policy.name, policy.chargeback.split, rules, total, overhead,
                      None if total == 0 else (overhead / total).quantize(SHARE), Decimal(str(policy.tolerance)),
                      tuple(months), tuple(rows))
