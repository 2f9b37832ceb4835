"""Anthropic Admin API cost report (and usage report) JSON -> FOCUS 1.2 rows (billing-formats.md §4.2, §6).

Two cost shapes are read: the legacy `/v1/organizations/cost_report` (buckets of `results`, `amount` a
decimal string in cents) and `/v1/organizations/analytics/cost` (one item per row: `starting_at`,
`ending_at`, `group` with the dimensions, `cost` with `amount` in fractional cents, `currency` and the
list-price amount). https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api

The cost report's `amount` is a decimal string in the lowest currency unit (cents): "123.45" USD is
$1.23, so amounts are divided by 100 exactly. `workspace_id` null is the default workspace (read as
SubAccountId NULL, SubAccountName "Default"). Token types include cache_read_input_tokens and
cache_creation.ephemeral_5m/1h_input_tokens; service tiers standard, batch, priority. Usage is joined
by (day, workspace, model, tier, context window, token type) for ConsumedQuantity. The cost report
leaves out priority-tier spend, so priority usage becomes zero-cost rows with a note.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.billing.convert import common
from auditor.billing.convert.common import Converted, Row
from scanners.errors import TagauditError

if TYPE_CHECKING:
    import duckdb

EXTRA = ("x_Model", "x_WorkspaceId", "x_ApiKeyId", "x_TokenType", "x_ServiceTier", "x_CostType",
         "x_ContextWindow", "x_InferenceGeo")
_BASE: Row = {"ProviderName": "Anthropic", "PublisherName": "Anthropic", "InvoiceIssuerName": "Anthropic",
              "ServiceName": "Claude API", "ChargeFrequency": "Usage-Based",
              **common.AI_SERVICE}


def _results(paths: list[Path]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(where, bucket, result) for legacy report buckets and, flattened, for analytics cost items (the item is
    its own bucket; its `group` dimensions and `cost` amounts form the result)."""
    for path in paths:
        for p, page in enumerate(common.pages(common.load_json(path), str(path)), start=1):
            for b, item in enumerate(common.items(page, "data", f"{path}: page {p}"), start=1):
                where = f"{path}: page {p} item {b}"
                if "results" in item or not ("cost" in item or "group" in item):
                    for r, result in enumerate(common.items(item, "results", where), start=1):
                        yield f"{where} result {r}", item, result
                    continue
                yield where, item, _analytics_result(item, where)


def _analytics_result(item: dict[str, Any], where: str) -> dict[str, Any]:
    group, cost = item.get("group") or {}, item.get("cost")
    if not isinstance(group, dict) or (cost is not None and not isinstance(cost, dict)):
        raise TagauditError("`group` and `cost` must be objects", where=where, hint="pass the API response as saved")
    out = {**group}
    if cost is not None:
        out.update({"amount": cost.get("amount"), "currency": cost.get("currency"),
                    "list_amount": cost.get("list_amount")})
    return out


def is_cost(path: Path) -> bool:
    return any("amount" in res for _, _, res in _results([path]))


def usage_tokens(res: dict[str, Any], where: str = "") -> dict[str, int]:
    """Token counts by cost-report token type (nested or flattened cache_creation)."""
    creation = res.get("cache_creation") or {}
    if not isinstance(creation, dict):
        raise TagauditError("cache_creation is not an object", where=where or None, hint="check the export")
    out = {
        "uncached_input_tokens": res.get("uncached_input_tokens"),
        "cache_read_input_tokens": res.get("cache_read_input_tokens"),
        "cache_creation.ephemeral_5m_input_tokens": creation.get("ephemeral_5m_input_tokens",
                                                                 res.get("cache_creation_5m_input_tokens")),
        "cache_creation.ephemeral_1h_input_tokens": creation.get("ephemeral_1h_input_tokens",
                                                                 res.get("cache_creation_1h_input_tokens")),
        "output_tokens": res.get("output_tokens"),
    }
    return {k: common.count(v, where) for k, v in out.items() if v}


def _times(bucket: dict[str, Any], where: str) -> tuple[Any, Any]:
    return common.bucket_times(bucket, where, ("starting_at", "ending_at"), common.from_rfc3339)


def _key(bucket: dict[str, Any], res: dict[str, Any], where: str) -> tuple[Any, ...]:
    return (common.iso(_times(bucket, where)[0])[:10], res.get("workspace_id"), res.get("model"),
            res.get("service_tier") or "standard", res.get("context_window"))


def _row(bucket: dict[str, Any], res: dict[str, Any], account: str, where: str) -> Row:
    start, end = _times(bucket, where)
    period = common.month_bounds(start)
    workspace = res.get("workspace_id")
    return {**_BASE, "BillingAccountId": account, "BillingAccountName": account, "BillingPeriodStart": period[0],
            "BillingPeriodEnd": period[1], "ChargePeriodStart": start, "ChargePeriodEnd": end,
            "ChargeCategory": "Usage", "SubAccountId": workspace,  # null: the default workspace
            "SubAccountName": (res.get("workspace_name") or workspace) if workspace else None,
            "SubAccountType": "Workspace" if workspace else None, "SkuId": res.get("model"),
            "x_Model": res.get("model"), "x_WorkspaceId": workspace, "x_ApiKeyId": res.get("api_key_id"),
            "x_ServiceTier": res.get("service_tier"), "x_ContextWindow": res.get("context_window"),
            "x_InferenceGeo": res.get("inference_geo"), "RegionId": res.get("inference_geo"),
            "RegionName": res.get("inference_geo")}


def _cost_rows(costs: list[Path], usage: list[Path], account: str, ledger: common.Ledger,
               seen: set[tuple[Any, ...]]) -> Iterator[Row]:
    index: dict[tuple[Any, ...], int] = {}
    for where, bucket, res in _results(usage):
        for token, count in usage_tokens(res, where).items():
            key = (*_key(bucket, res, where), token)
            index[key] = index.get(key, 0) + count
    for where, bucket, res in _results(costs):
        cents = common.money(res.get("amount"), where)
        currency = _currency(res.get("currency"), where)
        value = ledger.add(currency, cents.scaleb(-2))  # exact: the report is in cents
        seen.add(_key(bucket, res, where))
        token_type: str | None = res.get("token_type")
        tokens = index.get((*_key(bucket, res, where), token_type)) if token_type else None
        desc = res.get("description") or " ".join(filter(None, [res.get("model"), res.get("cost_type"), token_type]))
        listed = res.get("list_amount")
        list_cost = common.round_money(common.money(listed, f"{where}: list_amount").scaleb(-2)) \
            if listed is not None else value
        yield {**_row(bucket, res, account, where), "BilledCost": value, "EffectiveCost": value, "ListCost": list_cost,
               "ContractedCost": value, "BillingCurrency": currency, "ChargeDescription": desc, "SkuMeter": desc,
               "SkuPriceId": f"{res.get('model')}:{token_type}" if token_type else None, "x_TokenType": token_type,
               "x_CostType": res.get("cost_type"), "ConsumedQuantity": tokens,
               "ConsumedUnit": "Tokens" if tokens is not None else None, "PricingQuantity": tokens,
               "PricingUnit": "Tokens" if tokens is not None else None}


def _usage_only_rows(usage: list[Path], account: str, seen: set[tuple[Any, ...]], notes: list[str],
                     only_priority: bool) -> Iterator[Row]:
    for where, bucket, res in _results(usage):
        tier = res.get("service_tier") or "standard"
        if only_priority and (tier != "priority" or _key(bucket, res, where) in seen):
            continue
        for token, count in usage_tokens(res, where).items():
            if tier == "priority" and not notes:
                notes.append("priority-tier usage is not in Anthropic's cost report; it is kept as zero-cost rows "
                             "(x_ServiceTier=priority) and will show as a gap against the invoice")
            desc = f"{res.get('model')} {token} ({tier} tier usage; cost not in the cost report)"
            yield {**_row(bucket, res, account, where), "BilledCost": Decimal(0), "EffectiveCost": Decimal(0),
                   "ListCost": Decimal(0), "ContractedCost": Decimal(0), "BillingCurrency": "USD",
                   "ChargeDescription": desc, "SkuMeter": desc, "x_TokenType": token, "x_CostType": "tokens",
                   "ConsumedQuantity": count, "ConsumedUnit": "Tokens", "PricingQuantity": count,
                   "PricingUnit": "Tokens"}


def _currency(value: Any, where: str) -> str:
    """The cost report is in USD; a currency it does name must be a code."""
    if value is None:
        return "USD"
    if not isinstance(value, str) or not value.strip():
        raise TagauditError(f"currency {value!r} is not a currency code", where=where, hint="check the export")
    return value.strip().upper()


def convert(con: duckdb.DuckDBPyConnection, paths: list[Path], name: str, *, account: str = "anthropic-organization") -> Converted:
    costs = [p for p in paths if is_cost(p)]
    usage = [p for p in paths if p not in costs]
    ledger = common.Ledger()
    seen: set[tuple[Any, ...]] = set()
    notes: list[str] = []

    def rows() -> Iterator[Row]:
        if costs:
            yield from _cost_rows(costs, usage, account, ledger, seen)
        yield from _usage_only_rows(usage, account, seen, notes, only_priority=bool(costs))

    count = common.rows_to_table(con, rows(), name, EXTRA)
    if not costs:
        notes.append("usage reports carry no money: BilledCost is 0; convert the cost report for spend")
    return common.converted(name, count, ledger, tuple(notes))
