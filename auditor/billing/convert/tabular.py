"""Reading tabular native exports (CSV, CSV.gz, Parquet) for SQL converters: column lookup and typing."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.billing.db import describe_columns
from auditor.billing.ingest import focus
from auditor.billing.ingest.focus import quote_ident as qi
from auditor.billing.ingest.focus import quote_str as qs
from auditor.billing.ingest.sources import csv_options, file_format, read_header
from scanners.errors import TagauditError

if TYPE_CHECKING:
    import duckdb


def snake(name: str) -> str:
    """camelCase / PascalCase -> snake_case ("UnblendedCost" -> "unblended_cost")."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True, slots=True)
class Table:
    """One native file opened in DuckDB: its scan SQL and its columns by normalised name."""

    source: str  # FROM clause
    columns: dict[str, tuple[str, str]]  # normalised name -> (real column, DuckDB type)

    def has(self, name: str) -> bool:
        return name in self.columns

    def col(self, name: str) -> str:
        """The column as SQL (text, as in the file), or NULL."""
        if name not in self.columns:
            return "NULL"
        real, kind = self.columns[name]
        return qi(real) if kind == "VARCHAR" else f"CAST({qi(real)} AS VARCHAR)"

    def text(self, name: str) -> str:
        """Text with empty strings as NULL."""
        return f"NULLIF(trim({self.col(name)}), '')" if name in self.columns else "NULL"

    def dec(self, name: str) -> str:
        if name not in self.columns:
            return "NULL"
        real, kind = self.columns[name]
        if kind in focus.FLOAT_TYPES:  # via the float's shortest text: exact, and NaN/Inf become NULL
            return f"TRY_CAST(CAST({qi(real)} AS VARCHAR) AS {focus.DECIMAL_SQL})"
        return f"focus_dec({qi(real)})" if kind == "VARCHAR" else f"TRY_CAST({qi(real)} AS {focus.DECIMAL_SQL})"

    def ts(self, name: str) -> str:
        if name not in self.columns:
            return "NULL"
        real, kind = self.columns[name]
        return f"focus_ts({qi(real)})" if kind == "VARCHAR" else f"TRY_CAST({qi(real)} AS TIMESTAMP)"

    def type_of(self, name: str) -> str | None:
        return self.columns[name][1] if name in self.columns else None


def open_table(con: duckdb.DuckDBPyConnection, paths: list[Path],
               normalise: Callable[[str], str] | None = None) -> Table:
    """All files must share one header; CSVs are read as text with no sniffing."""
    norm = normalise or (lambda c: c)
    fmts = {file_format(p) for p in paths}
    if fmts == {"parquet"}:
        listed = ", ".join(qs(str(p)) for p in paths)
        source = f"read_parquet([{listed}], union_by_name=true)"
        columns = {norm(name): (name, kind) for name, kind in describe_columns(con, source)}
        return Table(source, columns)
    if fmts != {"csv"}:
        raise TagauditError("mixed or unknown file types", where=", ".join(map(str, paths)),
                            hint="convert CSV and Parquet exports in separate runs")
    headers = {read_header(p) for p in paths}
    if len(headers) != 1:
        raise TagauditError("the CSV files have different headers", where=", ".join(map(str, paths)),
                            hint="convert each export shape separately")
    header = headers.pop()
    listed = ", ".join(qs(str(p)) for p in paths)
    source = f"read_csv([{listed}], {csv_options(header)})"
    return Table(source, {norm(c): (c, "VARCHAR") for c in header})


def case_map(expr: str, mapping: dict[str, str], default: str) -> str:
    whens = " ".join(f"WHEN {qs(k)} THEN {qs(v)}" for k, v in mapping.items())
    return f"CASE {expr} {whens} ELSE {default} END"


def unit_format(expr: str) -> str:
    """A native unit in FOCUS UnitFormat: '1K tokens' -> '1000 Tokens', '1M tokens' -> '1000000 Tokens',
    'tokens' -> 'Tokens' (a block size as a plain number, the unit capitalised); NULL stays NULL."""
    u = f"NULLIF(trim({expr}), '')"
    pattern = "'^([0-9]+)\\s*([KkMmBb])?\\s+(.+)$'"
    number = f"TRY_CAST(NULLIF(regexp_extract({u}, {pattern}, 1), '') AS BIGINT)"
    scale = (f"CASE upper(regexp_extract({u}, {pattern}, 2)) WHEN 'K' THEN 1000 WHEN 'M' THEN 1000000 "
             "WHEN 'B' THEN 1000000000 ELSE 1 END")
    rest = f"regexp_extract({u}, {pattern}, 3)"
    cap = "upper(left({0}, 1)) || substr({0}, 2)"
    return (f"CASE WHEN {number} IS NOT NULL THEN CAST({number} * {scale} AS VARCHAR) || ' ' || {cap.format(rest)} "
            f"ELSE {cap.format(u)} END")


def other_subcategory(category: str) -> str:
    """FOCUS 1.1+ ServiceSubcategory for a category with nothing more specific: 'Other (<category>)', also
    'Other (Other)' (the spec's value; a bare 'Other' is not allowed)."""
    return f"'Other (' || {category} || ')'"
