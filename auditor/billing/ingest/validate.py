"""One streaming pass per load: type, check and roll up every row in DuckDB; then find bad values.

The rollup groups rows by every dimension tagaudit uses plus the row's problem bits, so totals for
valid and rejected rows come from the same pass. Values whose validity depends only on the value
(currency codes, Tags JSON) are checked once per distinct value, not once per row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auditor.billing import tables
from auditor.billing.db import fetch_dicts, fetch_one_dict, fetch_scalar
from auditor.billing.ingest import focus
from auditor.billing.ingest import splits as split_rows
from auditor.billing.ingest.focus import quote_ident as qi
from auditor.billing.ingest.sources import Source, read_sql
from auditor.billing.ingest.typed import has_quirks, suspect_sql, typed_sql, values_sql

if TYPE_CHECKING:
    import duckdb

# Grouping keys of the rollup: what classification and allocation read. Kept short on purpose (each key
# costs time on every row); display-only columns ride along as any_value(). Reconciliation needs
# InvoiceId and billing periods and scans the valid-row view itself, off the ingest path.
DIMS = (
    "ProviderName", "BillingAccountId", "BillingCurrency",
    "ChargeCategory", "ServiceCategory", "ServiceSubcategory", "ServiceName", "SkuMeter", "SubAccountId",
    "ResourceId", "AllocatedResourceId", "Tags", "AllocatedTags", "x_ContractCommitmentId", "x_Model", "x_ProjectId", "x_ApiKeyId", "x_WorkspaceId", "x_TokenType", "x_Batch",
    "x_ServiceTier", "x_CostType", "x_UsageType", "x_ServiceCode", "x_SkuMeterCategory",
)
DISPLAY = ("SubAccountName", "ResourceName", "AllocatedResourceName")
# Dimensions typed_sql derives from a FOCUS column (present when that column is).
DERIVED = {"x_ContractCommitmentId": "ContractApplied"}

# Checked once per distinct Tags or AllocatedTags value (both are KeyValueFormat JSON objects). TRY_CAST(... AS JSON) never raises, so no step depends on the
# optimiser evaluating filters before functions that would fail on invalid JSON.
TAGS_PROBLEMS = """
WITH j AS (SELECT Tags, TRY_CAST(Tags AS JSON) AS js FROM (
    SELECT Tags FROM {src} WHERE Tags IS NOT NULL UNION SELECT AllocatedTags FROM {src} WHERE AllocatedTags IS NOT NULL)),
o AS (SELECT Tags, js, json_type(js) AS jt FROM j WHERE js IS NOT NULL),
n AS (SELECT Tags, unnest(map_values(json_transform(js, '"MAP(VARCHAR, JSON)"'))) AS val FROM o WHERE jt = 'OBJECT')
SELECT Tags, min(reason) AS reason FROM (
    SELECT Tags, 'is not valid JSON' AS reason FROM j WHERE js IS NULL
    UNION ALL SELECT Tags, 'is JSON but not an object (' || jt || ')' FROM o WHERE jt <> 'OBJECT'
    UNION ALL SELECT Tags, 'repeats a key' FROM o
              WHERE jt = 'OBJECT' AND len(json_keys(js)) <> len(list_distinct(json_keys(js)))
    UNION ALL SELECT Tags, 'has a nested object or array as a value' FROM n WHERE json_type(val) IN ('OBJECT', 'ARRAY')
) GROUP BY Tags"""


def rollup_sql(src: Source, *, rejects: bool = True, exact: bool = False, splits: bool = False,
               clean: bool = False) -> str:
    """One source grouped by the DIMS it has (absent ones are added as NULL by the UNION BY NAME).

    Grouping by a dozen text columns is what made ingest slow (each string key is compared on every row).
    By default rows are grouped by one 64-bit hash of the dimensions instead, each group keeping its values
    with any_value(); a second, independent hash (salted, arguments reversed) is kept as min and max per
    group, and build_rollup regroups exactly (`exact`, by the columns themselves) should they ever differ.
    With `splits` (tables.SPLIT_PAIRS built), x_Replaced is a key too (ingest.splits); else it is 0.
    With `clean` (`is_clean`), only the period order is checked per row (typed.typed_sql)."""
    keys, consts = ["x_Mask"], []  # constants stay out of the grouping keys; typed files have no text quirks
    for bits, present in (("x_Quirks", has_quirks(src)),
                          ("x_Values", not clean and values_sql(src, {n: "" for n, _ in src.mapping}) is not None)):
        if present:
            keys.append(bits)
        else:
            consts.append(f"0::BIGINT AS {bits}")
    dims = [qi(d) for d in DIMS if src.column(DERIVED.get(d, d)) is not None]
    display = "".join(f", any_value({qi(d)}) AS {qi(d)}" for d in DISPLAY if src.column(d) is not None)
    applied = "sum(x_ContractAppliedCost) AS ContractAppliedCost, " if src.column("ContractApplied") else ""
    metrics = (f"sum(BilledCost) AS BilledCost, {applied}count(*) AS Rows, count(BilledCost) AS CostRows, "
               "min(ChargePeriodStart) AS FirstCharge, max(ChargePeriodEnd) AS LastCharge")
    typed = typed_sql(src, rejects=rejects, clean=clean)
    if splits:
        typed = split_rows.with_replaced(typed, src, splits)
        keys.append("x_Replaced")
    else:
        consts.append("0::TINYINT AS x_Replaced")
    if exact or not dims:
        return f"""
        SELECT {src.index} AS x_Src, {"".join(c + ", " for c in consts)}0::UBIGINT AS x_Check, * FROM (
            SELECT {", ".join(keys + dims)}{display}, {metrics}
            FROM ({typed})
            GROUP BY ALL)"""
    # One any_value of a struct: DuckDB keeps a struct in one state, far cheaper than a state per column.
    carried = dims + [qi(d) for d in DISPLAY if src.column(d) is not None]
    struct = ", ".join(f"{d}: {d}" for d in carried)
    check = f"hash('tagaudit', {', '.join(reversed(dims))})"
    names = ["BilledCost", *(["ContractAppliedCost"] if applied else []), "Rows", "CostRows", "FirstCharge",
             "LastCharge"]
    outer = [*keys, *(f"x_Dims.{d} AS {d}" for d in carried), *names, "x_Check"]
    return f"""
        SELECT {src.index} AS x_Src, {"".join(c + ", " for c in consts)}{", ".join(outer)} FROM (
            SELECT {", ".join(keys)}, any_value({{{struct}}}) AS x_Dims, {metrics},
                   max({check}) - min({check}) AS x_Check
            FROM (SELECT *, hash({", ".join(dims)}) AS x_Hash FROM ({typed}))
            GROUP BY {", ".join(keys)}, x_Hash)"""


def is_clean(con: duckdb.DuckDBPyConnection, src: Source) -> bool:
    """True when no row of `src` can fail a per-row check but the period order (typed.suspect_sql): answered
    from Parquet statistics in a few milliseconds, it spares the rollup those checks on every row."""
    suspect = suspect_sql(src)
    if suspect is None:
        return False
    return not fetch_scalar(con, f"SELECT EXISTS (SELECT 1 FROM {read_sql(src, rejects=False)} WHERE {suspect}) AS x")


def build_rollup(con: duckdb.DuckDBPyConnection, sources: list[Source], *, exact: bool = False) -> None:
    """Scan every source once (CSV parse errors go to tables.csv_rejects(i)) into tables.RAW_ROLLUP, then
    find the bad Tags and currency values (tables.BAD_TAGS, tables.BAD_CURRENCIES)."""
    typed_nulls = ", ".join(f"NULL::VARCHAR AS {qi(d)}" for d in (*DIMS, *DISPLAY))
    money = f"NULL::{focus.DECIMAL_SQL}"
    shape = (f"SELECT 0 AS x_Src, 0 AS x_Mask, 0::BIGINT AS x_Quirks, 0::BIGINT AS x_Values, 0::TINYINT AS x_Replaced, "
             f"{typed_nulls}, "
             f"{money} AS BilledCost, {money} AS ContractAppliedCost, 0::BIGINT AS Rows, 0::BIGINT AS CostRows, "
             "NULL::TIMESTAMP AS FirstCharge, NULL::TIMESTAMP AS LastCharge, 0::UBIGINT AS x_Check WHERE false")
    splits = split_rows.has_splits(sources)
    if splits:
        split_rows.build_pairs(con, sources)
    parts = [shape, *(rollup_sql(src, exact=exact, splits=splits, clean=is_clean(con, src)) for src in sources)]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {tables.RAW_ROLLUP} AS {' UNION ALL BY NAME '.join(parts)}")
    if not exact and fetch_scalar(con, f"SELECT count(*) FROM {tables.RAW_ROLLUP} WHERE x_Check <> 0"):
        # Two distinct dimension tuples shared a 64-bit hash (about 1 in 10^13 for a million groups):
        # regroup by the columns themselves. CSV reject tables are refilled by the new scan.
        for src in sources:
            if src.format == "csv":
                con.execute(f"DROP TABLE IF EXISTS {tables.csv_rejects(src.index)}")
                con.execute(f"DROP TABLE IF EXISTS {tables.csv_reject_scans(src.index)}")
        build_rollup(con, sources, exact=True)
        return
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {tables.BAD_TAGS} AS {TAGS_PROBLEMS.format(src=tables.RAW_ROLLUP)}""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {tables.BAD_CURRENCIES} AS
        SELECT DISTINCT BillingCurrency AS currency FROM {tables.RAW_ROLLUP}
        WHERE BillingCurrency IS NOT NULL AND NOT regexp_matches(BillingCurrency, '^[A-Z]{{3}}$')""")


def has_bad_values(con: duckdb.DuckDBPyConnection) -> bool:
    """True when some Tags, AllocatedTags or BillingCurrency value rejects rows (build_rollup found it)."""
    return bool(fetch_scalar(con, f"SELECT EXISTS (SELECT 1 FROM {tables.BAD_TAGS}) "
                                  f"OR EXISTS (SELECT 1 FROM {tables.BAD_CURRENCIES}) AS bad"))


def row_ok_sql(prefix: str = "", *, bad_values: bool = True) -> str:
    """SQL true for a row (or rollup group) that is not rejected. With `bad_values=False` (has_bad_values
    said none), the lookups of bad Tags and currencies are left out: they cannot reject anything, and each
    costs a join in every query over the ROLLUP view (planning included, ~10 ms per query at 13k groups)."""
    p = prefix
    if not bad_values:
        return f"({p}x_Mask = 0 AND {p}BillingCurrency IS NOT NULL)"
    return (f"({p}x_Mask = 0 AND {p}BillingCurrency IS NOT NULL "
            f"AND {p}BillingCurrency NOT IN (SELECT currency FROM {tables.BAD_CURRENCIES}) "
            f"AND ({p}Tags IS NULL OR {p}Tags NOT IN (SELECT Tags FROM {tables.BAD_TAGS})) "
            f"AND ({p}AllocatedTags IS NULL OR {p}AllocatedTags NOT IN (SELECT Tags FROM {tables.BAD_TAGS})))")


def csv_rejects(con: duckdb.DuckDBPyConnection, src: Source) -> list[tuple[int, str, str]]:
    """Rows DuckDB could not parse: (data row, "ERROR TYPE: first message", the raw line), by row.
    DuckDB records one error per missing column; the first one describes the row."""
    if src.format != "csv":
        return []
    rows = fetch_dicts(con, f"""
        SELECT line - 1 AS data_row, arg_min(error_type || ': ' || error_message, column_idx) AS error,
               any_value(csv_line) AS csv_line, count(DISTINCT error_type) AS kinds
        FROM {tables.csv_rejects(src.index)} GROUP BY line ORDER BY line""")
    return [(int(r["data_row"]), str(r["error"]) + (" (and other errors)" if r["kinds"] > 1 else ""), str(r["csv_line"]))
            for r in rows]


def problem_rows(con: duckdb.DuckDBPyConnection, src: Source, limit: int) -> list[dict[str, Any]]:
    """The first `limit` rejected rows of a source, with their raw values (a second, filtered scan)."""
    sql = f"""SELECT * FROM ({typed_sql(src, listing=True)}) WHERE NOT {row_ok_sql()}
              ORDER BY x_Row LIMIT {int(limit)}"""
    return fetch_dicts(con, sql)


def quirk_example(con: duckdb.DuckDBPyConnection, src: Source, bit: int, column: str | None,
                  mask: str = "x_Quirks") -> tuple[int, str | None] | None:
    """First data row (and raw value of `column`) showing bit `bit` of `mask`; stops at the first match."""
    value = "NULL" if column is None else qi("raw:" + column) if mask == "x_Quirks" else qi(column)
    sql = (f"SELECT x_Row, {value} AS example FROM ({typed_sql(src, listing=True)}) "
           f"WHERE ({mask} & {1 << bit}) <> 0 LIMIT 1")
    row = fetch_one_dict(con, sql)
    return None if row is None else (int(row["x_Row"]), None if row["example"] is None else str(row["example"]))


def shift_rows(rows: list[int], skipped: list[int]) -> list[int]:
    """Map 1-based positions among parsed rows to data rows, given the data rows DuckDB skipped."""
    skipped = sorted(skipped)
    out = []
    for k in rows:
        before = sum(1 for i, r in enumerate(skipped, start=1) if r - i < k)
        out.append(k + before)
    return out
