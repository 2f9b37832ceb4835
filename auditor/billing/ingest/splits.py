"""FOCUS 1.3 split cost allocation: pair origin charges with their allocated (split) rows, so each dollar counts once.

FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, specification/attributes/
data_generator_calculated_split_cost_allocation_handling.md (introduced 1.3): split cost allocation takes
"a charge record present in a FOCUS dataset (origin charge) and split[s] it into multiple charge records
(allocated charges) ... while ensuring the origin charge can be derived from the combination of allocated
charges"; "the sum of FOCUS column values in allocated charges MUST match the corresponding value in the
origin charge" for summable metrics, and dimension columns "MUST match". Allocated charges carry
AllocatedMethodId (allocatedmethodid.md: "MUST NOT be null when a charge is related to a provider-calculated
split cost allocation"); an origin charge has none.

A data set normally holds the split rows instead of their origin. When it holds both (one file with both,
or one file of origins and one of splits), the origin and its splits share the dimension columns in
SPLIT_KEY. Per key, across all files:

- the splits' Σ BilledCost equals the origins' (per currency): the splits replace the origins (x_Replaced 1
  on the origin rows), since they carry the allocation;
- the sums differ: the origins stay (they are what the invoice shows) and the splits are set aside
  (x_Replaced 2), because counting both would count the charge twice and counting only splits that do not
  add up would lose or invent money.

Either way the rows are valid rows, counted in `rows`, and reported in a note with their cost; they are
left out of totals, the rollup and the valid-row view. Only a data set with an AllocatedMethodId column
pays for the pairing pass (one extra scan of every file).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditor.billing import tables
from auditor.billing.db import fetch_dicts
from auditor.billing.ingest.focus import quote_ident as qi
from auditor.billing.ingest.sources import Source
from auditor.billing.ingest.typed import typed_sql
from auditor.billing.records import Note

if TYPE_CHECKING:
    import duckdb

# Dimension columns that identify an origin charge and that its allocated charges repeat. Tags is left out:
# allocated charges "MUST include the same keys and values present in the Tags in the origin charge" but the
# JSON text may be written differently (key order, spacing) by two files.
SPLIT_KEY = ("BillingAccountId", "BillingCurrency", "SubAccountId", "ServiceName", "ChargeCategory", "ChargeClass",
             "ChargePeriodStart", "ChargePeriodEnd", "ResourceId", "SkuId", "SkuPriceId")
REPLACED_ORIGIN = 1
SET_ASIDE_SPLIT = 2


def has_splits(sources: list[Source]) -> bool:
    return any(s.column("AllocatedMethodId") is not None for s in sources)


def _keys() -> str:
    """Two independent 64-bit hashes of SPLIT_KEY (a 128-bit key: no two charges share it by chance)."""
    cols = [qi(c) for c in SPLIT_KEY]
    return f"hash({', '.join(cols)}) AS k1, hash('tagaudit-split', {', '.join(reversed(cols))}) AS k2"


def build_pairs(con: duckdb.DuckDBPyConnection, sources: list[Source]) -> None:
    """tables.SPLIT_PAIRS: one row per origin key that has both origin and split rows, with `matched` true
    when the Σ BilledCost of its splits equals that of its origins. Rows that will be rejected (their checks,
    currency, Tags or AllocatedTags; validate.row_ok_sql) are left out of both sums."""
    valid = ("x_Mask = 0 AND regexp_matches(coalesce(BillingCurrency, ''), '^[A-Z]{3}$') "
             "AND focus_tags_ok(Tags) AND focus_tags_ok(AllocatedTags)")
    parts = [f"SELECT {_keys()}, AllocatedMethodId IS NOT NULL AS split, BilledCost FROM ({typed_sql(s)}) "
             f"WHERE {valid}" for s in sources]
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {tables.SPLIT_PAIRS} AS
        SELECT k1, k2, coalesce(sum(BilledCost) FILTER (WHERE split), 0)
                       = coalesce(sum(BilledCost) FILTER (WHERE NOT split), 0) AS matched
        FROM ({' UNION ALL '.join(parts)})
        GROUP BY k1, k2 HAVING bool_or(split) AND bool_or(NOT split)""")


def with_replaced(sql: str, src: Source, splits: bool) -> str:
    """`sql` (a typed_sql SELECT) with x_Replaced: 1 an origin its splits replace, 2 a split set aside, else 0."""
    if not splits:
        return f"SELECT *, 0::TINYINT AS x_Replaced FROM ({sql})"
    split = "AllocatedMethodId IS NOT NULL" if src.column("AllocatedMethodId") is not None else "false"
    return f"""
        SELECT t.* EXCLUDE (k1, k2), CASE WHEN p.matched AND NOT ({split}) THEN {REPLACED_ORIGIN}
                                          WHEN NOT p.matched AND {split} THEN {SET_ASIDE_SPLIT}
                                          ELSE 0 END::TINYINT AS x_Replaced
        FROM (SELECT *, {_keys()} FROM ({sql})) t
        LEFT JOIN {tables.SPLIT_PAIRS} p ON p.k1 = t.k1 AND p.k2 = t.k2"""


def notes(con: duckdb.DuckDBPyConnection, sources: list[Source], ok: str) -> list[Note]:
    """One note per file and kind: the origins replaced by their splits, and the splits set aside."""
    rows = fetch_dicts(con, f"""SELECT x_Src AS src, x_Replaced AS kind, BillingCurrency AS currency,
                                       sum(Rows) AS n, sum(BilledCost) AS cost
                                FROM {tables.RAW_ROLLUP} WHERE x_Replaced <> 0 AND {ok}
                                GROUP BY ALL ORDER BY ALL""")
    by_index = {s.index: s.path for s in sources}
    out = []
    for r in rows:
        cost = f"{r['cost'].normalize():f} {r['currency']}"
        if r["kind"] == REPLACED_ORIGIN:
            out.append(Note(by_index[r["src"]], "AllocatedMethodId",
                            f"origin charges ({cost}) are also in the data as split rows that add up to them; "
                            "counted once, through the split rows", "nothing to fix; FOCUS 1.3 data normally holds "
                            "the split rows instead of their origin", int(r["n"])))
        else:
            out.append(Note(by_index[r["src"]], "AllocatedMethodId",
                            f"split rows ({cost}) do not add up to the origin charge they split; the origin is "
                            "counted and these split rows are not", "FOCUS 1.3 requires the split rows' costs to "
                            "sum to the origin charge; export them again", int(r["n"])))
    return out
