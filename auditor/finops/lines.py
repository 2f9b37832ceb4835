"""The per-period AI spend table both reports read: every AI row group with its period and report dimensions.

    build_lines(data, policy, period_kind) -> Dimensions    creates tables.SB_LINES (and SB_PERIODS)

Allocation runs first (`pool_spend`: the currency check and the totals the report must reconcile to); the
per-period rows then resolve tags the same way (`scope.resolve`, FOCUS Tags beat the scope map), grouped
by the real ResourceName rather than the rollup's display value. A dimension key that is not a required
policy key (a customer or workspace tag) is resolved like one but never decides whether a row is allocated.
After this runs, tables.ALLOC_RESOLVED holds this resolution, not pool_spend's.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditor.billing import tables
from auditor.billing.allocate import classify, scope
from auditor.billing.allocate.pools import pool_spend, team_key
from auditor.billing.db import aggregate, describe_columns, fetch_dicts, fetch_scalar
from auditor.billing.ingest.focus import quote_ident as qi
from auditor.billing.ingest.focus import quote_str as qs
from auditor.billing.ingest.validate import DIMS
from auditor.billing.records import Allocation, BillingData
from auditor.policy import KeyRule, Policy, normalize_key
from scanners.errors import TagauditError

if TYPE_CHECKING:
    import duckdb

PERIOD_KINDS = ("month", "week")
COMMITTED = ("(PricingCategory = 'Committed' OR CommitmentDiscountId IS NOT NULL "
             "OR x_ContractCommitmentId IS NOT NULL)")
_TAG_DIMENSIONS = ("team", "feature", "customer", "environment")


@dataclass(frozen=True, slots=True)
class Dimensions:
    """Report dimension -> the policy key it reads (only dimensions the policy can answer), the allocation
    the lines reconcile to, and what could not be broken down."""

    keys: dict[str, str]
    allocation: Allocation
    notes: tuple[str, ...]
    # tables.SB_GRAIN is by day with x_Committed (build_lines(daily=True)), keyed by hash (x_H) or not
    daily_grain: bool = False
    hashed: bool = False


def dimension_keys(policy: Policy) -> tuple[dict[str, str], list[str]]:
    names = {k.name for k in policy.keys}
    wanted = {
        "team": team_key(policy),
        "feature": policy.showback.feature_key or ("use_case" if "use_case" in names else None),
        "customer": policy.showback.customer_key,
        "environment": policy.showback.environment_key or ("environment" if "environment" in names else None),
    }
    notes = [f"no {dim} breakdown: the policy names no {dim} key (set showback.{dim}_key)"
             for dim, key in wanted.items() if key is None]
    return {dim: key for dim, key in wanted.items() if key is not None}, notes


def _with_extra_keys(policy: Policy, keys: dict[str, str]) -> Policy:
    """The policy plus any dimension key it does not require, so scope.resolve resolves that key too."""
    names = {k.name for k in policy.keys}
    extra = [key for key in dict.fromkeys(keys.values()) if key not in names]
    if not extra:
        return policy
    aliases = dict(policy.aliases)
    rules = []
    for key in extra:
        alias_list = policy.showback.customer_aliases if key == policy.showback.customer_key else ()
        rules.append(KeyRule(key, tuple(alias_list)))
        for alias in (key, *alias_list):
            aliases.setdefault(normalize_key(alias), key)
    return dataclasses.replace(policy, keys=policy.keys + tuple(rules), aliases=aliases)


def _fast_keys(con: duckdb.DuckDBPyConnection, data: BillingData) -> bool:
    """tables.SB_GRAIN_KEYS from the rollup (a few thousand groups); False when two of its DIMS tuples share
    a hash, so the grain must be grouped by the columns themselves."""
    dims = ", ".join(qi(d) for d in DIMS)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {tables.SB_GRAIN_KEYS} AS
        SELECT hash({dims}) AS x_H, * FROM (
            SELECT {dims}, sum(Rows) AS Rows, sum(BilledCost) AS BilledCost FROM {data.rollup} GROUP BY ALL)""")
    return bool(fetch_scalar(con, f"SELECT count(*) = count(DISTINCT x_H) AS ok FROM {tables.SB_GRAIN_KEYS}"))


def _grain_matches(con: duckdb.DuckDBPyConnection) -> bool:
    """Every hash of the grain carries exactly the rows and cost of its rollup DIMS tuple, and every tuple
    is there: the hash stands for the DIMS columns exactly (else the grain is regrouped by the columns)."""
    return not fetch_scalar(con, f"""
        SELECT count(*) AS n FROM (SELECT x_H, sum(Rows) AS Rows, sum(BilledCost) AS BilledCost
                                   FROM {tables.SB_GRAIN} GROUP BY x_H) g
        FULL JOIN {tables.SB_GRAIN_KEYS} k ON k.x_H = g.x_H
        WHERE g.x_H IS NULL OR k.x_H IS NULL OR g.Rows <> k.Rows OR g.BilledCost IS DISTINCT FROM k.BilledCost""")


def grain(data: BillingData, grain_kind: str, committed: bool, *, exact: bool = False) -> bool:
    """tables.SB_GRAIN: the one grouping scan of the valid rows after the load (see tables.SB_GRAIN). Returns
    True when it is keyed by x_H, the hash of `validate.DIMS` (join tables.SB_GRAIN_KEYS for the columns).

    Grouping ten million rows by two dozen text columns costs several times what grouping by one 64-bit hash
    of them does. The hash is checked, not trusted: its DIMS tuples (the rollup's) must have distinct hashes,
    and each hash's rows and cost in the scan must equal its tuple's in the rollup; otherwise, and on an
    engine (only the exact SQL is transpiled) or with `exact`, the rows are grouped by the columns themselves."""
    con = data.con
    dims = ", ".join(qi(d) for d in DIMS)
    extra = f", {COMMITTED} AS x_Committed" if committed else ""
    body = (f"ResourceName, date_trunc({qs(grain_kind)}, ChargePeriodStart) AS x_Period, ConsumedUnit, "
            f"ConsumedQuantity IS NOT NULL AS x_HasQuantity{extra}, sum(BilledCost) AS BilledCost, "
            f"sum(ConsumedQuantity) AS ConsumedQuantity, count(*) AS Rows FROM {data.view} GROUP BY ALL")
    if not exact and data.remote is None and _fast_keys(con, data):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {tables.SB_GRAIN} AS SELECT hash({dims}) AS x_H, {body}")
        if _grain_matches(con):
            return True
    aggregate(data, tables.SB_GRAIN, f"SELECT {dims}, {body}")
    return False


def regroup(fast: bool, columns: tuple[str, ...], exprs: str, sums: str) -> str:
    """SQL over tables.SB_GRAIN: `columns` (of `validate.DIMS`), the expressions `exprs` and the aggregates
    `sums`, grouped by all but the aggregates. Keyed by hash, the grain is grouped by x_H first and only
    then joined to its DIMS columns."""
    names = ", ".join(qi(c) for c in columns)
    if not fast:
        return f"SELECT {names}, {exprs}, {sums} FROM {tables.SB_GRAIN} GROUP BY ALL"
    picked = ", ".join(f"k.{qi(c)}" for c in columns)
    return f"""SELECT {picked}, g.* EXCLUDE (x_H) FROM (SELECT x_H, {exprs}, {sums} FROM {tables.SB_GRAIN} GROUP BY ALL) g
               JOIN {tables.SB_GRAIN_KEYS} k ON k.x_H = g.x_H"""


def _raw(con: duckdb.DuckDBPyConnection, data: BillingData, period_kind: str, daily: bool, exact: bool) -> bool:
    """tables.SB_RAW (and SB_AI) by `period_kind`; with `daily`, from a grain by day that the quarterly
    measures read too (one scan of the rows for both). Returns whether the grain is keyed by hash."""
    fast = grain(data, "day" if daily else period_kind, daily, exact=exact)
    period = f"date_trunc({qs(period_kind)}, x_Period) AS x_Period" if daily else "x_Period"
    sums = ("sum(BilledCost) AS BilledCost, sum(ConsumedQuantity) AS ConsumedQuantity, "
            "CAST(sum(Rows) AS BIGINT) AS Rows")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {tables.SB_RAW} AS " + regroup(
        fast, DIMS, f"ResourceName, {period}, ConsumedUnit, x_HasQuantity", sums))
    keep = tuple(c for c in scope.DIM_COLUMNS if c != "x_Provider") + (
        "ChargeCategory", "x_Period", "ConsumedUnit", "x_HasQuantity", "BilledCost", "ConsumedQuantity", "Rows")
    classify.create_ai_table(con, tables.SB_RAW, tables.SB_AI, keep)
    return fast


def _status(con: duckdb.DuckDBPyConnection, policy: Policy, keys: dict[str, str]) -> None:
    cols = ", ".join(qi(c) for c in scope.DIM_COLUMNS)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {tables.SB_DIM} AS
                    SELECT row_number() OVER () AS dim_id, * FROM (SELECT DISTINCT {cols} FROM {tables.SB_AI})""")
    scope.resolve(con, _with_extra_keys(policy, keys), tables.SB_DIM)
    required = ", ".join(qs(k.name) for k in policy.keys)
    columns = {**{"dim_" + dim: key for dim, key in keys.items()}, **{"key_" + k.name: k.name for k in policy.keys}}
    picks = "".join(f", any_value(r.value) FILTER (WHERE r.key = {qs(key)}) AS {qi(column)}"
                    for column, key in columns.items())
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {tables.SB_STATUS} AS
        SELECT d.dim_id, count(r.value) FILTER (WHERE r.key IN ({required})) = {len(policy.keys)} AS allocated{picks}
        FROM {tables.SB_DIM} d LEFT JOIN {tables.ALLOC_RESOLVED} r ON r.dim_id = d.dim_id
        GROUP BY d.dim_id""")


def _lines(con: duckdb.DuckDBPyConnection, columns: list[str], period_kind: str) -> None:
    same = " AND ".join(f"a.{qi(c)} IS NOT DISTINCT FROM d.{qi(c)}" for c in scope.DIM_COLUMNS)
    dims = "".join(f", s.{qi(c)}" for c in columns)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {tables.SB_LINES} AS
        SELECT a.x_Period, a.x_Provider, a.x_ProviderName AS vendor, coalesce(a.x_ModelName, '(unknown model)') AS model,
               a.x_CostSource, a.ChargeCategory, a.ConsumedUnit, a.x_HasQuantity, a.BilledCost, a.ConsumedQuantity,
               a.Rows, a.SubAccountId, a.ResourceId, s.allocated{dims}
        FROM {tables.SB_AI} a JOIN {tables.SB_DIM} d ON {same} JOIN {tables.SB_STATUS} s ON s.dim_id = d.dim_id""")
    step = qs("1 " + period_kind)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {tables.SB_PERIODS} AS
        SELECT unnest(generate_series(min(x_Period), max(x_Period), INTERVAL {step})) AS p
        FROM {tables.SB_LINES} HAVING count(*) > 0""")


def build_lines(data: BillingData, policy: Policy, period_kind: str, daily: bool = False, *,
                exact: bool = False) -> Dimensions:
    """Create tables.SB_LINES and SB_PERIODS for `period_kind` (month or week). `daily`: leave tables.SB_GRAIN
    by day for quarterly.measures, so the valid rows are grouped once for both. `exact`: group the rows by
    the DIMS columns, not their checked hash (`grain`), as an engine does."""
    if period_kind not in PERIOD_KINDS:
        raise TagauditError(f"unknown period {period_kind!r}", hint=f"use one of {', '.join(PERIOD_KINDS)}")
    allocation = pool_spend(data, policy)
    keys, notes = dimension_keys(policy)
    con = data.con
    hashed = _raw(con, data, period_kind, daily, exact)
    _status(con, policy, keys)
    _lines(con, [c for c in fetch_columns(con, tables.SB_STATUS) if c.startswith(("dim_", "key_"))], period_kind)
    return Dimensions(keys, allocation, tuple(notes), daily, hashed)


def fetch_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [name for name, _ in describe_columns(con, table)]


_UNIT = re.compile(r"^\s*(?:(\d[\d,]*)\s*([km](?=\s))?\s+)?(.+?)\s*$", re.IGNORECASE)


def normalize_unit(raw: str) -> tuple[str, int]:
    """ConsumedUnit as (singular lower-case unit, units per quantity): "1000 Tokens" -> ("token", 1000)."""
    m = _UNIT.match(raw)
    if m is None or not m.group(3):
        return raw.strip().lower() or "(no unit)", 1
    factor = int(m.group(1).replace(",", "")) if m.group(1) else 1
    factor *= {"k": 1000, "m": 1_000_000}.get((m.group(2) or "").lower(), 1)
    unit = re.sub(r"\s+", " ", m.group(3).lower())
    if len(unit) > 3 and unit.endswith("s") and not unit.endswith("ss"):
        unit = unit[:-1]
    return unit, factor


def create_units(con: duckdb.DuckDBPyConnection) -> None:
    """tables.SB_UNITS from the distinct ConsumedUnit values (a handful), normalised in Python."""
    raws = [r["u"] for r in fetch_dicts(con, f"SELECT DISTINCT ConsumedUnit AS u FROM {tables.SB_LINES} "
                                             "WHERE x_HasQuantity AND ConsumedUnit IS NOT NULL")]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {tables.SB_UNITS} (raw VARCHAR, unit VARCHAR, factor HUGEINT)")
    if raws:
        con.executemany(f"INSERT INTO {tables.SB_UNITS} VALUES (?, ?, ?)",
                        [(raw, *normalize_unit(raw)) for raw in sorted(raws)])
