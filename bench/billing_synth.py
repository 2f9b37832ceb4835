"""Synthetic FOCUS 1.2 data generated in DuckDB SQL (no Python row loops), for tests and the benchmark.

    focus_sql(rows, *, start="2026-10-01") -> str     a SELECT producing `rows` FOCUS 1.2 rows
    write_focus(con, path, rows) -> None              COPY that SELECT to .parquet or .csv

The mix is deterministic: about 70% of rows are generative-AI spend (Bedrock, Azure OpenAI, OpenAI,
Anthropic, Vertex AI) and the rest ordinary cloud spend. Like real exports, dimensions are correlated:
each of 400 resources per service belongs to one sub-account and carries one tag set (complete, partial
or missing; 10% of rows see the tags a resource had before a retag), one invoice per provider, ~1% credits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.billing.ingest import focus

# (ProviderName, ServiceName, ServiceCategory, SkuMeter/usage-type stem, x_Model)
_SERVICES = (
    ("AWS", "Amazon Bedrock", "AI and Machine Learning", "USE1-Claude3Haiku-input-tokens", None),
    ("AWS", "Amazon Bedrock", "AI and Machine Learning", "USE1-Claude3Haiku-output-tokens", None),
    ("AWS", "Amazon Bedrock", "AI and Machine Learning", "USE1-Claude3Haiku-cache-read-input-token-count", None),
    ("AWS", "Amazon Elastic Compute Cloud", "Compute", "USE1-BoxUsage:m5.large", None),
    ("AWS", "Amazon Simple Storage Service", "Storage", "USE1-TimedStorage-ByteHrs", None),
    ("Microsoft", "Azure OpenAI", "AI and Machine Learning", "gpt 4o 0513 Input global Tokens", None),
    ("Microsoft", "Virtual Machines", "Compute", "D2s v3", None),
    ("OpenAI", "OpenAI API", "AI and Machine Learning", "gpt-4o-2024-08-06, input", "gpt-4o-2024-08-06"),
    ("Anthropic", "Claude API", "AI and Machine Learning", "claude-sonnet-4-5 output_tokens", "claude-sonnet-4-5"),
    ("Google Cloud", "Vertex AI", "AI and Machine Learning", "Gemini 2.5 Flash Input Text", None),
)

_TAGS = (
    '{"team":"search","cost_center":"cc-210","use_case":"ranking","environment":"production"}',
    '{"team":"support","costcenter":"cc-120","feature":"bot","env":"production"}',
    '{"team":"platform","cost_center":"cc-300","use_case":"summarize","environment":"staging"}',
    '{"team":"payments"}',
    '{"Team":"growth","Cost-Center":"cc-400","use_case":"campaigns"}',
    '{"owner":"data","cost_center":"cc-500","use_case":"etl","environment":"production","app":"x"}',
    "{}",
    None,
)


def _values(items: tuple[Any, ...]) -> str:
    def lit(v: Any) -> str:
        return "NULL" if v is None else focus.quote_str(str(v))

    return ", ".join(f"({i}, {', '.join(lit(v) for v in row)})" for i, row in enumerate(items))


def focus_sql(rows: int, *, start: str = "2026-10-01") -> str:
    svc = _values(_SERVICES)
    tags = ", ".join(f"({i}, {'NULL' if t is None else focus.quote_str(t)})" for i, t in enumerate(_TAGS))
    return f"""
    WITH svc(k, provider, service, category, meter, model) AS (VALUES {svc}),
         tg(k, tags) AS (VALUES {tags}),
         base AS (SELECT i, h, h % 400 AS res FROM (SELECT i, hash(i) AS h FROM range({int(rows)}) r(i)))
    SELECT
        CAST((h % 100000) / 1000.0 AS {focus.DECIMAL_SQL}) AS BilledCost,
        'acme-billing' AS BillingAccountId, 'Acme' AS BillingAccountName, 'USD' AS BillingCurrency,
        TIMESTAMP '{start}' + INTERVAL 1 MONTH AS BillingPeriodEnd, TIMESTAMP '{start}' AS BillingPeriodStart,
        CASE WHEN h % 97 = 0 THEN 'Credit' ELSE 'Usage' END AS ChargeCategory, NULL::VARCHAR AS ChargeClass,
        svc.meter AS ChargeDescription, 'Usage-Based' AS ChargeFrequency,
        TIMESTAMP '{start}' + INTERVAL (i % 31 + 1) DAY AS ChargePeriodEnd,
        TIMESTAMP '{start}' + INTERVAL (i % 31) DAY AS ChargePeriodStart,
        CAST(h % 5000 AS {focus.DECIMAL_SQL}) AS ConsumedQuantity, 'Tokens' AS ConsumedUnit,
        CAST((h % 100000) / 1000.0 AS {focus.DECIMAL_SQL}) AS ContractedCost,
        CAST((h % 100000) / 1000.0 AS {focus.DECIMAL_SQL}) AS EffectiveCost,
        'INV-' || svc.provider || '-202610' AS InvoiceId, svc.provider AS InvoiceIssuerName,
        CAST((h % 100000) / 1000.0 AS {focus.DECIMAL_SQL}) AS ListCost,
        CAST(h % 5000 AS {focus.DECIMAL_SQL}) AS PricingQuantity, 'Tokens' AS PricingUnit,
        svc.provider AS ProviderName, svc.provider AS PublisherName, 'us-east-1' AS RegionId,
        CASE WHEN svc.k < 3 AND res % 3 = 0
             THEN 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/p' || res
             ELSE svc.provider || '/res-' || res END AS ResourceId,
        'res-' || res AS ResourceName, svc.category AS ServiceCategory, svc.service AS ServiceName,
        CASE WHEN svc.category = 'AI and Machine Learning' THEN 'Generative AI'
             ELSE 'Other (' || svc.category || ')' END
            AS ServiceSubcategory,
        svc.meter AS SkuMeter, 'sku-' || svc.k AS SkuId, 'acct-' || (res % 50) AS SubAccountId,
        'Account ' || (res % 50) AS SubAccountName, tg.tags AS Tags, svc.model AS x_Model,
        CASE WHEN svc.k < 5 THEN svc.meter END AS x_UsageType
    FROM base JOIN svc ON svc.k = base.i % 10
         JOIN tg ON tg.k = (base.res + CASE WHEN (base.h // 400) % 10 = 0 THEN 1 ELSE 0 END) % 8"""


def write_focus(con: Any, path: Path, rows: int) -> None:
    fmt = "parquet" if path.suffix == ".parquet" else "csv, header true"
    con.execute(f"COPY ({focus_sql(rows)}) TO {focus.quote_str(str(path))} (FORMAT {fmt})")
