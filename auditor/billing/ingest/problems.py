"""Turn the rollup's problem bits into rejected-row records, cost totals and conformance notes."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from auditor.billing import tables
from auditor.billing.db import fetch_dicts
from auditor.billing.ingest import focus, splits, validate
from auditor.billing.ingest.sources import Source
from auditor.billing.ingest.typed import NULL_LITERAL_COLUMNS, QUIRK_NULL_BASE, QUIRK_ROUNDED, checks_for
from auditor.billing.records import Money, Note, Rejection, SourceFile

if TYPE_CHECKING:
    import duckdb

OVERFLOW = Decimal("1e28")  # DECIMAL(38, 10) keeps 28 integer digits
HINTS = {
    "missing": "FOCUS requires a value here; fix the export",
    "not_decimal": "write plain numbers like 12.34 (no currency symbols, thousands separators or units)",
    "not_date": "use ISO 8601 UTC like 2026-10-01T00:00:00Z",
    "currency": "use an upper-case ISO 4217 code like USD",
    "tags": 'Tags must be a JSON object with scalar values, e.g. {"team": "search"}',
    "parse": "the file looks truncated or badly quoted; export it again",
    "period_order": "a charge period ends at or after its start; fix the export",
}


@dataclass(frozen=True, slots=True)
class Found:
    files: tuple[SourceFile, ...]
    rejected: tuple[Rejection, ...]
    rejected_rows: int
    rejected_cost: tuple[Money, ...]
    unreadable_cost_rows: int
    unlisted_rows: int
    notes: tuple[Note, ...]


def _short(value: Any, width: int = 60) -> str:
    text = str(value)
    return repr(text if len(text) <= width else text[: width - 3] + "...")


@dataclass(frozen=True, slots=True)
class _BadValues:
    currencies: frozenset[str]
    tags: dict[str, str]


def _bad_values(con: duckdb.DuckDBPyConnection) -> _BadValues:
    cur = frozenset(str(r["currency"]) for r in fetch_dicts(con, f"SELECT currency FROM {tables.BAD_CURRENCIES}"))
    tags = {r["Tags"]: r["reason"] for r in fetch_dicts(con, f"SELECT Tags, reason FROM {tables.BAD_TAGS}")}
    return _BadValues(cur, tags)


def _unreadable(kind: str, raw: Any) -> tuple[str, str]:
    """(what, how to fix) for a money or date value that cannot be read."""
    if kind == "not_date":
        if isinstance(raw, (dt.date, dt.datetime)):
            return f"{_short(raw)} is not a finite date/time", HINTS["not_date"]
        return f"{_short(raw)} is not a date/time", HINTS["not_date"]
    try:
        number = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return f"{_short(raw)} is not a decimal number", HINTS["not_decimal"]
    if not number.is_finite():
        return f"{_short(raw)} is not a finite number", "NaN and Infinity are not amounts; fix the export"
    if abs(number) >= OVERFLOW:
        return (f"{_short(raw)} does not fit DECIMAL(38, 10) (at most 28 digits before the decimal point)",
                "no real charge is this large; check the export")
    return f"{_short(raw)} is not a decimal number", HINTS["not_decimal"]


def _row_rejections(bad: _BadValues, src: Source, row: dict[str, Any], data_row: int) -> list[Rejection]:
    bad_cur = row["BillingCurrency"] is None or row["BillingCurrency"] in bad.currencies
    cost = row["BilledCost"]
    currency = None if bad_cur else row["BillingCurrency"]
    out = []
    for check in checks_for(src):
        if not row["x_Mask"] & (1 << check.bit):
            continue
        if check.kind == "period_order":
            what = f"ChargePeriodStart {row['ChargePeriodStart']} is after ChargePeriodEnd {row['ChargePeriodEnd']}"
            hint = HINTS["period_order"]
        elif check.kind == "missing":
            what, hint = f"{check.column} is empty", HINTS["missing"]
        else:
            what, hint = _unreadable(check.kind, row["raw:" + check.column])
        out.append(Rejection(src.path, data_row, check.column, what, hint, cost, currency))
    if bad_cur:
        what = ("BillingCurrency is empty" if row["BillingCurrency"] is None
                else f"{_short(row['BillingCurrency'])} is not an ISO 4217 currency code")
        out.append(Rejection(src.path, data_row, "BillingCurrency", what, HINTS["currency"], cost, currency))
    for column in ("Tags", "AllocatedTags"):
        reason = bad.tags.get(row[column]) if row[column] is not None else None
        if reason:
            out.append(Rejection(src.path, data_row, column, f"{_short(row[column])} {reason}", HINTS["tags"],
                                 cost, currency))
    return out


def _parse_rejection(src: Source, data_row: int, error: str, line: str) -> Rejection:
    """A row DuckDB could not parse. Its cost counts as readable only when the row is merely cut short
    after the BilledCost cell (a cell at the cut may itself be cut)."""
    try:
        fields = next(csv.reader(io.StringIO(line)), [])
    except csv.Error:
        fields = []
    cost, currency = None, None
    if error.startswith("MISSING COLUMNS") and not error.endswith("(and other errors)"):
        idx = {name: src.header.index(col) for name, col in src.mapping if name in ("BilledCost", "BillingCurrency")}
        if idx["BilledCost"] < len(fields) - 1:
            try:
                cost = Decimal(fields[idx["BilledCost"]].strip())
            except InvalidOperation:
                cost = None
            if cost is not None and not cost.is_finite():
                cost = None
        if idx["BillingCurrency"] < len(fields) - 1:
            currency = fields[idx["BillingCurrency"]].strip() or None
    hint = "the file is not UTF-8; export it again as UTF-8" if "ENCODING" in error else HINTS["parse"]
    return Rejection(src.path, data_row, None, f"the CSV row cannot be parsed ({error})", hint, cost, currency)


def _counts(con: duckdb.DuckDBPyConnection, src: Source, ok: str) -> dict[tuple[str, int], int]:
    """One statement over the rollup for a source: ("rows", 0) and ("bad", 0) row counts, ("quirk", bit) per
    x_Quirks bit and ("value", bit) per x_Values bit, each with its number of rows."""
    where = f"FROM {tables.RAW_ROLLUP} WHERE x_Src = {src.index}"
    bits = ("SELECT {kind} AS kind, b AS bit, sum(n) AS n FROM (SELECT {mask} AS m, sum(Rows) AS n {where} "
            "AND coalesce({mask}, 0) <> 0 GROUP BY 1) q, range(0, 63) t(b) WHERE ((m >> b) & 1) = 1 GROUP BY ALL")
    rows = fetch_dicts(con, f"""
        SELECT 'rows' AS kind, 0 AS bit, coalesce(sum(Rows), 0) AS n {where}
        UNION ALL SELECT 'bad', 0, coalesce(sum(Rows) FILTER (WHERE NOT {ok}), 0) {where}
        UNION ALL {bits.format(kind="'quirk'", mask="x_Quirks", where=where)}
        UNION ALL {bits.format(kind="'value'", mask="x_Values", where=where)}""")
    return {(str(r["kind"]), int(r["bit"])): int(r["n"]) for r in rows}


def _quirk_notes(con: duckdb.DuckDBPyConnection, src: Source, counts: dict[tuple[str, int], int],
                 examples: bool = True) -> list[Note]:
    """One note per kind of quirk per file (columns listed), with the first affected row and a value (unless
    not `examples`: an engine table's rows are not here to show one)."""
    rows = sorted((bit, n) for (kind, bit), n in counts.items() if kind == "quirk")
    dates = [(focus.DATETIME_COLUMNS[b], n, b) for b, n in rows if b < QUIRK_ROUNDED]
    nulls = [(NULL_LITERAL_COLUMNS[b - QUIRK_NULL_BASE], n) for b, n in rows if b >= QUIRK_NULL_BASE]
    notes = []
    if dates:
        first = validate.quirk_example(con, src, dates[0][2], dates[0][0]) if examples else None
        notes.append(Note(src.path, ", ".join(c for c, _, _ in dates),
                          "dates/times are not ISO 8601 UTC (YYYY-MM-DDTHH:mm:ssZ); read as UTC",
                          "export ...Z timestamps", max(n for _, n, _ in dates), first and first[0],
                          first and first[1]))
    rounded = [n for b, n in rows if b == QUIRK_ROUNDED]
    if rounded:
        first = validate.quirk_example(con, src, QUIRK_ROUNDED, "BilledCost") if examples else None
        notes.append(Note(src.path, "BilledCost", "more than 10 decimal places; rounded to DECIMAL(38, 10)",
                          "amounts below 1e-10 are lost; round in the export if that matters", rounded[0],
                          first and first[0], first and first[1]))
    if nulls:
        listed = ", ".join(f"{c} ({n})" for c, n in nulls)
        notes.append(Note(src.path, None, f"the literal string 'NULL' stands for a null in {listed}; read as null",
                          "FOCUS wants real nulls (empty cells)"))
    return notes


def _value_notes(con: duckdb.DuckDBPyConnection, src: Source, counts: dict[tuple[str, int], int]) -> list[Note]:
    """Allowed-value columns holding a value the FOCUS spec does not allow: one note per column and value."""
    allowed = {"ChargeCategory": focus.CHARGE_CATEGORIES, "ServiceCategory": focus.SERVICE_CATEGORIES,
               "ServiceSubcategory": tuple(focus.SUBCATEGORY_PARENT)}
    present = [(column, values) for column, values in allowed.items() if src.column(column) is not None]
    # Each of these columns "MUST NOT be null" (ServiceSubcategory too, now that every converter fills it).
    # One statement for all of them (a statement costs 2-3 ms even on a small rollup).
    parts = [f"""SELECT {focus.quote_str(column)} AS col, {column} AS value, sum(Rows) AS n FROM {tables.RAW_ROLLUP}
                 WHERE x_Src = {src.index} AND ({column} IS NULL OR {column} NOT IN
                       ({", ".join(focus.quote_str(v) for v in values)}))
                 GROUP BY ALL""" for column, values in present]
    rows = fetch_dicts(con, f"SELECT * FROM ({' UNION ALL '.join(parts)}) ORDER BY n DESC") if parts else []
    notes = []
    for column, values in present:
        for value, count in ((r["value"], r["n"]) for r in rows if r["col"] == column):
            hint = f"use one of {', '.join(values)}" if column == "ChargeCategory" else \
                f"use a FOCUS {column} value (e.g. {values[0]}, {values[3]}, Other)"
            notes.append(Note(src.path, column, "empty" if value is None else "not an allowed FOCUS value",
                              hint, int(count), None, value))
    return notes + _parent_notes(con, src) + _bit_value_notes(con, src, counts)


def _parent_notes(con: duckdb.DuckDBPyConnection, src: Source) -> list[Note]:
    """ServiceSubcategory "MUST have one and only one parent ServiceCategory" (servicesubcategory.md)."""
    if src.column("ServiceSubcategory") is None or src.column("ServiceCategory") is None:
        return []
    pairs = ", ".join(f"({focus.quote_str(s)}, {focus.quote_str(c)})" for s, c in focus.SUBCATEGORY_PARENT.items())
    rows = fetch_dicts(con, f"""WITH p(sub, cat) AS (VALUES {pairs})
                                SELECT r.ServiceSubcategory AS sub, r.ServiceCategory AS cat, p.cat AS parent,
                                       sum(r.Rows) AS n
                                FROM {tables.RAW_ROLLUP} r JOIN p ON p.sub = r.ServiceSubcategory
                                WHERE r.x_Src = {src.index} AND r.ServiceCategory IS DISTINCT FROM p.cat
                                GROUP BY ALL ORDER BY n DESC""")
    return [Note(src.path, "ServiceSubcategory", f"belongs to ServiceCategory {r['parent']!r}, not {r['cat']!r}",
                 "pair each ServiceSubcategory with its parent ServiceCategory", int(r["n"]), None, r["sub"])
            for r in rows]


def _bit_value_notes(con: duckdb.DuckDBPyConnection, src: Source, counts: dict[tuple[str, int], int]) -> list[Note]:
    """The focus.ALLOWED columns, from the rollup's x_Values bits (one scan for an example, per column)."""
    bits = sorted((bit, n) for (kind, bit), n in counts.items() if kind == "value" and bit < len(focus.ALLOWED))
    notes = []
    names = list(focus.ALLOWED)
    for bit, n in bits:
        column = names[bit]
        values, nullable = focus.ALLOWED[column]
        first = validate.quirk_example(con, src, bit, column, mask="x_Values")
        example = first and first[1]
        what = "empty (FOCUS allows no nulls here)" if example is None and not nullable else "not an allowed FOCUS value"
        notes.append(Note(src.path, column, what, f"use one of {', '.join(values)}" + (" or leave it empty" if nullable else ""),
                          n, first and first[0], example))
    return notes


def collect(con: duckdb.DuckDBPyConnection, sources: list[Source], max_listed: int) -> Found:
    files: list[SourceFile] = []
    rejected: list[Rejection] = []
    notes: list[Note] = []
    listed_rows = 0
    total_rejected = 0
    parse_costs: list[Rejection] = []
    bad_values = _bad_values(con)
    ok = validate.row_ok_sql(bad_values=bool(bad_values.currencies or bad_values.tags))
    for src in sources:
        counts = _counts(con, src, ok)
        rows, bad = counts[("rows", 0)], counts[("bad", 0)]
        parse_errors = validate.csv_rejects(con, src)
        skipped = [r for r, _, _ in parse_errors]
        mine = [_parse_rejection(src, r, err, line) for r, err, line in parse_errors]
        parse_costs.extend(mine)
        if bad:
            found = validate.problem_rows(con, src, max_listed)
            positions = validate.shift_rows([int(r["x_Row"]) for r in found], skipped)
            for row, data_row in zip(found, positions, strict=True):
                mine.extend(_row_rejections(bad_values, src, row, data_row))
        listed = {r.row for r in mine}
        listed_rows += len(listed)
        total_rejected += int(bad) + len(skipped)
        rejected.extend(sorted(mine, key=lambda r: r.row))
        files.append(SourceFile(src.path, src.format, src.version, int(rows) + len(skipped), int(bad) + len(skipped)))
        notes.extend(src.notes)
        notes.extend(_quirk_notes(con, src, counts))
        notes.extend(_value_notes(con, src, counts))
    if splits.has_splits(sources):
        notes.extend(splits.notes(con, sources, ok))
    money, unreadable = _rejected_money(con, ok, parse_costs)
    return Found(tuple(files), tuple(rejected), total_rejected, money, unreadable,
                 max(0, total_rejected - listed_rows), tuple(notes))


def engine_quirk_notes(con: duckdb.DuckDBPyConnection, src: Source, ok: str) -> list[Note]:
    """The quirk notes of an engine table, from the counts its rollup brought back (no example rows)."""
    return _quirk_notes(con, src, _counts(con, src, ok), examples=False)


def with_commitments(found: Found, loaded: Any) -> Found:
    """`found` plus the Contract Commitment files (an ingest.commitments.Loaded): their files, rejected rows
    (no BilledCost, so no rejected cost) and notes."""
    if not loaded.files:
        return found
    rejected = sum(f.rejected_rows for f in loaded.files)
    listed = len({(r.file, r.row) for r in loaded.rejected})
    return replace(found, files=(*found.files, *loaded.files), rejected=(*found.rejected, *loaded.rejected),
                   rejected_rows=found.rejected_rows + rejected, unlisted_rows=found.unlisted_rows + rejected - listed,
                   notes=(*found.notes, *loaded.notes))


def relabel(found: Found, labels: dict[str, str]) -> Found:
    """`found` with each file path in `labels` replaced by its label (files, rejections, notes)."""
    if not labels:
        return found
    return replace(found, files=tuple(replace(f, path=labels.get(f.path, f.path)) for f in found.files),
                   rejected=tuple(replace(r, file=labels.get(r.file, r.file)) for r in found.rejected),
                   notes=tuple(replace(n, file=labels.get(n.file, n.file)) for n in found.notes))


def _rejected_money(con: duckdb.DuckDBPyConnection, ok: str, parsed: list[Rejection]) -> tuple[tuple[Money, ...], int]:
    rows = fetch_dicts(con, f"""SELECT coalesce(BillingCurrency, '?') AS currency, coalesce(sum(BilledCost), 0) AS amount,
                                       sum(CostRows) AS cost_rows, sum(Rows) AS n
                                FROM {tables.RAW_ROLLUP} WHERE NOT {ok} GROUP BY 1""")
    totals: dict[str, list[Any]] = {str(r["currency"]): [Decimal(r["amount"]), int(r["cost_rows"])] for r in rows}
    unreadable = sum(int(r["n"]) - int(r["cost_rows"]) for r in rows)
    for rej in parsed:
        if rej.cost is None:
            unreadable += 1
            continue
        entry = totals.setdefault(rej.currency or "?", [Decimal(0), 0])
        entry[0] += rej.cost
        entry[1] += 1
    return tuple(Money(c, a, n) for c, (a, n) in sorted(totals.items()) if n), unreadable
