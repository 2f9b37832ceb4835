"""Reading DuckDB results by column name, never by position.

    fetch_dicts(con, sql, params=None) -> list[dict[str, Any]]    every row, column name -> value
    fetch_columns(con, sql, params=None) -> dict[str, tuple[Any, ...]]  column name -> its values, in row order
    fetch_one_dict(con, sql, params=None) -> dict[str, Any] | None  the first row, or None
    fetch_row(con, sql, params=None) -> dict[str, Any]            the one row of an aggregate query
    fetch_scalar(con, sql, params=None) -> Any                    the one value of a one-column query
    aggregate(data, table, select)                                 TEMP TABLE `table` AS `select` over data.view

Names come from the cursor's description, so a query's SELECT list must alias every computed column
(`sum(BilledCost) AS cost`); a result with two columns of one name is a bug and raises. DuckDB is only
imported for type checking: importing this module never loads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

    from auditor.billing.records import BillingData


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] | None) -> duckdb.DuckDBPyConnection:
    return con.execute(sql, params) if params is not None else con.execute(sql)


def _names(cur: duckdb.DuckDBPyConnection) -> list[str]:
    names = [str(d[0]) for d in cur.description or ()]
    if len(set(names)) != len(names):
        raise ValueError(f"result columns {names} repeat a name; alias them")
    return names


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str,
                params: Sequence[object] | None = None) -> list[dict[str, Any]]:
    cur = _run(con, sql, params)
    names = _names(cur)
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def fetch_columns(con: duckdb.DuckDBPyConnection, sql: str,
                  params: Sequence[object] | None = None) -> dict[str, tuple[Any, ...]]:
    """The result column by column: for thousands of rows, zip(cols["a"], cols["b"]) is several times
    cheaper than a dict per row."""
    cur = _run(con, sql, params)
    names = _names(cur)
    rows = cur.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return dict(zip(names, columns, strict=True))


def fetch_one_dict(con: duckdb.DuckDBPyConnection, sql: str,
                   params: Sequence[object] | None = None) -> dict[str, Any] | None:
    cur = _run(con, sql, params)
    names = _names(cur)
    row = cur.fetchone()
    return None if row is None else dict(zip(names, row, strict=True))


def fetch_row(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] | None = None) -> dict[str, Any]:
    """The row of a query that always returns one (an aggregate without GROUP BY)."""
    row = fetch_one_dict(con, sql, params)
    if row is None:
        raise ValueError("expected one row, got none")
    return row


def fetch_scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] | None = None) -> Any:
    """The single value of a query that returns one column and one row (e.g. `SELECT count(*) ...`)."""
    cur = _run(con, sql, params)
    width = len(cur.description or ())
    row = cur.fetchone()
    if width != 1 or row is None:
        raise ValueError(f"expected one column and one row, got {width} column(s) and {'no' if row is None else 'a'} row")
    return row[0]


def describe_columns(con: duckdb.DuckDBPyConnection, from_sql: str) -> list[tuple[str, str]]:
    """(column name, DuckDB type) of `SELECT * FROM <from_sql>`, in order."""
    return [(str(r["column_name"]), str(r["column_type"]))
            for r in fetch_dicts(con, f"DESCRIBE SELECT * FROM {from_sql}")]


def aggregate(data: BillingData, table: str, select: str) -> None:
    """CREATE OR REPLACE TEMP TABLE `table` AS `select`, a DuckDB aggregate over `data.view`: run here for
    files, or on the engine holding the rows of an engine table (only the aggregate comes back)."""
    if data.remote is None:
        data.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {select}")
    else:
        data.remote.into(data.con, table, select)
