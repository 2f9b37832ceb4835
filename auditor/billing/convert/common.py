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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor.billing.ingest import focus
from auditor.billing.ingest.focus import quote_ident as qi
from auditor.billing.ingest.focus import quote_str as qs
from auditor.billing.records import Money
from scanners.errors import TagauditError

Row = dict[str, Any]
AI_SERVICE = {"ServiceCategory": "AI and Machine Learning", "ServiceSubcategory": "Generative AI"}


@dataclass(frozen=True, slots=True)
class Converted:
    """A converter's output: the temp table of FOCUS rows, what the source said it cost, and notes."""

    table: str
    rows: int
    native_total: tuple[Money, ...]
    notes: tuple[str, ...] = ()


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
    text = path.read_text(encoding="utf-8-sig")
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as first:
        try:
            return [json.loads(line, parse_float=Decimal) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError:
            raise TagauditError(f"not valid JSON ({first.msg} at line {first.lineno})", where=f"{path}:{first.lineno}",
                                hint="pass the API response as saved, one page per file or a JSON array of "
                                     "pages") from first


def pages(doc: Any) -> list[dict[str, Any]]:
    """A saved API response as a list of pages: one page, an array of pages, or JSON lines of pages."""
    if isinstance(doc, dict):
        return [doc]
    if isinstance(doc, list) and all(isinstance(p, dict) for p in doc):
        return doc
    raise TagauditError("expected a page object (with `data`) or a list of pages")


def money(value: Any, where: str) -> Decimal:
    """An exact Decimal from a JSON number or numeric string; floats never get here (parse_float)."""
    if isinstance(value, bool) or value is None:
        raise TagauditError(f"amount {value!r} is not a number", where=where, hint="check the export")
    try:
        out = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except ArithmeticError as exc:
        raise TagauditError(f"amount {value!r} is not a number", where=where, hint="check the export") from exc
    if not out.is_finite():
        raise TagauditError(f"amount {value!r} is not finite", where=where, hint="check the export")
    return out


def iso(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_unix(seconds: Any) -> datetime:
    return datetime.fromtimestamp(int(seconds), tz=timezone.utc)


def from_rfc3339(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


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


def rows_to_table(con: Any, rows: Iterable[Row], name: str, extra: tuple[str, ...]) -> int:
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


def totals(items: Iterator[tuple[str, Decimal]]) -> tuple[Money, ...]:
    sums: dict[str, list[Any]] = {}
    for currency, amount in items:
        entry = sums.setdefault(currency, [Decimal(0), 0])
        entry[0] += amount
        entry[1] += 1
    return tuple(Money(c, a, n) for c, (a, n) in sorted(sums.items()))


def table_totals(con: Any, table: str) -> tuple[Money, ...]:
    return money_rows(con.execute(f"SELECT BillingCurrency, coalesce(sum(BilledCost), 0), count(*) FROM {table} "
                                  "GROUP BY 1 ORDER BY 1").fetchall())


TEN_PLACES = Decimal("1e-10")


def rounding_notes(count: int) -> tuple[str, ...]:
    """Say so when amounts had more digits than DECIMAL(38, 10) keeps (never a silent change)."""
    if not count:
        return ()
    return ((f"{count} cost values have more than 10 decimal places; each was rounded to DECIMAL(38, 10), "
            f"so the total can differ from the raw sum by up to {count} x 0.00000000005"),)


def rounded_count(items: list[tuple[str, Decimal]]) -> int:
    return sum(1 for _, v in items if v != v.quantize(TEN_PLACES))


def money_rows(rows: list[tuple[Any, ...]]) -> tuple[Money, ...]:
    """(currency, amount, rows) tuples from SQL as Money records."""
    return tuple(Money(str(c), Decimal(a), int(n)) for c, a, n in rows)


def bucket_results(paths: list[Path]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(where, bucket, result) for every result of every bucket of every page of the Admin API JSON
    exports (OpenAI Costs/Usage, Anthropic cost/usage reports share this paging shape)."""
    for path in paths:
        for p, page in enumerate(pages(load_json(path)), start=1):
            for b, bucket in enumerate(page.get("data", []), start=1):
                for r, result in enumerate(bucket.get("results", []), start=1):
                    yield f"{path}: page {p} bucket {b} result {r}", bucket, result
