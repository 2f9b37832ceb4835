"""The quarterly demo (examples/quarter): 2026-Q3 of Vertex AI spend as FOCUS 1.2, generated deterministically.

    python examples/quarter/generate.py examples/quarter      rewrite focus-2026-q3.csv and invoices.yaml

Kept apart from examples/billing (October 2026), so the inventory demo and its goldens do not move.
Workloads per day, July to September (UTC), USD, cost = tokens x list price:
  search   acme-search   Gemini 2.5 Pro, fully tagged, growing;       support  acme-support  Flash, tagged;
  growth   acme-growth   Flash, tagged; its batch job (acme-growth-batch) runs untagged and grows each
           month, so coverage by spend decays (about 95% -> 80%);
  platform acme-gateway  team platform-shared: the shared gateway, overhead split by the policy;
  research acme-lab      environment experiment from August: listed on showback, never charged;
  legacy   acme-legacy   no tags at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path

HEADER = ["BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId", "ResourceId", "ResourceName", "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter", "SubAccountId", "SubAccountName", "Tags"]
PRICE = {"Gemini 2.5 Pro Input Text": Decimal("0.00000125"), "Gemini 2.5 Flash Input Text": Decimal("0.0000003")}


def _tags(team: str, cc: str, use: str, env: str = "production") -> dict[str, str]:
    return {"team": team, "cost_center": cc, "use_case": use, "environment": env}


# (project, sku, base M tokens/day, growth per month, tags, first month)
WORKLOADS = (
    ("acme-search", "Gemini 2.5 Pro Input Text", 90, Decimal("0.10"), _tags("search", "cc-210", "ranking"), 7),
    ("acme-support", "Gemini 2.5 Flash Input Text", 250, Decimal("0.02"), _tags("support", "cc-120", "support-bot"), 7),
    ("acme-growth", "Gemini 2.5 Flash Input Text", 180, Decimal(0), _tags("growth", "cc-400", "campaigns"), 7),
    ("acme-growth-batch", "Gemini 2.5 Flash Input Text", 30, Decimal("1.6"), {}, 7),
    ("acme-gateway", "Gemini 2.5 Flash Input Text", 60, Decimal(0),
     _tags("platform-shared", "cc-300", "gateway"), 7),
    ("acme-lab", "Gemini 2.5 Pro Input Text", 25, Decimal("0.5"), _tags("research", "cc-500", "eval", "experiment"), 8),
    ("acme-legacy", "Gemini 2.5 Flash Input Text", 40, Decimal(0), {}, 7),
)


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def rows() -> list[dict[str, str]]:
    out = []
    day = dt.date(2026, 7, 1)
    while day < dt.date(2026, 10, 1):
        start = _month_start(day)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        for project, sku, base, growth, tags, first in WORKLOADS:
            if day.month < first:
                continue
            factor = (1 + growth) ** (day.month - 7) * (Decimal(100 + (day.day * 7 + len(project)) % 23) / 100)
            tokens = (Decimal(base) * factor * 1_000_000).to_integral_value()
            cost = str((tokens * PRICE[sku]).quantize(Decimal("0.01")))
            out.append({
                "BilledCost": cost, "BillingAccountId": "01A2B3-C4D5E6-F7A8B9", "BillingAccountName": "Acme Google Cloud",
                "BillingCurrency": "USD", "BillingPeriodEnd": f"{end}T00:00:00Z", "BillingPeriodStart": f"{start}T00:00:00Z",
                "ChargeCategory": "Usage", "ChargeDescription": sku, "ChargeFrequency": "Usage-Based",
                "ChargePeriodEnd": f"{day + dt.timedelta(days=1)}T00:00:00Z", "ChargePeriodStart": f"{day}T00:00:00Z",
                "ConsumedQuantity": str(tokens), "ConsumedUnit": "Tokens", "ContractedCost": cost, "EffectiveCost": cost,
                "InvoiceIssuerName": "Google", "ListCost": cost, "ListUnitPrice": f"{PRICE[sku]:f}",
                "PricingCategory": "Standard", "PricingQuantity": str(tokens), "PricingUnit": "Tokens",
                "ProviderName": "Google Cloud", "PublisherName": "Google Cloud", "RegionId": "us-central1",
                "ResourceId": "", "ResourceName": "", "ServiceCategory": "AI and Machine Learning",
                "ServiceName": "Vertex AI", "ServiceSubcategory": "Generative AI", "SkuId": sku[:14].replace(" ", "-"),
                "SkuMeter": sku, "SubAccountId": project, "SubAccountName": project,
                "Tags": json.dumps(tags, sort_keys=True) if tags else ""})
        day += dt.timedelta(days=1)
    return out


def write(folder: Path) -> None:
    data = rows()
    with (folder / "focus-2026-q3.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
    lines = ["# Acme's 2026-Q3 Google Cloud invoices (exact text). September's is $30.00 above billing.", "invoices:"]
    for month in ("2026-07", "2026-08", "2026-09"):
        total = sum((Decimal(r["BilledCost"]) for r in data if r["BillingPeriodStart"].startswith(month)), Decimal(0))
        extra = Decimal("30.00") if month == "2026-09" else Decimal(0)
        lines.append(f'  - {{period: {month}, provider: Google Cloud, amount: "{total + extra}", currency: USD}}')
    (folder / "invoices.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent))
