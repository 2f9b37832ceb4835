"""AWS CUR 2.0 / Data Exports (and legacy CUR CSV) -> FOCUS 1.2, in DuckDB SQL (billing-formats.md §4.3, §6).

CUR 2.0 has snake_case columns and maps (`product`, `resource_tags`; JSON text in CSV). Legacy CUR
headers (`lineItem/UnblendedCost`, `resourceTags/user:team`) are normalised to the same names.
BilledCost is `line_item_net_unblended_cost` when the cell has a value, else `line_item_unblended_cost`; a
cost cell that is not a number leaves BilledCost empty (noted, and rejected when loaded), never the other.
Tags come from the CUR 2.0 `tags` map (`resourceTags/` stripped; `accountTag/`, `costCategory/`,
`userAttribute/` keys kept as they are), `resource_tags` and legacy tag columns, merged; user keys in
either form (`user:<k>`, `user_<k>`) become FOCUS tags `<k>`; provider keys (`aws:...`) keep their prefix.
Credit lines are ChargeCategory Credit (not Adjustment, as older converters had it). Bedrock
Marketplace models ("... (Amazon Bedrock Edition)") keep the Marketplace seller as PublisherName.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.billing.convert import common
from auditor.billing.convert.common import Converted
from auditor.billing.convert.tabular import Table, case_map, open_table, other_subcategory, snake, unit_format
from auditor.billing.db import fetch_dicts, fetch_row, fetch_scalar
from auditor.billing.ingest.focus import quote_ident as qi
from auditor.billing.ingest.focus import quote_str as qs

if TYPE_CHECKING:
    import duckdb

EXTRA = ("x_UsageType", "x_Operation", "x_ServiceCode", "x_IamPrincipal", "x_InferenceProfileArn")
# Line item types that are usage (as the FinOps Foundation's focus_converters map them): the negation of
# Savings Plan covered usage and the discount lines reduce usage, they are not adjustments.
# https://github.com/finopsfoundation/focus_converters (conversion_rules aws ChargeCategory)
_USAGE = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation", "EdpDiscount",
          "BundledDiscount", "PrivateRateDiscount", "Discount")
_SAVINGS_PLAN = ("SavingsPlanCoveredUsage", "SavingsPlanNegation", "SavingsPlanRecurringFee", "SavingsPlanUpfrontFee")
CHARGE_CATEGORY = {**{t: "Usage" for t in _USAGE}, "Fee": "Purchase", "RIFee": "Purchase",
                   "SavingsPlanRecurringFee": "Purchase", "SavingsPlanUpfrontFee": "Purchase", "Tax": "Tax",
                   "Credit": "Credit"}
SERVICE_CATEGORY = {
    "AmazonBedrock": "AI and Machine Learning", "AmazonSageMaker": "AI and Machine Learning",
    "AmazonRekognition": "AI and Machine Learning", "AmazonTextract": "AI and Machine Learning",
    "comprehend": "AI and Machine Learning", "translate": "AI and Machine Learning",
    "AmazonEC2": "Compute", "AWSLambda": "Compute", "AmazonECS": "Compute", "AmazonEKS": "Compute",
    "AmazonS3": "Storage", "AmazonEFS": "Storage", "AmazonRDS": "Databases", "AmazonDynamoDB": "Databases",
    "AWSGlue": "Analytics", "AmazonAthena": "Analytics", "AWSQueueService": "Integration",
    "AmazonSNS": "Integration", "AmazonStates": "Integration", "AmazonCloudWatch": "Management and Governance",
    "AWSCloudTrail": "Management and Governance", "awskms": "Security", "AWSSecretsManager": "Security",
    "AWSDataTransfer": "Networking", "AmazonVPC": "Networking", "AmazonCloudFront": "Networking",
    "AWSCloudShell": "Developer Tools", "AWSIoT": "Internet of Things",
    "AWSMigrationHubRefactorSpaces": "Migration",
}


def normalise(column: str) -> str:
    """Legacy `lineItem/UnblendedCost` -> `line_item_unblended_cost`; tag columns (`resourceTags/user:team`,
    Athena's `resource_tags_user_team`) -> `tag:<key>`."""
    if column.startswith("resourceTags/"):
        return "tag:" + column.split("/", 1)[1]
    if column.startswith("resource_tags_"):
        return "tag:" + column.removeprefix("resource_tags_")
    if "/" in column:
        group, field = column.split("/", 1)
        column = f"{snake(group)}_{snake(field)}"
    return column.replace("_a_r_n", "_arn")  # CUR 2.0 savings_plan_savings_plan_a_r_n = legacy SavingsPlanARN


def _product(t: Table, key: str) -> str:
    """A product attribute: CUR 2.0 map (or its JSON text in CSV), else the legacy product_<key> column."""
    kind = t.type_of("product")
    if kind is not None and kind.startswith("MAP"):
        return f"NULLIF(CAST(map_extract(product, {qs(key)})[1] AS VARCHAR), '')"  # a list in every DuckDB version
    if kind == "VARCHAR":
        return f"NULLIF(json_extract_string(NULLIF(product, ''), {qs('$.' + key)}), '')"
    return t.text(f"product_{key}")


# User-defined tag keys: `user:team` (CUR 2.0 map, legacy `resourceTags/user:team` headers) and `user_team`
# (the Athena-safe form AWS's own dashboards query, `resource_tags['user_cost_center']`). In the CUR 2.0
# `tags` column resource tags carry `resourceTags/`; `accountTag/`, `costCategory/` and `userAttribute/` keys
# stay as they are, so they never stand in for a resource tag of the same name.
# https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2-tag-columns.html
_USER_KEY = r'"(?:resourceTags/)?(?:user:|user_)?([^"]*)"\s*:'


def _json_tags(t: Table, column: str) -> str:
    """A CUR 2.0 map column (or its JSON text in CSV) as a JSON object with user keys unprefixed; NULL when
    absent or empty."""
    kind = t.type_of(column)
    if kind is None:
        return "NULL"
    if kind.startswith("MAP"):
        text = f"CASE WHEN cardinality({qi(t.columns[column][0])}) > 0 THEN to_json({qi(t.columns[column][0])}) END"
    else:
        text = f"CASE WHEN trim({t.col(column)}) NOT IN ('', '{{}}') THEN trim({t.col(column)}) END"
    return f"regexp_replace({text}, '{_USER_KEY}', '\"\\1\":', 'g')"


def _legacy_tags(t: Table) -> str:
    tags = [(name[4:], real) for name, (real, _) in t.columns.items() if name.startswith("tag:")]
    if not tags:
        return "NULL"
    pairs = ", ".join(f"{qs(re.sub(r'^user[:_]', '', k))}, NULLIF({qi(real)}, '')" for k, real in tags)
    any_set = " OR ".join(f"NULLIF({qi(real)}, '') IS NOT NULL" for _, real in tags)
    return f"CASE WHEN {any_set} THEN json_object({pairs}) END"


def _tags(t: Table) -> str:
    """FOCUS Tags from `tags`, `resource_tags` and legacy tag columns, merged (a key appears once; `tags`,
    the superset, wins)."""
    parts = [p for p in (_legacy_tags(t), _json_tags(t, "resource_tags"), _json_tags(t, "tags")) if p != "NULL"]
    if not parts:
        return "NULL"
    merged = parts[0]
    for part in parts[1:]:
        merged = f"CASE WHEN {part} IS NULL THEN {merged} ELSE json_merge_patch(coalesce({merged}, '{{}}'), {part}) END"
    return f"NULLIF(CAST({merged} AS VARCHAR), '{{}}')"


def _charge_exprs(t: Table) -> dict[str, str]:
    """Money, quantities, periods and charge attributes."""
    kind = t.text("line_item_line_item_type")
    billed = billed_sql(t)
    usage = f"{kind} IN ({', '.join(qs(u) for u in _USAGE)})"
    priced = f"coalesce({kind}, '') NOT IN ('Credit', 'Tax')"
    # A refund keeps the category of what it refunds: a fee (RI/Savings Plan usage types) or usage.
    refund = (f"CASE WHEN regexp_matches(coalesce({t.text('line_item_usage_type')}, ''), 'HeavyUsage|Fee|Upfront') "
              "THEN 'Purchase' ELSE 'Usage' END")
    return {
        "BillingPeriodStart": t.ts("bill_billing_period_start_date"),
        "BillingPeriodEnd": t.ts("bill_billing_period_end_date"),
        "ChargePeriodStart": t.ts("line_item_usage_start_date"), "ChargePeriodEnd": t.ts("line_item_usage_end_date"),
        "BilledCost": billed, "EffectiveCost": effective_sql(t, kind, billed), "ContractedCost": billed,
        "ListCost": f"coalesce({t.dec('pricing_public_on_demand_cost')}, {billed})",
        "ListUnitPrice": t.dec("pricing_public_on_demand_rate"),
        "ContractedUnitPrice": t.dec("line_item_unblended_rate"),
        "BillingCurrency": f"upper({t.text('line_item_currency_code')})",
        "ChargeCategory": f"CASE WHEN {kind} = 'Refund' THEN {refund} ELSE "
                          f"{case_map(kind, CHARGE_CATEGORY, qs('Adjustment'))} END",
        # Correction only when the refund corrects an earlier, already invoiced period.
        "ChargeClass": f"CASE WHEN {kind} = 'Refund' AND {t.ts('line_item_usage_start_date')} < "
                       f"{t.ts('bill_billing_period_start_date')} THEN 'Correction' END",
        "ChargeFrequency": f"CASE WHEN {usage} THEN 'Usage-Based' WHEN {kind} IN ('RIFee', "
                           "'SavingsPlanRecurringFee') THEN 'Recurring' ELSE 'One-Time' END",
        "ChargeDescription": t.text("line_item_line_item_description"), "InvoiceId": t.text("bill_invoice_id"),
        "ConsumedQuantity": f"CASE WHEN {usage} THEN {t.dec('line_item_usage_amount')} END",
        "ConsumedUnit": f"CASE WHEN {usage} AND {t.dec('line_item_usage_amount')} IS NOT NULL THEN "
                        f"coalesce({unit_format(t.text('pricing_unit'))}, 'Units') END",
        # Credits and tax price nothing; a priced quantity always has a unit.
        "PricingQuantity": f"CASE WHEN {priced} THEN {t.dec('line_item_usage_amount')} END",
        "PricingUnit": f"CASE WHEN {priced} AND {t.dec('line_item_usage_amount')} IS NOT NULL THEN "
                       f"coalesce({unit_format(t.text('pricing_unit'))}, 'Units') END",
        **_commitment_exprs(t, kind),
    }


def effective_sql(t: Table, kind: str, billed: str) -> str:
    """EffectiveCost, amortised as AWS documents it: covered usage at the Savings Plan / reservation effective
    cost, the negation at 0, upfront fees at 0 (spread over the usage), recurring fees only their unused part.
    A column the export lacks leaves BilledCost. https://docs.aws.amazon.com/cur/latest/userguide/cur-sp.html"""
    unused_sp = f"{t.dec('savings_plan_total_commitment_to_date')} - {t.dec('savings_plan_used_commitment')}"
    unused_ri = (f"coalesce({t.dec('reservation_unused_amortized_upfront_fee_for_billing_period')}, 0) + "
                 f"{t.dec('reservation_unused_recurring_fee')}")
    return (f"CASE {kind} WHEN 'SavingsPlanCoveredUsage' THEN coalesce("
            f"{t.dec('savings_plan_savings_plan_effective_cost')}, {billed}) "
            "WHEN 'SavingsPlanNegation' THEN 0 WHEN 'SavingsPlanUpfrontFee' THEN 0 "
            f"WHEN 'SavingsPlanRecurringFee' THEN coalesce({unused_sp}, {billed}) "
            f"WHEN 'DiscountedUsage' THEN coalesce({t.dec('reservation_effective_cost')}, {billed}) "
            f"WHEN 'RIFee' THEN coalesce({unused_ri}, {billed}) ELSE {billed} END")


def _commitment_exprs(t: Table, kind: str) -> dict[str, str]:
    """CommitmentDiscount* from the Savings Plan or reservation ARN on the row."""
    arn = (f"CASE WHEN {kind} IN ({', '.join(qs(k) for k in _SAVINGS_PLAN)}) THEN {t.text('savings_plan_savings_plan_arn')}"
           f" WHEN {kind} IN ('DiscountedUsage', 'RIFee') THEN {t.text('reservation_reservation_arn')} END")
    plan = f"contains({arn}, ':savingsplans:')"
    return {
        "CommitmentDiscountId": arn,
        "CommitmentDiscountCategory": f"CASE WHEN {plan} THEN 'Spend' WHEN {arn} IS NOT NULL THEN 'Usage' END",
        "CommitmentDiscountType": f"CASE WHEN {plan} THEN 'Savings Plan' WHEN {arn} IS NOT NULL THEN 'Reservation' END",
        "CommitmentDiscountName": f"NULLIF(regexp_extract({arn}, '[:/]([^:/]+)$', 1), '')",
        "CommitmentDiscountStatus": f"CASE WHEN {arn} IS NOT NULL AND {kind} IN ('SavingsPlanCoveredUsage', "
                                    "'SavingsPlanNegation', 'DiscountedUsage') THEN 'Used' END",
    }


def _dimension_exprs(t: Table) -> dict[str, str]:
    """Accounts, provider, service, resource, SKU and tags."""
    resource = t.text("line_item_resource_id")
    code = t.text("line_item_product_code")
    name = f"coalesce({_product(t, 'product_name')}, {t.text('product_servicecode')}, {code}, 'AWS')"
    bedrock = f"(contains(lower({name}), 'bedrock') OR contains(lower(coalesce({code}, '')), 'bedrock'))"
    marketplace = f"coalesce({t.text('bill_billing_entity')}, '') = 'AWS Marketplace'"
    category = (f"CASE WHEN {bedrock} THEN 'AI and Machine Learning' ELSE "
                f"{case_map(code, SERVICE_CATEGORY, qs('Other'))} END")
    region = f"coalesce({t.text('product_region_code')}, {_product(t, 'region_code')})"
    sub = t.text("line_item_usage_account_id")
    issuer = t.text("bill_invoicing_entity")
    return {
        "BillingAccountId": t.text("bill_payer_account_id"),
        "BillingAccountName": f"coalesce({t.text('bill_payer_account_name')}, {t.text('bill_payer_account_id')})",
        "SubAccountId": sub, "SubAccountName": f"coalesce({t.text('line_item_usage_account_name')}, {sub})",
        "SubAccountType": f"CASE WHEN {sub} IS NOT NULL THEN 'AWS Account' END",
        # One name for AWS as provider and (for its own invoicing entities) as invoice issuer, so AWS rows
        # never read as paid to a third party; a Marketplace seller is the publisher.
        "ProviderName": "'AWS'",
        "PublisherName": f"CASE WHEN {marketplace} THEN coalesce({t.text('line_item_legal_entity')}, "
                         "'AWS Marketplace') ELSE 'AWS' END",
        "InvoiceIssuerName": f"CASE WHEN {issuer} IS NULL OR regexp_matches({issuer}, '^(Amazon Web Services|AWS)') "
                             f"THEN 'AWS' ELSE {issuer} END",
        "ServiceName": name, "ServiceCategory": category,
        "ServiceSubcategory": f"CASE WHEN {bedrock} THEN 'Generative AI' ELSE {other_subcategory(category)} END",
        "ResourceId": resource, "ResourceName": f"NULLIF(CASE WHEN {resource} LIKE 'arn:%' "  # arn:p:svc:region:acct:type/NAME (NAME may hold ':')
                        f"THEN regexp_extract({resource}, '^arn:[^:]*:[^:]*:[^:]*:[^:]*:(?:[^/:]+[/:])?(.+)$', 1) "
                        f"ELSE regexp_extract({resource}, '[:/]([^:/]+)$', 1) END, '')",
        "ResourceType": f"CASE WHEN contains({resource}, 'application-inference-profile/') THEN "
                        f"'Application Inference Profile' WHEN contains({resource}, 'foundation-model/') THEN "
                        f"'Foundation Model' ELSE {_product(t, 'product_family')} END",
        "RegionId": region,
        "RegionName": f"CASE WHEN {region} IS NOT NULL THEN coalesce({t.text('product_location')}, "
                      f"{_product(t, 'location')}, {region}) END",
        "SkuId": f"coalesce({t.text('product_sku')}, {_product(t, 'sku')})", "SkuPriceId": t.text("pricing_rate_id"),
        "SkuMeter": t.text("line_item_usage_type"), "Tags": _tags(t),
        "x_UsageType": t.text("line_item_usage_type"), "x_Operation": t.text("line_item_operation"),
        "x_ServiceCode": f"coalesce({t.text('product_servicecode')}, {code})",
        "x_IamPrincipal": t.text("line_item_iam_principal"),
        "x_InferenceProfileArn": f"CASE WHEN contains({resource}, 'inference-profile/') THEN {resource} END",
    }


def cost_column_sql(t: Table) -> str:
    """The CUR column that is the row's BilledCost: net unblended when the cell has a value."""
    if not t.has("line_item_net_unblended_cost"):
        return "'line_item_unblended_cost'"
    return (f"CASE WHEN {t.text('line_item_net_unblended_cost')} IS NULL THEN 'line_item_unblended_cost' "
            "ELSE 'line_item_net_unblended_cost' END")


def billed_sql(t: Table) -> str:
    """BilledCost: net unblended cost, or unblended where the net cell is empty. A cell that has text but
    no number gives NULL (the row is rejected when loaded, and a note counts it), never the other column."""
    if not t.has("line_item_net_unblended_cost"):
        return t.dec("line_item_unblended_cost")
    return (f"CASE WHEN {t.text('line_item_net_unblended_cost')} IS NULL THEN {t.dec('line_item_unblended_cost')} "
            f"ELSE {t.dec('line_item_net_unblended_cost')} END")


def unreadable_cost_note(con: duckdb.DuckDBPyConnection, t: Table) -> tuple[str, ...]:
    """Count rows whose BilledCost cell is not a number (NaN, Inf, text, more than 28 integer digits)."""
    raw = (f"CASE WHEN {t.text('line_item_net_unblended_cost')} IS NULL THEN {t.text('line_item_unblended_cost')} "
           f"ELSE {t.text('line_item_net_unblended_cost')} END") if t.has("line_item_net_unblended_cost") \
        else t.text("line_item_unblended_cost")
    row = fetch_row(con, f"""SELECT count(*) AS bad, min(r) FILTER (WHERE n = 1) AS first_row,
                                    any_value(c) FILTER (WHERE n = 1) AS cost_column,
                                    any_value(v) FILTER (WHERE n = 1) AS value
                             FROM (SELECT row_number() OVER () AS n, * FROM (
                                SELECT row_number() OVER () AS r, {raw} AS v, {cost_column_sql(t)} AS c,
                                       {billed_sql(t)} AS b FROM {t.source}) WHERE v IS NOT NULL AND b IS NULL)
                             """)
    if not row["bad"]:
        return ()
    note = (f"{row['bad']} rows have a cost that is not a number (first: data row {row['first_row']}, "
            f"{row['cost_column']} {row['value']!r}); "
            "their BilledCost is left empty, so `tagaudit billing check` and `inventory` reject and count them")
    return (note,)


def native_total_sql(t: Table) -> str:
    billed = billed_sql(t)
    return (f"SELECT upper({t.text('line_item_currency_code')}) AS currency, coalesce(sum({billed}), 0) AS amount, "
            "count(*) AS n "
            f"FROM {t.source} GROUP BY 1 ORDER BY 1")


def convert(con: duckdb.DuckDBPyConnection, paths: list[Path], name: str, **_: Any) -> Converted:
    t = open_table(con, paths, normalise)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {common.focus_select({**_charge_exprs(t), **_dimension_exprs(t)}, t.source, EXTRA)}")
    rows = int(fetch_scalar(con, f"SELECT count(*) FROM {name}"))
    used = (f"coalesce(NULLIF(trim({t.col('line_item_net_unblended_cost')}), ''), "
            f"{t.col('line_item_unblended_cost')})")
    rounded = int(fetch_scalar(con, f"SELECT count_if(focus_rounds({used})) FROM {t.source}"))
    return Converted(name, rows, common.money_rows(fetch_dicts(con, native_total_sql(t))),
                     common.rounding_notes(rounded) + unreadable_cost_note(con, t))
