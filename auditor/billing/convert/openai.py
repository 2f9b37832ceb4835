"""OpenAI Costs API (and Usage API) JSON -> FOCUS 1.2 rows (billing-formats.md §4.1, §6).

Costs pages carry the money (`amount.value`, lowercase currency, daily buckets, `line_item` such as
"gpt-4o-2024-08-06, input"); usage pages carry tokens. Usage is joined onto cost rows by (day,
project, API key, model, batch) to fill ConsumedQuantity. With usage pages only, rows have tokens and
zero cost (noted). SubAccountId is the project; OpenAI has no tags, so attribution comes from the
policy's scope map (x_ProjectId, x_ApiKeyId).
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

EXTRA = ("x_Model", "x_ProjectId", "x_ApiKeyId", "x_TokenType", "x_Batch", "x_ServiceTier")
_BASE: Row = {"ProviderName": "OpenAI", "PublisherName": "OpenAI", "InvoiceIssuerName": "OpenAI",
              "ServiceName": "OpenAI API", "ChargeFrequency": "Usage-Based", "SubAccountType": "Project",
              **common.AI_SERVICE}
# Usage-result token fields -> the token type a cost line item names.
_TOKENS = {"input": "input_uncached", "cached_input": "input_cached_tokens", "output": "output_tokens"}


def parse_line_item(line_item: str | None) -> tuple[str | None, str | None, bool]:
    """"gpt-4o-2024-08-06, cached input" -> (model, token type, batch). Parsed defensively: the format
    is free text ("GPT-4o mini" also occurs)."""
    if not line_item:
        return None, None, False
    text = line_item.strip()
    model, _, kind = text.rpartition(",") if "," in text else (text, "", "")
    kind = kind.strip().lower()
    batch = "batch" in text.lower()
    token = ("cached_input" if "cached" in kind or "cache read" in kind else "output" if "output" in kind
             else "input" if "input" in kind else (kind.replace(" ", "_") or None))
    name = model.strip().lower().replace(" (batch)", "").replace(" ", "-") or None
    return name, token, batch


_results = common.bucket_results


def is_costs(path: Path) -> bool:
    return any(str(res.get("object", "")).startswith("organization.costs") or "amount" in res
               for _, _, res in _results([path]))


def _usage_index(paths: list[Path]) -> dict[tuple[Any, ...], dict[str, int]]:
    """Token counts per (day, project, api key, model, batch)."""
    index: dict[tuple[Any, ...], dict[str, int]] = {}
    for where, bucket, res in _results(paths):
        key = (_day(bucket, where), res.get("project_id"), res.get("api_key_id"),
               str(res.get("model") or "").lower() or None, bool(res.get("batch")))
        entry = index.setdefault(key, {"input_uncached": 0, "input_cached_tokens": 0, "output_tokens": 0})
        tokens = _counts(res, where)
        entry["input_uncached"] += tokens["input"]
        entry["input_cached_tokens"] += tokens["cached_input"]
        entry["output_tokens"] += tokens["output"]
    return index


def _tiers(paths: list[Path]) -> dict[tuple[Any, ...], set[str]]:
    """Service tiers seen in usage per (day, project, model, batch); a cost row gets one only if unique."""
    tiers: dict[tuple[Any, ...], set[str]] = {}
    for where, bucket, res in _results(paths):
        if res.get("service_tier"):
            key = (_day(bucket, where), res.get("project_id"), str(res.get("model") or "").lower(),
                   bool(res.get("batch")))
            tiers.setdefault(key, set()).add(str(res["service_tier"]))
    return tiers


def _tokens(index: dict[tuple[Any, ...], dict[str, int]], day: int, res: dict[str, Any], model: str | None,
            token: str | None, batch: bool) -> int | None:
    """Usage tokens matching a cost row; a cost row not grouped by a dimension matches all its values."""
    field = _TOKENS.get(token or "")
    if field is None or model is None:
        return None
    found = [v[field] for (d, proj, key, m, b), v in index.items()
             if d == day and m == model and b == batch
             and (res.get("project_id") is None or proj == res.get("project_id"))
             and (res.get("api_key_id") is None or key == res.get("api_key_id"))]
    return sum(found) if found else None


def _cost_rows(costs: list[Path], usage: list[Path], account: str, ledger: common.Ledger) -> Iterator[Row]:
    index, tiers = _usage_index(usage), _tiers(usage)
    for where, bucket, res in _results(costs):
        amount = res.get("amount") or {}
        if not isinstance(amount, dict):
            raise TagauditError(f"amount {amount!r} is not an object with value and currency", where=where,
                                hint="check the export")
        currency = _currency(amount.get("currency"), where)
        value = ledger.add(currency, common.money(amount.get("value"), where))
        start, end = _times(bucket, where)
        line_item = res.get("line_item")
        model, token, batch = parse_line_item(line_item if isinstance(line_item, str) else None)
        qty, unit = res.get("quantity"), res.get("quantity_unit")
        qty = None if qty is None else common.money(qty, f"{where}: quantity")
        tokens = _tokens(index, _day(bucket, where), res, model, token, batch)
        if qty is not None and unit in ("tokens", "1000_tokens"):
            tokens = int(common.money(qty, where) * (1000 if unit == "1000_tokens" else 1))
        period = common.month_bounds(start)
        tier = tiers.get((_day(bucket, where), res.get("project_id"), model, batch), set())
        yield {**_BASE, "BilledCost": value, "EffectiveCost": value, "ListCost": value, "ContractedCost": value,
               "BillingCurrency": currency, "BillingAccountId": account, "BillingAccountName": account,
               "BillingPeriodStart": period[0], "BillingPeriodEnd": period[1], "ChargePeriodStart": start,
               "ChargePeriodEnd": end, "ChargeCategory": "Usage", "ChargeDescription": res.get("line_item"),
               "SubAccountId": res.get("project_id"), "SkuId": model, "SkuMeter": res.get("line_item"),
               "SkuPriceId": f"{model}:{token}" if model else None,
               "ConsumedQuantity": tokens, "ConsumedUnit": "Tokens" if tokens is not None else None,
               "PricingQuantity": qty if qty is not None else tokens,
               "PricingUnit": {"1000_tokens": "1000 Tokens"}.get(unit or "", "Tokens" if tokens is not None else None),
               "x_Model": model, "x_ProjectId": res.get("project_id"), "x_ApiKeyId": res.get("api_key_id"),
               "x_TokenType": token, "x_Batch": batch, "x_ServiceTier": next(iter(tier)) if len(tier) == 1 else None}


def _usage_rows(usage: list[Path], account: str) -> Iterator[Row]:
    for where, bucket, res in _results(usage):
        start, end = _times(bucket, where)
        period = common.month_bounds(start)
        for token, count in _counts(res, where).items():
            if not count:
                continue
            yield {**_BASE, "BilledCost": Decimal(0), "EffectiveCost": Decimal(0), "ListCost": Decimal(0),
                   "ContractedCost": Decimal(0), "BillingCurrency": "USD", "BillingAccountId": account,
                   "BillingAccountName": account, "BillingPeriodStart": period[0], "BillingPeriodEnd": period[1],
                   "ChargePeriodStart": start, "ChargePeriodEnd": end, "ChargeCategory": "Usage",
                   "ChargeDescription": f"{res.get('model')}, {token.replace('_', ' ')} (usage only, no cost)",
                   "SubAccountId": res.get("project_id"), "SkuId": res.get("model"),
                   "ConsumedQuantity": count, "ConsumedUnit": "Tokens", "PricingQuantity": count,
                   "PricingUnit": "Tokens", "x_Model": res.get("model"), "x_ProjectId": res.get("project_id"),
                   "x_ApiKeyId": res.get("api_key_id"), "x_TokenType": token, "x_Batch": bool(res.get("batch")),
                   "x_ServiceTier": res.get("service_tier")}


def _times(bucket: dict[str, Any], where: str) -> tuple[Any, Any]:
    return common.bucket_times(bucket, where, ("start_time", "end_time"), common.from_unix)


def _day(bucket: dict[str, Any], where: str) -> int:
    return int(_times(bucket, where)[0].timestamp()) // 86400


def _currency(value: Any, where: str) -> str:
    """OpenAI writes ISO 4217 codes in lower case ("usd"); anything else is not a currency."""
    if not isinstance(value, str) or not value.strip():
        raise TagauditError("amount.currency is missing", where=where, hint="check the export (OpenAI writes \"usd\")")
    return value.strip().upper()


def _counts(res: dict[str, Any], where: str) -> dict[str, int]:
    """Uncached input, cached input and output tokens of a usage result."""
    cached = common.count(res.get("input_cached_tokens"), where)
    total = common.count(res.get("input_tokens"), where)
    return {"input": total - cached, "cached_input": cached, "output": common.count(res.get("output_tokens"), where)}


def convert(con: duckdb.DuckDBPyConnection, paths: list[Path], name: str, *, account: str = "openai-organization") -> Converted:
    """Costs and usage files may be mixed; each file is recognised by its result objects."""
    costs = [p for p in paths if is_costs(p)]
    usage = [p for p in paths if p not in costs]
    ledger = common.Ledger()
    if costs:
        rows = common.rows_to_table(con, _cost_rows(costs, usage, account, ledger), name, EXTRA)
        return common.converted(name, rows, ledger)
    rows = common.rows_to_table(con, _usage_rows(usage, account), name, EXTRA)
    return Converted(name, rows, (), (("usage pages carry no money: BilledCost is 0; convert the Costs API "
                                      "export (usage files alongside fill ConsumedQuantity)"),))
