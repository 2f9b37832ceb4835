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
              "ServiceName": "OpenAI API", "ChargeFrequency": "Usage-Based",
              **common.AI_SERVICE}
# Usage-result token fields -> the token type a cost line item names. Usage `input_tokens` counts cached
# input and cache writes too; only the rest is uncached input.
_TOKENS = {"input": "input_uncached", "cached_input": "input_cached_tokens", "output": "output_tokens",
           "cache_write_input": "input_cache_write_tokens"}
# Cost line items that name a token type or a product family, not a model ("input_tokens", "Image models").
_TOKEN_WORDS = {"input_tokens": "input", "output_tokens": "output", "cached_input_tokens": "cached_input",
                "input_cached_tokens": "cached_input", "input_cache_write_tokens": "cache_write_input",
                "input": "input", "output": "output", "cached input": "cached_input"}
# quantity_unit -> FOCUS UnitFormat (PricingUnit is never null when PricingQuantity is set).
_UNITS = {"tokens": "Tokens", "1000_tokens": "1000 Tokens", "1m_tokens": "1000000 Tokens", "images": "Images",
          "characters": "Characters", "seconds": "Seconds", "minutes": "Minutes", "requests": "Requests",
          "calls": "Calls", "gb_days": "GB-Days", "sessions": "Sessions"}


def pricing_unit(unit: Any) -> str | None:
    """A Costs API quantity_unit in FOCUS UnitFormat; an unknown one keeps its words, capitalised."""
    if not isinstance(unit, str) or not unit.strip():
        return None
    key = unit.strip().lower()
    return _UNITS.get(key) or " ".join(w[:1].upper() + w[1:] for w in key.replace("_", " ").split())


def _token_kind(kind: str) -> str | None:
    if "cache write" in kind or "cache_write" in kind:
        return "cache_write_input"
    if "cached" in kind or "cache read" in kind:
        return "cached_input"
    return "output" if "output" in kind else "input" if "input" in kind else (kind.replace(" ", "_") or None)


def parse_line_item(line_item: str | None) -> tuple[str | None, str | None, bool]:
    """"gpt-4o-2024-08-06, cached input" -> (model, token type, batch). Parsed defensively: the format
    is free text ("GPT-4o mini" also occurs). A line item with no model in it ("input_tokens", "Image
    models", "Web search tool calls") gives no model: a model name has a digit ("gpt-4o", "o3", "tts-1")."""
    if not line_item:
        return None, None, False
    text = line_item.strip()
    if text.lower() in _TOKEN_WORDS:
        return None, _TOKEN_WORDS[text.lower()], False
    model, _, kind = text.rpartition(",") if "," in text else (text, "", "")
    batch = "batch" in text.lower()
    token = _token_kind(kind.strip().lower())
    name = model.strip().lower().replace(" (batch)", "").replace(" ", "-") or None
    return (name if name and any(ch.isdigit() for ch in name) else None), token, batch


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
        entry = index.setdefault(key, dict.fromkeys(_TOKENS.values(), 0))
        for token, count in _counts(res, where).items():
            entry[_TOKENS[token]] += count
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
        if qty is not None and unit in ("tokens", "1000_tokens", "1m_tokens"):
            tokens = int(qty * {"tokens": 1, "1000_tokens": 1000, "1m_tokens": 1000000}[unit])
        period = common.month_bounds(start)
        project = res.get("project_id")
        tier = tiers.get((_day(bucket, where), res.get("project_id"), model, batch), set())
        yield {**_BASE, "BilledCost": value, "EffectiveCost": value, "ListCost": value, "ContractedCost": value,
               "BillingCurrency": currency, "BillingAccountId": account, "BillingAccountName": account,
               "BillingPeriodStart": period[0], "BillingPeriodEnd": period[1], "ChargePeriodStart": start,
               "ChargePeriodEnd": end, "ChargeCategory": "Usage", "ChargeDescription": res.get("line_item"),
               "SubAccountId": project, "SubAccountName": project, "SubAccountType": "Project" if project else None,
               "SkuId": model, "SkuMeter": res.get("line_item"),
               "SkuPriceId": f"{model}:{token}" if model else None,
               "ConsumedQuantity": tokens, "ConsumedUnit": "Tokens" if tokens is not None else None,
               "PricingQuantity": qty if qty is not None else tokens,
               "PricingUnit": pricing_unit(unit) if qty is not None else "Tokens" if tokens is not None else None,
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
                   "SubAccountId": res.get("project_id"), "SubAccountName": res.get("project_id"),
                   "SubAccountType": "Project" if res.get("project_id") else None, "SkuId": res.get("model"),
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
    """Uncached input, cached input, cache-write input and output tokens of a usage result (`input_tokens`
    includes the cached and cache-write tokens)."""
    cached = common.count(res.get("input_cached_tokens"), where)
    written = common.count(res.get("input_cache_write_tokens"), where)
    total = common.count(res.get("input_tokens"), where)
    return {"input": max(total - cached - written, 0), "cached_input": cached, "cache_write_input": written,
            "output": common.count(res.get("output_tokens"), where)}


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
