"""Shared converter plumbing: build FOCUS 1.2 rows in DuckDB, from SQL expressions or Python rows.

Tabular sources (CUR, Azure CSV) are converted by SQL over DuckDB's readers; JSON sources (OpenAI,
Anthropic, GCP) are parsed in Python with `parse_float=Decimal` and streamed through a temporary CSV
of text cells, which DuckDB then types. Either way the result is a temp table with every FOCUS 1.2
column (typed as tagaudit reads them) plus the converter's x_ columns.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Context, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.billing.db import fetch_dicts
from auditor.billing.ingest import focus
from auditor.billing.ingest.focus import quote_ident as qi
from auditor.billing.ingest.focus import quote_str as qs
from auditor.billing.records import Money
from scanners.errors import TagauditError

if TYPE_CHECKING:
    import duckdb

Row = dict[str, Any]
AI_SERVICE = {"ServiceCategory": "AI and Machine Learning", "ServiceSubcategory": "Generative AI"}


@dataclass(frozen=True, slots=True)
class Converted:
    """A converter's output: the temp table of FOCUS rows, what the source said it cost, and notes."""

    table: str
    rows: int
    native_total: tuple[Money, ...]
    notes: tuple[str, ...] = ()
    # When amounts were rounded once to 10 decimals (noted): the Σ of the rounded values, which the FOCUS
    # rows must add up to exactly; None when native_total is already that sum.
    rounded_total: tuple[Money, ...] | None = None


def sql_type(name: str) -> str:
    kind = focus.column_type(name)
    return {"decimal": focus.DECIMAL_SQL, "datetime": "TIMESTAMP"}.get(kind, "VARCHAR")


def focus_select(exprs: dict[str, str], source: str, extra: tuple[str, ...] = ()) -> str:
    """SELECT every FOCUS 1.2 column (plus `extra` x_ columns) from SQL expressions; absent ones NULL."""
    cols = []
    for name in (*focus.COLUMNS_1_2, *extra):
        expr = exprs.get(name, "NULL")
        cols.append(f"CAST({expr} AS {sql_type(name)}) AS {qi(name)}")
    return f"SELECT {', '.join(cols)} FROM {source}"


def load_json(path: Path) -> Any:
    """JSON (or JSON lines) with every non-integer number as an exact Decimal."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TagauditError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", where=str(path),
                            hint="save the API response as UTF-8 JSON") from exc
    try:
        try:
            return json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as first:
            try:
                return [json.loads(line, parse_float=Decimal) for line in text.splitlines() if line.strip()]
            except json.JSONDecodeError:
                raise TagauditError(f"not valid JSON ({first.msg} at line {first.lineno})",
                                    where=f"{path}:{first.lineno}",
                                    hint="pass the API response as saved, one page per file or a JSON array of "
                                         "pages") from first
    except RecursionError as exc:
        raise TagauditError("JSON nested too deeply to be an API response", where=str(path),
                            hint="pass the API response as saved") from exc


def pages(doc: Any, where: str = "") -> list[dict[str, Any]]:
    """A saved API response as a list of pages: one page, an array of pages, or JSON lines of pages."""
    if isinstance(doc, dict):
        return [doc]
    if isinstance(doc, list) and all(isinstance(p, dict) for p in doc):
        return doc
    raise TagauditError("expected a page object (with `data`) or a list of pages", where=where or None,
                        hint="pass the API response as saved")


# DECIMAL(38, 10) keeps 28 digits before the decimal point.
MAX_AMOUNT = Decimal("1e28")


def money(value: Any, where: str) -> Decimal:
    """An exact Decimal from a JSON number or numeric string; floats never get here (parse_float)."""
    if isinstance(value, bool) or value is None or not isinstance(value, (int, str, Decimal)):
        raise TagauditError(f"amount {_short(value)} is not a number", where=where, hint="check the export")
    try:
        out = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except ArithmeticError as exc:
        raise TagauditError(f"amount {_short(value)} is not a number", where=where, hint="check the export") from exc
    if not out.is_finite():
        raise TagauditError(f"amount {_short(value)} is not finite", where=where, hint="check the export")
    if abs(out) >= MAX_AMOUNT:
        raise TagauditError(f"amount {_short(value)} does not fit DECIMAL(38, 10) (at most 28 digits before the "
                            "decimal point)", where=where, hint="no real charge is this large; check the export")
    return out


def count(value: Any, where: str) -> int:
    """A token or request count: a non-negative whole JSON number (null and absent are 0)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or value != int(value) or value < 0:
        raise TagauditError(f"count {_short(value)} is not a whole number", where=where, hint="check the export")
    return int(value)


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, Decimal) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def iso(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# Unix seconds from 1970 to the end of 9999 (what a FOCUS TIMESTAMP and Python's datetime both hold).
_MAX_UNIX = 253402300799


def from_unix(seconds: Any, where: str = "") -> datetime:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, Decimal)) or seconds != int(seconds) \
            or not 0 <= seconds <= _MAX_UNIX:
        raise TagauditError(f"time {_short(seconds)} is not whole Unix seconds between 1970 and 9999",
                            where=where or None, hint="check the export")
    return datetime.fromtimestamp(int(seconds), tz=timezone.utc)


def from_rfc3339(text: Any, where: str = "") -> datetime:
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00")) if isinstance(text, str) else None
        value = value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)
        if value is not None:
            value.astimezone(timezone.utc)  # OverflowError near year 1 and 9999
    except (ValueError, OverflowError) as exc:
        raise TagauditError(f"time {_short(text)} is not an RFC 3339 date/time", where=where or None,
                            hint="check the export") from exc
    if value is None:
        raise TagauditError(f"time {_short(text)} is not an RFC 3339 date/time", where=where or None,
                            hint="check the export")
    return value


def bucket_times(bucket: dict[str, Any], where: str, keys: tuple[str, str],
                 parse: Callable[[Any, str], datetime]) -> tuple[datetime, datetime]:
    """A usage bucket's (start, end) from its two `keys`, each read with `parse`; an end before the start is
    an export error."""
    start_key, end_key = keys
    start = parse(bucket.get(start_key), f"{where}: {start_key}")
    end = parse(bucket.get(end_key), f"{where}: {end_key}")
    if end < start:
        raise TagauditError(f"{end_key} {bucket.get(end_key)} is before {start_key} {bucket.get(start_key)}",
                            where=where, hint="check the export")
    return start, end


def month_bounds(ts: datetime) -> tuple[str, str]:
    """The UTC calendar month containing `ts`, as FOCUS BillingPeriodStart/End."""
    start = ts.astimezone(timezone.utc).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return iso(start), iso(end)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value)
    return str(value)


def rows_to_table(con: duckdb.DuckDBPyConnection, rows: Iterable[Row], name: str, extra: tuple[str, ...]) -> int:
    """Stream Python rows (FOCUS column -> value) through a temp CSV into a typed temp table."""
    columns = (*focus.COLUMNS_1_2, *extra)
    count = 0
    with tempfile.TemporaryDirectory(prefix="tagaudit-") as tmp:
        path = Path(tmp) / "rows.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in rows:
                unknown = set(row) - set(columns)
                if unknown:
                    raise ValueError(f"converter produced non-FOCUS columns {sorted(unknown)}")
                writer.writerow([_text(row.get(c)) for c in columns])
                count += 1
        from auditor.billing.ingest.sources import csv_options

        typed = []
        for c in columns:
            kind = focus.column_type(c)
            expr = {"decimal": f"focus_dec({qi(c)})", "datetime": f"focus_ts({qi(c)})"}.get(kind, qi(c))
            typed.append(f"{expr} AS {qi(c)}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {', '.join(typed)} "
                    f"FROM read_csv({qs(str(path))}, {csv_options(columns)})")
    return count


# FOCUS money here is DECIMAL(38, 10); a context wide enough that quantize never raises below MAX_AMOUNT.
PLACES = Decimal("1e-10")
_WIDE = Context(prec=60)


def round_money(value: Decimal) -> Decimal:
    """`value` at 10 decimals, half away from zero (as DuckDB casts text to DECIMAL(38, 10))."""
    return value.quantize(PLACES, rounding=ROUND_HALF_UP, context=_WIDE)


class Ledger:
    """Native amounts as the vendor gave them (exact Decimals) and as written (rounded once to 10 decimals).

    `add` returns the value to write. Float-shaped amounts (0.0038085000000000003, 1.2345678901234567e-05,
    13-place cent strings) are legal; they are rounded once, counted, and the note states both totals."""

    def __init__(self) -> None:
        self.raw: list[tuple[str, Decimal]] = []
        self.rounded = 0

    def add(self, currency: str, value: Decimal) -> Decimal:
        self.raw.append((currency, value))
        out = round_money(value)
        if out != value:
            self.rounded += 1
        return out

    def native(self) -> tuple[Money, ...]:
        return totals(iter(self.raw))

    def written(self) -> tuple[Money, ...] | None:
        return totals((c, round_money(v)) for c, v in self.raw) if self.rounded else None

    def notes(self) -> tuple[str, ...]:
        written = self.written()
        if written is None:
            return ()
        native = {m.currency: m.amount for m in self.native()}
        diffs = "; ".join(f"{m.currency} {_plain(native[m.currency])} -> {_plain(m.amount)}" for m in written
                          if native[m.currency] != m.amount) or "totals unchanged"
        return ((f"{self.rounded} cost values have more than 10 decimal places; each was rounded once (half away "
                 f"from zero) to 10 places as FOCUS DECIMAL(38, 10) keeps them (native -> converted total: {diffs})"),)


def wide_add(a: Decimal | int, b: Decimal | int) -> Decimal:
    """a + b without the default context's 28-digit rounding (DECIMAL(38, 10) sums need 38+)."""
    return _WIDE.add(Decimal(a), Decimal(b))


def _plain(value: Decimal) -> str:
    return format(value.normalize(context=_WIDE), "f")


def converted(name: str, rows: int, ledger: Ledger, notes: tuple[str, ...] = ()) -> Converted:
    """A JSON converter's result from its ledger: exact native total, rounded total to check, notes."""
    return Converted(name, rows, ledger.native(), (*notes, *ledger.notes()), ledger.written())


def totals(items: Iterator[tuple[str, Decimal]]) -> tuple[Money, ...]:
    sums: dict[str, list[Any]] = {}
    for currency, amount in items:
        entry = sums.setdefault(currency, [Decimal(0), 0])
        entry[0] = _WIDE.add(entry[0], amount)
        entry[1] += 1
    return tuple(Money(c, a, n) for c, (a, n) in sorted(sums.items()))


def table_totals(con: duckdb.DuckDBPyConnection, table: str) -> tuple[Money, ...]:
    return money_rows(fetch_dicts(con, f"SELECT BillingCurrency AS currency, coalesce(sum(BilledCost), 0) AS amount, "
                                       f"count(*) AS n FROM {table} GROUP BY 1 ORDER BY 1"))




def rounding_notes(count: int) -> tuple[str, ...]:
    """SQL converters: say so when amounts had more digits than DECIMAL(38, 10) keeps (never a silent change).
    The native total they report is already the sum of the values rounded once."""
    if not count:
        return ()
    return ((f"{count} cost values have more than 10 decimal places; each was rounded once (half away from zero) "
             f"to 10 places as FOCUS DECIMAL(38, 10) keeps them, so the total can differ from the raw sum by up to "
             f"{count} x 0.00000000005"),)


def money_rows(rows: list[dict[str, Any]]) -> tuple[Money, ...]:
    """SQL rows with columns currency, amount, n as Money records."""
    return tuple(Money(str(r["currency"]), Decimal(r["amount"]), int(r["n"])) for r in rows)


def bucket_results(paths: list[Path]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(where, bucket, result) for every result of every bucket of every page of the Admin API JSON
    exports (OpenAI Costs/Usage, Anthropic cost/usage reports share this paging shape)."""
    for path in paths:
        for p, page in enumerate(pages(load_json(path), str(path)), start=1):
            for b, bucket in enumerate(items(page, "data", f"{path}: page {p}"), start=1):
                where = f"{path}: page {p} bucket {b}"
                for r, result in enumerate(items(bucket, "results", where), start=1):
                    yield f"{where} result {r}", bucket, result


def items(parent: Any, key: str, where: str) -> list[dict[str, Any]]:
    """`parent[key]` as a list of objects (absent: none); anything else is not this API's shape."""
    if not isinstance(parent, dict):
        raise TagauditError(f"expected an object, found {_short(parent)}", where=where,
                            hint="pass the API response as saved")
    items = parent.get(key) or []
    if not isinstance(items, list):
        raise TagauditError(f"`{key}` is not a list", where=where, hint="pass the API response as saved")
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise TagauditError(f"`{key}` item {i} is {_short(item)}, not an object", where=where,
                                hint="pass the API response as saved")
    return items
