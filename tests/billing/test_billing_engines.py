"""The rollup on another engine: sqlglot's SQL parses in each dialect, and Spark (local mode, run for real)
gives the same AI total, untagged total and pools as DuckDB on the same FOCUS Parquet, to the cent."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from billing_helpers import focus_row, policy_from, write_csv

from auditor.billing import engines
from auditor.billing.allocate.pools import pool_spend
from auditor.billing.ingest.load import connect, load_billing
from auditor.billing.ingest.sources import describe
from scanners.errors import TagauditError
from tests.helpers import run_cli


def _parquet(tmp: Path) -> Path:
    """A typed FOCUS Parquet (money DECIMAL(38, 10), TIMESTAMP periods) made by DuckDB from a CSV."""
    rows = [focus_row(BilledCost="1.0000000001"), focus_row(BilledCost="2.5", SubAccountId="proj_b", Tags="{}"),
            focus_row(BilledCost="7.125", x_Model="gpt-4o-mini", Tags='{"team": "ads"}'),
            focus_row(BilledCost="3", ProviderName="AWS", ServiceName="Amazon EC2", ServiceCategory="Compute"),
            focus_row(BilledCost="-0.5", ChargeCategory="Credit", Tags="{}")]
    csv_path = write_csv(tmp / "focus.csv", rows)
    data = load_billing([csv_path])
    out = tmp / "focus.parquet"
    cols = f"SELECT * EXCLUDE (x_SourceFile, x_ContractCommitmentId, x_ContractAppliedCost) FROM {data.view}"
    # Plus one row whose Tags are not JSON: rejected, so counted apart on every engine.
    data.con.execute(f"COPY ({cols} UNION ALL (SELECT * REPLACE ('not json' AS Tags) FROM ({cols}) LIMIT 1)) "
                     f"TO '{out}' (FORMAT parquet)")
    return out


@pytest.mark.parametrize("dialect", engines.DIALECTS)
def test_generated_rollup_parses_in_each_dialect(tmp_path: Path, dialect: str) -> None:
    import sqlglot

    src = describe(connect(), _parquet(tmp_path), 0)
    sql = engines.rollup_for(src, dialect)
    assert engines.SOURCE_VIEW in sql and "read_parquet" not in sql
    assert sqlglot.parse_one(sql, read=dialect) is not None


def test_wrong_types_on_a_table_are_refused_like_a_file() -> None:
    dtypes = [("BilledCost", "boolean"), ("BillingCurrency", "string"), ("ChargePeriodStart", "timestamp"),
              ("ChargePeriodEnd", "timestamp"), ("BillingPeriodStart", "timestamp"),
              ("BillingPeriodEnd", "timestamp"), ("ChargeCategory", "string"), ("ProviderName", "string"),
              ("ServiceName", "string")]
    with pytest.raises(TagauditError, match="BilledCost"):
        engines.table_source("spark:db.focus", dtypes)


def test_a_table_without_a_core_column_is_refused_like_a_file() -> None:
    with pytest.raises(TagauditError, match="BilledCost"):
        engines.table_source("spark:db.focus", [("BillingCurrency", "string"), ("ProviderName", "string")])


def test_targets_name_an_engine_or_a_file() -> None:
    assert engines.parse_target("spark:cat.db.focus") == ("spark", "cat.db.focus")
    assert engines.parse_target("billing/focus.parquet") is None


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One local SparkSession for the whole run (the JVM takes ~10 s to start); its warehouse and Derby home
    in a temporary directory, so nothing is left in the working directory."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pyspark_ok = False
    else:
        pyspark_ok = True
    ok = pyspark_ok and shutil.which("java") is not None
    if not ok and os.environ.get("CI") == "true":
        pytest.fail("pyspark and java are installed by .ci/run: Spark must be tested in CI")
    if not ok:
        pytest.skip("needs pyspark (pip install -e '.[spark]') and a Java runtime")
    litter = ("spark-warehouse", "metastore_db", "derby.log")
    before = {name for name in litter if Path(name).exists()}
    session = engines.spark_session(tmp_path_factory.mktemp("spark"))
    yield session
    session.stop()
    assert {name for name in litter if Path(name).exists()} == before, "Spark wrote into the working directory"


def test_spark_and_duckdb_agree_to_the_cent(tmp_path: Path, spark: Any) -> None:
    path = _parquet(tmp_path)
    policy = policy_from({})
    local = pool_spend(load_billing([path]), policy)
    data, sent = engines.load_remote("spark", f"parquet:{path}")
    remote = pool_spend(data, policy)
    assert (remote.total_ai_cost, remote.untagged_cost, remote.allocated_cost) == (
        local.total_ai_cost, local.untagged_cost, local.allocated_cost)
    assert remote.pools == local.pools and remote.credits == local.credits
    assert local.total_ai_cost == local.allocated_cost + local.untagged_cost != 0
    assert 0 < sent < 100_000  # aggregates only
    kept = load_billing([path])
    assert (data.rows, data.rejected_rows, data.rejected_cost) == (kept.rows, kept.rejected_rows, kept.rejected_cost)
    assert data.rejected_rows == 1


def test_billing_check_on_spark_reports_what_duckdb_does(tmp_path: Path, spark: Any) -> None:
    path = str(_parquet(tmp_path))
    local = json.loads(run_cli(["billing", "check", path, "-f", "json"]).stdout)
    remote = run_cli(["billing", "check", "--engine", "spark", path, "-f", "json"])
    got = json.loads(remote.stdout)
    assert remote.exit_code == local["exit_code"] == 1  # the row with bad Tags
    assert [got[k] for k in ("ai_spend", "billed_cost", "rows", "rejected_rows", "rejected_cost")] == [
        local[k] for k in ("ai_spend", "billed_cost", "rows", "rejected_rows", "rejected_cost")]
    missing = run_cli(["billing", "check", "--engine", "spark", "spark:no_such_db.focus"])
    assert missing.exit_code == 2 and "cannot read the table" in missing.stdout


def test_inventory_with_billing_on_spark_matches_duckdb(tmp_path: Path, spark: Any) -> None:
    path = _parquet(tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("x = 1\n")
    common = ["inventory", str(repo), "--no-cache", "--format", "json", "--billing"]
    local = run_cli([*common, str(path)])
    remote = run_cli([*common, f"spark:parquet:{path}"])
    assert local.exit_code == remote.exit_code == 0
    got, want = json.loads(remote.stdout), json.loads(local.stdout)
    for key in ("summary", "pools", "credits", "spend_by_vendor", "spend_by_team"):
        assert got[key] == want[key], key
    assert want["pools"] != []
