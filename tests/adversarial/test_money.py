"""Hostile billing values: every row is valid, or rejected with a reason and counted; totals stay exact."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from auditor.billing import load_billing, pool_spend
from auditor.billing.ingest.load import connect
from auditor.billing.records import BillingData
from tests.billing.billing_helpers import focus_row, policy_from, write_csv
from tests.helpers import run_cli


def cli(*args: str | Path) -> tuple[int, str]:
    """The real CLI in process, through its one error boundary; an internal error fails the test."""
    result = run_cli([str(a) for a in args])
    assert "internal error" not in result.stderr, result.stderr
    return result.exit_code, result.output


def cli_json(*args: str | Path) -> tuple[int, Any]:
    """Like `cli`, parsing standard output as JSON (notes go to standard error)."""
    result = run_cli([str(a) for a in args])
    assert "internal error" not in result.stderr, result.stderr
    return result.exit_code, json.loads(result.stdout)


def exact(data: BillingData) -> Decimal:
    """Allocation is exact: allocated + untagged = total = Σ valid BilledCost (one currency)."""
    alloc = pool_spend(data, policy_from({}))
    assert alloc.allocated_cost + alloc.untagged_cost == alloc.total_ai_cost
    counted = [m.amount for m in data.currencies if data.currency in (None, m.currency)]
    assert alloc.total_ai_cost == sum(counted, Decimal(0))
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
    code, summary = cli_json("inventory", tmp_path, "--billing", path, "--format", "json")
    assert code == 0
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


# -- item 9: native exports ----------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
CUR = REPO / "examples" / "billing" / "aws-cur2-bedrock.csv"


def test_a_garbage_cur_net_cost_is_rejected_not_replaced_by_the_unblended_cost(tmp_path: Path) -> None:
    import csv

    rows = list(csv.reader(CUR.open(encoding="utf-8", newline="")))
    net, gross = rows[0].index("line_item_net_unblended_cost"), rows[0].index("line_item_unblended_cost")
    lost = Decimal(rows[1][gross])
    rows[1][net] = "n/a"
    native = tmp_path / "cur.csv"
    with native.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    clean = load_billing([_convert(tmp_path, CUR, "clean.parquet")[1]])
    code, out = cli("billing", "convert", native, "--output", tmp_path / "cur.parquet")
    assert code == 0 and "1 rows have a cost that is not a number (first: data row 1, " \
                         "line_item_net_unblended_cost 'n/a')" in out
    data = load_billing([tmp_path / "cur.parquet"])
    assert (data.rows, data.rejected_rows, data.unreadable_cost_rows) == (len(rows) - 1, 1, 1)
    assert data.rejected[0].row == 1 and data.rejected[0].column == "BilledCost"
    assert data.currencies[0].amount == clean.currencies[0].amount - lost
    code, report = cli_json("inventory", tmp_path, "--billing", native, "--format", "json")
    assert code == 0 and report["billing"]["rejected_rows"] == 1
    total = report["summary"]
    assert Decimal(total["allocated_cost"]) + Decimal(total["untagged_cost"]) == Decimal(total["total_ai_cost"])


def _convert(tmp_path: Path, native: Path, name: str) -> tuple[int, Path]:
    out = tmp_path / name
    code, _ = cli("billing", "convert", native, "--output", out)
    return code, out


def _openai(start: str = "1790812800", value: str = "1.5", currency: str = '"usd"', results: str = "") -> str:
    first = results or (f'{{"object": "organization.costs.result", "amount": {{"value": {value}, '
                        f'"currency": {currency}}}, "line_item": "gpt-4o, input", "project_id": "p"}}')
    return (f'{{"object": "page", "data": [{{"object": "bucket", "start_time": {start}, "end_time": 1790899200, '
            f'"results": [{first}]}}]}}')


def _anthropic(start: str = '"2026-10-01T00:00:00Z"', amount: str = '"150"', currency: str = '"USD"') -> str:
    return (f'{{"data": [{{"starting_at": {start}, "ending_at": "2026-10-02T00:00:00Z", "results": '
            f'[{{"currency": {currency}, "amount": {amount}, "model": "claude", "token_type": "output_tokens"}}]}}]}}')


@pytest.mark.parametrize("kind, text, words", [
    pytest.param("openai-costs", _openai(value="1e400"), "amount 1E+400 does not fit DECIMAL(38, 10)",
                 id="an OpenAI amount of 1e400"),
    pytest.param("openai-costs", _openai(value="NaN"), "amount nan is not a number", id="an OpenAI NaN amount"),
    pytest.param("openai-costs", _openai(value="true"), "amount True is not a number", id="an OpenAI bool amount"),
    pytest.param("openai-costs", _openai(start="1e20"), "start_time: time 1E+20 is not whole Unix seconds",
                 id="an OpenAI start_time of 1e20"),
    pytest.param("openai-costs", _openai(start="100000000000000000000"), "is not whole Unix seconds",
                 id="an OpenAI start_time past year 9999"),
    pytest.param("openai-costs", _openai(start="-5"), "time -5 is not whole Unix seconds",
                 id="a negative OpenAI start_time"),
    pytest.param("openai-costs", _openai(start='"yesterday"'), "time 'yesterday' is not whole Unix seconds",
                 id="an OpenAI start_time that is a string"),
    pytest.param("openai-costs", _openai(currency="null"), "amount.currency is missing",
                 id="an OpenAI amount without a currency"),
    pytest.param("openai-costs", '{"object": "page", "data": [1, "x"]}', "`data` item 1 is 1, not an object",
                 id="OpenAI buckets that are not objects"),
    pytest.param("openai-costs", _openai(results='1, "x"'), "`results` item 1 is 1, not an object",
                 id="OpenAI results that are not objects"),
    pytest.param("openai-costs", '{"data": ' + "[" * 10000 + "]" * 10000 + "}", "nested too deeply",
                 id="OpenAI JSON nested 10000 lists deep"),
    pytest.param("anthropic-cost", _anthropic(amount="1e400"), "does not fit DECIMAL(38, 10)",
                 id="an Anthropic amount of 1e400"),
    pytest.param("anthropic-cost", _anthropic(amount="false"), "amount False is not a number",
                 id="an Anthropic bool amount"),
    pytest.param("anthropic-cost", _anthropic(start='"not a date"'), "time 'not a date' is not an RFC 3339",
                 id="an Anthropic starting_at that is not a date"),
    pytest.param("anthropic-cost", _anthropic(start="1e20"), "time 1E+20 is not an RFC 3339",
                 id="an Anthropic starting_at that is a number"),
    pytest.param("anthropic-cost", _anthropic(start='"99999-01-01T00:00:00Z"'), "is not an RFC 3339",
                 id="an Anthropic starting_at in year 99999"),
    pytest.param("anthropic-cost", _anthropic(currency="42"), "currency 42 is not a currency code",
                 id="an Anthropic currency that is a number"),
    pytest.param("anthropic-cost", '{"data": ' + "[" * 10000 + "]" * 10000 + "}", "nested too deeply",
                 id="Anthropic JSON nested 10000 lists deep"),
])
def test_a_bad_native_export_value_is_a_clear_error_naming_where(
        tmp_path: Path, kind: str, text: str, words: str) -> None:
    native = tmp_path / "export.json"
    native.write_text(text, encoding="utf-8")
    code, out = cli("billing", "convert", native, "--from", kind, "--output", tmp_path / "out.parquet")
    assert code == 2 and words in out and str(native) in out
    assert "tagaudit bug" not in out and not (tmp_path / "out.parquet").exists()
    code, out = cli("inventory", tmp_path, "--billing", native)
    assert code == 2 and "tagaudit bug" not in out


def test_a_valid_native_export_converts_with_exact_totals(tmp_path: Path) -> None:
    native = tmp_path / "costs.json"
    native.write_text(_openai(value="1e18"), encoding="utf-8")
    code, out = _convert(tmp_path, native, "out.parquet")
    data = load_billing([out])
    assert code == 0 and data.rejected_rows == 0 and exact(data) == Decimal("1e18")


# -- fresh sweep ----------------------------------------------------------------------------------

def _one_bad(tmp_path: Path, **bad: str) -> Path:
    return write_csv(tmp_path / "bill.csv", [focus_row(BilledCost="1"), focus_row(**bad), focus_row(BilledCost="2")])


@pytest.mark.parametrize("bad, column, words, cost", [
    pytest.param({"BilledCost": "1,000.50"}, "BilledCost", "'1,000.50' is not a decimal number", None,
                 id="a thousands separator"),
    pytest.param({"BilledCost": "Infinity"}, "BilledCost", "'Infinity' is not a finite number", None,
                 id="Infinity as text"),
    pytest.param({"BilledCost": "NaN"}, "BilledCost", "'NaN' is not a finite number", None, id="NaN as text"),
    pytest.param({"BilledCost": "1e28"}, "BilledCost", "'1e28' does not fit DECIMAL(38, 10)", None,
                 id="1e28 as text"),
    pytest.param({"BilledCost": "9" * 29}, "BilledCost", "does not fit DECIMAL(38, 10)", None,
                 id="29 integer digits as text"),
    pytest.param({"BilledCost": "7", "ChargePeriodStart": "99999-01-01T00:00:00Z"}, "ChargePeriodStart",
                 "'99999-01-01T00:00:00Z' is not a date/time", Decimal(7), id="a date in year 99999"),
])
def test_a_bad_csv_value_is_rejected_with_its_reason_and_counted(
        tmp_path: Path, bad: dict[str, str], column: str, words: str, cost: Decimal | None) -> None:
    data = load_billing([_one_bad(tmp_path, **bad)])
    assert (data.rows, data.valid_rows, data.rejected_rows) == (3, 2, 1)
    (rej,) = data.rejected
    assert (rej.row, rej.column, rej.cost) == (2, column, cost) and words in rej.reason
    assert rejected_cost(data) == (cost or 0) and data.unreadable_cost_rows == (0 if cost else 1)
    assert exact(data) == Decimal(3)
    assert not [n for n in data.notes if "ISO 8601" in n.reason]  # unreadable, so not also "read as UTC"


def test_a_year_99999_date_is_not_also_noted_as_read_as_utc(tmp_path: Path) -> None:
    code, out = cli("billing", "check", _one_bad(tmp_path, ChargePeriodStart="99999-01-01T00:00:00Z"))
    assert code == 1 and "read as UTC" not in out


@pytest.mark.parametrize("costs, total", [
    pytest.param(["-0", "-0.00"], Decimal(1), id="negative zero is zero"),
    pytest.param([" 12.5 "], Decimal("13.5"), id="padding spaces around a cost"),
    pytest.param(["1e18", "1E+18"], Decimal("2e18") + 1, id="1e18 in exponent form"),
])
def test_odd_but_readable_csv_costs_are_valid_and_exact(tmp_path: Path, costs: list[str], total: Decimal) -> None:
    rows = [focus_row(BilledCost="1"), *(focus_row(BilledCost=c) for c in costs)]
    data = load_billing([write_csv(tmp_path / "bill.csv", rows)])
    assert data.rejected_rows == 0 and exact(data) == total


@pytest.mark.parametrize("tiny, fmt", [
    pytest.param("1e-40", "csv", id="a 1e-40 cost in a CSV"),
    pytest.param("0.000000000000000000000001", "csv", id="a 1e-24 cost written out in a CSV"),
    pytest.param("1e-40", "parquet", id="a 1e-40 DOUBLE cost in Parquet"),
])
def test_a_cost_too_small_for_ten_decimals_is_noted_as_rounded(tmp_path: Path, tiny: str, fmt: str) -> None:
    if fmt == "csv":
        path = _one_bad(tmp_path, BilledCost=tiny)
    else:
        path = parquet(tmp_path, f"{tiny}::DOUBLE")
    data = load_billing([path])
    assert data.rejected_rows == 0
    (note,) = [n for n in data.notes if "rounded to DECIMAL(38, 10)" in n.reason]
    assert note.count == 1 and note.column == "BilledCost"
    assert exact(data) == (3 if fmt == "csv" else 2)


@pytest.mark.parametrize("value, words", [
    pytest.param("'NaN'", "'NaN' is not a finite number", id="a VARCHAR BilledCost of 'NaN'"),
    pytest.param("'1e300'", "'1e300' does not fit DECIMAL(38, 10)", id="a VARCHAR BilledCost of '1e300'"),
])
def test_a_parquet_text_cost_that_is_not_finite_is_rejected(tmp_path: Path, value: str, words: str) -> None:
    data = load_billing([parquet(tmp_path, value)])
    assert data.rejected_rows == 1 and words in data.rejected[0].reason and data.unreadable_cost_rows == 1
    assert exact(data) == Decimal(2)


@pytest.mark.parametrize("column, value", [
    pytest.param("ChargePeriodStart", "'-infinity'::TIMESTAMP", id="a -infinity TIMESTAMP"),
    pytest.param("BillingPeriodEnd", "'infinity'::DATE", id="an infinity DATE"),
])
def test_an_infinite_parquet_date_is_rejected_with_its_cost(tmp_path: Path, column: str, value: str) -> None:
    data = load_billing([parquet(tmp_path, "3::DOUBLE", **{column: value})])
    assert data.rejected_rows == 1 and data.rejected[0].column == column
    assert rejected_cost(data) == Decimal(3) and exact(data) == Decimal(2)


@pytest.mark.parametrize("extra", [
    pytest.param(",", id="one unnamed column (a trailing comma)"),
    pytest.param(",,", id="two unnamed columns"),
])
def test_unnamed_csv_columns_are_ignored_not_a_binder_error(tmp_path: Path, extra: str) -> None:
    path = _one_bad(tmp_path, BilledCost="4")
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + extra, *(line + extra.replace(",", ",x") for line in lines[1:])]) + "\n")
    data = load_billing([path])
    assert data.rejected_rows == 0 and exact(data) == Decimal(7)


def test_a_utf16_csv_is_a_clear_error(tmp_path: Path) -> None:
    path = _one_bad(tmp_path, BilledCost="4")
    path.write_bytes(path.read_text().encode("utf-16"))
    code, out = cli("billing", "check", path)
    assert code == 2 and f"{path}:1: cannot read the CSV header" in out and "UTF-8" in out


def test_a_bom_header_and_a_header_only_file_are_fine(tmp_path: Path) -> None:
    path = _one_bad(tmp_path, BilledCost="4")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    data = load_billing([path])
    assert data.rejected_rows == 0 and exact(data) == Decimal(7)
    empty = write_csv(tmp_path / "header.csv", [], list(focus_row()))
    code, report = cli_json("inventory", tmp_path, "--billing", empty, "--format", "json")
    assert code == 0 and report["billing"]["rows"] == 0 and report["summary"]["total_ai_cost"] == "0"


def test_a_currency_change_mid_file_is_totalled_per_currency_and_inventory_asks_for_one(tmp_path: Path) -> None:
    path = _one_bad(tmp_path, BilledCost="5", BillingCurrency="EUR")
    data = load_billing([path])
    assert [(m.currency, m.amount) for m in data.currencies] == [("EUR", Decimal(5)), ("USD", Decimal(3))]
    code, out = cli("inventory", tmp_path, "--billing", path)
    assert code == 2 and "several currencies: EUR (1 rows, 5), USD (2 rows, 3)" in out
    usd = load_billing([path], currency="USD")
    assert exact(usd) == Decimal(3) and usd.excluded[0].amount == Decimal(5)


@pytest.mark.parametrize("amount, words", [
    pytest.param("3.0", None, id="a float-looking amount is read as exact text"),
    pytest.param("lots", "amount 'lots' is not a number", id="a non-numeric amount"),
    pytest.param(".nan", "amount '.nan' is not a number", id="a YAML NaN amount"),
    pytest.param("1e400", "amount '1e400' does not fit DECIMAL(38, 10)", id="an amount of 1e400"),
    pytest.param("[1]", "amount ['1'] is not a number", id="a list as the amount"),
])
def test_invoice_amounts_are_exact_or_a_clear_error(tmp_path: Path, amount: str, words: str | None) -> None:
    invoices = tmp_path / "invoices.yaml"
    invoices.write_text(f"invoices:\n  - {{period: 2026-10, provider: OpenAI, amount: {amount}, currency: USD}}\n")
    bill = _one_bad(tmp_path, BilledCost="4")
    if words is None:
        code, report = cli_json("inventory", tmp_path, "--billing", bill, "--invoices", invoices, "--format", "json")
        check = report["reconciliation"]["invoices"][0]
        assert code == 0 and Decimal(check["invoiced"]) == Decimal("3.0") and Decimal(check["billed"]) == 7
        return
    code, out = cli("inventory", tmp_path, "--billing", bill, "--invoices", invoices)
    assert code == 2 and f"{invoices}:2: {words}" in out


@pytest.mark.parametrize("line, words", [
    pytest.param('{"cost": true}', "amount True is not a number", id="a GCP cost that is a bool"),
    pytest.param('{"currency": null}', "currency is missing", id="a GCP row without a currency"),
    pytest.param('{"invoice": {"month": "26"}}', "invoice.month '26' is not YYYYMM", id="a GCP invoice month"),
    pytest.param("[1, 2]", "the row is not a JSON object", id="a GCP JSON line that is a list"),
    pytest.param("{oops", "not a readable export row", id="a GCP JSON line that is not JSON"),
])
def test_a_bad_gcp_export_row_is_a_clear_error_naming_the_line(tmp_path: Path, line: str, words: str) -> None:
    good = {"billing_account_id": "b", "service": {"description": "Vertex AI"}, "currency": "USD", "cost": 1.5,
            "usage_start_time": "2026-10-01T00:00:00Z", "usage_end_time": "2026-10-02T00:00:00Z",
            "invoice": {"month": "202610"}}
    try:
        row: Any = {**good, **json.loads(line)} if line.startswith("{\"") else None
    except json.JSONDecodeError:
        row = None
    native = tmp_path / "gcp.jsonl"
    native.write_text(json.dumps(good) + "\n" + (json.dumps(row) if isinstance(row, dict) else line) + "\n")
    code, out = cli("billing", "convert", native, "--from", "gcp", "--output", tmp_path / "out.parquet")
    assert code == 2 and f"{native}:2: {words}" in out and "tagaudit bug" not in out


@pytest.mark.parametrize("text, words", [
    pytest.param('{"object": "page", "data": [{"start_time": 1790812800, "end_time": 1790899200, "results": '
                 '[{"object": "organization.usage.completions.result", "input_tokens": "lots"}]}]}',
                 "count 'lots' is not a whole number", id="an OpenAI token count that is text"),
    pytest.param('{"object": "page", "data": [{"start_time": 1790899200, "end_time": 1790812800, "results": '
                 '[{"object": "organization.usage.completions.result", "input_tokens": 5}]}]}',
                 "end_time 1790812800 is before start_time 1790899200", id="an OpenAI bucket that ends first"),
])
def test_bad_openai_usage_is_a_clear_error(tmp_path: Path, text: str, words: str) -> None:
    native = tmp_path / "usage.json"
    native.write_text(text, encoding="utf-8")
    code, out = cli("billing", "convert", native, "--from", "openai-usage", "--output", tmp_path / "out.parquet")
    assert code == 2 and words in out
