"""`billing convert --focus-version 1.3`: every converter's 1.3 output re-reads as FOCUS 1.3 with the totals
and pools of its 1.2 output, and meets the 1.3 column and metadata requirements.

focus-validator 2.2.1 has no 1.3 rules, so the requirements are tested here directly, as the FOCUS_Spec
repository states them (specification/datasets/cost_and_usage/columns/): serviceprovidername.md and
hostprovidername.md ("MUST be present", "MUST NOT be null"; HostProviderName "MAY equal
ServiceProviderName"), providername.md / publishername.md (deprecated, kept), allocated*.md and
contractapplied.md (present only when the provider splits costs / has contract commitments), and
specification/metadata/schema/focusversion.md ("FocusVersion MUST be provided in the metadata").
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from test_billing_convert import NATIVE, ROUND_TRIPS

from auditor.billing import load_billing, pool_spend
from auditor.billing.check import check_files, summary_lines
from auditor.billing.convert import convert_files
from auditor.billing.convert.focus13 import CONDITIONAL, metadata_path
from auditor.billing.ingest import focus
from auditor.policy import Policy
from tests.helpers import run_cli


def _columns(path: Path) -> list[str]:
    return [r[0] for r in duckdb.connect().execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()]


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
@pytest.mark.parametrize("kind, files, native_total", ROUND_TRIPS)
def test_1_3_output_rereads_as_focus_1_3_with_the_totals_and_pools_of_1_2(
        tmp_path: Path, kind: str, files: list[str], native_total: object, suffix: str, demo_policy: Policy) -> None:
    inputs = [NATIVE / f for f in files]
    v12, v13 = tmp_path / f"v12{suffix}", tmp_path / f"v13{suffix}"
    assert run_cli(["billing", "convert", *map(str, inputs), "--from", kind, "-o", str(v12)]).exit_code == 0
    done = run_cli(["billing", "convert", *map(str, inputs), "--from", kind, "-o", str(v13), "--focus-version", "1.3"])
    assert done.exit_code == 0, done.output
    report = check_files([v13])
    assert report.exit_code == 0 and report.data is not None
    assert [f.focus_version for f in report.data.files] == ["1.3"]
    assert f"file {v13}: {suffix[1:]}, FOCUS 1.3" in "\n".join(summary_lines(report))
    old, new = load_billing([v12]), load_billing([v13])
    assert old.files[0].focus_version == "1.2"
    assert new.currencies == old.currencies and new.rows == old.rows and new.rejected_rows == 0
    assert not [n for n in new.notes if "not a FOCUS column" in n.reason or "read as" in n.reason], new.notes
    a, b = pool_spend(old, demo_policy), pool_spend(new, demo_policy)
    assert (b.total_ai_cost, b.allocated_cost, b.untagged_cost) == (a.total_ai_cost, a.allocated_cost, a.untagged_cost)
    assert b.pools == a.pools and b.allocated == a.allocated and b.spend_by_vendor == a.spend_by_vendor


@pytest.mark.parametrize("kind, files, native_total", ROUND_TRIPS)
def test_1_3_columns_are_filled_as_the_spec_requires(tmp_path: Path, kind: str, files: list[str],
                                                      native_total: object) -> None:
    out = tmp_path / "v13.parquet"
    result = convert_files([NATIVE / f for f in files], kind, out, focus_version="1.3")
    cols = _columns(out)
    # Mandatory 1.3 columns present; the deprecated 1.2 names kept beside them.
    assert {"ServiceProviderName", "HostProviderName", "ProviderName", "PublisherName"} <= set(cols)
    # No converter emits provider splits or contract commitments: those conditional columns are absent.
    assert not set(CONDITIONAL) & set(cols)
    con = duckdb.connect()
    bad = con.execute(f"""SELECT count(*) FILTER (WHERE ServiceProviderName IS NULL OR HostProviderName IS NULL),
                                 count(*) FILTER (WHERE ServiceProviderName IS DISTINCT FROM ProviderName),
                                 count(*) FILTER (WHERE HostProviderName IS DISTINCT FROM ServiceProviderName),
                                 count(*) FROM '{out}'""").fetchone()
    assert bad == (0, 0, 0, result.rows) and result.rows > 0
    # FOCUS columns first, in column-id order, then the converter's x_ columns.
    spec = [c for c in cols if not c.startswith("x_")]
    assert spec == sorted(spec) and cols[: len(spec)] == spec
    kv = con.execute(f"SELECT key, value FROM parquet_kv_metadata('{out}')").fetchall()
    assert (b"FocusVersion", b"1.3") in kv


def test_1_3_metadata_names_the_version_the_dataset_and_every_column(tmp_path: Path) -> None:
    out = tmp_path / "bedrock.csv"
    result = convert_files([NATIVE / "aws-cur2.csv"], "aws-cur", out, focus_version="1.3")
    assert result.focus_version == "1.3" and result.metadata == str(tmp_path / "bedrock.focus-metadata.json")
    meta = json.loads(metadata_path(out).read_text())
    schema = meta["Schema"]
    assert schema["FocusVersion"] == "1.3"
    assert meta["DatasetInstance"] == [{"DatasetInstanceId": schema["DatasetInstanceId"],
                                        "DatasetInstanceName": "bedrock.csv", "FocusDatasetId": "CostAndUsage"}]
    defs = {d["ColumnName"]: d for d in schema["ColumnDefinition"]}
    assert list(defs) == _columns(out)
    assert defs["BilledCost"] == {"ColumnName": "BilledCost", "DataType": "DECIMAL", "NumericPrecision": 38,
                                  "NumberScale": 10}
    assert defs["Tags"]["DataType"] == "JSON" and defs["ChargePeriodStart"]["DataType"] == "DATETIME"
    assert [c for c, d in defs.items() if d.get("Deprecated")] == ["ProviderName", "PublisherName"]
    # The same structure keeps its SchemaId; another structure gets another.
    again = convert_files([NATIVE / "aws-cur2.csv"], "aws-cur", tmp_path / "b2.csv", focus_version="1.3")
    assert json.loads(Path(str(again.metadata)).read_text())["Schema"]["SchemaId"] == schema["SchemaId"]
    other = convert_files([NATIVE / "gcp-billing.jsonl"], "gcp", tmp_path / "g.csv", focus_version="1.3")
    assert json.loads(Path(str(other.metadata)).read_text())["Schema"]["SchemaId"] != schema["SchemaId"]


def test_1_2_stays_the_default_without_1_3_columns_or_metadata(tmp_path: Path) -> None:
    out = tmp_path / "v12.parquet"
    result = convert_files([NATIVE / "aws-cur2.csv"], "aws-cur", out)
    assert result.focus_version == "1.2" and result.metadata is None
    assert not set(focus.COLUMNS_1_3) & set(_columns(out))
    assert not metadata_path(out).exists()


def test_an_unknown_focus_version_is_refused(tmp_path: Path) -> None:
    result = run_cli(["billing", "convert", str(NATIVE / "aws-cur2.csv"), "-o", str(tmp_path / "o.csv"),
                      "--focus-version", "1.4"])
    assert result.exit_code == 2 and not (tmp_path / "o.csv").exists()
