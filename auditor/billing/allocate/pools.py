"""`pool_spend`: split AI spend into allocated spend and untagged pools (all aggregation in DuckDB).

    pool_spend(data: BillingData, policy: Policy) -> Allocation

A row is allocated when every policy key (`policy.keys`) resolves from its FOCUS Tags merged with its
FOCUS 1.3 AllocatedTags (with the policy's aliases) or from the policy's scope map (see auditor.billing.allocate.scope). Everything else lands in
an untagged pool keyed by provider, sub-account, resource, model and the missing keys, with its cost
split by cost source (spend under a FOCUS 1.3 contract commitment, ContractApplied, carries the
suffix "/committed", apart from on-demand). Untagged credits and adjustments are no spend to tag: they
are lines of their own (`Allocation.credits`, keyed the same way), never ranked as pools. A 1.3 split row (AllocatedMethodId set) is a row of its own
and its origin charge is not in the data, so nothing is counted twice. Pools and breakdowns are summed from the same table, so
allocated + untagged == total AI BilledCost exactly (untagged = pools + credits). One currency per allocation: with AI spend in
several currencies and no `currency` chosen at load time, this raises TagauditError naming them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from auditor.billing import tables
from auditor.billing.allocate import classify, scope
from auditor.billing.db import fetch_columns, fetch_dicts, fetch_scalar
from auditor.billing.ingest.focus import quote_ident as qi
from auditor.billing.ingest.focus import quote_str as qs
from auditor.billing.records import Allocation, BillingData, Seen, Spend, SpendPool
from auditor.policy import Policy
from scanners.errors import TagauditError

if TYPE_CHECKING:
    import duckdb

AI = tables.POOL_AI
ROWS = tables.ALLOC_ROWS
DIM = tables.ALLOC_DIM
STATUS = tables.ALLOC_STATUS
RESOLVED = tables.ALLOC_RESOLVED
# missing_pos: the missing policy keys' positions in policy.keys, as text ("0,2"; "" when allocated). It names
# the same keys as the list of their names, ranks faster, and a list column costs more to materialise.
_POOL_KEY = "x_Provider, SubAccountId, ResourceId, x_ModelName, missing_pos, credit"
# Untagged credits and adjustments (FOCUS ChargeCategory Credit / Adjustment; the cost source's first part,
# before any "/committed"-style suffix) are no spend that a tag would allocate: they get lines of their own,
# apart from the pools. A tagged credit stays allocated to its team.
_CREDIT = "split_part(x_CostSource, '/', 1) IN ('credit', 'adjustment')"


def team_key(policy: Policy) -> str:
    names = [k.name for k in policy.keys]
    return "team" if "team" in names else (policy.showback_keys[0] if policy.showback_keys else names[0])


_KEEP = ("BillingCurrency", "SubAccountId", "SubAccountName", "ResourceId", "ResourceName", "AllocatedResourceId",
         "AllocatedResourceName", "x_ProjectId", "x_WorkspaceId", "x_ApiKeyId", "BillingAccountId", "Tags",
         "AllocatedTags", "BilledCost", "Rows", "FirstCharge", "LastCharge")
# The resource a pool is keyed by: a FOCUS 1.3 split row's AllocatedResourceId (the resource the cost was
# allocated to) names it better than the shared origin ResourceId; without one, ResourceId.
_RESOURCE = "coalesce(a.AllocatedResourceId, a.ResourceId)"
_RESOURCE_NAME = "CASE WHEN a.AllocatedResourceId IS NULL THEN a.ResourceName ELSE a.AllocatedResourceName END"


def _build(con: duckdb.DuckDBPyConnection, data: BillingData, policy: Policy) -> None:
    """POOL_AI (the AI groups, each with the dim_id of its tag-carrying columns), ALLOC_DIM, ALLOC_RESOLVED and
    ALLOC_ROWS. dim_id is a dense rank over scope.DIM_COLUMNS (NULLs rank together, as IS NOT DISTINCT FROM
    would match them), so ALLOC_ROWS joins on one integer instead of ten text columns."""
    cols = ", ".join(qi(c) for c in scope.DIM_COLUMNS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {AI} AS SELECT *, dense_rank() OVER (ORDER BY {cols}) AS dim_id "
                f"FROM ({classify.ai_sql(data.rollup, AI, _KEEP)})")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {DIM} AS SELECT DISTINCT ON (dim_id) dim_id, {cols} FROM {AI}")
    scope.resolve(con, policy, DIM)
    names = [k.name for k in policy.keys]
    keys = f"[{', '.join(qs(k) for k in names)}]"
    team = qs(team_key(policy))
    # The status of each dimension combination is read once, here: a CTE, not a table of its own. The missing
    # keys are the policy's keys that did not resolve, as missing_pos (_POOL_KEY): a list filter over the key
    # positions, not an ordered aggregate over dims x keys.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {ROWS} AS
        WITH {STATUS} AS (
            SELECT dim_id, team,
                   array_to_string(list_filter(range({len(names)}), lambda i: NOT list_contains(have, {keys}[i + 1])), ',')
                       AS missing_pos
            FROM (SELECT d.dim_id, coalesce(list(r.key) FILTER (WHERE r.key IS NOT NULL), []) AS have,
                         any_value(r.value) FILTER (WHERE r.key = {team}) AS team
                  FROM {DIM} d LEFT JOIN {RESOLVED} r ON r.dim_id = d.dim_id GROUP BY d.dim_id))
        SELECT *, dense_rank() OVER (ORDER BY {_POOL_KEY}) AS pool_id FROM (
            SELECT a.x_Provider, a.x_ProviderName, a.x_ModelName, a.x_CostSource, a.BillingCurrency,
                   a.SubAccountId, a.SubAccountName, {_RESOURCE} AS ResourceId, {_RESOURCE_NAME} AS ResourceName,
                   a.BilledCost, a.Rows, a.FirstCharge, a.LastCharge, a.dim_id, s.missing_pos, s.team,
                   s.missing_pos = '' AS allocated, s.missing_pos <> '' AND {_CREDIT} AS credit
            FROM {AI} a JOIN {STATUS} s ON s.dim_id = a.dim_id)""")


def _totals(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The AI totals (one row, also over no rows) and the AI spend per currency, in one statement."""
    rows = fetch_dicts(con, f"""
        SELECT grouping(BillingCurrency) AS everything, BillingCurrency AS currency,
               coalesce(sum(BilledCost), 0) AS total, coalesce(sum(BilledCost) FILTER (WHERE allocated), 0) AS allocated,
               coalesce(sum(BilledCost) FILTER (WHERE NOT allocated), 0) AS untagged, coalesce(sum(Rows), 0) AS n,
               min(FirstCharge) AS first_charge, max(LastCharge) AS last_charge
        FROM {ROWS} GROUP BY GROUPING SETS ((BillingCurrency), ()) ORDER BY 1, 2""")
    return rows[-1], [r for r in rows if not r["everything"]]


def _check_currency(by_currency: list[dict[str, Any]], data: BillingData) -> str | None:
    if len(by_currency) > 1:
        listed = ", ".join(f"{r['currency']} ({r['n']} rows, {Decimal(r['total']).normalize():f})" for r in by_currency)
        raise TagauditError(f"AI spend is billed in several currencies: {listed}",
                            hint="choose one with --currency (load_billing(..., currency=...)); totals are "
                                 "never summed across currencies")
    return str(by_currency[0]["currency"]) if by_currency else data.currency


def _pools(con: duckdb.DuckDBPyConnection, keys: tuple[str, ...]) -> dict[str, tuple[SpendPool, ...]]:
    """Untagged ("untagged"), allocated ("allocated") pools and untagged credit lines ("credit").
    pool_id (a dense rank of the pool key) determines the key and `allocated`, so pools group by it alone.
    Three flat queries (pools; their cost sources; their resolved tags), read column by column and joined
    on pool_id in Python: building nested lists in SQL and decoding them (JSON or DuckDB's nested values)
    cost more than the sums. Money comes back as text: DuckDB's DECIMAL -> Python Decimal conversion costs
    more than Decimal(str), and gives the same value and scale."""
    names = f"[{', '.join(qs(k) for k in keys)}]"
    p = fetch_columns(con, f"""
        SELECT pool_id, CASE WHEN allocated THEN 'allocated' WHEN credit THEN 'credit' ELSE 'untagged' END AS kind,
               x_Provider, SubAccountId, ResourceId, x_ModelName, missing_pos, c::VARCHAR AS cost, n, pname,
               rname, sname
        FROM (SELECT pool_id, any_value(allocated) AS allocated,
                     {", ".join(f"any_value({c}) AS {c}" for c in _POOL_KEY.split(", "))},
                     sum(BilledCost) AS c, sum(Rows) AS n,
                     min(x_ProviderName) AS pname, min(ResourceName) AS rname, min(SubAccountName) AS sname
              FROM {ROWS} GROUP BY pool_id)
        ORDER BY c DESC, x_Provider, SubAccountId NULLS FIRST, ResourceId NULLS FIRST, x_ModelName NULLS FIRST,
                 CASE WHEN missing_pos = '' THEN []::VARCHAR[]
                      ELSE list_transform(string_split(missing_pos, ','), lambda i: {names}[i::INTEGER + 1]) END""")
    s = fetch_columns(con, f"""
        SELECT pool_id, x_CostSource AS source, c::VARCHAR AS cost FROM (
            SELECT pool_id, x_CostSource, sum(BilledCost) AS c FROM {ROWS} GROUP BY ALL)
        ORDER BY pool_id, c DESC, x_CostSource""")
    t = fetch_columns(con, f"""
        SELECT DISTINCT m.pool_id, r.key, r.value FROM (SELECT DISTINCT pool_id, dim_id FROM {ROWS}) m
        JOIN {RESOLVED} r USING (dim_id) ORDER BY 1, 2, 3""")
    sources: dict[int, list[tuple[str, Decimal]]] = {}
    for pool_id, source, cost in zip(s["pool_id"], s["source"], s["cost"], strict=True):
        sources.setdefault(pool_id, []).append((source, Decimal(cost)))
    tags: dict[int, list[tuple[str, str]]] = {}
    for pool_id, key, value in zip(t["pool_id"], t["key"], t["value"], strict=True):
        tags.setdefault(pool_id, []).append((key, value))
    missing: dict[str, tuple[str, ...]] = {"": ()}
    out: dict[str, list[SpendPool]] = {"untagged": [], "allocated": [], "credit": []}
    for row in zip(p["pool_id"], p["kind"], p["x_Provider"], p["pname"], p["SubAccountId"], p["sname"],
                   p["ResourceId"], p["rname"], p["x_ModelName"], p["missing_pos"], p["cost"], p["n"], strict=True):
        pool_id, kind, provider, pname, sub, sname, resource, rname, model, pos, cost, n = row
        if pos not in missing:
            missing[pos] = tuple(keys[int(i)] for i in pos.split(","))
        out[kind].append(SpendPool(
            provider=provider, provider_name=pname, sub_account_id=sub, resource_id=resource, model=model,
            missing_keys=missing[pos], cost_sources=tuple(sources[pool_id]), cost=Decimal(cost), rows=int(n),
            tags=tuple(tags.get(pool_id, ())), resource_name=rname, sub_account_name=sname))
    return {k: tuple(v) for k, v in out.items()}


_BREAKDOWNS = {"vendor": "x_ProviderName", "team": "coalesce(team, '(untagged)')"}


def _spend(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[Spend, ...]]:
    """The spend breakdowns (_BREAKDOWNS: by vendor, by team), in one statement."""
    parts = " UNION ALL ".join(
        f"""SELECT {qs(kind)} AS breakdown, {expr} AS name, sum(BilledCost) AS c,
                   coalesce(sum(BilledCost) FILTER (WHERE allocated), 0) AS a,
                   coalesce(sum(BilledCost) FILTER (WHERE NOT allocated), 0) AS u, sum(Rows) AS n
            FROM {ROWS} GROUP BY 1, 2""" for kind, expr in _BREAKDOWNS.items())
    rows = fetch_dicts(con, f"""
        SELECT breakdown, name, c::VARCHAR AS cost, a::VARCHAR AS allocated, u::VARCHAR AS untagged, n
        FROM ({parts}) ORDER BY breakdown, c DESC, name""")
    out: dict[str, list[Spend]] = {kind: [] for kind in _BREAKDOWNS}
    for r in rows:
        out[r["breakdown"]].append(Spend(str(r["name"]), Decimal(r["cost"]), Decimal(r["allocated"]),
                                         Decimal(r["untagged"]), int(r["n"])))
    return {k: tuple(v) for k, v in out.items()}


_SEEN = {
    "model": "x_ModelName",
    "openai_project": "CASE WHEN x_Provider = 'openai' THEN coalesce(x_ProjectId, SubAccountId) END",
    "anthropic_workspace": "CASE WHEN x_Provider = 'anthropic' THEN coalesce(x_WorkspaceId, SubAccountId, "
                           "'default') END",
    "api_key": "x_ApiKeyId",
    "inference_profile": "CASE WHEN x_Provider = 'aws_bedrock' AND ResourceId LIKE '%inference-profile/%' "
                         "THEN ResourceId END",
    "azure_resource": "CASE WHEN x_Provider = 'azure_openai' THEN coalesce(ResourceId, ResourceName) END",
    "gcp_project": "CASE WHEN x_Provider = 'google_vertex' THEN SubAccountId END",
}


def _seen(con: duckdb.DuckDBPyConnection) -> tuple[Seen, ...]:
    """Every identifier (_SEEN, and each resolved tag) with its cost. The ids are functions of the dimension
    row and the model, so the AI groups are summed per (dim_id, model) first, and the tags per dim_id."""
    parts = [f"SELECT {qs(kind)} AS kind, {expr} AS value, x_Provider, c, u, n FROM ids"
             for kind, expr in _SEEN.items()]
    parts.append(f"""SELECT 'tag:' || r.key, r.value, d.x_Provider, sum(m.c), sum(m.u), sum(m.n)
                     FROM by_dim m JOIN {DIM} d USING (dim_id) JOIN {RESOLVED} r ON r.dim_id = m.dim_id AND r.from_tags
                     GROUP BY 1, 2, 3""")
    rows = fetch_dicts(con, f"""
        WITH by_model AS MATERIALIZED (
            SELECT dim_id, x_ModelName, sum(BilledCost) AS c, coalesce(sum(BilledCost) FILTER (WHERE NOT allocated), 0) AS u,
                   sum(Rows) AS n FROM {ROWS} GROUP BY ALL),
        by_dim AS (SELECT dim_id, sum(c) AS c, sum(u) AS u, sum(n) AS n FROM by_model GROUP BY ALL),
        ids AS MATERIALIZED (SELECT m.x_ModelName, m.c, m.u, m.n, d.* FROM by_model m JOIN {DIM} d USING (dim_id))
        SELECT kind, value, x_Provider, c::VARCHAR AS cost, u::VARCHAR AS untagged, n FROM (
            SELECT kind, value, x_Provider, sum(c) AS c, sum(u) AS u, sum(n) AS n
            FROM ({' UNION ALL '.join(parts)}) WHERE value IS NOT NULL
            GROUP BY 1, 2, 3) ORDER BY kind, c DESC, value""")
    return tuple(Seen(r["kind"], r["value"], r["x_Provider"], Decimal(r["cost"]), Decimal(r["untagged"]), int(r["n"]))
                 for r in rows)


# DuckDB scans a table in row groups of 122,880 rows, one per thread: a smaller rollup is scanned by one
# thread anyway, and a second thread only splits every temp table it creates in two (measured: creating a
# 13k-row, 35-column table took 40 ms with two threads, 22 ms with one).
_ONE_THREAD_BELOW = 122_880


def pool_spend(data: BillingData, policy: Policy) -> Allocation:
    con = data.con
    threads = int(fetch_scalar(con, "SELECT current_setting('threads') AS threads"))
    small = threads > 1 and fetch_scalar(con, f"SELECT count(*) AS n FROM {data.rollup}") < _ONE_THREAD_BELOW
    if small:
        con.execute("SET threads = 1")
    try:
        return _allocate(con, data, policy)
    finally:
        if small:
            con.execute(f"SET threads = {threads}")


def _allocate(con: duckdb.DuckDBPyConnection, data: BillingData, policy: Policy) -> Allocation:
    _build(con, data, policy)
    t, by_currency = _totals(con)
    currency = _check_currency(by_currency, data)
    keys = tuple(k.name for k in policy.keys)
    pools = _pools(con, keys)
    spend = _spend(con)
    return Allocation(
        currency=currency, period=None if t["first_charge"] is None else (t["first_charge"], t["last_charge"]),
        required_keys=keys, team_key=team_key(policy),
        total_ai_cost=Decimal(t["total"]), allocated_cost=Decimal(t["allocated"]), untagged_cost=Decimal(t["untagged"]),
        ai_rows=int(t["n"]), pools=pools["untagged"], allocated=pools["allocated"], credits=pools["credit"],
        credits_cost=sum((p.cost for p in pools["credit"]), Decimal(0)),
        spend_by_vendor=spend["vendor"], spend_by_team=spend["team"], seen=_seen(con),
    )
