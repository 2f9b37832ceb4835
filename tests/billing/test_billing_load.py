"""load_billing on real samples and on FOCUS 1.0/1.1/1.2 shapes (CSV, CSV.gz, Parquet, folders)."""

from __future__ import annotations

import csv
import gzip
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from billing_helpers import focus_row, write_csv

from auditor.billing import load_billing
from auditor.billing.ingest.load import connect


def _python_total(path: Path) -> tuple[int, Decimal]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return len(rows), sum((Decimal(r["BilledCost"]).quantize(Decimal("1e-10"), ROUND_HALF_UP) for r in rows), Decimal(0))


def test_the_focus_1_0_sample_loads_every_row_and_its_total_matches_a_python_sum(samples: Path) -> None:
    path = samples / "focus-1.0" / "focus_sample_1000.csv"
    data = load_billing([path])
    rows, total = _python_total(path)
    assert (data.rows, data.valid_rows, data.rejected_rows) == (rows, rows, 0)
    assert data.currencies[0].currency == "USD" and data.currencies[0].amount == total
    assert data.files[0].focus_version == "1.0"


def test_the_focus_1_0_sample_quirks_are_reported_as_notes(samples: Path) -> None:
    data = load_billing([samples / "focus-1.0" / "focus_sample_1000.csv"])
    text = "\n".join(str(n) for n in data.notes)
    assert "ChargePeriodStart" in text and "not ISO 8601" in text and "'2024-10-01 00:00:00'" in text
    assert "literal string 'NULL'" in text and "ChargeClass (1000)" in text
    assert "Id: not a FOCUS column and not x_-prefixed" in text
    assert "rounded to DECIMAL(38, 10)" in text


def test_every_shared_sample_loads_and_accounts_for_every_data_row(samples: Path) -> None:
    for path in sorted(samples.rglob("*.csv")):
        if "native" in path.parts:
            continue
        data = load_billing([path])
        with path.open(encoding="utf-8-sig", newline="") as fh:
            expected = sum(1 for _ in csv.DictReader(fh))
        assert data.valid_rows + data.rejected_rows == data.rows == expected, path


def test_m_d_yy_dates_and_a_bom_are_read(samples: Path) -> None:
    path = samples / "focus-1.2-spec-examples" / "saas" / "virtual_currency_pricing_model_a2.csv"
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    data = load_billing([path])
    assert data.rejected_rows == 0
    assert data.period is not None and data.period[0].isoformat() == "2025-04-01T00:00:00"
    assert any("ServiceCategory: mandatory FOCUS column(s) missing; read as NULL" in str(n) for n in data.notes)


def test_money_with_currency_symbols_is_rejected_with_the_raw_value(samples: Path) -> None:
    data = load_billing([samples / "focus-1.2-spec-examples" / "saas" / "simple_saas_agreements_a1.csv"])
    assert data.rejected_rows == 1 and data.unreadable_cost_rows == 1
    first = data.rejected[0]
    assert (first.row, first.column) == (1, "BilledCost") and "'$10,000.00 '" in first.reason


def test_focus_1_0_columns_missing_in_1_0_read_as_null(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "v10.csv", [focus_row()])
    data = load_billing([path])
    row = data.con.execute(f"SELECT ServiceSubcategory, InvoiceId, SkuMeter FROM {data.view}").fetchone()
    assert row == (None, None, None)


def test_the_focus_1_3_name_service_provider_name_is_read_as_provider_name(tmp_path: Path) -> None:
    row = focus_row()
    row["ServiceProviderName"] = row.pop("ProviderName")
    data = load_billing([write_csv(tmp_path / "v13.csv", [row])])
    assert data.con.execute(f"SELECT ProviderName FROM {data.view}").fetchone() == ("OpenAI",)
    assert any("read as ProviderName" in str(n) for n in data.notes)


def test_csv_gz_parquet_and_a_folder_load_into_one_view(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    plain = write_csv(tmp_path / "in" / "a.csv", [focus_row()])
    with plain.open("rb") as src, gzip.open(tmp_path / "in" / "b.csv.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    con = connect()
    con.execute(f"COPY (SELECT * FROM read_csv('{plain}', all_varchar=true)) TO '{tmp_path / 'in' / 'c.parquet'}' "
                "(FORMAT parquet)")
    data = load_billing([tmp_path / "in"])
    assert [f.format for f in data.files] == ["csv", "csv", "parquet"]
    assert data.valid_rows == 3 and data.currencies[0].amount == Decimal("3.75")


def test_typed_parquet_with_double_costs_and_timestamps_loads(tmp_path: Path) -> None:
    con = connect()
    path = tmp_path / "typed.parquet"
    con.execute(f"""COPY (SELECT 0.1::DOUBLE AS BilledCost, 'USD' AS BillingCurrency, 'OpenAI' AS ProviderName,
                    'OpenAI API' AS ServiceName, 'Usage' AS ChargeCategory,
                    TIMESTAMPTZ '2026-10-01 00:00:00+00' AS BillingPeriodStart,
                    TIMESTAMPTZ '2026-11-01 00:00:00+00' AS BillingPeriodEnd,
                    TIMESTAMP '2026-10-02 00:00:00' AS ChargePeriodStart,
                    TIMESTAMP '2026-10-03 00:00:00' AS ChargePeriodEnd,
                    MAP {{'team': 'search'}} AS Tags) TO '{path}' (FORMAT parquet)""")
    data = load_billing([path])
    assert data.rejected_rows == 0 and data.currencies[0].amount == Decimal("0.1")
    assert data.con.execute(f"SELECT Tags FROM {data.view}").fetchone() == ('{"team":"search"}',)


@pytest.mark.parametrize("value, expected", [
    pytest.param("2026-10-05T00:00:00Z", "2026-10-05T00:00:00", id="iso with Z"),
    pytest.param("2026-10-05 00:00:00", "2026-10-05T00:00:00", id="space separated, read as UTC"),
    pytest.param("2026-10-05T02:00:00+02:00", "2026-10-05T00:00:00", id="offset converted to UTC"),
    pytest.param("10/5/26", "2026-10-05T00:00:00", id="M/D/YY"),
    pytest.param("10/5/2026", "2026-10-05T00:00:00", id="M/D/YYYY"),
])
def test_charge_period_formats_are_parsed_to_utc(tmp_path: Path, value: str, expected: str) -> None:
    data = load_billing([write_csv(tmp_path / "d.csv", [focus_row(ChargePeriodStart=value)])])
    assert data.rejected_rows == 0
    assert data.con.execute(f"SELECT ChargePeriodStart FROM {data.view}").fetchone()[0].isoformat() == expected

