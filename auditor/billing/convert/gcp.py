"""Google Cloud Billing export (JSON lines or CSV) -> FOCUS 1.2 rows (billing-formats.md §4.5, §6).

Each export row becomes one FOCUS row for its `cost`, plus one Credit row per entry of `credits`
(same dimensions and tags), so Σ BilledCost = Σ cost + Σ credits.amount, which is what the invoice
shows. `labels` (per request, e.g. Vertex AI) override `project.labels` (finalised tags, as FOCUS asks);
`system_labels` keep their provider-prefixed keys. `invoice.month` is a Pacific-time month: the billing
period is converted to UTC (2026-10 -> 2026-10-01T07:00:00Z .. 2026-11-01T07:00:00Z). JSON numbers are
read as Decimal; CSV exports from BigQuery (dotted column names, arrays as JSON text) are also read.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from auditor.billing.convert import common
from auditor.billing.convert.common import Converted, Row
from scanners.errors import TagauditError

if TYPE_CHECKING:
    import duckdb

EXTRA = ("x_SkuDescription", "x_InvoiceMonth", "x_CreditType")
# A row with no SKU (rounding_error) is described by its cost_type (ChargeDescription SHOULD NOT be null).
DESCRIPTION = {"rounding_error": "Rounding error", "tax": "Tax", "adjustment": "Adjustment"}
PACIFIC = ZoneInfo("America/Los_Angeles")
CHARGE_CATEGORY = {"regular": "Usage", "tax": "Tax", "adjustment": "Adjustment", "rounding_error": "Adjustment"}
SERVICE_CATEGORY = {"vertex ai": "AI and Machine Learning", "gemini api": "AI and Machine Learning",
                    "generative language api": "AI and Machine Learning", "compute engine": "Compute",
                    "cloud run": "Compute", "kubernetes engine": "Compute", "cloud storage": "Storage",
                    "bigquery": "Analytics", "cloud sql": "Databases", "networking": "Networking",
                    "cloud logging": "Management and Governance", "cloud monitoring": "Management and Governance"}
# One ServiceSubcategory per ServiceName (FOCUS ServiceName-C-008-C), whatever the SKU: Vertex AI is Google's
# AI platform (Gemini, partner models, training, prediction), so its tax and training rows share "AI Platforms";
# generative-AI spend is recognised from SKUs (allocate/ai_patterns.yaml), not from this column.
SERVICE_SUBCATEGORY = {"vertex ai": "AI Platforms", "gemini api": "Generative AI",
                       "generative language api": "Generative AI", "compute engine": "Virtual Machines",
                       "cloud run": "Serverless Compute", "kubernetes engine": "Containers",
                       "cloud storage": "Object Storage", "bigquery": "Analytics Platforms",
                       "cloud sql": "Relational Databases", "cloud logging": "Observability",
                       "cloud monitoring": "Observability"}


def invoice_period(month: str, where: str = "") -> tuple[str, str]:
    """"202610" (Pacific time) -> UTC ISO start and end."""
    if len(month) != 6 or not month.isdigit() or not 1 <= int(month[4:]) <= 12 or month < "1970":
        raise TagauditError(f"invoice.month {month!r} is not YYYYMM", where=where or None, hint="check the export")
    year, mon = int(month[:4]), int(month[4:6])
    start = datetime(year, mon, 1, tzinfo=PACIFIC)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=PACIFIC)
    return common.iso(start), common.iso(end)


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    """A CSV row with dotted names and JSON-text arrays -> the nested shape of the JSON export."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        if value == "":
            value = None
        elif isinstance(value, str) and value[:1] in "[{":
            value = json.loads(value, parse_float=Decimal)
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, record) per export row; a row that is not a JSON object is a clear error, not a traceback."""
    for where, read in _raw_records(path):
        try:
            rec = read()
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, bad UTF-8, absurd nesting
            raise TagauditError(f"not a readable export row ({str(exc)[:80]})", where=where,
                                hint="export the billing table again as CSV or JSON lines") from exc
        if not isinstance(rec, dict):
            raise TagauditError("the row is not a JSON object", where=where, hint="export JSON lines, one row each")
        yield where, rec


def _raw_records(path: Path) -> Iterator[tuple[str, Any]]:
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for i, row in enumerate(csv.DictReader(fh), start=1):
                yield f"{path}:{i}", lambda row=row: _nest(row)
        return
    with path.open(encoding="utf-8-sig") as fh:
        for i, line in enumerate(fh, start=1):
            if line.strip():
                yield f"{path}:{i}", lambda line=line: json.loads(line, parse_float=Decimal)


def _labels(items: Any) -> dict[str, Any]:
    return {str(i["key"]): i.get("value") for i in (items or []) if isinstance(i, dict) and "key" in i}


def _base(rec: dict[str, Any], where: str) -> Row:
    def g(*keys: str) -> Any:
        return _get(rec, *keys)

    tags = {**_labels(g("project", "labels")), **_labels(rec.get("system_labels")), **_labels(rec.get("labels"))}
    period = invoice_period(str(g("invoice", "month")), where)
    service = g("service", "description") or "Google Cloud"  # mandatory, also on rounding_error rows
    category = SERVICE_CATEGORY.get(str(service).lower(), "Other")
    usage_amount = g("usage", "amount")
    project = g("project", "id")
    region = g("location", "region") or g("location", "location")
    return {
        "BillingAccountId": rec.get("billing_account_id"), "BillingAccountName": rec.get("billing_account_id"),
        "SubAccountId": project, "SubAccountName": (g("project", "name") or project) if project else None,
        "SubAccountType": "Project" if project else None,
        "BillingPeriodStart": period[0], "BillingPeriodEnd": period[1],
        "ChargePeriodStart": common.from_rfc3339(str(rec.get("usage_start_time")).replace(" UTC", "Z"),
                                                 f"{where}: usage_start_time"),
        "ChargePeriodEnd": common.from_rfc3339(str(rec.get("usage_end_time")).replace(" UTC", "Z"),
                                               f"{where}: usage_end_time"),
        "BillingCurrency": _currency(rec.get("currency"), where), "ChargeFrequency": "Usage-Based",
        "ProviderName": "Google Cloud", "PublisherName": rec.get("seller_name") or "Google Cloud",
        "InvoiceIssuerName": "Google Cloud", "ServiceName": service, "ServiceCategory": category,
        "ServiceSubcategory": SERVICE_SUBCATEGORY.get(str(service).lower(), f"Other ({category})"),
        "SkuId": g("sku", "id"), "SkuMeter": g("sku", "description"), "x_SkuDescription": g("sku", "description"),
        "ResourceId": g("resource", "global_name"), "ResourceName": g("resource", "name"),
        "RegionId": region, "RegionName": region,
        "Tags": json.dumps(tags, sort_keys=True) if tags else None, "x_InvoiceMonth": g("invoice", "month"),
        "ConsumedQuantity": common.money(usage_amount, where) if usage_amount is not None else None,
        "ConsumedUnit": unit_format(g("usage", "unit")),
        "PricingQuantity": g("usage", "amount_in_pricing_units"), "PricingUnit": unit_format(g("usage", "pricing_unit")),
    }


_SCALE = {"k": 1000, "m": 1000000, "b": 1000000000}


def unit_format(unit: Any) -> str | None:
    """An export unit in FOCUS UnitFormat: words capitalised, a block suffix as a leading number
    ("count1m" -> "1000000 Count", "gibibyte hour" -> "Gibibyte Hour")."""
    if not isinstance(unit, str) or not unit.strip():
        return None
    text = unit.strip()
    match = re.fullmatch(r"(.*?)(\d+)([kmbKMB])", text)
    block = ""
    if match:
        text, block = match.group(1), f"{int(match.group(2)) * _SCALE[match.group(3).lower()]} "
    return block + " ".join(w[:1].upper() + w[1:] for w in text.split())


def _currency(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TagauditError("currency is missing", where=where, hint="check the export (e.g. \"USD\")")
    return value.strip().upper()


def _get(rec: dict[str, Any], *keys: str) -> Any:
    node: Any = rec
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _quantities(category: str) -> Row:
    """FOCUS 1.2 keeps quantities to what they mean: ConsumedQuantity only on Usage (ConsumedQuantity-C-004-C),
    no PricingQuantity on Tax (PricingQuantity-C-004-C), whatever usage.amount the export row carries."""
    out: Row = {}
    if category != "Usage":
        out |= {"ConsumedQuantity": None, "ConsumedUnit": None}
    if category == "Tax":
        out |= {"PricingQuantity": None, "PricingUnit": None}
    return out


def _rows(paths: list[Path], ledger: common.Ledger) -> Iterator[Row]:
    for path in paths:
        for where, rec in records(path):
            base = _base(rec, where)
            cost = ledger.add(base["BillingCurrency"], common.money(rec.get("cost"), where))
            kind = str(rec.get("cost_type") or "regular").lower()
            at_list = rec.get("cost_at_list")
            category = CHARGE_CATEGORY.get(kind, "Adjustment")
            yield {**base, **_quantities(category), "BilledCost": cost, "EffectiveCost": cost,
                   "ContractedCost": cost, "ListCost": common.money(at_list, where) if at_list is not None else cost,
                   "ChargeCategory": category,
                   "ChargeClass": "Correction" if rec.get("adjustment_info") else None,
                   "ChargeDescription": _get(rec, "sku", "description") or DESCRIPTION.get(kind, kind.capitalize())}
            for credit in rec.get("credits") or []:
                if not isinstance(credit, dict):
                    raise TagauditError(f"credit {credit!r} is not an object", where=where, hint="check the export")
                amount = ledger.add(base["BillingCurrency"], common.money(credit.get("amount"), where))
                yield {**base, "BilledCost": amount, "EffectiveCost": amount, "ContractedCost": amount,
                       "ListCost": Decimal(0), "ChargeCategory": "Credit", "ChargeFrequency": "One-Time",
                       "ChargeDescription": credit.get("full_name") or credit.get("name"),
                       "ConsumedQuantity": None, "ConsumedUnit": None, "PricingQuantity": None,
                       "PricingUnit": None, "x_CreditType": credit.get("type")}


def convert(con: duckdb.DuckDBPyConnection, paths: list[Path], name: str, **_: Any) -> Converted:
    ledger = common.Ledger()
    rows = common.rows_to_table(con, _rows(paths, ledger), name, EXTRA)
    return common.converted(name, rows, ledger)

