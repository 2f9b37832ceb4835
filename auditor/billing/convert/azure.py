"""Azure cost details (EA / MCA actual cost CSV) -> FOCUS 1.2, in DuckDB SQL (billing-formats.md §4.4, §6).

Column names are matched case-insensitively (EA uses PascalCase, MCA camelCase). `Tags` comes without
outer braces (`"team": "payments","env": "prod"`) and is wrapped into a JSON object. Billing periods are
inclusive in the export and exclusive in FOCUS (end + 1 day); `Date` is the charge day. Azure OpenAI
meters (`gpt 4o 0513 Input global Tokens`) stay in SkuMeter for classification; `UnitOfMeasure` block
sizes (`1K`, `1M`) become FOCUS units like "1000 Tokens", and ConsumedQuantity is in single units.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.billing.convert import common
from auditor.billing.convert.common import Converted
from auditor.billing.convert.tabular import Table, case_map, open_table
from auditor.billing.db import fetch_dicts, fetch_scalar
from auditor.billing.ingest.focus import DECIMAL_SQL
from scanners.errors import TagauditError

if TYPE_CHECKING:
    import duckdb

EXTRA = ("x_SkuMeterCategory", "x_SkuMeterSubcategory", "x_CostCenter")
CHARGE_CATEGORY = {"usage": "Usage", "purchase": "Purchase", "tax": "Tax", "refund": "Credit",
                   "unusedreservation": "Usage", "unusedsavingsplan": "Usage", "roundingadjustment": "Adjustment"}
FREQUENCY = {"onetime": "One-Time", "recurring": "Recurring", "usagebased": "Usage-Based"}
SERVICE_CATEGORY = {
    "azure openai": "AI and Machine Learning", "cognitive services": "AI and Machine Learning",
    "azure ai services": "AI and Machine Learning", "machine learning": "AI and Machine Learning",
    "azure machine learning": "AI and Machine Learning", "virtual machines": "Compute",
    "azure app service": "Compute", "functions": "Compute", "storage": "Storage", "virtual network": "Networking",
    "bandwidth": "Networking", "load balancer": "Networking", "sql database": "Databases",
    "azure cosmos db": "Databases", "key vault": "Security", "log analytics": "Management and Governance",
}


def _block(t: Table) -> tuple[str, str]:
    """(block size, unit) from UnitOfMeasure: '1K' -> (1000, Tokens for token meters), '10 Hours' -> (10, Hours)."""
    uom = f"trim(coalesce({t.text('unitofmeasure')}, ''))"
    number = f"coalesce(TRY_CAST(NULLIF(regexp_extract({uom}, '^(\\d+)', 1), '') AS BIGINT), 1)"
    scale = f"CASE upper(regexp_extract({uom}, '^\\d+\\s*([KMB])\\b', 1)) WHEN 'K' THEN 1000 WHEN 'M' THEN 1000000 " \
            f"WHEN 'B' THEN 1000000000 ELSE 1 END"
    rest = f"trim(regexp_replace({uom}, '^\\d+\\s*([KMB]\\b)?\\s*', ''))"
    tokens = f"contains(lower(coalesce({t.text('metername')}, '')), 'token')"
    unit = f"CASE WHEN {rest} = '' THEN CASE WHEN {tokens} THEN 'Tokens' ELSE 'Units' END ELSE {rest} END"
    return f"({number} * {scale})", unit


def _charge_exprs(t: Table) -> dict[str, str]:
    """Money, quantities, periods and charge attributes."""
    billed = t.dec("costinbillingcurrency")
    qty = t.dec("quantity")
    block, unit = _block(t)
    return {
        "BillingPeriodStart": t.ts("billingperiodstartdate"),
        "BillingPeriodEnd": f"{t.ts('billingperiodenddate')} + INTERVAL 1 DAY",
        "ChargePeriodStart": t.ts("date"), "ChargePeriodEnd": f"{t.ts('date')} + INTERVAL 1 DAY",
        "BilledCost": billed, "EffectiveCost": billed,
        "ListCost": f"coalesce({t.dec('paygcostinbillingcurrency')}, "
                    f"CAST({t.dec('paygprice')} * {qty} AS {DECIMAL_SQL}), {billed})",
        "ListUnitPrice": t.dec("paygprice"), "ContractedUnitPrice": t.dec("unitprice"),
        "ContractedCost": f"coalesce(CAST({t.dec('unitprice')} * {qty} AS {DECIMAL_SQL}), {billed})",
        "BillingCurrency": f"upper(coalesce({t.text('billingcurrencycode')}, {t.text('billingcurrency')}))",
        "ChargeCategory": case_map(f"lower({t.text('chargetype')})", CHARGE_CATEGORY, "'Adjustment'"),
        "ChargeClass": f"CASE WHEN lower({t.text('chargetype')}) = 'refund' THEN 'Correction' END",
        "ChargeFrequency": case_map(f"lower({t.text('frequency')})", FREQUENCY, "'Usage-Based'"),
        "ChargeDescription": t.text("productname"), "InvoiceId": t.text("invoiceid"),
        "ConsumedQuantity": f"CAST({qty} * {block} AS {DECIMAL_SQL})", "ConsumedUnit": unit,
        "PricingQuantity": qty,
        "PricingUnit": f"CASE WHEN {block} > 1 THEN {block} || ' ' || {unit} ELSE {unit} END",
    }


def _dimension_exprs(t: Table) -> dict[str, str]:
    """Accounts, provider, service, resource, meter and tags (wrapped in braces)."""
    category = f"lower({t.text('metercategory')})"
    openai = (f"({category} IN ('azure openai', 'azure openai service') "
              f"OR contains(lower(coalesce({t.text('productname')}, '')), 'openai'))")
    resource = t.text("resourceid")
    sub = t.text("subscriptionid")
    tags = f"trim({t.col('tags')})"
    return {
        "BillingAccountId": f"coalesce({t.text('billingaccountid')}, {t.text('billingprofileid')})",
        "BillingAccountName": f"coalesce({t.text('billingaccountname')}, {t.text('billingprofilename')})",
        "SubAccountId": f"CASE WHEN starts_with({sub}, '/subscriptions/') THEN {sub} ELSE '/subscriptions/' || {sub} END",
        "SubAccountName": t.text("subscriptionname"), "SubAccountType": "'Subscription'",
        "ProviderName": "'Microsoft'", "PublisherName": f"coalesce({t.text('publishername')}, 'Microsoft')",
        "InvoiceIssuerName": f"coalesce({t.text('partnername')}, 'Microsoft')",
        "ServiceName": f"CASE WHEN {openai} THEN 'Azure OpenAI' ELSE {t.text('metercategory')} END",
        "ServiceCategory": f"CASE WHEN {openai} THEN 'AI and Machine Learning' ELSE "
                           f"{case_map(category, SERVICE_CATEGORY, chr(39) + 'Other' + chr(39))} END",
        "ServiceSubcategory": f"CASE WHEN {openai} THEN 'AI Platforms' END",
        "ResourceId": resource,
        "ResourceName": f"coalesce(NULLIF(regexp_extract({resource}, '[^/]+$'), ''), {t.text('resourcename')})",
        "ResourceType": f"NULLIF(regexp_extract({resource}, '/providers/([^/]+/[^/]+)', 1), '')",
        "RegionId": f"lower(replace({t.text('resourcelocation')}, ' ', ''))", "RegionName": t.text("meterregion"),
        "AvailabilityZone": t.text("availabilityzone"),
        "SkuId": f"coalesce({t.text('partnumber')}, {t.text('meterid')})", "SkuPriceId": t.text("meterid"),
        "SkuMeter": t.text("metername"),
        "Tags": f"CASE WHEN {tags} IS NULL OR {tags} = '' THEN NULL WHEN starts_with({tags}, '{{') THEN {tags} "
                f"ELSE '{{' || {tags} || '}}' END",
        "x_SkuMeterCategory": t.text("metercategory"), "x_SkuMeterSubcategory": t.text("metersubcategory"),
        "x_CostCenter": t.text("costcenter"),
    }


def convert(con: duckdb.DuckDBPyConnection, paths: list[Path], name: str, **_: Any) -> Converted:
    t = open_table(con, paths, str.lower)
    if not t.has("costinbillingcurrency"):
        raise TagauditError("no CostInBillingCurrency column", where=str(paths[0]),
                            hint="export Azure cost details (actual cost), not a summary")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {common.focus_select({**_charge_exprs(t), **_dimension_exprs(t)}, t.source, EXTRA)}")
    rows = int(fetch_scalar(con, f"SELECT count(*) FROM {name}"))
    native = fetch_dicts(con, f"""
        SELECT upper(coalesce({t.text('billingcurrencycode')}, {t.text('billingcurrency')})) AS currency,
               coalesce(sum({t.dec('costinbillingcurrency')}), 0) AS amount, count(*) AS n
        FROM {t.source} GROUP BY 1 ORDER BY 1""")
    rounded = int(fetch_scalar(con, f"SELECT count_if(focus_rounds({t.col('costinbillingcurrency')})) FROM {t.source}"))
    return Converted(name, rows, common.money_rows(native), common.rounding_notes(rounded))
