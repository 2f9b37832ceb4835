"""The FOCUS 1.3 Contract Commitment dataset beside cost-and-usage files: detected by its columns, its rows
checked (bad rows counted and listed, never dropped), and committed AI spend shown apart from on-demand.

Columns and rules from FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec specification/datasets/contract_commitment/
dataset.md (the thirteen columns; joined to Cost and Usage through ContractApplied's ContractCommitmentID) and
columns/contractcommitmentcategory.md ("Spend" | "Usage"), contractcommitmentcost.md ("MUST NOT be null when
ContractCommitmentQuantity is null"), contractcommitmentperiodstart.md (inclusive start, exclusive end).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from billing_helpers import policy_from, write_csv
from test_billing_focus13 import REST, TEAM, bedrock_row

from auditor.billing import load_billing, pool_spend
from auditor.billing.check import check_files, report_json, summary_lines
from auditor.billing.convert import sniff
from auditor.billing.ingest.commitments import COLUMNS
from tests.helpers import run_cli

# A Bedrock provisioned-throughput term: 6 model units for a month, committed as 12,000 USD of spend.
PT = {"BillingCurrency": "USD", "ContractCommitmentCategory": "Spend", "ContractCommitmentCost": "12000.00",
      "ContractCommitmentDescription": "Bedrock provisioned throughput, 6 model units",
      "ContractCommitmentId": "pt-commit-1", "ContractCommitmentPeriodEnd": "2026-11-01T00:00:00Z",
      "ContractCommitmentPeriodStart": "2026-10-01T00:00:00Z", "ContractCommitmentQuantity": "",
      "ContractCommitmentType": "Provisioned Throughput", "ContractCommitmentUnit": "", "ContractId": "contract-7",
      "ContractPeriodEnd": "2027-10-01T00:00:00Z", "ContractPeriodStart": "2026-10-01T00:00:00Z"}


def commitment(**over: str) -> dict[str, str]:
    return {**PT, **over}


def applied(ident: str, cost: float) -> str:
    return json.dumps({"ContractApplied": [{"ContractCommitmentID": ident, "ContractCommitmentAppliedCost": cost,
                                            "ContractCommitmentAppliedQuantity": None,
                                            "ContractCommitmentAppliedUnit": None}]})


def cost_file(tmp_path: Path) -> Path:
    rows = [bedrock_row(BilledCost="4.50", ContractApplied=applied("pt-commit-1", 4.5), Tags=TEAM, AllocatedTags=REST),
            bedrock_row(BilledCost="2.00", Tags=TEAM, AllocatedTags=REST)]
    return write_csv(tmp_path / "cost.csv", rows)


def test_a_commitment_file_beside_cost_files_is_read_and_committed_spend_shown_apart(tmp_path: Path) -> None:
    contracts = write_csv(tmp_path / "commitments.csv", [commitment()], list(COLUMNS))
    report = check_files([cost_file(tmp_path), contracts])
    assert report.exit_code == 0 and report.data is not None
    assert [(f.path, f.focus_version, f.rows) for f in report.data.files][1] == (str(contracts), "1.3", 1)
    assert report.data.rows == 3 and report.data.valid_rows == 3
    # Cost totals are the cost file's alone: a commitment is a term, not a charge.
    assert [m.amount for m in report.data.currencies] == [Decimal("6.50")]
    lines = summary_lines(report)
    assert ("contract commitment pt-commit-1 (contract contract-7, Spend, Provisioned Throughput, "
            "2026-10-01..2026-11-01): committed 12000 USD; AI spend under it 4.5 (1 rows, applied 4.5)") in lines
    assert "AI spend on-demand (no contract commitment): 2 USD (1 rows); committed 4.5 USD (1 rows)" in lines
    (entry,) = report_json(report)["contract_commitments"]
    assert entry["id"] == "pt-commit-1" and entry["billed"] == "4.5000000000" and entry["period_end"] == \
        "2026-11-01T00:00:00Z"
    result = pool_spend(load_billing([cost_file(tmp_path), contracts]), policy_from({}))
    assert result.total_ai_cost == Decimal("6.50")


BAD = [
    ("ContractCommitmentCategory", commitment(ContractCommitmentId="c2", ContractCommitmentCategory="Monthly")),
    ("ContractId", commitment(ContractCommitmentId="c3", ContractId="")),
    ("ContractCommitmentCost", commitment(ContractCommitmentId="c4", ContractCommitmentCost="12,000")),
    ("ContractCommitmentCost", commitment(ContractCommitmentId="c5", ContractCommitmentCost="")),
    ("ContractCommitmentPeriodEnd", commitment(ContractCommitmentId="c6",
                                               ContractCommitmentPeriodEnd="2026-09-01T00:00:00Z")),
    ("ContractCommitmentPeriodStart", commitment(ContractCommitmentId="c7", ContractCommitmentPeriodStart="soon")),
    ("ContractCommitmentId", commitment()),  # repeats row 1's id
]


def test_bad_commitment_rows_are_counted_and_listed_never_dropped(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [commitment(), *(r for _, r in BAD),
                                  commitment(ContractCommitmentId="c9", ContractCommitmentCost="",
                                             ContractCommitmentQuantity="6", ContractCommitmentUnit="Model Units")]
    contracts = write_csv(tmp_path / "commitments.csv", rows, list(COLUMNS))
    with contracts.open("a", encoding="utf-8") as fh:
        fh.write("c10,only,three\n")  # a cut line: 3 cells for 13 columns
    report = check_files([contracts])
    data = report.data
    assert data is not None and report.exit_code == 1
    assert data.rows == 10 and data.valid_rows == 2 and data.rejected_rows == 8
    got = [(r.row, r.column) for r in data.rejected]
    assert got == [(i, col) for i, (col, _) in enumerate(BAD, start=2)] + [(10, None)]
    assert str(data.rejected[0]).startswith(f"{contracts}:2: ContractCommitmentCategory: 'Monthly' is not an allowed")
    assert "8 rows rejected, cost not counted: none billed" in summary_lines(report)
    ids = data.con.execute("SELECT ContractCommitmentId, ContractCommitmentQuantity FROM "
                           "billing_contract_commitments ORDER BY 1").fetchall()
    assert ids == [("c9", Decimal(6)), ("pt-commit-1", None)]


def test_a_parquet_commitment_file_is_detected_and_read(tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path / "c.csv", [commitment()], list(COLUMNS))
    out = tmp_path / "commitments.parquet"
    duckdb.connect().execute(f"COPY (SELECT * REPLACE (CAST(ContractCommitmentCost AS DECIMAL(18, 2)) AS "
                             f"ContractCommitmentCost) FROM read_csv('{csv_path}', all_varchar=true)) TO '{out}'")
    report = check_files([cost_file(tmp_path), out])
    assert report.exit_code == 0 and [c["id"] for c in report.commitments] == ["pt-commit-1"]
    assert report.commitments[0]["cost"] == Decimal(12000)


def test_commitment_files_sniff_as_focus_so_inventory_takes_them_and_convert_refuses_them(tmp_path: Path) -> None:
    contracts = write_csv(tmp_path / "commitments.csv", [commitment()], list(COLUMNS))
    assert sniff(contracts) == "focus"
    result = run_cli(["billing", "convert", str(contracts), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "Contract Commitment" in result.output


def test_without_a_commitment_file_check_output_has_no_commitment_lines(tmp_path: Path) -> None:
    """No-op: plain 1.2-style spend gets no on-demand/committed lines and no JSON key."""
    path = write_csv(tmp_path / "c.csv", [bedrock_row(Tags=TEAM, AllocatedTags=REST)])
    report = check_files([path])
    assert not report.commitments and "contract_commitments" not in report_json(report)
    assert not [line for line in summary_lines(report) if "on-demand" in line]
