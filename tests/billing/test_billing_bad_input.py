"""Bad billing input: every case is a clear error (exit 2) or a counted, listed rejected row (exit 1)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from billing_helpers import focus_row, policy_from, write_csv

from auditor.billing import load_billing, pool_spend
from auditor.billing.ingest.load import connect
from scanners.errors import TagauditError
from tests.helpers import run_cli


def check(*paths: Path, extra: tuple[str, ...] = ()) -> tuple[int, str]:
    result = run_cli(["billing", "check", *map(str, paths), *extra])
    return result.exit_code, result.output


def three_rows(tmp_path: Path, **middle: str) -> Path:
    rows = [focus_row(BilledCost="1.00"), focus_row(**{"BilledCost": "2.00", **middle}), focus_row(BilledCost="4.00")]
    return write_csv(tmp_path / "bill.csv", rows)


def test_a_clean_file_exits_0_with_a_summary(tmp_path: Path) -> None:
    code, out = check(three_rows(tmp_path))
    assert code == 0
    assert "rows: 3 read, 3 valid, 0 rejected" in out and "BilledCost: 7 USD (3 rows)" in out
    assert "AI spend (generative AI rows): 7 USD (3 rows)" in out and "period: 2026-10-05T00:00:00Z" in out


def test_a_truncated_last_row_is_rejected_and_its_cut_cost_is_not_trusted(tmp_path: Path) -> None:
    path = three_rows(tmp_path)
    text = path.read_text()
    path.write_text(text[: text.rindex("\n", 0, len(text) - 1) + 4])  # the last row is cut to "4.0"
    data = load_billing([path])
    assert (data.rows, data.valid_rows, data.rejected_rows) == (3, 2, 1)
    assert data.rejected[0].row == 3 and "cannot be parsed" in data.rejected[0].reason
    assert data.currencies[0].amount == Decimal("3.00") and data.unreadable_cost_rows == 1
    code, out = check(path)
    assert code == 1 and f"{path}:3: the CSV row cannot be parsed" in out
    assert "1 rows rejected, cost not counted: 1 rows whose cost is unreadable" in out


def test_a_row_cut_after_its_cost_still_reports_the_cost(tmp_path: Path) -> None:
    path = three_rows(tmp_path)
    lines = path.read_text().splitlines()
    lines[2] = ",".join(lines[2].split(",")[:6])  # BilledCost is the first column
    path.write_text("\n".join(lines) + "\n")
    data = load_billing([path])
    assert data.rejected_rows == 1 and data.rejected[0].row == 2
    assert data.rejected[0].cost == Decimal("2.00") and data.rejected_cost[0].amount == Decimal("2.00")


def test_rows_after_an_unparseable_row_keep_their_row_numbers(tmp_path: Path) -> None:
    rows = [focus_row(BilledCost=str(i)) for i in range(1, 6)]
    rows[3]["BilledCost"] = "lots"
    path = write_csv(tmp_path / "b.csv", rows)
    lines = path.read_text().splitlines()
    lines[2] = lines[2] + ",extra"  # data row 2 has one column too many
    path.write_text("\n".join(lines) + "\n")
    data = load_billing([path])
    assert sorted(r.row for r in data.rejected) == [2, 4]
    assert next(r for r in data.rejected if r.row == 4).reason == "'lots' is not a decimal number"


def test_text_in_billed_cost_is_a_rejected_row_naming_the_column(tmp_path: Path) -> None:
    code, out = check(three_rows(tmp_path, BilledCost="n/a"))
    assert code == 1
    assert "bill.csv:2: BilledCost: 'n/a' is not a decimal number; write plain numbers" in out
    assert "BilledCost: 5 USD (2 rows)" in out


def test_tags_that_are_not_json_reject_the_row_but_report_its_cost(tmp_path: Path) -> None:
    data = load_billing([three_rows(tmp_path, Tags="team=search")])
    (rej,) = data.rejected
    assert (rej.row, rej.column, rej.cost, rej.currency) == (2, "Tags", Decimal("2.00"), "USD")
    assert "is not valid JSON" in rej.reason
    assert data.rejected_cost[0].amount == Decimal("2.00")


@pytest.mark.parametrize("tags, reason", [
    pytest.param('["team", "x"]', "not an object (ARRAY)", id="a JSON array"),
    pytest.param('{"team": {"name": "x"}}', "nested object or array", id="a nested value"),
    pytest.param('{"team": "a", "team": "b"}', "repeats a key", id="a repeated key"),
])
def test_tags_must_be_a_flat_json_object(tmp_path: Path, tags: str, reason: str) -> None:
    data = load_billing([three_rows(tmp_path, Tags=tags)])
    assert data.rejected_rows == 1 and reason in data.rejected[0].reason


def test_a_lower_case_or_missing_currency_is_rejected(tmp_path: Path) -> None:
    rows = [focus_row(BillingCurrency="usd"), focus_row(BillingCurrency=""), focus_row()]
    data = load_billing([write_csv(tmp_path / "c.csv", rows)])
    assert [(r.row, r.column) for r in data.rejected] == [(1, "BillingCurrency"), (2, "BillingCurrency")]
    assert "'usd' is not an ISO 4217 currency code" in data.rejected[0].reason


def test_an_unparseable_date_is_rejected(tmp_path: Path) -> None:
    data = load_billing([three_rows(tmp_path, ChargePeriodStart="last tuesday")])
    assert [(r.row, r.column) for r in data.rejected] == [(2, "ChargePeriodStart")]


def test_a_currency_mix_is_totalled_per_currency_and_pools_need_a_choice(tmp_path: Path) -> None:
    rows = [focus_row(BilledCost="10"), focus_row(BilledCost="7", BillingCurrency="EUR")]
    path = write_csv(tmp_path / "mix.csv", rows)
    data = load_billing([path])
    assert [(m.currency, m.amount) for m in data.currencies] == [("EUR", Decimal(7)), ("USD", Decimal(10))]
    with pytest.raises(TagauditError, match=r"several currencies: EUR \(1 rows, 7\), USD \(1 rows, 10\)"):
        pool_spend(data, policy_from({}))
    usd = load_billing([path], currency="USD")
    assert [(m.currency, m.amount, m.rows) for m in usd.excluded] == [("EUR", Decimal(7), 1)]
    assert pool_spend(usd, policy_from({})).total_ai_cost == Decimal(10)
    code, out = check(path, extra=("--currency", "usd"))
    assert code == 0 and "excluded by --currency USD: 7 EUR (1 rows)" in out


def test_an_empty_file_is_unusable(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(TagauditError, match="the file is empty"):
        load_billing([empty])
    code, out = check(empty)
    assert code == 2 and f"{empty}: the file is empty; export it again" in out


def test_a_header_only_file_has_no_rows_and_is_fine(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", [], list(focus_row()))
    code, out = check(path)
    assert code == 0 and "rows: 0 read" in out


def test_a_parquet_file_without_mandatory_columns_is_unusable(tmp_path: Path) -> None:
    path = tmp_path / "thin.parquet"
    connect().execute(f"COPY (SELECT 'OpenAI' AS ProviderName, 1.5 AS Cost) TO '{path}' (FORMAT parquet)")
    with pytest.raises(TagauditError, match="missing mandatory column.*BilledCost, BillingCurrency"):
        load_billing([path])
    code, out = check(path)
    assert code == 2 and "missing mandatory column(s) BilledCost" in out


def test_a_file_that_is_not_parquet_is_unusable_and_other_files_are_still_checked(tmp_path: Path) -> None:
    bad = tmp_path / "junk.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    code, out = check(bad, three_rows(tmp_path))
    assert code == 2 and "not a readable Parquet file" in out and "rows: 3 read" in out


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    code, out = check(tmp_path / "nope.csv")
    assert code == 2 and "no such file or folder" in out


def test_listing_is_capped_but_counts_and_costs_stay_exact(tmp_path: Path) -> None:
    rows = [focus_row(BilledCost="1", Tags="bad") for _ in range(30)]
    data = load_billing([write_csv(tmp_path / "many.csv", rows)], max_listed=5)
    assert data.rejected_rows == 30 and len(data.rejected) == 5 and data.unlisted_rows == 25
    assert data.rejected_cost[0].amount == Decimal(30)


def test_a_cut_gzip_file_is_unusable_not_a_traceback(tmp_path: Path) -> None:
    import gzip

    packed = gzip.compress(three_rows(tmp_path).read_bytes() * 200)
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    code, out = check(cut)
    assert code == 2 and "cannot read the billing data" in out and "GZIP" in out


def test_bytes_that_are_not_utf8_reject_their_row_only(tmp_path: Path) -> None:
    path = three_rows(tmp_path)
    path.write_bytes(path.read_bytes().replace(b"OpenAI API", b"Open\xffAI API", 1))
    data = load_billing([path])
    assert data.rejected_rows == 1 and "not UTF-8" in data.rejected[0].hint
    assert data.currencies[0].amount == Decimal("6.00")
