"""`load_billing`: FOCUS 1.0-1.3 files (CSV, CSV.gz, Parquet) into one DuckDB view of valid 1.2 rows.

    load_billing(paths: list[Path], *, currency: str | None = None, max_listed: int = 1000) -> BillingData

Every data row ends up in exactly one place: the valid view, `rejected` (unreadable; its cost is not
counted, but reported when readable), or `excluded` (valid but in a currency other than `currency`).
Only the first `max_listed` rejected rows per file are listed one by one; counts and costs are exact.
FOCUS 1.3 Contract Commitment files (told apart by their columns) may sit beside the cost files: their rows
are checked and counted the same way (rows, valid, rejected) and the valid ones are in tables.COMMITMENTS.
Raises TagauditError (exit 2) when a file is missing, empty, unparseable or lacks a core column.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.billing import tables
from auditor.billing.db import fetch_dicts
from auditor.billing.ingest import commitments, focus, problems, splits, validate
from auditor.billing.ingest.sources import Source, describe, expand_paths
from auditor.billing.ingest.typed import MACROS, typed_sql
from auditor.billing.records import BillingData, Money, Note, Rejection, SourceFile
from scanners.errors import TagauditError

if TYPE_CHECKING:
    import duckdb


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection set up for billing: UTC session, tagaudit's macros."""
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # quiet: the CLI owns the terminal
    for macro in MACROS:
        con.execute(macro)
    return con


def open_sources(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> tuple[list[Source], list[Note]]:
    """Describe every file; all unusable files are reported together in one error. The notes say what the
    folders held that was skipped."""
    sources, errors = [], []
    files, notes = expand_paths(paths)
    for i, path in enumerate(files):
        try:
            sources.append(describe(con, path, i))
        except TagauditError as exc:
            errors.append(str(exc))
    if errors:
        raise TagauditError("\n".join(errors))
    return sources, notes


def load_billing(paths: list[Path], *, currency: str | None = None, max_listed: int = 1000,
                 notes: tuple[Note, ...] = (), labels: dict[str, str] | None = None) -> BillingData:
    """The billing data in `paths` (files or folders); `notes` found earlier (folders a caller expanded
    itself) are reported with the data's own. `labels` (path -> name) names files the caller made, e.g.
    temporary conversions, by what the user gave: files, rejections and notes show the label, never the path."""
    import duckdb

    con = connect()
    described, skipped = open_sources(con, paths)
    sources = [s for s in described if s.dataset != commitments.DATASET]
    contracts = commitments.load(con, [s for s in described if s.dataset == commitments.DATASET], max_listed)
    try:
        validate.build_rollup(con, sources)
    except duckdb.Error as exc:  # e.g. a corrupt .gz or Parquet page: unusable, never a traceback
        raise TagauditError(f"cannot read the billing data ({str(exc).splitlines()[0]})",
                            where=", ".join(s.path for s in sources),
                            hint="check that each file is complete and in the format its name says") from exc
    ok = validate.row_ok_sql(bad_values=validate.has_bad_values(con))
    keep = ok if currency is None else f"{ok} AND BillingCurrency = {focus.quote_str(currency)}"
    # A view, not a copy: filtering ~10k groups is cheaper than materialising ~35 columns (20 ms at 2M rows).
    con.execute(f"CREATE OR REPLACE TEMP VIEW {tables.ROLLUP} AS SELECT * FROM {tables.RAW_ROLLUP} "
                f"WHERE {keep} AND x_Replaced = 0")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {tables.VALID_ROWS} AS {_valid_rows(sources, keep)}")
    found = problems.relabel(problems.with_commitments(problems.collect(con, sources, max_listed), contracts),
                             labels or {})
    valid, money, period = _totals(con, ok, keep)
    return BillingData(
        con=con, view=tables.VALID_ROWS, rollup=tables.ROLLUP, files=found.files,
        rows=sum(f.rows for f in found.files), valid_rows=valid + contracts.valid,
        rejected_rows=found.rejected_rows, rejected=found.rejected, rejected_cost=found.rejected_cost,
        unreadable_cost_rows=found.unreadable_cost_rows, unlisted_rows=found.unlisted_rows,
        currencies=money, excluded=tuple(m for m in money if m.currency != currency) if currency else (),
        period=period, notes=(*notes, *skipped, *found.notes), currency=currency,
    )


def _valid_rows(sources: list[Source], keep: str) -> str:
    """Every valid, counted row of every source, typed (without the per-row check columns)."""
    if not sources:  # only Contract Commitment files: no cost rows, same columns
        kinds = {"decimal": focus.DECIMAL_SQL, "datetime": "TIMESTAMP"}
        cols = [f"NULL::{kinds.get(focus.column_type(c), 'VARCHAR')} AS {focus.quote_ident(c)}"
                for c in focus.ALL_COLUMNS]
        return (f"SELECT {', '.join(cols)}, NULL::VARCHAR AS x_ContractCommitmentId, NULL::{focus.DECIMAL_SQL} AS "
                "x_ContractAppliedCost, NULL::VARCHAR AS x_SourceFile WHERE false")
    if not splits.has_splits(sources):
        return " UNION ALL ".join(f"SELECT * EXCLUDE (x_Mask, x_Quirks, x_Values) FROM ({typed_sql(s)}) WHERE {keep}"
                                  for s in sources)
    return " UNION ALL ".join(f"SELECT * EXCLUDE (x_Mask, x_Quirks, x_Values, x_Replaced) FROM "
                              f"({splits.with_replaced(typed_sql(s), s, True)}) WHERE {keep} AND x_Replaced = 0"
                              for s in sources)


def _totals(con: duckdb.DuckDBPyConnection, ok: str,
            keep: str) -> tuple[int, tuple[Money, ...], tuple[Any, Any] | None]:
    """In one statement: the valid rows (`ok`), the counted cost and rows per currency (valid, and not an
    origin charge its FOCUS 1.3 split rows replace nor a split set aside: x_Replaced = 0), and the charge period of the kept groups (`keep`, the ROLLUP view's filter).
    Each condition is evaluated once per group (its subqueries inside FILTER would run once per aggregate)."""
    rows = fetch_dicts(con, f"""
        SELECT BillingCurrency AS currency, coalesce(sum(Rows) FILTER (WHERE x_Ok), 0) AS valid,
               coalesce(sum(BilledCost) FILTER (WHERE x_Ok AND x_Replaced = 0), 0) AS amount,
               sum(Rows) FILTER (WHERE x_Ok AND x_Replaced = 0) AS n,
               min(FirstCharge) FILTER (WHERE x_Keep AND x_Replaced = 0) AS first_charge,
               max(LastCharge) FILTER (WHERE x_Keep AND x_Replaced = 0) AS last_charge
        FROM (SELECT *, coalesce({ok}, false) AS x_Ok, coalesce({keep}, false) AS x_Keep FROM {tables.RAW_ROLLUP})
        GROUP BY 1 ORDER BY 1""")
    money = tuple(Money(str(r["currency"]), Decimal(r["amount"]), int(r["n"])) for r in rows if r["n"] is not None)
    firsts = [r["first_charge"] for r in rows if r["first_charge"] is not None]
    lasts = [r["last_charge"] for r in rows if r["last_charge"] is not None]
    return sum(int(r["valid"]) for r in rows), money, (min(firsts), max(lasts, default=None)) if firsts else None


__all__ = ["BillingData", "Note", "Rejection", "SourceFile", "connect", "load_billing"]
