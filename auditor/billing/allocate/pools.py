"""`pool_spend`: split AI spend into allocated spend and untagged pools (all aggregation in DuckDB).

    pool_spend(data: BillingData, policy: Policy) -> Allocation

A row is allocated when every policy key (`policy.keys`) resolves from its FOCUS Tags (with the
policy's aliases) or from the policy's scope map (see auditor.billing.allocate.scope). Everything else lands in
an untagged pool keyed by provider, sub-account, resource, model and the missing keys, with its cost
split by cost source. Pools and breakdowns are summed from the same table, so
allocated + untagged == total AI BilledCost exactly. One currency per allocation: with AI spend in
several currencies and no `currency` chosen at load time, this raises TagauditError naming them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from auditor.billing.allocate import classify, scope
from auditor.billing.ingest.focus import quote_ident as qi
from auditor.billing.ingest.focus import quote_str as qs
from auditor.billing.records import Allocation, BillingData, Seen, Spend, SpendPool
from auditor.policy import Policy
from scanners.errors import TagauditError

AI = "billing_ai"
ROWS = "alloc_rows"
_POOL_KEY = "x_Provider, SubAccountId, ResourceId, x_ModelName, missing"


def team_key(policy: Policy) -> str:
    names = [k.name for k in policy.keys]
    return "team" if "team" in names else (policy.showback_keys[0] if policy.showback_keys else names[0])


def _currency(con: Any, data: BillingData) -> str | None:
    rows = con.execute(f"SELECT BillingCurrency, sum(Rows), sum(BilledCost) FROM {ROWS} GROUP BY 1 ORDER BY 1"
                       ).fetchall()
    if len(rows) > 1:
        listed = ", ".join(f"{c} ({n} rows, {Decimal(a).normalize():f})" for c, n, a in rows)
        raise TagauditError(f"AI spend is billed in several currencies: {listed}",
                            hint="choose one with --currency (load_billing(..., currency=...)); totals are "
                                 "never summed across currencies")
    return str(rows[0][0]) if rows else data.currency


_KEEP = ("BillingCurrency", "SubAccountId", "SubAccountName", "ResourceId", "ResourceName", "x_ProjectId",
         "x_WorkspaceId", "x_ApiKeyId", "BillingAccountId", "Tags", "BilledCost", "Rows", "FirstCharge",
         "LastCharge")


def _build(con: Any, data: BillingData, policy: Policy) -> None:
    classify.create_ai_table(con, data.rollup, AI, _KEEP)
    cols = ", ".join(qi(c) for c in scope.DIM_COLUMNS)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE alloc_dim AS
                    SELECT row_number() OVER () AS dim_id, * FROM (SELECT DISTINCT {cols} FROM {AI})""")
    scope.resolve(con, policy, "alloc_dim")
    keys = ", ".join(f"({i}, {qs(k.name)})" for i, k in enumerate(policy.keys))
    team = qs(team_key(policy))
    same = " AND ".join(f"a.{qi(c)} IS NOT DISTINCT FROM d.{qi(c)}" for c in scope.DIM_COLUMNS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE alloc_status AS
        SELECT d.dim_id,
               coalesce(list(k.key ORDER BY k.pos) FILTER (WHERE r.value IS NULL), []) AS missing,
               any_value(r.value) FILTER (WHERE k.key = {team}) AS team
        FROM alloc_dim d CROSS JOIN (VALUES {keys}) k(pos, key)
        LEFT JOIN alloc_resolved r ON r.dim_id = d.dim_id AND r.key = k.key
        GROUP BY d.dim_id""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {ROWS} AS
        SELECT *, dense_rank() OVER (ORDER BY {_POOL_KEY}) AS pool_id FROM (
            SELECT a.x_Provider, a.x_ProviderName, a.x_ModelName, a.x_CostSource, a.BillingCurrency,
                   a.SubAccountId, a.SubAccountName, a.ResourceId, a.ResourceName, a.BilledCost, a.Rows,
                   a.FirstCharge, a.LastCharge, d.dim_id, s.missing, s.team, len(s.missing) = 0 AS allocated
            FROM {AI} a JOIN alloc_dim d ON {same} JOIN alloc_status s ON s.dim_id = d.dim_id)""")


def _pools(con: Any, allocated: bool) -> tuple[SpendPool, ...]:
    rows = con.execute(f"""
        WITH mine AS (SELECT * FROM {ROWS} WHERE allocated = {str(allocated).lower()}),
        by_source AS (SELECT pool_id, x_CostSource, sum(BilledCost) AS cost FROM mine GROUP BY ALL),
        sources AS (SELECT pool_id, list({{'source': x_CostSource, 'cost': cost}} ORDER BY cost DESC, x_CostSource)
                        AS sources FROM by_source GROUP BY ALL),
        tags AS (SELECT pool_id, list(DISTINCT [r.key, r.value] ORDER BY [r.key, r.value]) AS tags
                 FROM (SELECT DISTINCT pool_id, dim_id FROM mine) m JOIN alloc_resolved r USING (dim_id)
                 GROUP BY ALL),
        pools AS (SELECT pool_id, {_POOL_KEY}, sum(BilledCost) AS cost, sum(Rows) AS n,
                         any_value(x_ProviderName) AS pname, any_value(ResourceName) AS rname,
                         any_value(SubAccountName) AS sname
                  FROM mine GROUP BY ALL)
        SELECT p.x_Provider, p.SubAccountId, p.ResourceId, p.x_ModelName, p.missing, p.cost, p.n, p.pname,
               p.rname, p.sname, s.sources, t.tags
        FROM pools p JOIN sources s USING (pool_id) LEFT JOIN tags t USING (pool_id)
        ORDER BY p.cost DESC, p.x_Provider, p.SubAccountId NULLS FIRST, p.ResourceId NULLS FIRST,
                 p.x_ModelName NULLS FIRST, p.missing""").fetchall()
    return tuple(
        SpendPool(provider=r[0], provider_name=r[7], sub_account_id=r[1], resource_id=r[2], model=r[3],
                  missing_keys=tuple(r[4]), cost_sources=tuple((s["source"], Decimal(s["cost"])) for s in r[10]),
                  cost=Decimal(r[5]), rows=int(r[6]), tags=tuple((k, v) for k, v in (r[11] or [])),
                  resource_name=r[8], sub_account_name=r[9])
        for r in rows)


def _spend(con: Any, expr: str) -> tuple[Spend, ...]:
    rows = con.execute(f"""
        SELECT {expr} AS name, sum(BilledCost), coalesce(sum(BilledCost) FILTER (WHERE allocated), 0),
               coalesce(sum(BilledCost) FILTER (WHERE NOT allocated), 0), sum(Rows)
        FROM {ROWS} GROUP BY 1 ORDER BY 2 DESC, 1""").fetchall()
    return tuple(Spend(str(r[0]), Decimal(r[1]), Decimal(r[2]), Decimal(r[3]), int(r[4])) for r in rows)


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


def _seen(con: Any) -> tuple[Seen, ...]:
    rows_with_ids = (f"(SELECT a.x_ModelName, a.BilledCost, a.allocated, a.Rows, d.* FROM {ROWS} a "
                     "JOIN alloc_dim d USING (dim_id))")
    parts = [f"SELECT {qs(kind)} AS kind, {expr} AS value, x_Provider, BilledCost, allocated, Rows "
             f"FROM {rows_with_ids}" for kind, expr in _SEEN.items()]
    parts.append(f"""SELECT 'tag:' || r.key, r.value, a.x_Provider, a.BilledCost, a.allocated, a.Rows
                     FROM {ROWS} a JOIN alloc_resolved r ON r.dim_id = a.dim_id AND r.from_tags""")
    rows = con.execute(f"""
        SELECT kind, value, x_Provider, sum(BilledCost), coalesce(sum(BilledCost) FILTER (WHERE NOT allocated), 0),
               sum(Rows)
        FROM ({' UNION ALL '.join(parts)}) WHERE value IS NOT NULL
        GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC, 2""").fetchall()
    return tuple(Seen(r[0], r[1], r[2], Decimal(r[3]), Decimal(r[4]), int(r[5])) for r in rows)


def pool_spend(data: BillingData, policy: Policy) -> Allocation:
    con = data.con
    _build(con, data, policy)
    currency = _currency(con, data)
    total, allocated, untagged, rows, first, last = con.execute(f"""
        SELECT coalesce(sum(BilledCost), 0), coalesce(sum(BilledCost) FILTER (WHERE allocated), 0),
               coalesce(sum(BilledCost) FILTER (WHERE NOT allocated), 0), coalesce(sum(Rows), 0),
               min(FirstCharge), max(LastCharge)
        FROM {ROWS}""").fetchone()
    return Allocation(
        currency=currency, period=None if first is None else (first, last),
        required_keys=tuple(k.name for k in policy.keys), team_key=team_key(policy),
        total_ai_cost=Decimal(total), allocated_cost=Decimal(allocated), untagged_cost=Decimal(untagged),
        ai_rows=int(rows), pools=_pools(con, False), allocated=_pools(con, True),
        spend_by_vendor=_spend(con, "x_ProviderName"),
        spend_by_team=_spend(con, "coalesce(team, '(untagged)')"), seen=_seen(con),
    )
