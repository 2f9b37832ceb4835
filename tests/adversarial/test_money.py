"""Hostile billing values: every row is valid, or rejected with a reason and counted; totals stay exact."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from auditor.billing import load_billing, pool_spend
from auditor.billing.load import connect
from auditor.billing.records import BillingData
from auditor.cli import app
from tests.billing.billing_helpers import focus_row, policy_from, write_csv

runner = CliRunner()


def cli(*args: str | Path) -> tuple[int, str]:
    """The real CLI in process; an uncaught exception (the "internal error" path) fails the test."""
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def exact(data: BillingData) -> Decimal:
    """Allocation is exact: allocated + untagged = total = Σ valid BilledCost (one currency)."""
    alloc = pool_spend(data, policy_from({}))
    assert alloc.allocated_cost + alloc.untagged_cost == alloc.total_ai_cost
    assert alloc.total_ai_cost == sum((m.amount for m in data.currencies), Decimal(0))
    return alloc.total_ai_cost


def rejected_cost(data: BillingData) -> Decimal:
    return sum((m.amount for m in data.rejected_cost), Decimal(0))


def parquet(tmp_path: Path, cost_sql: str, *, bad_rows: int = 1, name: str = "bill.parquet", **replace: str) -> Path:
    """Two valid rows of 1 USD plus `bad_rows` rows whose BilledCost is the SQL expression `cost_sql`
    (other columns replaced by `replace`: column -> SQL expression, on the bad rows only)."""
    base = write_csv(tmp_path / "base.csv", [focus_row(BilledCost="1"), focus_row(BilledCost="1")])
    out = tmp_path / name
    con = connect()
    con.execute(f"CREATE TABLE b AS SELECT * FROM read_csv('{base}', all_varchar=true)")
    exprs = ", ".join(f"{v} AS {k}" for k, v in {"BilledCost": cost_sql, **replace}.items())
    good = ", ".join(f"CAST(b.{k} AS {typ}) AS {k}" for k, typ in _types(con, cost_sql, replace).items())
    con.execute(f"""COPY (SELECT b.* REPLACE ({good}) FROM b
                          UNION ALL BY NAME
                          SELECT b.* REPLACE ({exprs}) FROM (SELECT * FROM b LIMIT 1) b, range({bad_rows}))
                    TO '{out}' (FORMAT parquet)""")
    return out


def _types(con: Any, cost_sql: str, replace: dict[str, str]) -> dict[str, str]:
    """The type of each replaced column, so the good rows are written with the same type."""
    exprs = {"BilledCost": cost_sql, **replace}
    row = con.execute(f"SELECT {', '.join(f'typeof({v})' for v in exprs.values())}").fetchone()
    return {k: str(t) for k, t in zip(exprs, row, strict=True)}


# -- item 7: non-finite and overflowing Parquet costs -------------------------------------------

@pytest.mark.parametrize("cost_sql, reason", [
    pytest.param("'nan'::DOUBLE", "'nan' is not a finite number", id="a DOUBLE NaN cost is rejected"),
    pytest.param("'inf'::DOUBLE", "'inf' is not a finite number", id="a DOUBLE +Inf cost is rejected"),
    pytest.param("'-inf'::DOUBLE", "'-inf' is not a finite number", id="a DOUBLE -Inf cost is rejected"),
    pytest.param("1e300::DOUBLE", "'1e+300' does not fit DECIMAL(38, 10)", id="a DOUBLE 1e300 cost is rejected"),
    pytest.param("1e28::DOUBLE", "'1e+28' does not fit DECIMAL(38, 10)", id="a DOUBLE 1e28 cost is rejected"),
    pytest.param("'nan'::FLOAT", "'nan' is not a finite number", id="a FLOAT NaN cost is rejected"),
    pytest.param("CAST('1e37' AS DECIMAL(38, 0))", "does not fit DECIMAL(38, 10)",
                 id="a DECIMAL(38, 0) cost of 1e37 is rejected"),
    pytest.param("CAST('1e29' AS HUGEINT)", "'1e+29' does not fit DECIMAL(38, 10)",
                 id="a HUGEINT cost of 1e29 (written as DOUBLE) is rejected"),
])
def test_a_parquet_cost_that_is_not_a_finite_decimal_is_rejected_and_counted(
        tmp_path: Path, cost_sql: str, reason: str) -> None:
    path = parquet(tmp_path, cost_sql, bad_rows=10)
    data = load_billing([path])
    assert (data.rows, data.valid_rows, data.rejected_rows) == (12, 2, 10)
    assert data.unreadable_cost_rows == 10 and rejected_cost(data) == 0
    assert data.rejected[0].column == "BilledCost" and reason in data.rejected[0].reason
    assert exact(data) == Decimal(2)
    code, out = cli("billing", "check", path)
    assert code == 1 and "rows: 12 read, 2 valid, 10 rejected" in out
    assert "10 rows rejected, cost not counted: 10 rows whose cost is unreadable" in out
    code, out = cli("inventory", tmp_path, "--billing", path, "--format", "json")
    assert code == 0
    summary = json.loads(out)
    assert summary["billing"]["rejected_rows"] == 10 and summary["summary"]["total_ai_cost"] == "2"


# -- item 8: big but valid costs, wrong types, unreadable files ---------------------------------

@pytest.mark.parametrize("cost_sql, each", [
    pytest.param("1e18::DOUBLE", Decimal("1e18"), id="a DOUBLE cost of 1e18 is read exactly"),
    pytest.param("9.5e26::DOUBLE", Decimal("9.5e26"), id="a DOUBLE cost just under 1e27 is read exactly"),
    pytest.param("123456789.123::DOUBLE", Decimal("123456789.123"), id="a DOUBLE with decimals is read as written"),
    pytest.param("CAST('1e18' AS HUGEINT)", Decimal("1e18"), id="a HUGEINT cost of 1e18 is read exactly"),
    pytest.param("CAST('99999999999999999999999999.5' AS DECIMAL(38, 1))", Decimal("99999999999999999999999999.5"),
                 id="a wide DECIMAL that fits is read exactly"),
])
def test_a_large_cost_that_fits_decimal_38_10_is_read_exactly(tmp_path: Path, cost_sql: str, each: Decimal) -> None:
    path = parquet(tmp_path, cost_sql, bad_rows=10)
    data = load_billing([path])
    assert (data.valid_rows, data.rejected_rows) == (12, 0)
    assert exact(data) == 10 * each + 2
    code, out = cli("billing", "check", path)
    assert code == 0 and f"BilledCost: {(10 * each + 2).normalize():f} USD (12 rows)" in out


def test_a_csv_cost_of_1e18_in_exponent_form_does_not_make_the_file_unusable(tmp_path: Path) -> None:
    rows = [focus_row(BilledCost="1e18"), focus_row(BilledCost="1.5E+20"), focus_row(BilledCost="2")]
    data = load_billing([write_csv(tmp_path / "big.csv", rows)])
    assert data.rejected_rows == 0 and exact(data) == Decimal("151e18") + 2


@pytest.mark.parametrize("column, sql, shown", [
    pytest.param("BilledCost", "[1.5, 2.5]", "DECIMAL(2,1)[]", id="a LIST cost column"),
    pytest.param("BilledCost", "true", "BOOLEAN", id="a BOOLEAN cost column"),
    pytest.param("BilledCost", "{'usd': 1.5}", "STRUCT", id="a STRUCT cost column"),
    pytest.param("ChargePeriodStart", "[1]", "INTEGER[]", id="a LIST date column"),
    pytest.param("ChargePeriodEnd", "42", "INTEGER", id="an INTEGER date column"),
    pytest.param("ListCost", "'x'::BLOB", "BLOB", id="a BLOB in a money column tagaudit does not total"),
])
def test_a_typed_column_of_the_wrong_type_is_a_clear_error_naming_it(
        tmp_path: Path, column: str, sql: str, shown: str) -> None:
    base = write_csv(tmp_path / "base.csv", [focus_row()])
    path = tmp_path / "typed.parquet"
    connect().execute(f"COPY (SELECT * REPLACE ({sql} AS {column}) FROM read_csv('{base}', all_varchar=true)) "
                      f"TO '{path}' (FORMAT parquet)")
    code, out = cli("billing", "check", path)
    assert code == 2 and f"column {column} has type {shown}" in out and str(path) in out
    code, out = cli("inventory", tmp_path, "--billing", path)
    assert code == 2 and f"column {column} has type {shown}" in out


@pytest.mark.parametrize("content, words", [
    pytest.param(b"", "the file is empty", id="a zero-byte Parquet file"),
    pytest.param(b"PAR1 garbage", "not a readable Parquet file", id="a corrupt Parquet file"),
])
@pytest.mark.parametrize("command", ["inventory", "score"])
def test_an_unreadable_parquet_file_is_a_clear_error_naming_it(
        tmp_path: Path, content: bytes, words: str, command: str) -> None:
    path = tmp_path / "bill.parquet"
    path.write_bytes(content)
    code, out = cli(command, tmp_path, "--billing", path)
    assert code == 2 and words in out and str(path) in out


def test_a_parquet_file_cut_short_is_a_clear_error_naming_it(tmp_path: Path) -> None:
    good = parquet(tmp_path, "1::DOUBLE", bad_rows=100)
    cut = tmp_path / "cut" / "cut.parquet"
    cut.parent.mkdir()
    cut.write_bytes(good.read_bytes()[:-50])
    for command in ("inventory", "score"):
        code, out = cli(command, tmp_path, "--billing", cut)
        assert code == 2 and "not a readable Parquet file" in out and str(cut) in out


def test_an_infinite_parquet_timestamp_is_rejected(tmp_path: Path) -> None:
    path = parquet(tmp_path, "5::DOUBLE", ChargePeriodEnd="'infinity'::TIMESTAMP")
    data = load_billing([path])
    assert data.rejected_rows == 1 and data.rejected[0].column == "ChargePeriodEnd"
    assert "is not a finite date/time" in data.rejected[0].reason
    assert rejected_cost(data) == Decimal(5) and exact(data) == Decimal(2)


# -- item 10: duplicate column names ----------------------------------------------------------

@pytest.mark.parametrize("second, shown", [
    pytest.param("BilledCost", "'BilledCost'", id="the same name twice"),
    pytest.param("billedcost", "'BilledCost' / 'billedcost'", id="names that differ only by case"),
    pytest.param("BilledCost ", "'BilledCost'", id="a second name with a trailing space"),
])
def test_a_duplicated_csv_column_is_named_with_its_file(tmp_path: Path, second: str, shown: str) -> None:
    path = write_csv(tmp_path / "dup.csv", [focus_row()])
    lines = path.read_text().splitlines()
    lines[0] += f",{second}"
    lines[1] += ",9"
    path.write_text("\n".join(lines) + "\n")
    code, out = cli("billing", "check", path)
    assert code == 2 and f"{path}:1: column {shown} appears twice in the header" in out
    assert "Binder" not in out


# -- item 9: policy tolerance -------------------------------------------------------------------

@pytest.mark.parametrize("value, words", [
    pytest.param(".nan", ".nan is not a number", id="NaN"),
    pytest.param(".inf", "greater than the maximum of 1", id="infinity"),
    pytest.param("-0.1", "less than the minimum of 0", id="a negative tolerance"),
    pytest.param("1.5", "greater than the maximum of 1", id="a tolerance above 100%"),
])
def test_a_tolerance_that_is_not_a_fraction_fails_policy_check_and_inventory(
        tmp_path: Path, value: str, words: str) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    policy = repo / "tagaudit.yaml"
    policy.write_text(f"version: 1\nname: t\nkeys:\n  team: {{}}\ntolerance: {value}\n")
    code, out = cli("policy", "check", policy)
    assert code == 2 and f"{policy}:5: tolerance: " in out and words in out
    bill = write_csv(tmp_path / "bill.csv", [focus_row()])
    code, out = cli("inventory", repo, "--billing", bill, "--invoices", _invoices(tmp_path))
    assert code == 2 and words in out


def _invoices(tmp_path: Path) -> Path:
    path = tmp_path / "invoices.yaml"
    path.write_text('invoices:\n  - {period: 2026-10, provider: OpenAI, amount: "1.25", currency: USD}\n')
    return path
