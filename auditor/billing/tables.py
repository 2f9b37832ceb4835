"""Every DuckDB temporary table, view and table-name pattern that billing modules share, in one place.

Billing runs on one in-memory connection per load (`ingest.load.connect`); modules hand each other
work through named temp tables. Each name below says who creates it, its columns, and who reads it.
Tables private to one function are still named here, so a name is never reused by accident. Money
columns are DECIMAL(38, 10) (`focus.DECIMAL_SQL`); times are naive UTC TIMESTAMPs.

This module is plain strings: importing it never imports DuckDB.
"""

from __future__ import annotations

# --- ingest -----------------------------------------------------------------------------------------

RAW_ROLLUP = "billing_rollup_all"
"""Created by `ingest.validate.build_rollup` (one scan of every source). Every data row, valid or not,
grouped by x_Src (source index), x_Mask (reject bits), x_Quirks (read-through bits), x_Replaced (`ingest.splits`:
1 an origin charge its FOCUS 1.3 split rows replace, 2 a split row set aside, else 0), `validate.DIMS`
and `validate.DISPLAY` (any_value), with BilledCost (sum), ContractAppliedCost (sum of the FOCUS 1.3
ContractApplied ContractCommitmentAppliedCost; NULL without that column), Rows, CostRows (rows with a readable cost),
FirstCharge, LastCharge. Read by `validate` (bad values), `ingest.problems` (counts, notes, rejected
cost) and `ingest.load` (totals, and the ROLLUP view)."""

BAD_TAGS = "billing_bad_tags"
"""Created by `ingest.validate.build_rollup`: (Tags, reason), one row per distinct Tags or AllocatedTags value that
rejects a row. Read by `validate.row_ok_sql` and `ingest.problems` (the reason of each rejection)."""

BAD_CURRENCIES = "billing_bad_currencies"
"""Created by `ingest.validate.build_rollup`: (currency), each distinct BillingCurrency that is not
`^[A-Z]{3}$`. Read by `validate.row_ok_sql` and `ingest.problems`."""

SPLIT_PAIRS = "billing_split_pairs"
"""Created by `ingest.splits.build_pairs` when a source has AllocatedMethodId (FOCUS 1.3 split rows): (k1, k2,
matched), one row per origin-charge key (two hashes of `splits.SPLIT_KEY`) that has both origin and split rows;
matched when their Σ BilledCost agree. Read by `splits.with_replaced` (x_Replaced in RAW_ROLLUP and VALID_ROWS)."""

COMMITMENTS = "billing_contract_commitments"
"""Created by `ingest.commitments.load` (always, empty without a Contract Commitment file): the valid rows of the
FOCUS 1.3 Contract Commitment dataset (`commitments.COLUMNS`, money DECIMAL(38, 10), periods TIMESTAMP,
x_SourceFile). Read by `commitments.committed_spend` (via `check`), joined on ContractCommitmentId."""

ROLLUP = "billing_rollup"
"""View created by `ingest.load.load_billing` (a copy of ~35 columns cost more than filtering): the valid RAW_ROLLUP groups (in `currency`, when one was
chosen); same columns. Handed on as `BillingData.rollup`; read by `ingest.load` (period),
`allocate.classify` (via `allocate.pools` and `check`) and `check` (AI categories)."""

VALID_ROWS = "focus_rows"
"""View created by `ingest.load.load_billing`: every valid row, typed (`ingest.typed.typed_sql`: every
FOCUS 1.2 and 1.3 column, the tool's x_ columns, x_ContractCommitmentId and x_ContractAppliedCost (from
ContractApplied), x_SourceFile). Handed on as `BillingData.view`; read by
`allocate.reconciliation` (it needs InvoiceId and billing periods, which the rollup does not keep)."""


def csv_rejects(index: int) -> str:
    """Created by DuckDB's read_csv(store_rejects=true) in `ingest.sources.read_sql` for source `index`:
    DuckDB's reject-errors columns (line, column_idx, error_type, error_message, csv_line, ...). Read by
    `ingest.validate.csv_rejects`."""
    return f"rejects_{int(index)}"


def csv_reject_scans(index: int) -> str:
    """Created by DuckDB next to `csv_rejects(index)` (its reject-scans table); nobody reads it."""
    return f"rejscan_{int(index)}"


# --- allocate ---------------------------------------------------------------------------------------


def ai_provider(ai_table: str) -> str:
    """A CTE of `allocate.classify.create_ai_table(..., ai_table, ...)` (not a table): the distinct
    provider-pattern columns of the source table that are generative AI, with x_Provider, x_ProviderName."""
    return f"{ai_table}_provider"


def ai_detail(ai_table: str) -> str:
    """A CTE of `allocate.classify.create_ai_table` (not a table): distinct (x_Provider, ProviderName, the
    model and cost-source pattern columns) with x_ModelName, x_CostSource."""
    return f"{ai_table}_detail"


POOL_AI = "billing_ai"
"""Created by `allocate.pools` from `allocate.classify.ai_sql` (create_ai_table's SELECT): the generative-AI
ROLLUP groups (`pools._KEEP` columns) with x_Provider, x_ProviderName, x_ModelName, x_CostSource and dim_id
(dense rank of `scope.DIM_COLUMNS`). Read by `pools`."""

ALLOC_DIM = "alloc_dim"
"""Created by `allocate.pools`: (dim_id, `scope.DIM_COLUMNS`), one row per distinct combination of the
columns that can carry tags. Read by `allocate.scope.resolve` and `pools`."""

ALLOC_ALIAS = "alloc_alias"
"""A CTE of `allocate.scope.resolve` (not a table): (norm VARCHAR, key VARCHAR), the policy's tag aliases
(normalised tag name -> policy key)."""

ALLOC_SCOPE = "alloc_scope"
"""A CTE of `allocate.scope.resolve` (not a table): (idx, kind, pattern, key, value), one row per usable
scope-map tag (`scope.scope_rows`)."""

ALLOC_RESOLVED = "alloc_resolved"
"""Created by `allocate.scope.resolve`: (dim_id, key, value, from_tags), the value each policy key
resolves to per ALLOC_DIM row (FOCUS tag beats scope map). Read by `allocate.pools` (status, pool tags,
seen ids)."""

ALLOC_STATUS = "alloc_status"
"""A CTE of the ALLOC_ROWS statement in `allocate.pools` (not a table): (dim_id, team, missing_pos: the
0-based positions in policy.keys of the keys that did not resolve, comma-separated, '' when none)."""

ALLOC_ROWS = "alloc_rows"
"""Created by `allocate.pools`: POOL_AI groups joined to their dim_id and status (x_Provider,
x_ProviderName, x_ModelName, x_CostSource, BillingCurrency, SubAccountId, SubAccountName, ResourceId and
ResourceName (a FOCUS 1.3 split row's AllocatedResourceId / AllocatedResourceName when set), BilledCost, Rows, FirstCharge, LastCharge, dim_id, missing_pos, team, allocated, credit, pool_id).
Read by `pools` (currency check, totals, pools, spend, seen ids)."""

RECON_BILLED = "recon_billed"
"""Created by `allocate.reconciliation.reconcile` from VALID_ROWS: (InvoiceId, BillingPeriodStart,
ProviderName, BillingCurrency, BilledCost, Rows). Read by its invoice checks."""

RECON_ROLLUP = "recon_rollup"
"""Created by `allocate.reconciliation` from VALID_ROWS: `validate.DIMS`, ConsumedUnit, ListCost,
ConsumedQuantity, UnitPriceCost (PricingQuantity x ListUnitPrice). Read by `classify.create_ai_table`."""

RECON_AI = "recon_ai"
"""Created by `allocate.classify.create_ai_table` for reconciliation: the AI groups of RECON_ROLLUP
(ConsumedUnit, ListCost, ConsumedQuantity, UnitPriceCost, x_Provider, x_ProviderName, x_ModelName,
x_CostSource). Read by `allocate.reconciliation` (estimates)."""

RECON_PRICES = "recon_prices"
"""Created by `allocate.reconciliation`: (provider, model, source, price DECIMAL(38, 10)) from
prices.yaml (price per million tokens). Read there (estimates)."""

CHECK_AI = "check_ai"
"""Created by `allocate.classify.create_ai_table` for `check`: the AI groups of ROLLUP (BillingCurrency,
BilledCost, Rows, x_Provider, x_ProviderName, x_ModelName, x_CostSource). Read by `check` (AI spend)."""

# --- convert ----------------------------------------------------------------------------------------


def converted_part(family: str) -> str:
    """Created by a converter (`convert.<family>.convert`, through `convert.common.rows_to_table` or
    `common.focus_select`): every FOCUS 1.2 column plus the converter's EXTRA x_ columns. Read by
    `convert.convert_files` (totals check, the union into CONVERTED)."""
    return f"converted_{family}"


CONVERTED = "converted"
"""Created by `convert.convert_files`: the union of every `converted_part`, FOCUS 1.2 columns then the
x_ columns. Read there (COPY to the output, row count, totals)."""

# --- finops (showback, chargeback) --------------------------------------------------------------------

SB_GRAIN = "showback_grain"
"""Created by `finops.lines`: the one grouping scan of VALID_ROWS after the load: by `validate.DIMS` (as
x_H, their hash, joined back through SB_GRAIN_KEYS; or the columns themselves, see `lines.grain`),
ResourceName, x_Period (the report period of ChargePeriodStart, or its day when the quarterly measures
read it too), ConsumedUnit, x_HasQuantity and, at day grain, x_Committed; with BilledCost,
ConsumedQuantity, Rows. SB_RAW and the quarterly daily measures (QR_DAY, or QR_DAY_RAW when not keyed by
hash) are regrouped from it."""

SB_GRAIN_KEYS = "showback_grain_keys"
"""Created by `finops.lines`: (x_H, `validate.DIMS`, Rows, BilledCost), one row per distinct DIMS of ROLLUP."""

SB_RAW = "showback_raw"
"""Created by `finops.lines` from SB_GRAIN: VALID_ROWS grouped by `validate.DIMS`, ResourceName, x_Period (the
report period of ChargePeriodStart), ConsumedUnit and x_HasQuantity, with BilledCost, ConsumedQuantity, Rows."""

SB_AI = "showback_ai"
"""Created by `allocate.classify.create_ai_table` for `finops.showback`: the AI groups of SB_RAW."""

SB_DIM = "showback_dim"
"""Created by `finops.showback`: (dim_id, `scope.DIM_COLUMNS`) of SB_AI; resolved into ALLOC_RESOLVED."""

SB_STATUS = "showback_status"
"""Created by `finops.lines`: (dim_id, allocated, dim_<dimension> per report dimension, key_<key> per policy key)."""

SB_LINES = "showback_lines"
"""Created by `finops.showback`: SB_AI joined to SB_STATUS (period, vendor, model, cost source, quantities,
cost, dimension values). Read by `finops.showback` and `finops.chargeback`."""

SB_PERIODS = "showback_periods"
"""Created by `finops.showback`: (p TIMESTAMP), every period start from the first to the last with data."""

SB_UNITS = "showback_units"
"""Created by `finops.showback`: (raw, unit, factor), ConsumedUnit normalised ("1000 Tokens" -> token x 1000)."""

# --- quarterly report ------------------------------------------------------------------------------------

QR_DAY_RAW = "quarterly_day_raw"
"""Created by `quarterly.measures` (from SB_GRAIN when it is at day grain): VALID_ROWS grouped by the AI classification columns, x_Day (DATE of
ChargePeriodStart) and x_Committed (commitment-priced or commitment-applied), with BilledCost."""

QR_DAY = "quarterly_day"
"""Created by `allocate.classify.create_ai_table` for `quarterly.measures`: the AI groups of QR_DAY_RAW; or,
with SB_GRAIN by day keyed by hash, by `quarterly.measures` from it (x_Day, x_Committed, BilledCost of the
groups whose SB_GRAIN_KEYS tuple the provider patterns match)."""
