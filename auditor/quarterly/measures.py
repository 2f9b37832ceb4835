"""Measures the showback and chargeback do not give: daily AI spend (peak-to-average), committed vs on-demand
spend, and charge lines lacking team or feature tags. Daily spend reads the lines' day grain (tables.SB_GRAIN,
build_lines(daily=True)), so the valid rows are grouped once for the lines and the measures; without it, one
scan of the valid rows at the classifier's grain."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from auditor.billing import tables
from auditor.billing.allocate import classify
from auditor.billing.db import aggregate, fetch_dicts, fetch_row
from auditor.billing.ingest.focus import quote_ident as qi
from auditor.billing.records import BillingData
from auditor.finops.lines import COMMITTED, Dimensions


@dataclass(frozen=True, slots=True)
class Measures:
    daily: tuple[tuple[str, Decimal], ...]  # day (YYYY-MM-DD) -> AI spend, days with AI rows only
    committed_cost: Decimal
    on_demand_cost: Decimal
    lacking_rows: int  # AI charge rows whose team or feature tag does not resolve
    lacking_requests: Decimal | None  # ... and their request count, where billing counts requests
    lacking_cost: Decimal


def daily_spend(data: BillingData, dims: Dimensions | None = None
                ) -> tuple[tuple[tuple[str, Decimal], ...], Decimal, Decimal]:
    """`dims`: lines built with daily=True, whose day grain (tables.SB_GRAIN) is read instead of the rows."""
    p = classify.load_patterns()
    cols = tuple(dict.fromkeys((*p.provider_columns, *p.detail_columns)))
    names = ", ".join(qi(c) for c in cols)
    if dims is not None and dims.daily_grain and dims.hashed:
        # Whether a row is AI spend depends on its DIMS only: classify the few thousand distinct tuples
        # (create_ai_table keeps exactly the rows whose provider pattern matches, each once).
        data.con.execute(f"""CREATE OR REPLACE TEMP TABLE {tables.QR_DAY} AS
            SELECT CAST(g.x_Period AS DATE) AS x_Day, g.x_Committed, sum(g.BilledCost) AS BilledCost
            FROM {tables.SB_GRAIN} g
            SEMI JOIN (SELECT x_H FROM {tables.SB_GRAIN_KEYS} WHERE ({p.provider}) IS NOT NULL) a ON a.x_H = g.x_H
            GROUP BY ALL""")
    else:
        if dims is not None and dims.daily_grain:
            data.con.execute(f"""CREATE OR REPLACE TEMP TABLE {tables.QR_DAY_RAW} AS
                SELECT {names}, CAST(x_Period AS DATE) AS x_Day, x_Committed, sum(BilledCost) AS BilledCost
                FROM {tables.SB_GRAIN} GROUP BY ALL""")
        else:
            aggregate(data, tables.QR_DAY_RAW, f"""
                SELECT {names}, CAST(ChargePeriodStart AS DATE) AS x_Day, {COMMITTED} AS x_Committed,
                       sum(BilledCost) AS BilledCost
                FROM {data.view} GROUP BY ALL""")
        classify.create_ai_table(data.con, tables.QR_DAY_RAW, tables.QR_DAY, ("x_Day", "x_Committed", "BilledCost"))
    days = fetch_dicts(data.con, f"SELECT strftime(x_Day, '%Y-%m-%d') AS d, sum(BilledCost) AS c FROM {tables.QR_DAY} "
                                 "WHERE x_Day IS NOT NULL GROUP BY x_Day ORDER BY x_Day")
    split = fetch_row(data.con, f"""SELECT coalesce(sum(BilledCost) FILTER (WHERE x_Committed), 0) AS c,
                                           coalesce(sum(BilledCost) FILTER (WHERE NOT x_Committed), 0) AS o
                                    FROM {tables.QR_DAY}""")
    return tuple((r["d"], Decimal(r["c"])) for r in days), Decimal(split["c"]), Decimal(split["o"])


def lacking_tags(data: BillingData, dims: dict[str, str]) -> tuple[int, Decimal | None, Decimal]:
    """Rows (and requests, when the unit says so) of AI usage whose team or feature does not resolve.
    Reads tables.SB_LINES, so the showback or chargeback must have run."""
    missing = " OR ".join(f"{qi('dim_' + d)} IS NULL" for d in ("team", "feature") if d in dims) or "false"
    row = fetch_row(data.con, f"""
        SELECT coalesce(sum(Rows), 0) AS n, coalesce(sum(BilledCost), 0) AS cost,
               sum(ConsumedQuantity) FILTER (WHERE lower(ConsumedUnit) LIKE '%request%') AS requests
        FROM {tables.SB_LINES} WHERE ChargeCategory = 'Usage' AND ({missing})""")
    requests = None if row["requests"] is None else Decimal(row["requests"])
    return int(row["n"]), requests, Decimal(row["cost"])


def measure(data: BillingData, dims: dict[str, str], lines: Dimensions | None = None) -> Measures:
    """`lines`: what build_lines returned; with daily=True its day grain gives the daily spend."""
    daily, committed, on_demand = daily_spend(data, lines)
    n, requests, cost = lacking_tags(data, dims)
    return Measures(daily, committed, on_demand, n, requests, cost)
