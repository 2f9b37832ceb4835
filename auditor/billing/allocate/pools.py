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

import json
from decimal import Decimal
from typing import TYPE_CHECKING

from auditor.billing import tables
from auditor.billing.allocate import classify, scope
from auditor.billing.db import fetch_dicts, fetch_row
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
_POOL_KEY = "x_Provider, SubAccountId, ResourceId, x_ModelName, missing, credit"
# Untagged credits and adjustments (FOCUS ChargeCategory Credit / Adjustment; the cost source's first part,
# before any "/committed"-style suffix) are no spend that a tag would allocate: they get lines of their own,
# apart from the pools. A tagged credit stays allocated to its team.
_CREDIT = "split_part(x_CostSource, '/', 1) IN ('credit', 'adjustment')"


def team_key(policy: Policy) -> str:
    names = [k.name for k in policy.keys]
    return "team" if "team" in names else (policy.showback_keys[0] if policy.showback_keys else names[0])


def _currency(con: duckdb.DuckDBPyConnection, data: BillingData) -> str | None:
    rows = fetch_dicts(con, f"SELECT BillingCurrency AS currency, sum(Rows) AS n, sum(BilledCost) AS amount "
                            f"FROM {ROWS} GROUP BY 1 ORDER BY 1")
    if len(rows) > 1:
        listed = ", ".join(f"{r['currency']} ({r['n']} rows, {Decimal(r['amount']).normalize():f})" for r in rows)
        raise TagauditError(f"AI spend is billed in several currencies: {listed}",
                            hint="choose one with --currency (load_billing(..., currency=...)); totals are "
                                 "never summed across currencies")
    return str(rows[0]["currency"]) if rows else data.currency


_KEEP = ("BillingCurrency", "SubAccountId", "SubAccountName", "ResourceId", "ResourceName", "AllocatedResourceId",
         "AllocatedResourceName", "x_ProjectId", "x_WorkspaceId", "x_ApiKeyId", "BillingAccountId", "Tags",
         "AllocatedTags", "BilledCost", "Rows", "FirstCharge", "LastCharge")
# The resource a pool is keyed by: a FOCUS 1.3 split row's AllocatedResourceId (the resource the cost was
# allocated to) names it better than the shared origin ResourceId; without one, ResourceId.
_RESOURCE = "coalesce(a.AllocatedResourceId, a.ResourceId)"
_RESOURCE_NAME = "CASE WHEN a.AllocatedResourceId IS NULL THEN a.ResourceName ELSE a.AllocatedResourceName END"


def _build(con: duckdb.DuckDBPyConnection, data: BillingData, policy: Policy) -> None:
    classify.create_ai_table(con, data.rollup, AI, _KEEP)
    cols = ", ".join(qi(c) for c in scope.DIM_COLUMNS)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {DIM} AS
                    SELECT row_number() OVER () AS dim_id, * FROM (SELECT DISTINCT {cols} FROM {AI})""")
    scope.resolve(con, policy, DIM)
    keys = ", ".join(f"({i}, {qs(k.name)})" for i, k in enumerate(policy.keys))
    team = qs(team_key(policy))
    same = " AND ".join(f"a.{qi(c)} IS NOT DISTINCT FROM d.{qi(c)}" for c in scope.DIM_COLUMNS)
    # The status of each dimension combination is read once, here: a CTE, not a table of its own.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {ROWS} AS
        WITH {STATUS} AS (
            SELECT d.dim_id,
                   coalesce(list(k.key ORDER BY k.pos) FILTER (WHERE r.value IS NULL), []) AS missing,
                   any_value(r.value) FILTER (WHERE k.key = {team}) AS team
            FROM {DIM} d CROSS JOIN (VALUES {keys}) k(pos, key)
            LEFT JOIN {RESOLVED} r ON r.dim_id = d.dim_id AND r.key = k.key
            GROUP BY d.dim_id)
        SELECT *, dense_rank() OVER (ORDER BY {_POOL_KEY}) AS pool_id FROM (
            SELECT a.x_Provider, a.x_ProviderName, a.x_ModelName, a.x_CostSource, a.BillingCurrency,
                   a.SubAccountId, a.SubAccountName, {_RESOURCE} AS ResourceId, {_RESOURCE_NAME} AS ResourceName,
                   a.BilledCost, a.Rows, a.FirstCharge, a.LastCharge, d.dim_id, s.missing, s.team,
                   len(s.missing) = 0 AS allocated, len(s.missing) > 0 AND {_CREDIT} AS credit
            FROM {AI} a JOIN {DIM} d ON {same} JOIN {STATUS} s ON s.dim_id = d.dim_id)""")


def _pools(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[SpendPool, ...]]:
    """Untagged ("untagged"), allocated ("allocated") pools and untagged credit lines ("credit"), in one query.
    Money comes back as text: DuckDB's DECIMAL -> Python Decimal conversion costs more than Decimal(str), and
    gives the same value and scale. The lists come back as JSON text: json.loads is several times faster
    than DuckDB's conversion of nested values to Python (~30 of ~60 ms for 3,000 pools). pool_id (a dense rank
    of the pool key) determines the key and `allocated`, so pools group by it alone: grouping by the list of
    missing keys and five text columns again cost more than the sums."""
    rows = fetch_dicts(con, f"""
        WITH by_source AS (SELECT pool_id, x_CostSource, sum(BilledCost) AS cost FROM {ROWS} GROUP BY ALL),
        sources AS (SELECT pool_id, list({{'source': x_CostSource, 'cost': cost::VARCHAR}}
                                         ORDER BY cost DESC, x_CostSource) AS sources FROM by_source GROUP BY ALL),
        tags AS (SELECT pool_id, list(DISTINCT [r.key, r.value] ORDER BY [r.key, r.value]) AS tags
                 FROM (SELECT DISTINCT pool_id, dim_id FROM {ROWS}) m JOIN {RESOLVED} r USING (dim_id)
                 GROUP BY ALL),
        pools AS (SELECT pool_id, any_value(allocated) AS allocated,
                         {", ".join(f"any_value({c}) AS {c}" for c in _POOL_KEY.split(", "))},
                         sum(BilledCost) AS cost, sum(Rows) AS n,
                         any_value(x_ProviderName) AS pname, any_value(ResourceName) AS rname,
                         any_value(SubAccountName) AS sname
                  FROM {ROWS} GROUP BY pool_id)
        SELECT CASE WHEN p.allocated THEN 'allocated' WHEN p.credit THEN 'credit' ELSE 'untagged' END AS kind,
               p.x_Provider, p.SubAccountId, p.ResourceId, p.x_ModelName, to_json(p.missing)::VARCHAR AS missing,
               p.cost::VARCHAR AS cost, p.n, p.pname, p.rname, p.sname, to_json(s.sources)::VARCHAR AS sources,
               to_json(t.tags)::VARCHAR AS tags
        FROM pools p JOIN sources s USING (pool_id) LEFT JOIN tags t USING (pool_id)
        ORDER BY p.cost DESC, p.x_Provider, p.SubAccountId NULLS FIRST, p.ResourceId NULLS FIRST,
                 p.x_ModelName NULLS FIRST, p.missing""")
    out: dict[str, list[SpendPool]] = {"untagged": [], "allocated": [], "credit": []}
    for r in rows:
        out[str(r["kind"])].append(SpendPool(
            provider=r["x_Provider"], provider_name=r["pname"], sub_account_id=r["SubAccountId"],
            resource_id=r["ResourceId"], model=r["x_ModelName"], missing_keys=tuple(json.loads(r["missing"])),
            cost_sources=tuple((s["source"], Decimal(s["cost"])) for s in json.loads(r["sources"])),
            cost=Decimal(r["cost"]), rows=int(r["n"]),
            tags=tuple((k, v) for k, v in json.loads(r["tags"] or "[]")),
            resource_name=r["rname"], sub_account_name=r["sname"]))
    return {k: tuple(v) for k, v in out.items()}


def _spend(con: duckdb.DuckDBPyConnection, expr: str) -> tuple[Spend, ...]:
    rows = fetch_dicts(con, f"""
        SELECT name, c::VARCHAR AS cost, a::VARCHAR AS allocated, u::VARCHAR AS untagged, n FROM (
            SELECT {expr} AS name, sum(BilledCost) AS c, coalesce(sum(BilledCost) FILTER (WHERE allocated), 0) AS a,
                   coalesce(sum(BilledCost) FILTER (WHERE NOT allocated), 0) AS u, sum(Rows) AS n
            FROM {ROWS} GROUP BY 1) ORDER BY c DESC, name""")
    return tuple(Spend(str(r["name"]), Decimal(r["cost"]), Decimal(r["allocated"]), Decimal(r["untagged"]), int(r["n"]))
                 for r in rows)


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
    parts = [f"SELECT {qs(kind)} AS kind, {expr} AS value, x_Provider, BilledCost, allocated, Rows FROM ids"
             for kind, expr in _SEEN.items()]
    parts.append(f"""SELECT 'tag:' || r.key, r.value, a.x_Provider, a.BilledCost, a.allocated, a.Rows
                     FROM {ROWS} a JOIN {RESOLVED} r ON r.dim_id = a.dim_id AND r.from_tags""")
    rows = fetch_dicts(con, f"""
        WITH ids AS MATERIALIZED (SELECT a.x_ModelName, a.BilledCost, a.allocated, a.Rows, d.* FROM {ROWS} a
                                  JOIN {DIM} d USING (dim_id))
        SELECT kind, value, x_Provider, c::VARCHAR AS cost, u::VARCHAR AS untagged, n FROM (
            SELECT kind, value, x_Provider, sum(BilledCost) AS c,
                   coalesce(sum(BilledCost) FILTER (WHERE NOT allocated), 0) AS u, sum(Rows) AS n
            FROM ({' UNION ALL '.join(parts)}) WHERE value IS NOT NULL
            GROUP BY 1, 2, 3) ORDER BY kind, c DESC, value""")
    return tuple(Seen(r["kind"], r["value"], r["x_Provider"], Decimal(r["cost"]), Decimal(r["untagged"]), int(r["n"]))
                 for r in rows)


def pool_spend(data: BillingData, policy: Policy) -> Allocation:
    con = data.con
    _build(con, data, policy)
    currency = _currency(con, data)
    t = fetch_row(con, f"""
        SELECT coalesce(sum(BilledCost), 0) AS total, coalesce(sum(BilledCost) FILTER (WHERE allocated), 0) AS allocated,
               coalesce(sum(BilledCost) FILTER (WHERE NOT allocated), 0) AS untagged, coalesce(sum(Rows), 0) AS n,
               min(FirstCharge) AS first_charge, max(LastCharge) AS last_charge
        FROM {ROWS}""")
    pools = _pools(con)
    return Allocation(
        currency=currency, period=None if t["first_charge"] is None else (t["first_charge"], t["last_charge"]),
        required_keys=tuple(k.name for k in policy.keys), team_key=team_key(policy),
        total_ai_cost=Decimal(t["total"]), allocated_cost=Decimal(t["allocated"]), untagged_cost=Decimal(t["untagged"]),
        ai_rows=int(t["n"]), pools=pools["untagged"], allocated=pools["allocated"], credits=pools["credit"],
        credits_cost=sum((p.cost for p in pools["credit"]), Decimal(0)),
        spend_by_vendor=_spend(con, "x_ProviderName"),
        spend_by_team=_spend(con, "coalesce(team, '(untagged)')"), seen=_seen(con),
    )
