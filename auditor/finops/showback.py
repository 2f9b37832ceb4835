"""`build_showback`: AI spend per period by team, feature, customer, environment, model, vendor and cost source.

    build_showback(data: BillingData, policy: Policy, period_kind="month") -> Showback

Every sum runs in DuckDB over DECIMAL(38, 10); Python only divides (ratios, cost per unit). Each breakdown
covers every period from the first to the last with AI spend (a period without data shows 0 and a note),
and sums to the AI total exactly: this is checked against `pool_spend`'s total before anything is returned.
Tag dimensions always carry a "(untagged)" line, even at 0. Cost sources are kept apart three ways: what
was bought (`cost_kind`: input, output, cache-read, cache-write, tool-use, credit, ...), how it was priced
(`pricing_tier`: standard, batch, priority, flex, committed, provisioned; combined with "+") and both.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from auditor.billing import tables
from auditor.billing.db import fetch_dicts, fetch_row
from auditor.billing.ingest.focus import quote_ident as qi
from auditor.billing.ingest.focus import quote_str as qs
from auditor.billing.records import BillingData
from auditor.finops.lines import Dimensions, build_lines, create_units
from auditor.finops.records import UNTAGGED, Breakdown, Line, PeriodCost, PeriodInfo, Showback, UnitCost
from auditor.policy import Policy

if TYPE_CHECKING:
    import duckdb

RATIO = Decimal("0.0001")
UNIT_PRICE = Decimal("1e-12")
L = tables.SB_LINES
_TIER = ("CASE WHEN strpos(x_CostSource, '/') > 0 THEN replace(substr(x_CostSource, strpos(x_CostSource, '/') + 1), "
         "'/', '+') ELSE 'standard' END")
# (dimension, what the names are, SQL over SB_LINES); tag dimensions are added per policy.
_BILLING_DIMENSIONS = (
    ("model", "billing: model (SKU, meter or usage type)", "model"),
    ("vendor", "billing: provider", "vendor"),
    ("cost_kind", "billing: what was bought", "split_part(x_CostSource, '/', 1)"),
    ("pricing_tier", "billing: how it was priced", _TIER),
    ("cost_source", "billing: cost kind / pricing tier", "x_CostSource"),
)


def period_label(kind: str) -> str:
    """SQL formatting a period start as its label."""
    return "strftime(p, '%Y-%m')" if kind == "month" else "strftime(p, '%G-W%V')"


def ratio(change: Decimal | None, previous: Decimal | None) -> Decimal | None:
    if change is None or previous is None or previous == 0:
        return None
    return (change / abs(previous)).quantize(RATIO)


def _periods(con: duckdb.DuckDBPyConnection, kind: str) -> tuple[PeriodInfo, ...]:
    rows = fetch_dicts(con, f"""
        SELECT {period_label(kind)} AS label, p AS start, p + INTERVAL {qs('1 ' + kind)} AS "end",
               coalesce(sum(l.Rows), 0) AS n, coalesce(sum(l.BilledCost), 0) AS total,
               coalesce(sum(l.BilledCost) FILTER (WHERE l.allocated), 0) AS allocated,
               coalesce(sum(l.BilledCost) FILTER (WHERE NOT l.allocated), 0) AS untagged
        FROM {tables.SB_PERIODS} LEFT JOIN {L} l ON l.x_Period = p GROUP BY p ORDER BY p""")
    return tuple(PeriodInfo(r["label"], r["start"], r["end"], int(r["n"]), Decimal(r["total"]),
                            Decimal(r["allocated"]), Decimal(r["untagged"])) for r in rows)


def _breakdown_rows(con: duckdb.DuckDBPyConnection, expr: str, kind: str, untagged: bool) -> list[dict[str, Any]]:
    extra = f" UNION SELECT {qs(UNTAGGED)}" if untagged else ""
    return fetch_dicts(con, f"""
        WITH names AS (SELECT DISTINCT coalesce({expr}, {qs(UNTAGGED)}) AS name FROM {L}{extra}),
        agg AS (SELECT coalesce({expr}, {qs(UNTAGGED)}) AS name, x_Period AS p, sum(BilledCost) AS cost, sum(Rows) AS n
                FROM {L} GROUP BY ALL),
        grid AS (SELECT n.name, s.p, coalesce(a.cost, CAST(0 AS DECIMAL(38, 10))) AS cost, coalesce(a.n, 0) AS n
                 FROM names n CROSS JOIN {tables.SB_PERIODS} s LEFT JOIN agg a ON a.name = n.name AND a.p = s.p)
        SELECT name, {period_label(kind)} AS label, cost, n, lag(cost) OVER (PARTITION BY name ORDER BY p) AS previous,
               cost - lag(cost) OVER (PARTITION BY name ORDER BY p) AS change
        FROM grid ORDER BY name, p""")


def _breakdown(con: duckdb.DuckDBPyConnection, dimension: str, source: str, expr: str, kind: str,
               untagged: bool) -> Breakdown:
    by_name: dict[str, list[dict[str, Any]]] = {}
    for r in _breakdown_rows(con, expr, kind, untagged):
        by_name.setdefault(r["name"], []).append(r)
    lines = []
    for name, rows in by_name.items():
        periods = tuple(PeriodCost(r["label"], Decimal(r["cost"]),
                                   None if r["change"] is None else Decimal(r["change"]),
                                   ratio(r["change"], r["previous"])) for r in rows)
        lines.append(Line(name, sum((p.cost for p in periods), Decimal(0)), sum(int(r["n"]) for r in rows), periods))
    # Largest first; the untagged line last, so it is never mistaken for a team.
    lines.sort(key=lambda ln: (ln.name == UNTAGGED, -ln.total, ln.name))
    return Breakdown(dimension, source, tuple(lines))


def _unit_costs(con: duckdb.DuckDBPyConnection, feature_expr: str) -> tuple[UnitCost, ...]:
    create_units(con)
    rows = fetch_dicts(con, f"""
        SELECT * FROM (
            SELECT coalesce({feature_expr}, {qs(UNTAGGED)}) AS feature, u.unit,
                   sum(l.ConsumedQuantity * u.factor) AS quantity, sum(l.BilledCost) AS cost, sum(l.Rows) AS n
            FROM {L} l JOIN {tables.SB_UNITS} u ON u.raw = l.ConsumedUnit
            WHERE l.x_HasQuantity AND l.ChargeCategory = 'Usage' GROUP BY 1, 2)
        ORDER BY feature = {qs(UNTAGGED)}, cost DESC, feature, unit""")
    out = []
    for r in rows:
        qty, cost = Decimal(r["quantity"]), Decimal(r["cost"])
        out.append(UnitCost(r["feature"], r["unit"], qty, cost,
                            None if qty == 0 else (cost / qty).quantize(UNIT_PRICE), int(r["n"])))
    return tuple(out)


def _check_reconciles(show: Showback, expected: Decimal) -> None:
    """Every breakdown and the period totals must equal the allocation's AI total; a mismatch is a bug."""
    sums = {b.dimension: sum((ln.total for ln in b.lines), Decimal(0)) for b in show.breakdowns}
    sums["periods"] = sum((p.total for p in show.periods), Decimal(0))
    sums["allocated + untagged"] = show.allocated + show.untagged
    wrong = {name: s for name, s in sums.items() if s != expected}
    if show.total != expected or wrong:
        raise RuntimeError(f"showback does not reconcile to the AI total {expected}: {wrong}")


def _partial(periods: tuple[PeriodInfo, ...], span: tuple[datetime, datetime] | None) -> list[str]:
    """Say so when the first or last period is only partly covered by the data (compare like with like)."""
    if not periods or span is None:
        return []
    out = []
    if span[0] > periods[0].start:
        out.append(f"{periods[0].label} is partial: charges start {span[0]:%Y-%m-%d %H:%M}")
    if span[1] < periods[-1].end:
        out.append(f"{periods[-1].label} is partial: charges end {span[1]:%Y-%m-%d %H:%M}")
    return out


def build_showback(data: BillingData, policy: Policy, period_kind: str = "month", dims: Dimensions | None = None
                   ) -> Showback:
    """`dims`: tables.SB_LINES already built for `period_kind` (build_lines), to share it with a chargeback."""
    dims = dims if dims is not None else build_lines(data, policy, period_kind)
    con = data.con
    t = fetch_row(con, f"""SELECT coalesce(sum(BilledCost), 0) AS total, coalesce(sum(Rows), 0) AS n,
                                  coalesce(sum(BilledCost) FILTER (WHERE allocated), 0) AS allocated,
                                  coalesce(sum(BilledCost) FILTER (WHERE NOT allocated), 0) AS untagged FROM {L}""")
    breakdowns = [_breakdown(con, dim, f"policy key: {key}", qi("dim_" + dim), period_kind, True)
                  for dim, key in dims.keys.items()]
    breakdowns += [_breakdown(con, dim, source, expr, period_kind, False) for dim, source, expr in _BILLING_DIMENSIONS]
    periods = _periods(con, period_kind)
    notes = list(dims.notes) + [f"no AI billing data in {p.label}" for p in periods if p.rows == 0]
    notes += _partial(periods, dims.allocation.period)
    if not periods:
        notes.append(f"no generative-AI spend in the billing data ({data.valid_rows} valid rows read)")
    feature = qi("dim_feature") if "feature" in dims.keys else "NULL"
    show = Showback(dims.allocation.currency, period_kind, policy.name, Decimal(t["total"]), Decimal(t["allocated"]),
                    Decimal(t["untagged"]), int(t["n"]), periods, tuple(breakdowns), _unit_costs(con, feature),
                    tuple(notes))
    _check_reconciles(show, dims.allocation.total_ai_cost)
    return show
