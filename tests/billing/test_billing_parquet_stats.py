"""A typed Parquet file whose row-group statistics rule out every per-row check but the period order skips
those checks in the rollup (validate.is_clean); one bad value anywhere keeps them, and the results match."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.billing import load_billing
from auditor.billing.db import fetch_dicts
from auditor.billing.ingest import validate
from auditor.billing.ingest.load import connect, open_sources

GOOD = {"BilledCost": "1.25::DECIMAL(38, 10)", "ChargePeriodStart": "TIMESTAMP '2026-10-05'",
        "ChargePeriodEnd": "TIMESTAMP '2026-10-06'", "ChargeFrequency": "'Usage-Based'", "ChargeClass": "NULL::VARCHAR"}


def _parquet(path: Path, bad: dict[str, str]) -> Path:
    """Three typed rows; the last one takes the `bad` values."""
    def select(values: dict[str, str]) -> str:
        cols = {**GOOD, **values}
        return ("SELECT 'USD' AS BillingCurrency, 'OpenAI' AS ProviderName, 'OpenAI API' AS ServiceName, "
                "'Usage' AS ChargeCategory, 'AI and Machine Learning' AS ServiceCategory, "
                "'Generative AI' AS ServiceSubcategory, TIMESTAMP '2026-10-01' AS BillingPeriodStart, "
                "TIMESTAMP '2026-11-01' AS BillingPeriodEnd, "
                + ", ".join(f"{v} AS {k}" for k, v in cols.items()))
    sql = " UNION ALL ".join([select({}), select({}), select(bad)])
    connect().execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")
    return path


def _rollup(path: Path, clean: bool) -> list[dict[str, object]]:
    con = connect()
    (src,), _ = open_sources(con, [path])
    return sorted(fetch_dicts(con, validate.rollup_sql(src, clean=clean)), key=repr)


@pytest.mark.parametrize("bad, clean, rejected", [
    pytest.param({}, True, 0, id="a clean file skips the checks"),
    pytest.param({"ChargeClass": "'Correction'"}, True, 0, id="an allowed ChargeClass is clean"),
    pytest.param({"ChargePeriodStart": "TIMESTAMP '2026-10-07'"}, True, 1,
                 id="a period that ends before it starts is still checked per row"),
    pytest.param({"BilledCost": "NULL::DECIMAL(38, 10)"}, False, 1, id="a null BilledCost keeps the checks"),
    pytest.param({"ChargePeriodEnd": "'infinity'::TIMESTAMP"}, False, 1, id="an infinite date keeps the checks"),
    pytest.param({"ChargeFrequency": "'Sometimes'"}, False, 0, id="a disallowed ChargeFrequency keeps the checks"),
    pytest.param({"ChargeFrequency": "NULL::VARCHAR"}, False, 0, id="a null ChargeFrequency keeps the checks"),
    pytest.param({"ChargeClass": "'Fix'"}, False, 0, id="a disallowed ChargeClass keeps the checks"),
])
def test_statistics_decide_whether_the_rollup_checks_each_row(tmp_path: Path, bad: dict[str, str], clean: bool,
                                                              rejected: int) -> None:
    path = _parquet(tmp_path / "typed.parquet", bad)
    con = connect()
    (src,), _ = open_sources(con, [path])
    assert validate.is_clean(con, src) is clean
    if clean:
        assert _rollup(path, clean=True) == _rollup(path, clean=False), "skipping the checks changes nothing"
    data = load_billing([path])
    assert data.rejected_rows == rejected and data.valid_rows == 3 - rejected
    notes = {n.column for n in data.notes}
    assert ("ChargeFrequency" in notes) == ("ChargeFrequency" in bad and not clean)
    assert ("ChargeClass" in notes) == (bad.get("ChargeClass") == "'Fix'")


def test_a_csv_file_never_takes_the_statistics_shortcut(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("BilledCost,BillingCurrency,ProviderName,ServiceName,ChargeCategory,BillingPeriodStart,"
                    "BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd\n"
                    "1,USD,OpenAI,OpenAI API,Usage,2026-10-01,2026-11-01,2026-10-05,2026-10-06\n")
    con = connect()
    (src,), _ = open_sources(con, [path])
    assert validate.is_clean(con, src) is False
