"""`billing check` validates every FOCUS allowed-value column, not only ChargeCategory/ServiceCategory (issue 10,
item 11). Allowed values from FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec
specification/datasets/cost_and_usage/columns/: chargeclass.md (only "Correction", nulls allowed),
chargefrequency.md (One-Time, Recurring, Usage-Based; no nulls), commitmentdiscountcategory.md (Spend, Usage),
commitmentdiscountstatus.md and capacityreservationstatus.md (Used, Unused), pricingcategory.md (Standard,
Dynamic, Committed, Other), servicesubcategory.md (the table of subcategories, each with one parent category).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from billing_helpers import focus_row, write_csv

from auditor.billing.check import check_files, report_json
from auditor.billing.ingest.load import connect

GOOD = {"ChargeClass": "", "ChargeFrequency": "Usage-Based", "CommitmentDiscountCategory": "",
        "CommitmentDiscountStatus": "", "CapacityReservationStatus": "", "PricingCategory": "Standard",
        "ServiceSubcategory": "Generative AI"}


@pytest.mark.parametrize("column, value", [
    ("ChargeClass", "Regular"), ("ChargeClass", "correction"), ("ChargeFrequency", "Monthly"),
    ("ChargeFrequency", ""), ("CommitmentDiscountCategory", "Reservation"), ("CommitmentDiscountStatus", "Partial"),
    ("CapacityReservationStatus", "Idle"), ("PricingCategory", "On-Demand"), ("ServiceSubcategory", "LLM"),
])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_value_outside_the_spec_list_is_noted_with_its_row(tmp_path: Path, column: str, value: str,
                                                              fmt: str) -> None:
    rows = [focus_row(**GOOD), focus_row(**{**GOOD, column: value})]
    path = write_csv(tmp_path / "v.csv", rows)
    if fmt == "parquet":
        out = tmp_path / "v.parquet"
        connect().execute(f"COPY (SELECT * FROM read_csv('{path}', all_varchar=true)) TO '{out}' (FORMAT parquet)")
        path = out
    report = check_files([path])
    assert report.exit_code == 0  # a note, the row stays valid
    notes = [n for n in report.data.notes if n.column == column] if report.data else []
    assert len(notes) == 1 and notes[0].count == 1, notes
    assert notes[0].example == (value or None)
    if column != "ServiceSubcategory":
        assert notes[0].row == 2
    assert any(column in n for n in report_json(report)["notes"])


def test_the_allowed_values_raise_no_note(tmp_path: Path) -> None:
    rows = [focus_row(**{**GOOD, "ChargeClass": "Correction", "ChargeFrequency": f, "PricingCategory": p,
                         "CommitmentDiscountCategory": c, "CommitmentDiscountStatus": s,
                         "CapacityReservationStatus": s})
            for f, p, c, s in [("One-Time", "Committed", "Spend", "Used"), ("Recurring", "Dynamic", "Usage", "Unused"),
                               ("Usage-Based", "Other", "", "")]]
    report = check_files([write_csv(tmp_path / "ok.csv", rows)])
    assert report.data is not None and not report.data.notes, report.data.notes


def test_a_subcategory_under_the_wrong_category_is_noted(tmp_path: Path) -> None:
    report = check_files([write_csv(tmp_path / "p.csv", [focus_row(**{**GOOD, "ServiceSubcategory": "Object Storage"})])])
    assert report.data is not None
    assert [(n.column, n.example) for n in report.data.notes] == [("ServiceSubcategory", "Object Storage")]
    assert "'Storage'" in report.data.notes[0].reason


def test_a_null_service_subcategory_is_reported_by_billing_check(tmp_path: Path) -> None:
    """ServiceSubcategory MUST NOT be null (FOCUS 1.2, ServiceSubcategory-C-002-M): an empty cell is noted."""
    path = write_csv(tmp_path / "p.csv", [focus_row(**GOOD), focus_row(**{**GOOD, "ServiceSubcategory": ""})])
    notes = [(n.column, n.reason, n.count) for n in check_files([path]).data.notes]
    assert notes == [("ServiceSubcategory", "empty", 1)]


def test_a_filled_service_subcategory_raises_no_note(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [focus_row(**GOOD), focus_row(**GOOD)])
    assert not check_files([path]).data.notes
