"""The Acme demo's cloud exports: AWS CUR 2.0 CSV (Bedrock), Azure cost details CSV (Azure OpenAI) and a
Google Cloud FOCUS 1.2 CSV (Vertex AI), each with a little non-AI spend so filtering shows."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from examples.billing_demo.common import M, days, tokens

ACCOUNT = "123456789012"
PROFILE = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/summarizer"
HAIKU = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
PROFILE_TAGS = {"user:team": "platform", "user:cost_center": "cc-300", "user:use_case": "summarize",
                "user:environment": "production"}
# (resource, usage-type model, {token suffix: (base M tokens/day, $/1M)}, tags)
BEDROCK: tuple[tuple[str, str, dict[str, tuple[float, str]], dict[str, str]], ...] = (
    (PROFILE, "Claude3.5Sonnet", {"input-tokens": (22, "3.00"), "output-tokens": (1.4, "15.00"),
                                  "cache-read-input-token-count": (10, "0.30"),
                                  "cache-write-input-token-count": (1, "3.75")}, PROFILE_TAGS),
    (HAIKU, "Claude3Haiku", {"input-tokens": (40, "0.25"), "output-tokens": (4, "1.25")}, {}),
)
CUR_COLUMNS = (
    "bill_invoice_id", "bill_invoicing_entity", "bill_billing_entity", "bill_payer_account_id",
    "bill_billing_period_start_date", "bill_billing_period_end_date", "line_item_usage_account_id",
    "line_item_line_item_type", "line_item_usage_start_date", "line_item_usage_end_date", "line_item_product_code",
    "line_item_usage_type", "line_item_operation", "line_item_resource_id", "line_item_usage_amount",
    "line_item_currency_code", "line_item_unblended_rate", "line_item_unblended_cost",
    "line_item_net_unblended_cost", "line_item_line_item_description", "line_item_legal_entity",
    "pricing_public_on_demand_cost", "pricing_public_on_demand_rate", "pricing_unit", "product_sku",
    "product_region_code", "product_servicecode", "product", "resource_tags",
)


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.0000000001")).normalize(), "f")


def _cur_month_rows(common: dict[str, Any]) -> list[dict[str, Any]]:
    """Monthly lines: a Marketplace model, a Bedrock credit, and non-AI EC2 and S3."""
    rows: list[dict[str, Any]] = []
    month = {"line_item_usage_start_date": "2026-10-01T00:00:00.000Z", "line_item_usage_end_date": "2026-11-01T00:00:00.000Z",
             "line_item_legal_entity": "Amazon Web Services, Inc.", "resource_tags": "{}"}
    rows.append({**common, **month, "bill_billing_entity": "AWS Marketplace", "line_item_line_item_type": "Usage",
                 "line_item_product_code": "prod-4pmewlybdftbs", "line_item_usage_type": "USE1-MP:USE1_InputTokenCount-Units",
                 "line_item_usage_amount": "720000", "line_item_unblended_rate": "0.00025",
                 "line_item_unblended_cost": "180", "line_item_net_unblended_cost": "180",
                 "line_item_line_item_description": "Claude 3 Haiku input tokens (per 1K)",
                 "line_item_legal_entity": "Anthropic, PBC", "pricing_unit": "Units",
                 "product": json.dumps({"product_name": "Claude 3 Haiku (Amazon Bedrock Edition)"})})
    rows.append({**common, **month, "line_item_line_item_type": "Credit", "line_item_product_code": "AmazonBedrock",
                 "line_item_usage_type": "USE1-Credit", "line_item_unblended_cost": "-250",
                 "line_item_net_unblended_cost": "-250", "line_item_line_item_description": "AWS Activate credit",
                 "product_servicecode": "AmazonBedrock", "product": json.dumps({"product_name": "Amazon Bedrock"})})
    for code, name, amount in (("AmazonEC2", "Amazon Elastic Compute Cloud", "1184.32"),
                               ("AmazonS3", "Amazon Simple Storage Service", "296.18")):
        rows.append({**common, **month, "line_item_line_item_type": "Usage", "line_item_product_code": code,
                     "line_item_usage_type": "USE1-Usage", "line_item_unblended_cost": amount,
                     "line_item_net_unblended_cost": amount, "line_item_line_item_description": f"{name} usage",
                     "product_servicecode": code, "product": json.dumps({"product_name": name}),
                     "resource_tags": json.dumps({"user:team": "platform"})})
    return rows


def cur_rows() -> list[dict[str, Any]]:
    common = {"bill_invoice_id": "EUINUS26-1001", "bill_invoicing_entity": "Amazon Web Services, Inc.",
              "bill_billing_entity": "AWS", "bill_payer_account_id": ACCOUNT,
              "bill_billing_period_start_date": "2026-10-01T00:00:00.000Z",
              "bill_billing_period_end_date": "2026-11-01T00:00:00.000Z", "line_item_usage_account_id": ACCOUNT,
              "line_item_currency_code": "USD", "product_region_code": "us-east-1"}
    rows = []
    for d, day in days():
        span = {"line_item_usage_start_date": day.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "line_item_usage_end_date": day.replace(hour=23, minute=59, second=59).strftime("%Y-%m-%dT%H:%M:%S.000Z")}
        for resource, model, kinds, tags in BEDROCK:
            for i, (suffix, (base, price)) in enumerate(kinds.items()):
                n = tokens(base, d, i + len(model))
                rate = Decimal(price) / 1000
                cost = Decimal(n) / 1000 * rate
                rows.append({**common, **span, "line_item_line_item_type": "Usage",
                             "line_item_product_code": "AmazonBedrock", "line_item_usage_type": f"USE1-{model}-{suffix}",
                             "line_item_operation": "InvokeModelInference", "line_item_resource_id": resource,
                             "line_item_usage_amount": str(Decimal(n) / 1000), "line_item_unblended_rate": _money(rate),
                             "line_item_unblended_cost": _money(cost), "line_item_net_unblended_cost": _money(cost),
                             "line_item_line_item_description": f"{model} {suffix.replace('-', ' ')} (per 1K)",
                             "line_item_legal_entity": "Amazon Web Services, Inc.",
                             "pricing_public_on_demand_cost": _money(cost), "pricing_public_on_demand_rate": _money(rate),
                             "pricing_unit": "1K tokens", "product_sku": f"SKU{model.upper()[:6]}{i}",
                             "product_servicecode": "AmazonBedrock",
                             "product": json.dumps({"product_name": "Amazon Bedrock", "region": "us-east-1"}),
                             "resource_tags": json.dumps(tags) if tags else "{}"})
    return rows + _cur_month_rows(common)


AZURE_RESOURCE = ("/subscriptions/3f2a9c1e-0b7d-4c55-9e21-5a8d7c6b4e10/resourceGroups/rg-payments/providers/"
                  "Microsoft.CognitiveServices/accounts/acme-payments")
AZURE_METERS = (("gpt 4o 0513 Input global Tokens", 18, "0.0025"), ("gpt 4o 0513 Output global Tokens", 1.2, "0.01"))


def azure_rows() -> list[dict[str, Any]]:
    common = {"BillingAccountId": "84512345", "BillingAccountName": "Acme Corp", "BillingCurrencyCode": "USD",
              "BillingPeriodStartDate": "10/1/2026", "BillingPeriodEndDate": "10/31/2026",
              "SubscriptionId": "3f2a9c1e-0b7d-4c55-9e21-5a8d7c6b4e10", "SubscriptionName": "acme-payments-prod",
              "ResourceGroup": "rg-payments", "ResourceLocation": "EastUS", "ChargeType": "Usage",
              "Frequency": "UsageBased", "PricingModel": "OnDemand", "PublisherType": "Azure"}
    rows = []
    for d, day in days():
        for i, (meter, base, price) in enumerate(AZURE_METERS):
            qty = Decimal(tokens(base, d, i + 3)) / 1000
            cost = qty * Decimal(price)
            rows.append({**common, "Date": f"{day.month}/{day.day}/{day.year}", "ProductName": "Azure OpenAI",
                         "MeterCategory": "Cognitive Services", "MeterSubCategory": "Azure OpenAI", "MeterName": meter,
                         "UnitOfMeasure": "1K", "Quantity": str(qty), "EffectivePrice": price, "UnitPrice": price,
                         "PayGPrice": price, "CostInBillingCurrency": _money(cost), "ConsumedService":
                         "Microsoft.CognitiveServices", "ResourceId": AZURE_RESOURCE, "ResourceName": "acme-payments",
                         "Tags": '"team": "payments"', "CostCenter": ""})
    for name, category, amount in (("D4s v5", "Virtual Machines", "412.80"),
                                   ("Compute Instance", "Azure Machine Learning", "96.40")):
        rows.append({**common, "Date": "10/31/2026", "ProductName": name, "MeterCategory": category, "MeterName": name,
                     "UnitOfMeasure": "1 Hour", "Quantity": "744", "CostInBillingCurrency": amount,
                     "ResourceId": "/subscriptions/3f2a9c1e-0b7d-4c55-9e21-5a8d7c6b4e10/resourceGroups/rg-payments/"
                                   "providers/Microsoft.Compute/virtualMachines/pay-api-1",
                     "Tags": '"team": "payments","env": "production"'})
    return rows


def vertex_rows() -> list[dict[str, Any]]:
    tags = json.dumps({"team": "growth", "cost_center": "cc-400", "use_case": "campaigns", "environment": "production"})
    common = {"BillingAccountId": "01A2B3-C4D5E6-F7A8B9", "BillingAccountName": "Acme Google Cloud",
              "BillingCurrency": "USD", "BillingPeriodStart": "2026-10-01T07:00:00Z",
              "BillingPeriodEnd": "2026-11-01T07:00:00Z", "ProviderName": "Google Cloud",
              "PublisherName": "Google Cloud", "InvoiceIssuerName": "Google", "SubAccountId": "acme-growth",
              "SubAccountName": "acme-growth", "SubAccountType": "Project", "ChargeFrequency": "Usage-Based",
              "RegionId": "us-central1", "Tags": tags}
    rows = []
    for d, day in days():
        for i, (sku, base, price) in enumerate((("Gemini 2.5 Flash Input Text", 90, "0.30"),
                                                ("Gemini 2.5 Flash Output Text", 6, "2.50"))):
            n = tokens(base, d, i + 5)
            cost = _money(Decimal(n) * Decimal(price) / M)
            rows.append({**common, "ChargePeriodStart": day.strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "ChargePeriodEnd": day.replace(hour=23, minute=59, second=59).strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "ChargeCategory": "Usage", "ChargeDescription": sku, "ServiceName": "Vertex AI",
                         "ServiceCategory": "AI and Machine Learning", "ServiceSubcategory": "Generative AI",
                         "SkuId": f"GEM-25F-{i}", "SkuMeter": sku, "ConsumedQuantity": str(n), "ConsumedUnit": "Tokens",
                         "PricingQuantity": str(n), "PricingUnit": "Tokens", "ListUnitPrice": str(Decimal(price) / M),
                         "BilledCost": cost, "EffectiveCost": cost, "ListCost": cost, "ContractedCost": cost})
    month = {**common, "ChargePeriodStart": "2026-10-01T07:00:00Z", "ChargePeriodEnd": "2026-11-01T07:00:00Z"}
    rows.append({**month, "ChargeCategory": "Credit", "ChargeDescription": "Vertex AI promotional credit",
                 "ServiceName": "Vertex AI", "ServiceCategory": "AI and Machine Learning",
                 "ServiceSubcategory": "Generative AI", "SkuMeter": "Gemini 2.5 Flash Input Text", "BilledCost": "-40",
                 "EffectiveCost": "-40", "ListCost": "0", "ContractedCost": "-40"})
    rows.append({**month, "ChargeCategory": "Usage", "ChargeDescription": "N2 instance core running",
                 "ServiceName": "Compute Engine", "ServiceCategory": "Compute", "ServiceSubcategory": "Virtual Machines",
                 "SkuMeter": "N2 Instance Core running in Americas", "BilledCost": "352.64", "EffectiveCost": "352.64",
                 "ListCost": "352.64", "ContractedCost": "352.64", "Tags": json.dumps({"team": "growth"})})
    return rows


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: tuple[str, ...] | None = None) -> Path:
    cols = list(columns or dict.fromkeys(k for r in rows for k in r))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols, extrasaction="raise")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_all(folder: Path) -> list[Path]:
    from auditor.billing.ingest import focus

    return [_write_csv(folder / "aws-cur2-bedrock.csv", cur_rows(), CUR_COLUMNS),
            _write_csv(folder / "azure-cost-details.csv", azure_rows()),
            _write_csv(folder / "gcp-focus-1.2.csv", vertex_rows(), tuple(focus.COLUMNS_1_2))]
