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
from tests.quarterly.conftest import BILLING, INVOICES, POLICY, app_history


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

    src = engines.table_source("spark:parquet:focus", list(describe(connect(), _parquet(tmp_path), 0).types))
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


@pytest.fixture(scope="module")
def quarter(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo quarter (examples/quarter: 613 FOCUS rows, invoices, policy) as a typed Parquet file, and
    examples/app as a git repository with a commit before each month end (the quarterly report reads them)."""
    root = tmp_path_factory.mktemp("engines")
    data = load_billing([BILLING])
    out = root / "q3.parquet"
    data.con.execute(f"COPY (SELECT * EXCLUDE (x_SourceFile, x_ContractCommitmentId, x_ContractAppliedCost) "
                     f"FROM {data.view}) TO '{out}' (FORMAT parquet)")
    data.con.close()
    return {"parquet": out, "repo": app_history(root), "root": root}


def _key_money(command: str, out: str) -> dict[str, Any]:
    """AI total, untagged total and pools as each command prints them."""
    if command == "score":  # text: "untagged spend share 12.1% (4,369.93 of 36,155.37)"
        return {"untagged of total": next(line.split("(")[1] for line in out.splitlines() if "untagged spend" in line)}
    doc = json.loads(out)
    if command == "inventory":
        return {"summary": doc["summary"], "pools": doc["pools"], "reconciliation": doc["reconciliation"]}
    if command == "quarterly":
        return {k: doc[k] for k in ("total_ai_cost", "untagged_pools", "months", "by_team", "readiness")}
    if command == "chargeback":
        return {k: doc[k] for k in ("total_ai_cost", "overhead", "ready", "months")}
    return {k: doc[k] for k in ("total_ai_cost", "allocated_cost", "untagged_cost", "periods", "breakdowns")}


# Each billing command, on DuckDB and on Spark, the same Parquet: every aggregate a report makes over the rows
# (showback lines, reconciliation, quarterly measures) runs on Spark, through the one transpiled path. The local
# view of an engine table's rows is empty (it only types the results), so a query that stayed local shows.
COMMANDS = {
    "showback": ["report", "showback", "-f", "json"],
    "chargeback": ["report", "chargeback", "-f", "json", "--invoices", str(INVOICES)],
    "quarterly": ["report", "quarterly", "-f", "json", "--invoices", str(INVOICES), "--quarter", "2026-Q3",
                  "--no-record"],
    "score": ["score", "--invoices", str(INVOICES), "--no-record"],
    "inventory": ["inventory", "-f", "json", "--invoices", str(INVOICES)],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_billing_command_on_spark_matches_duckdb(command: str, quarter: dict[str, Path], spark: Any) -> None:
    path = quarter["parquet"]
    common = [*COMMANDS[command], str(quarter["repo"]), "--policy", str(POLICY), "--cache-dir",
              str(quarter["root"] / "cache"), *(["--history-file", str(quarter["root"] / f"{command}.sqlite")]
                                                if command in ("score", "quarterly") else [])]
    local = run_cli([*common, "--billing", str(path)])
    # Both spellings: --engine spark with the file, and the table form (spark:parquet:PATH, as spark:db.table).
    remote = run_cli([*common, *(["--engine", "spark", "--billing", str(path)] if command in ("score", "showback")
                                 else ["--billing", f"spark:parquet:{path}"])])
    assert local.exit_code == remote.exit_code == 0, remote.stderr
    want, got = _key_money(command, local.stdout), _key_money(command, remote.stdout)
    assert got == want
    if command != "inventory":  # inventory names its billing input (a file here, a table there)
        assert remote.stdout == local.stdout
    assert "36155.37" in local.stdout.replace(",", "")  # the demo quarter's AI total


def test_every_query_run_on_spark_parses_in_each_dialect(quarter: dict[str, Path], spark: Any) -> None:
    """The rollup, the valid-rows view and each report's aggregates, as run on Spark for the quarterly
    report's parts, transpiled to every generated-only dialect and parsed back by sqlglot."""
    import sqlglot

    from auditor.billing import load_invoices, reconcile
    from auditor.finops.chargeback import build_chargeback
    from auditor.finops.lines import build_lines
    from auditor.finops.showback import build_showback
    from auditor.policy import load_policy
    from auditor.quarterly.measures import measure

    data, _ = engines.load_remote("spark", f"parquet:{quarter['parquet']}")
    policy, bills = load_policy(POLICY), load_invoices(INVOICES)
    dims = build_lines(data, policy, "month")  # as the quarterly report does (quarterly.pipeline.billing_side)
    build_showback(data, policy, "month", dims)
    reconcile(data, bills, policy)
    measure(data, dims.keys)
    build_chargeback(data, policy, bills, dims)
    assert isinstance(data.remote, engines.SparkRows)
    queries = data.remote.queries
    assert len(queries) >= 5, queries  # rollup, rows view, showback lines, reconciliation (2), measures
    for dialect in engines.DIALECTS:
        for sql in queries:
            assert sqlglot.parse_one(engines.transpile(sql, dialect, data.remote.names), read=dialect) is not None


def test_bad_input_on_spark_fails_like_a_file(quarter: dict[str, Path], spark: Any) -> None:
    """A missing table, a missing column and a wrong type: exit 2 (unusable input) with the file's message."""
    con = connect()
    path = quarter["parquet"]
    bad = {"nocost": f"SELECT * EXCLUDE (BilledCost) FROM '{path}'",
           "boolcost": f"SELECT * REPLACE (BilledCost > 0 AS BilledCost) FROM '{path}'",
           "textdate": f"SELECT * REPLACE (CAST(ChargePeriodStart AS VARCHAR) AS ChargePeriodStart) FROM '{path}'"}
    for name, sql in bad.items():
        con.execute(f"COPY ({sql}) TO '{quarter['root'] / name}.parquet' (FORMAT parquet)")
    common = ["report", "showback", str(quarter["repo"]), "--policy", str(POLICY), "--billing"]
    cases = {"spark:no_such_db.focus": "The table or view `no_such_db`.`focus` cannot be found",
             "spark:parquet:" + str(quarter["root"] / "nocost.parquet"): "missing mandatory column(s) BilledCost",
             "spark:parquet:" + str(quarter["root"] / "boolcost.parquet"): "column BilledCost has type BOOLEAN",
             "spark:parquet:" + str(quarter["root"] / "textdate.parquet"): "column ChargePeriodStart has type VARCHAR"}
    for spec, message in cases.items():
        result = run_cli([*common, spec])
        assert result.exit_code == 2 and message in result.stderr, (spec, result.stderr)
        assert "Traceback" not in result.stderr
    # The same file on DuckDB: the same message for the wrong type, and `billing check` names the missing column.
    as_file = run_cli([*common, str(quarter["root"] / "boolcost.parquet")])
    assert as_file.exit_code == 2 and "column BilledCost has type BOOLEAN" in as_file.stderr
    check = run_cli(["billing", "check", str(quarter["root"] / "nocost.parquet")])
    assert check.exit_code == 2 and "missing mandatory column(s) BilledCost" in check.stdout


def test_engine_options_that_cannot_work_are_refused_before_any_work(tmp_path: Path) -> None:
    """No Spark needed: these fail on the command line, exit 2 (unusable input) with what to do."""
    one, two = write_csv(tmp_path / "a.csv", [focus_row()]), write_csv(tmp_path / "b.csv", [focus_row()])
    cases = {
        ("--engine", "duckdb", "--billing", "spark:db.focus"): "--engine duckdb does not read spark:db.focus",
        ("--engine", "spark", "--billing", str(one), "--billing", str(two)): "reads one table or Parquet path",
        ("--billing", "spark:db.focus", "--billing", str(one)): "an engine table is read on its own",
        ("--billing", str(one), "--invoices", "spark:db.invoices"): "--invoices reads a YAML or CSV file",
    }
    for args, message in cases.items():
        for command in (["report", "chargeback"], ["score", "--no-record"], ["inventory"]):
            result = run_cli([*command, str(tmp_path), *args])
            assert result.exit_code == 2 and message in result.stderr, (command, args, result.stderr)
    assert engines.billing_specs("spark", ["f.parquet"]) == ["spark:parquet:f.parquet"]
    assert engines.billing_specs(None, ["spark:db.focus"]) == ["spark:db.focus"]
    assert engines.billing_specs("duckdb", ["a.csv", "b.csv"]) == ["a.csv", "b.csv"]



@pytest.mark.parametrize("dialect", engines.DIALECTS)
def test_the_rollup_in_each_dialect_computes_what_duckdb_computes(tmp_path: Path, dialect: str) -> None:
    """Only Spark runs here, so each dialect's SQL is read back into DuckDB's dialect and run on the same Parquet:
    it must compute exactly the rows DuckDB's own rollup computes. The source is the one an engine table gets
    (engines.table_source: the same columns and types, ContractApplied not read on an engine)."""
    import sqlglot
    from sqlglot.errors import ErrorLevel

    parquet = _parquet(tmp_path)
    con = connect()
    src = engines.table_source("spark:parquet:focus", list(describe(con, parquet, 0).types))
    con.execute(f"CREATE VIEW {engines.SOURCE_VIEW} AS SELECT * FROM read_parquet('{parquet}')")
    want = sorted(map(repr, con.execute(engines.rollup_for(src, "duckdb")).fetchall()))
    generated = sqlglot.parse_one(engines.rollup_for(src, dialect), read=dialect)
    back = generated.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    assert sorted(map(repr, con.execute(back).fetchall())) == want and len(want) > 1


def test_sql_sqlglot_cannot_write_in_a_dialect_is_refused_not_approximated(tmp_path: Path) -> None:
    """A file's ContractApplied parsing (a JSON wildcard path) has no BigQuery form in sqlglot: SQL that parses
    but computes something else would be worse than none, so transpile refuses it."""
    src = describe(connect(), _parquet(tmp_path), 0)
    assert any(name == "ContractApplied" for name, _ in src.mapping)
    with pytest.raises(TagauditError, match="cannot be written for bigquery"):
        engines.rollup_for(src, "bigquery")


def test_double_money_reads_on_spark_as_on_duckdb(tmp_path: Path, spark: Any) -> None:
    """Money typed DOUBLE, as many exports store it (here with a float-shaped OpenAI amount, 0.0038085000000000003,
    whose digits beyond the 10th decimal get the rounding note): the same showback and the same check on both."""
    path = tmp_path / "double.parquet"
    con = connect()
    con.execute(f"COPY (SELECT * REPLACE (BilledCost::DOUBLE AS BilledCost, EffectiveCost::DOUBLE AS EffectiveCost) "
                f"FROM read_csv('{BILLING}', all_varchar = false) UNION ALL "
                f"(SELECT * REPLACE (0.0038085000000000003::DOUBLE AS BilledCost, 0.0038085000000000003::DOUBLE AS "
                f"EffectiveCost) FROM read_csv('{BILLING}', all_varchar = false) LIMIT 1)) TO '{path}' (FORMAT parquet)")
    assert con.execute(f"DESCRIBE SELECT BilledCost FROM '{path}'").fetchone()[1] == "DOUBLE"
    show = ["report", "showback", "-f", "json", "--policy", str(POLICY), str(tmp_path)]
    local, remote = run_cli([*show, "--billing", str(path)]), run_cli([*show, "--billing", f"spark:parquet:{path}"])
    assert local.exit_code == remote.exit_code == 0, remote.stderr
    assert remote.stdout == local.stdout and "36155.3738085" in local.stdout
    check = json.loads(run_cli(["billing", "check", str(path), "-f", "json"]).stdout)
    on_spark = json.loads(run_cli(["billing", "check", "--engine", "spark", str(path), "-f", "json"]).stdout)
    assert [on_spark[k] for k in ("ai_spend", "billed_cost", "rows", "rejected_rows")] == [
        check[k] for k in ("ai_spend", "billed_cost", "rows", "rejected_rows")]
    # The rounding note from the counts the engine's rollup brought back (no example row: the rows stay there).
    rounded = "BilledCost: more than 10 decimal places; rounded to DECIMAL(38, 10)"
    assert any(rounded in n for n in check["notes"]) and any(rounded in n for n in on_spark["notes"]), (
        check["notes"], on_spark["notes"])
