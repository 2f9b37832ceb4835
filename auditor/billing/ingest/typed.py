"""SQL that types one source into FOCUS 1.2 columns and flags, per row, what cannot be read.

Each row gets `x_Mask` (a bit per failed check: the row is rejected) and `x_Quirks` (a bit per FOCUS
format deviation that tagaudit reads through: non-ISO dates, literal "NULL", money with more than
10 decimals). Everything runs inside DuckDB; nothing here touches rows in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from auditor.billing.ingest import focus
from auditor.billing.ingest.focus import quote_ident as qi
from auditor.billing.ingest.focus import quote_str
from auditor.billing.ingest.sources import Source, read_sql

# True when a money text has significant digits beyond the 10th decimal (DECIMAL(38, 10) rounds it): plain
# text by its digits; exponent forms by DECIMAL(38, 20) (both sides of <> typed alike: comparing mixed scales
# casts the 10-place value up, which raises from 1e18); a non-zero amount that becomes 0. Portable SQL ({v}:
# the text): the DuckDB macro focus_rounds, and inlined as it is on a remote engine (billing.engines).
ROUNDS_SQL = ("coalesce(regexp_matches(trim({v}), '^[+-]?[0-9]*[.][0-9]{{10}}[0-9]*[1-9][0-9]*$'), false) OR coalesce("
              f"TRY_CAST(trim({{v}}) AS DECIMAL(38, 20)) <> TRY_CAST(TRY_CAST(trim({{v}}) AS {focus.DECIMAL_SQL}) "
              f"AS DECIMAL(38, 20)), false) OR coalesce(TRY_CAST(trim({{v}}) AS {focus.DECIMAL_SQL}) = 0 "
              "AND TRY_CAST(trim({v}) AS DOUBLE) <> 0, false)")

MACROS = (
    f"CREATE OR REPLACE TEMP MACRO focus_dec(v) AS TRY_CAST(trim(v) AS {focus.DECIMAL_SQL})",
    # ISO forms (with T/Z, with a space, date only, with offsets) go through DuckDB's own parser;
    # M/D/YY and M/D/YYYY (seen in published samples) through strptime. Anything else is NULL.
    ("CREATE OR REPLACE TEMP MACRO focus_ts(v) AS CASE WHEN v IS NULL THEN NULL "
    "WHEN substr(trim(v), 5, 1) = '-' THEN TRY_CAST(trim(v) AS TIMESTAMPTZ)::TIMESTAMP "
    "WHEN contains(v, '/') THEN try_strptime(trim(v), "
    "['%m/%d/%y', '%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%y %H:%M']) END"),
    # Typed dates/times: 'infinity' is a valid Parquet TIMESTAMP but no charge period.
    ("CREATE OR REPLACE TEMP MACRO focus_typed_ts(v) AS "
     "CASE WHEN isfinite(TRY_CAST(v AS TIMESTAMP)) THEN TRY_CAST(v AS TIMESTAMP) END"),
    "CREATE OR REPLACE TEMP MACRO focus_iso(v) AS v LIKE '____-__-__T__:__:__%Z'",
    # True when a Tags/AllocatedTags text is null or would pass validate.TAGS_PROBLEMS (a JSON object, no
    # repeated key, no nested value), per row; ingest.splits pairs only rows that will be valid. The CASE keeps
    # json_transform off non-objects (it raises on them).
    ("CREATE OR REPLACE TEMP MACRO focus_tags_ok(v) AS v IS NULL OR coalesce("
     "json_type(TRY_CAST(v AS JSON)) = 'OBJECT' "
     "AND len(json_keys(TRY_CAST(v AS JSON))) = len(list_distinct(json_keys(TRY_CAST(v AS JSON)))) "
     "AND NOT list_has_any(list_transform(map_values(json_transform(CASE WHEN json_type(TRY_CAST(v AS JSON)) = 'OBJECT' "
     "THEN TRY_CAST(v AS JSON) ELSE '{}'::JSON END, '\"MAP(VARCHAR, JSON)\"')), lambda x: json_type(x)), ['OBJECT', 'ARRAY']), "
     "false)"),
    "CREATE OR REPLACE TEMP MACRO focus_rounds(v) AS " + ROUNDS_SQL.format(v="v"),
)

# Quirk bits: 0-3 non-ISO datetimes (focus.DATETIME_COLUMNS order), 4 BilledCost rounded to 10 decimals,
# 5.. literal "NULL" in the FOCUS column at that position of focus.COLUMNS_1_2.
QUIRK_ROUNDED = 4
QUIRK_NULL_BASE = 5
NULL_LITERAL_COLUMNS = tuple(focus.COLUMNS_1_2)


@dataclass(frozen=True, slots=True)
class Check:
    """One per-row check: bit in x_Mask, the FOCUS column, and what failing it means."""

    bit: int
    column: str
    kind: str  # missing | not_decimal | not_date | period_order (ChargePeriodStart after ChargePeriodEnd)


def checks_for(src: Source) -> tuple[Check, ...]:
    """Nulls where tagaudit needs a value; unparseable text in every money, quantity and date column;
    typed values that cannot become DECIMAL(38, 10) or a finite TIMESTAMP (NaN, Inf, 1e300). Types that
    always convert (integers, DECIMAL(p, s) with p - s <= 28, DATE) need no check, and skipping them
    keeps columns tagaudit does not use from being read at all."""
    out: list[Check] = []
    for name in (*focus.DECIMAL_COLUMNS, *focus.DATETIME_COLUMNS):
        col = src.column(name)
        if col is None:
            continue
        if name == "BilledCost" or name in focus.DATETIME_COLUMNS:
            out.append(Check(len(out), name, "missing"))
        if src.type_of(col) == "VARCHAR" or focus.may_not_convert(name, src.type_of(col)):
            out.append(Check(len(out), name, "not_decimal" if name in focus.DECIMAL_COLUMNS else "not_date"))
    if src.column("ChargePeriodStart") is not None and src.column("ChargePeriodEnd") is not None:
        out.append(Check(len(out), "ChargePeriodEnd", "period_order"))  # a period that ends before it starts
    return tuple(out)


def _raw(src: Source, name: str) -> str:
    """The file column as text-or-native, with CSV's literal "NULL" read as NULL."""
    col = src.column(name)
    assert col is not None
    return f"NULLIF({qi(col)}, 'NULL')" if src.format == "csv" else qi(col)


def _typed(src: Source, name: str, raw: str, clean: bool = False) -> str:
    """`raw` as the FOCUS type of `name`. With `clean` (suspect_sql found no row), a TIMESTAMP column holds
    no infinity and is read as it is."""
    col = src.column(name)
    kind = focus.column_type(name)
    if col is None:
        sql_type = {"decimal": focus.DECIMAL_SQL, "datetime": "TIMESTAMP"}.get(kind, "VARCHAR")
        return f"NULL::{sql_type}"
    text = src.type_of(col) == "VARCHAR"
    if kind == "decimal":
        # DuckDB's DOUBLE -> DECIMAL cast is inexact above ~1e17 (1e18 becomes 999999999999999958.31...);
        # the shortest round-trip text of the float is the number the exporter wrote, and it casts exactly.
        if src.type_of(col) in focus.FLOAT_TYPES:
            return f"TRY_CAST(CAST({raw} AS VARCHAR) AS {focus.DECIMAL_SQL})"
        if src.type_of(col).replace(" ", "") == focus.DECIMAL_SQL.replace(" ", ""):
            return raw  # already DECIMAL(38, 10): the cast would copy every value for nothing
        return f"focus_dec({raw})" if text else f"TRY_CAST({raw} AS {focus.DECIMAL_SQL})"
    if kind == "datetime":
        if text:
            return f"focus_ts({raw})"
        return raw if clean and src.type_of(col) == "TIMESTAMP" else f"focus_typed_ts({raw})"
    if text:
        return raw
    if kind == "json" or src.type_of(col).startswith(("MAP", "STRUCT")):
        return f"CAST(to_json({raw}) AS VARCHAR)"
    return f"CAST({raw} AS VARCHAR)"


def _mask(src: Source, checks: tuple[Check, ...], raw: dict[str, str], clean: bool = False) -> str:
    parts = []
    for c in checks:
        r = raw[c.column]
        if c.kind == "period_order":  # NULL when either end is missing or unreadable: their own checks reject
            start, end = (_typed(src, name, raw[name], clean) for name in ("ChargePeriodStart", "ChargePeriodEnd"))
            cond = f"{start} > {end}"
        elif c.kind == "missing":
            cond = f"{r} IS NULL"
        else:
            cond = f"({r} IS NOT NULL AND {_typed(src, c.column, r)} IS NULL)"
        parts.append(f"CASE WHEN {cond} THEN {1 << c.bit} ELSE 0 END")
    return " + ".join(parts) or "0"


def has_quirks(src: Source) -> bool:
    """False when no row of `src` can carry a quirk bit (the rollup then skips the column)."""
    col = src.column("BilledCost")
    return src.format == "csv" or (col is not None and focus.rounds_to_ten_places(src.type_of(col)))


def _quirks(src: Source, raw: dict[str, str]) -> tuple[str, str]:
    """(per-row quirk SQL over the raw file columns, the same over r-columns). Typed sources have one
    quirk: a DOUBLE or wide DECIMAL BilledCost with digits beyond the 10th decimal."""
    if src.format != "csv":
        if "BilledCost" not in raw or not has_quirks(src):
            return "0::BIGINT", "0::BIGINT"
        text = f"CAST({raw['BilledCost']} AS VARCHAR)"
        return "0::BIGINT", f"(CASE WHEN focus_rounds({text}) THEN {1 << QUIRK_ROUNDED} ELSE 0 END)::BIGINT"
    nulls = []
    for i, name in enumerate(NULL_LITERAL_COLUMNS):
        col = src.column(name)
        if col is not None:
            nulls.append(f"CASE WHEN {qi(col)} = 'NULL' THEN {1 << (QUIRK_NULL_BASE + i)} ELSE 0 END")
    later = []
    for i, name in enumerate(focus.DATETIME_COLUMNS):
        if name in raw:
            # Only values that were read: an unreadable one is a rejection, not a format note.
            later.append(f"CASE WHEN {raw[name]} IS NOT NULL AND NOT focus_iso({raw[name]}) "
                         f"AND focus_ts({raw[name]}) IS NOT NULL THEN {1 << i} ELSE 0 END")
    if "BilledCost" in raw:
        r = raw["BilledCost"]
        later.append(f"CASE WHEN focus_rounds({r}) THEN {1 << QUIRK_ROUNDED} ELSE 0 END")
    return ("(" + (" + ".join(nulls) or "0") + ")::BIGINT"), ("(" + (" + ".join(later) or "0") + ")::BIGINT")


# FOCUS 1.3 ContractApplied (contractapplied.md): a JSON array of commitment objects (the spec's examples
# wrap it as {"ContractApplied": [...]}; a single object is read as a one-element array).
_CONTRACT_ELEMENTS = ("CASE json_type({js}) WHEN 'ARRAY' THEN {js} WHEN 'OBJECT' THEN "
                      "CASE WHEN json_exists({js}, '$.ContractApplied') THEN json_extract({js}, '$.ContractApplied') "
                      "ELSE json_array({js}) END END")


def values_sql(src: Source, raw: dict[str, str]) -> str | None:
    """Per-row bitmask of allowed-value columns (focus.ALLOWED) holding a value the spec does not allow;
    None when the file has none of those columns."""
    parts = []
    for bit, (name, (values, nullable)) in enumerate(focus.ALLOWED.items()):
        if name not in raw:
            continue
        listed = ", ".join(quote_str(v) for v in values)
        cond = f"{raw[name]} NOT IN ({listed})" if nullable else f"coalesce({raw[name]} NOT IN ({listed}), true)"
        parts.append(f"CASE WHEN {cond} THEN {1 << bit} ELSE 0 END")
    return f"({' + '.join(parts)})::BIGINT" if parts else None


def contract_sql(src: Source, raw: dict[str, str]) -> tuple[str, str]:
    """(sorted distinct ContractCommitmentIDs joined by ',', sum of ContractCommitmentAppliedCost) per row;
    NULLs when the file has no ContractApplied or the row applies no commitment."""
    if "ContractApplied" not in raw:
        return "NULL::VARCHAR", f"NULL::{focus.DECIMAL_SQL}"
    text = raw["ContractApplied"] if src.format == "csv" else f"CAST({_typed(src, 'ContractApplied', raw['ContractApplied'])} AS VARCHAR)"
    elements = _CONTRACT_ELEMENTS.format(js=f"TRY_CAST({text} AS JSON)")
    ids = (f"NULLIF(array_to_string(list_sort(list_distinct(list_filter(json_extract_string({elements}, "
           f"'$[*].ContractCommitmentID'), lambda x: x IS NOT NULL AND x <> ''))), ','), '')")
    cost = (f"list_sum(list_transform(json_extract_string({elements}, '$[*].ContractCommitmentAppliedCost'), "
            f"lambda x: TRY_CAST(x AS {focus.DECIMAL_SQL})))::{focus.DECIMAL_SQL}")
    return ids, cost


def suspect_sql(src: Source) -> str | None:
    """For a Parquet source: a condition true for every row that can fail a per-row check other than the
    period order (nulls, non-finite dates, disallowed values), written so that DuckDB answers it from the
    row-group statistics (null counts, min/max) without reading the values; None when a check has no such
    form (text or float typed money, date types other than TIMESTAMP, non-text allowed-value columns).
    No row matching it means those checks pass everywhere, and the rollup leaves them out (`clean`)."""
    if src.format != "parquet":
        return None
    parts = []
    for c in checks_for(src):
        col = src.column(c.column)
        assert col is not None
        if c.kind == "missing":
            parts.append(f"{qi(col)} IS NULL")
        elif c.kind == "not_date" and src.type_of(col) == "TIMESTAMP":
            parts.append(f"{qi(col)} >= 'infinity'::TIMESTAMP OR {qi(col)} <= '-infinity'::TIMESTAMP")
        elif c.kind != "period_order":
            return None
    for name, (values, nullable) in focus.ALLOWED.items():
        col = src.column(name)
        if col is None:
            continue
        if src.type_of(col) != "VARCHAR":
            return None
        # NOT IN (v1 < ... < vn) as the gaps between the values: ranges the min/max statistics can rule out.
        edges = sorted(set(values))
        gaps = [f"{qi(col)} < {quote_str(edges[0])}", f"{qi(col)} > {quote_str(edges[-1])}"]
        gaps += [f"({qi(col)} > {quote_str(a)} AND {qi(col)} < {quote_str(b)})" for a, b in pairwise(edges)]
        parts.extend(gaps if nullable else [*gaps, f"{qi(col)} IS NULL"])
    return " OR ".join(f"({p})" for p in parts) or "false"


def typed_sql(src: Source, *, rejects: bool = False, listing: bool = False, clean: bool = False) -> str:
    """SELECT of every FOCUS 1.2 and x_ column, typed, plus x_Mask, x_Quirks, x_SourceFile (and, when
    `listing`, x_Row and the raw text of every checked column as "raw:<Column>"). With `clean` (no row
    matches `suspect_sql`), x_Mask checks only the period order and x_Values is 0: same values, less work."""
    checks = checks_for(src)
    if clean:
        checks = tuple(c for c in checks if c.kind == "period_order")
    mapped = [name for name, _ in src.mapping]
    inner_cols = [f"{_raw(src, name)} AS {qi('r:' + name)}" for name in mapped]
    null_quirks, _ = _quirks(src, {})
    inner = (f"SELECT {'file_row_number, ' if listing else ''}{', '.join(inner_cols)}, {null_quirks} AS q_null "
             f"FROM {read_sql(src, rejects=rejects, row_numbers=listing)}")
    raw = {name: qi("r:" + name) for name in mapped}
    _, later_quirks = _quirks(src, raw)
    outer = [f"{_typed(src, name, raw.get(name, 'NULL'), clean)} AS {qi(name)}" for name in focus.ALL_COLUMNS]
    values = None if clean else values_sql(src, raw)
    outer.append(f"{values or '0::BIGINT'} AS x_Values")
    ids, applied = contract_sql(src, raw)
    outer.append(f"{ids} AS x_ContractCommitmentId")
    outer.append(f"{applied} AS x_ContractAppliedCost")
    outer.append(f"{_mask(src, checks, raw, clean)} AS x_Mask")
    outer.append(f"q_null + {later_quirks} AS x_Quirks")
    outer.append(f"{quote_str(src.path)} AS x_SourceFile")
    if listing:
        outer.append("file_row_number + 1 AS x_Row")
        outer.extend(f"{raw[c.column]} AS {qi('raw:' + c.column)}" for c in checks
                     if c.kind in ("not_decimal", "not_date"))
    return f"SELECT {', '.join(outer)} FROM ({inner})"
