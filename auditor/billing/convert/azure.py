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
from auditor.billing.convert.tabular import Table, case_map, open_table, other_subcategory
from auditor.billing.db import fetch_dicts, fetch_scalar
from auditor.billing.ingest.focus import DECIMAL_SQL
from scanners.errors import TagauditError

if TYPE_CHECKING:
    import duckdb

EXTRA = ("x_SkuMeterCategory", "x_SkuMeterSubcategory", "x_CostCenter")
# ChargeType -> ChargeCategory as Microsoft's FinOps toolkit converts it (unused reservation / savings plan
# hours are usage of the commitment with status Unused). https://learn.microsoft.com/en-us/cloud-computing/finops/focus/convert
# A Refund is a Correction; which category it corrects is decided in _category.
CHARGE_CATEGORY = {"usage": "Usage", "purchase": "Purchase", "tax": "Tax", "credit": "Credit",
                   "unusedreservation": "Usage", "unusedsavingsplan": "Usage", "roundingadjustment": "Adjustment"}
COMMITMENT_MODELS = "('reservation', 'savingsplan')"
ADJUSTMENT = "'Adjustment'"
DESCRIPTION = {"roundingadjustment": "Rounding adjustment", "credit": "Credit", "tax": "Tax", "refund": "Refund"}
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
    """Money, quantities, periods and charge attributes. Quantity is in single units and prices are per
    UnitOfMeasure block: PricingQuantity = Quantity / block, ContractedCost = UnitPrice x PricingQuantity."""
    billed = t.dec("costinbillingcurrency")
    qty = t.dec("quantity")
    block, unit = _block(t)
    blocks = f"CAST({qty} / {block} AS {DECIMAL_SQL})"
    charge = f"lower({t.text('chargetype')})"
    model = f"lower(coalesce({t.text('pricingmodel')}, ''))"
    category = _category(charge, model)
    consumed = f"({category} = 'Usage' AND {charge} NOT IN ('unusedreservation', 'unusedsavingsplan'))"
    return {
        "BillingPeriodStart": t.ts("billingperiodstartdate"),
        "BillingPeriodEnd": f"{t.ts('billingperiodenddate')} + INTERVAL 1 DAY",
        "ChargePeriodStart": t.ts("date"), "ChargePeriodEnd": f"{t.ts('date')} + INTERVAL 1 DAY",
        "BilledCost": billed,
        # A reservation / savings plan purchase (or its refund) is amortised into the usage it covers:
        # EffectiveCost 0 (FOCUS EffectiveCost-C-005-C; Microsoft's amortized dataset shows it so).
        "EffectiveCost": f"CASE WHEN {category} = 'Purchase' AND {model} IN {COMMITMENT_MODELS} THEN 0 "
                         f"ELSE {billed} END",
        "ListCost": f"coalesce({t.dec('paygcostinbillingcurrency')}, "
                    f"CAST({t.dec('paygprice')} * {blocks} AS {DECIMAL_SQL}), {billed})",
        "ListUnitPrice": t.dec("paygprice"), "ContractedUnitPrice": t.dec("unitprice"),
        "ContractedCost": f"coalesce(CAST({t.dec('unitprice')} * {blocks} AS {DECIMAL_SQL}), {billed})",
        "BillingCurrency": f"upper(coalesce({t.text('billingcurrencycode')}, {t.text('billingcurrency')}))",
        "ChargeCategory": category,
        "ChargeClass": f"CASE WHEN {charge} = 'refund' THEN 'Correction' END",
        "ChargeFrequency": case_map(f"lower({t.text('frequency')})", FREQUENCY, "'Usage-Based'"),
        # Rounding and credit rows name no product; the charge type describes them (ChargeDescription-C-003-O).
        "ChargeDescription": f"coalesce({t.text('productname')}, {t.text('metername')}, "
                             f"{case_map(charge, DESCRIPTION, t.text('chargetype'))})",
        "InvoiceId": t.text("invoiceid"),
        # Null on unused commitment hours: nothing was consumed (FOCUS ConsumedQuantity-C-004-C).
        "ConsumedQuantity": f"CASE WHEN {consumed} THEN {qty} END",
        "ConsumedUnit": f"CASE WHEN {consumed} AND {qty} IS NOT NULL THEN {unit} END",
        "PricingQuantity": blocks,
        "PricingUnit": f"CASE WHEN {qty} IS NULL THEN NULL WHEN {block} > 1 THEN {block} || ' ' || {unit} ELSE {unit} END",
        **_commitment_exprs(t, charge, model),
    }


def _category(charge: str, model: str) -> str:
    """ChargeCategory SQL. A Refund keeps the category of what it gives back: a reservation / savings plan
    refund is a Purchase (Microsoft's conversion, which reads refunds only for those pricing models), any
    other refund gives back consumed usage, and FOCUS Usage covers "positive or negative charges based on
    the quantity ... consumed", refunds included."""
    refund = f"CASE WHEN {model} IN {COMMITMENT_MODELS} THEN 'Purchase' ELSE 'Usage' END"
    return f"CASE WHEN {charge} = 'refund' THEN {refund} ELSE {case_map(charge, CHARGE_CATEGORY, ADJUSTMENT)} END"


def _commitment_exprs(t: Table, charge: str, model: str) -> dict[str, str]:
    """Reservation / savings plan columns from BenefitId (EA: ReservationId) and PricingModel."""
    benefit = f"coalesce({t.text('benefitid')}, {t.text('reservationid')})"
    plan = f"({model} = 'savingsplan' OR {charge} = 'unusedsavingsplan')"
    known = f"{benefit} IS NOT NULL"
    return {
        "CommitmentDiscountId": benefit,
        "CommitmentDiscountName": f"CASE WHEN {known} THEN coalesce({t.text('benefitname')}, "
                                  f"{t.text('reservationname')}) END",
        "CommitmentDiscountCategory": f"CASE WHEN {known} THEN CASE WHEN {plan} THEN 'Spend' ELSE 'Usage' END END",
        "CommitmentDiscountType": f"CASE WHEN {known} THEN CASE WHEN {plan} THEN 'Savings Plan' ELSE 'Reservation' "
                                  "END END",
        "CommitmentDiscountStatus": f"CASE WHEN NOT {known} THEN NULL WHEN {charge} IN ('unusedreservation', "
                                    f"'unusedsavingsplan') THEN 'Unused' WHEN {charge} = 'usage' THEN 'Used' END",
    }


def _dimension_exprs(t: Table) -> dict[str, str]:
    """Accounts, provider, service, resource, meter and tags (wrapped in braces)."""
    category = f"lower({t.text('metercategory')})"
    openai = (f"({category} IN ('azure openai', 'azure openai service') "
              f"OR contains(lower(coalesce({t.text('productname')}, '')), 'openai'))")
    resource = t.text("resourceid")
    raw_sub = t.text("subscriptionid")
    sub = f"CASE WHEN starts_with({raw_sub}, '/subscriptions/') THEN {raw_sub} ELSE '/subscriptions/' || {raw_sub} END"
    tags = f"trim({t.col('tags')})"
    service_category = (f"CASE WHEN {openai} THEN 'AI and Machine Learning' ELSE "
                        f"{case_map(category, SERVICE_CATEGORY, chr(39) + 'Other' + chr(39))} END")
    region = f"lower(replace({t.text('resourcelocation')}, ' ', ''))"
    return {
        "BillingAccountId": f"coalesce({t.text('billingaccountid')}, {t.text('billingprofileid')})",
        "BillingAccountName": f"coalesce({t.text('billingaccountname')}, {t.text('billingprofilename')})",
        "SubAccountId": sub,
        "SubAccountName": f"CASE WHEN {sub} IS NOT NULL THEN coalesce({t.text('subscriptionname')}, {sub}) END",
        "SubAccountType": f"CASE WHEN {sub} IS NOT NULL THEN 'Subscription' END",
        "ProviderName": "'Microsoft'", "PublisherName": f"coalesce({t.text('publishername')}, 'Microsoft')",
        "InvoiceIssuerName": f"coalesce({t.text('partnername')}, 'Microsoft')",
        # ServiceName is mandatory, also on rounding and credit rows that name no meter.
        "ServiceName": f"CASE WHEN {openai} THEN 'Azure OpenAI' ELSE coalesce({t.text('metercategory')}, "
                       f"{t.text('consumedservice')}, 'Microsoft Azure') END",
        "ServiceCategory": service_category,
        "ServiceSubcategory": f"CASE WHEN {openai} THEN 'AI Platforms' ELSE {other_subcategory(service_category)} END",
        "ResourceId": resource,
        "ResourceName": f"coalesce(NULLIF(regexp_extract({resource}, '[^/]+$'), ''), {t.text('resourcename')})",
        "ResourceType": f"NULLIF(regexp_extract({resource}, '/providers/([^/]+/[^/]+)', 1), '')",
        "RegionId": region,
        "RegionName": f"CASE WHEN {region} IS NOT NULL THEN coalesce({t.text('resourcelocation')}, "
                      f"{t.text('meterregion')}) END",
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
