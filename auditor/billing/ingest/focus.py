"""The FOCUS 1.2 schema tagaudit reads into, the 1.3 additions, types, version history and aliases.

Older versions map onto 1.2 by name (columns a version lacks read as NULL). FOCUS 1.3 columns
(COLUMNS_1_3) are read as spec columns, never as unknown extensions; 1.3 deprecates ProviderName and
PublisherName but keeps them, and a file with only `ServiceProviderName` reads it as ProviderName too.
Preview-era names (`Provider`, `Publisher`, `InvoiceIssuer`) are accepted as aliases.
"""

from __future__ import annotations

DECIMAL_SQL = "DECIMAL(38, 10)"

DECIMAL_COLUMNS = (
    "BilledCost", "CommitmentDiscountQuantity", "ConsumedQuantity", "ContractedCost", "ContractedUnitPrice",
    "EffectiveCost", "ListCost", "ListUnitPrice", "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice", "PricingQuantity",
)
DATETIME_COLUMNS = ("BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart")
JSON_COLUMNS = ("SkuPriceDetails", "Tags", "AllocatedMethodDetails", "AllocatedTags", "ContractApplied")

# FOCUS 1.2 columns in specification order (alphabetical), with the version that introduced them.
COLUMNS_1_2: dict[str, str] = {
    "AvailabilityZone": "1.0", "BilledCost": "1.0", "BillingAccountId": "1.0", "BillingAccountName": "1.0",
    "BillingAccountType": "1.2", "BillingCurrency": "1.0", "BillingPeriodEnd": "1.0", "BillingPeriodStart": "1.0",
    "CapacityReservationId": "1.1", "CapacityReservationStatus": "1.1", "ChargeCategory": "1.0",
    "ChargeClass": "1.0", "ChargeDescription": "1.0", "ChargeFrequency": "1.0", "ChargePeriodEnd": "1.0",
    "ChargePeriodStart": "1.0", "CommitmentDiscountCategory": "1.0", "CommitmentDiscountId": "1.0",
    "CommitmentDiscountName": "1.0", "CommitmentDiscountQuantity": "1.1", "CommitmentDiscountStatus": "1.0",
    "CommitmentDiscountType": "1.0", "CommitmentDiscountUnit": "1.1", "ConsumedQuantity": "1.0",
    "ConsumedUnit": "1.0", "ContractedCost": "1.0", "ContractedUnitPrice": "1.0", "EffectiveCost": "1.0",
    "InvoiceId": "1.2", "InvoiceIssuerName": "1.0", "ListCost": "1.0", "ListUnitPrice": "1.0",
    "PricingCategory": "1.0", "PricingCurrency": "1.2", "PricingCurrencyContractedUnitPrice": "1.2",
    "PricingCurrencyEffectiveCost": "1.2", "PricingCurrencyListUnitPrice": "1.2", "PricingQuantity": "1.0",
    "PricingUnit": "1.0", "ProviderName": "1.0", "PublisherName": "1.0", "RegionId": "1.0", "RegionName": "1.0",
    "ResourceId": "1.0", "ResourceName": "1.0", "ResourceType": "1.0", "ServiceCategory": "1.0",
    "ServiceName": "1.0", "ServiceSubcategory": "1.1", "SkuId": "1.0", "SkuMeter": "1.1",
    "SkuPriceDetails": "1.1", "SkuPriceId": "1.0", "SubAccountId": "1.0", "SubAccountName": "1.0",
    "SubAccountType": "1.2", "Tags": "1.0",
}

# Columns FOCUS 1.3 (ratified December 2025) adds to the Cost and Usage dataset, per
# FOCUS_Spec specification/datasets/cost_and_usage/columns/<name>.md ("Introduced (version): 1.3").
COLUMNS_1_3: dict[str, str] = {
    "AllocatedMethodDetails": "1.3", "AllocatedMethodId": "1.3", "AllocatedResourceId": "1.3",
    "AllocatedResourceName": "1.3", "AllocatedTags": "1.3", "ContractApplied": "1.3", "HostProviderName": "1.3",
    "ServiceProviderName": "1.3",
}
VERSIONS = {**COLUMNS_1_2, **COLUMNS_1_3}
# 1.3 marks these deprecated (ServiceProviderName / HostProviderName replace them) but keeps them.
DEPRECATED_1_3 = ("ProviderName", "PublisherName")

# Mandatory in every FOCUS version 1.0-1.2.
MANDATORY = (
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
    "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingQuantity",
    "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName",
)
# What tagaudit computes with: a file without one of these is unusable (exit 2). A missing mandatory
# column outside this set is reported as a note and read as NULL.
CORE = (
    "BilledCost", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart",
    "ChargePeriodEnd", "ChargeCategory", "ProviderName", "ServiceName",
)

ALIASES = {
    "ServiceProviderName": "ProviderName",  # FOCUS 1.3 replacement, when the deprecated name is absent
    "Provider": "ProviderName",  # 1.0-preview names
    "Publisher": "PublisherName",
    "InvoiceIssuer": "InvoiceIssuerName",
}

# Custom columns tagaudit understands (written by its converters, or by providers' native FOCUS exports).
X_COLUMNS = (
    "x_Model", "x_ProjectId", "x_ApiKeyId", "x_WorkspaceId", "x_TokenType", "x_Batch", "x_ServiceTier",
    "x_CostType", "x_ContextWindow", "x_InferenceGeo", "x_UsageType", "x_ServiceCode", "x_Operation",
    "x_IamPrincipal", "x_InferenceProfileArn", "x_SkuMeterCategory", "x_SkuMeterSubcategory",
    "x_SkuDescription", "x_CostCenter", "x_CreditType", "x_InvoiceMonth",
)

ALL_COLUMNS = (*COLUMNS_1_2, *COLUMNS_1_3, *X_COLUMNS)

CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
SERVICE_CATEGORIES = (
    "AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases", "Developer Tools",
    "Multicloud", "Identity", "Integration", "Internet of Things", "Management and Governance", "Media",
    "Migration", "Mobile", "Networking", "Security", "Storage", "Web", "Other",
)

# Parent ServiceCategory of each allowed ServiceSubcategory (servicesubcategory.md, FOCUS 1.1+).
_SUBCATEGORIES = {
    "AI and Machine Learning": ("AI Platforms", "Bots", "Generative AI", "Machine Learning",
                                "Natural Language Processing"),
    "Analytics": ("Analytics Platforms", "Business Intelligence", "Data Processing", "Search", "Streaming Analytics"),
    "Business Applications": ("Productivity and Collaboration",),
    "Compute": ("Containers", "End User Computing", "Quantum Compute", "Serverless Compute", "Virtual Machines"),
    "Databases": ("Caching", "Data Warehouses", "Ledger Databases", "NoSQL Databases", "Relational Databases",
                  "Time Series Databases"),
    "Developer Tools": ("Developer Platforms", "Continuous Integration and Deployment", "Development Environments",
                        "Source Code Management", "Quality Assurance"),
    "Identity": ("Identity and Access Management",),
    "Integration": ("API Management", "Messaging", "Workflow Orchestration"),
    "Internet of Things": ("IoT Analytics", "IoT Platforms"),
    "Management and Governance": ("Architecture", "Compliance", "Cost Management", "Data Governance",
                                  "Disaster Recovery", "Endpoint Management", "Observability", "Support"),
    "Media": ("Content Creation", "Gaming", "Media Streaming", "Mixed Reality"),
    "Migration": ("Data Migration", "Resource Migration"),
    "Mobile": (),
    "Multicloud": ("Multicloud Integration",),
    "Networking": ("Application Networking", "Content Delivery", "Network Connectivity", "Network Infrastructure",
                   "Network Routing", "Network Security"),
    "Security": ("Secret Management", "Security Posture Management", "Threat Detection and Response"),
    "Storage": ("Backup Storage", "Block Storage", "File Storage", "Object Storage", "Storage Platforms"),
    "Web": ("Application Platforms",),
    "Other": (),
}
SUBCATEGORY_PARENT = {sub: cat for cat, subs in _SUBCATEGORIES.items() for sub in (*subs, f"Other ({cat})")}

# Allowed-value columns besides ChargeCategory, ServiceCategory and ServiceSubcategory (checked on the rollup):
# column -> (allowed values, nulls allowed), per the column's "Allowed values" table in the FOCUS spec
# (chargeclass.md, chargefrequency.md, commitmentdiscountcategory.md, commitmentdiscountstatus.md,
# capacityreservationstatus.md, pricingcategory.md). Bit i of x_Values is the i-th column here.
ALLOWED: dict[str, tuple[tuple[str, ...], bool]] = {
    "ChargeClass": (("Correction",), True),
    "ChargeFrequency": (("One-Time", "Recurring", "Usage-Based"), False),
    "CommitmentDiscountCategory": (("Spend", "Usage"), True),
    "CommitmentDiscountStatus": (("Used", "Unused"), True),
    "CapacityReservationStatus": (("Used", "Unused"), True),
    "PricingCategory": (("Standard", "Dynamic", "Committed", "Other"), True),
}


def column_type(name: str) -> str:
    """decimal | datetime | json | string."""
    if name in DECIMAL_COLUMNS:
        return "decimal"
    if name in DATETIME_COLUMNS:
        return "datetime"
    if name in JSON_COLUMNS:
        return "json"
    return "string"


FLOAT_TYPES = ("FLOAT", "DOUBLE")
_SAFE_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
_DATETIME_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS")


def _decimal_digits(sql_type: str) -> tuple[int, int] | None:
    """(precision, scale) of a DuckDB DECIMAL(p,s) type name, else None."""
    if not sql_type.startswith("DECIMAL(") or not sql_type.endswith(")"):
        return None
    p, _, s = sql_type[8:-1].partition(",")
    return int(p), int(s)


def type_problem(name: str, sql_type: str) -> str | None:
    """Why a typed (Parquet) column cannot feed FOCUS column `name`, or None when it can."""
    kind = column_type(name)
    if sql_type == "VARCHAR" or kind not in ("decimal", "datetime"):
        return None
    if kind == "decimal":
        ok = sql_type in (*FLOAT_TYPES, *_SAFE_INTEGERS, "HUGEINT", "UHUGEINT") or _decimal_digits(sql_type)
        return None if ok else f"column {name} has type {sql_type}; FOCUS wants a decimal number"
    return None if sql_type in _DATETIME_TYPES else f"column {name} has type {sql_type}; FOCUS wants a date/time"


def may_not_convert(name: str, sql_type: str) -> bool:
    """True when a typed value can fail to become DECIMAL(38, 10) or a finite TIMESTAMP (NaN, Inf, more
    than 28 integer digits, 'infinity'); integers up to UBIGINT and narrower DECIMALs cannot."""
    if column_type(name) == "datetime":
        return True
    digits = _decimal_digits(sql_type)
    if digits is not None:
        return digits[0] - digits[1] > 28
    return sql_type not in _SAFE_INTEGERS


def rounds_to_ten_places(sql_type: str) -> bool:
    """True when a typed money column can hold digits beyond DECIMAL(38, 10)'s 10 decimals."""
    digits = _decimal_digits(sql_type)
    return sql_type in FLOAT_TYPES or (digits is not None and digits[1] > 10)


def detect_version(columns: set[str]) -> str:
    """The newest FOCUS version whose added columns appear (a file may still be partial)."""
    introduced = {VERSIONS[c] for c in columns if c in VERSIONS}
    return max(introduced, default="1.0")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
