"""FOCUS 1.3 origin charges beside their split rows (one file, or two): each dollar is counted once.

Per FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec specification/attributes/
data_generator_calculated_split_cost_allocation_handling.md: allocated charges repeat the origin charge's
dimensions and "the sum of FOCUS column values in allocated charges MUST match the corresponding value in
the origin charge"; allocatedmethodid.md: AllocatedMethodId is null on a charge that is not a split.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from billing_helpers import focus_row, policy_from, write_csv
from test_billing_focus13 import REST, TEAM, bedrock_row

from auditor.billing import load_billing, pool_spend
from auditor.billing.check import check_files, summary_lines
from auditor.billing.records import BillingData

PT = "arn:aws:bedrock:us-east-1:1:provisioned-model/pt"


def origin(cost: str = "10.00", **over: str) -> dict[str, str]:
    return bedrock_row(ResourceId=PT, Tags=TEAM, BilledCost=cost, **over)


def splits(*costs: str, **over: str) -> list[dict[str, str]]:
    tags = [REST, '{"use_case": "c"}', ""]
    return [bedrock_row(**{"ResourceId": PT, "Tags": TEAM, "BilledCost": c, "AllocatedMethodId": "proportional-tokens",
                           "AllocatedResourceId": f"app-{i}", "AllocatedTags": tags[i % 3], **over})
            for i, c in enumerate(costs)]


OTHER = focus_row(BilledCost="1.25")  # an OpenAI row, fully tagged, unrelated to the split


def total_view(data: BillingData) -> Decimal:
    return Decimal(data.con.execute(f"SELECT sum(BilledCost) FROM {data.view}").fetchone()[0])


def assert_counted_once(data: BillingData) -> None:
    assert data.rejected_rows == 0
    assert [(m.currency, m.amount) for m in data.currencies] == [("USD", Decimal("11.25"))]
    assert total_view(data) == Decimal("11.25")  # the valid-row view (reconciliation) agrees
    result = pool_spend(data, policy_from({}))
    assert result.total_ai_cost == Decimal("11.25")
    assert result.allocated_cost == Decimal("7.25") and result.untagged_cost == Decimal("4.00")
    assert {p.missing_keys: p.cost for p in result.pools} == {("environment",): Decimal("3.00"),
                                                              ("use_case", "environment"): Decimal("1.00")}


def test_one_file_with_origin_and_its_splits_counts_the_splits_once(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "both.csv", [origin(), *splits("6.00", "3.00", "1.00"), OTHER])
    data = load_billing([path])
    assert data.rows == 5 and data.valid_rows == 5
    assert_counted_once(data)
    notes = [n for n in data.notes if n.column == "AllocatedMethodId"]
    assert len(notes) == 1 and notes[0].count == 1 and "(10 USD)" in notes[0].reason
    assert "counted once, through the split rows" in notes[0].reason


@pytest.mark.parametrize("origin_has_1_3_columns", [True, False], ids=["origins in a 1.3 file", "origins in a 1.2 file"])
def test_origins_in_one_file_and_splits_in_another_count_once(tmp_path: Path, origin_has_1_3_columns: bool) -> None:
    row = origin()
    if not origin_has_1_3_columns:
        row = {k: v for k, v in row.items() if not k.startswith(("Allocated", "Contract", "ServiceProvider", "Host"))}
    first = write_csv(tmp_path / "origins.csv", [row, OTHER])
    second = write_csv(tmp_path / "splits.csv", splits("6.00", "3.00", "1.00"))
    data = load_billing([first, second])
    assert_counted_once(data)
    assert [n.file for n in data.notes if n.column == "AllocatedMethodId"] == [str(first)]


def test_splits_that_do_not_add_up_leave_the_origin_counted_and_are_set_aside(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", [origin(), *splits("6.00", "3.00"), OTHER])
    data = load_billing([path])
    assert [(m.currency, m.amount) for m in data.currencies] == [("USD", Decimal("11.25"))]
    assert total_view(data) == Decimal("11.25") and data.rows == 4
    result = pool_spend(data, policy_from({}))
    assert result.total_ai_cost == Decimal("11.25") and result.allocated_cost == Decimal("1.25")
    # The origin's own Tags lack use_case and environment: all of it is untagged, none of the splits' tags count.
    assert {p.missing_keys: p.cost for p in result.pools} == {("use_case", "environment"): Decimal("10.00")}
    notes = [n for n in data.notes if n.column == "AllocatedMethodId"]
    assert len(notes) == 1 and notes[0].count == 2 and "(9 USD)" in notes[0].reason
    assert "do not add up" in notes[0].reason


def test_an_origin_of_another_period_is_a_charge_of_its_own(tmp_path: Path) -> None:
    """No-op: splits of one day do not replace an origin charge of the next day."""
    later = origin(ChargePeriodStart="2026-10-06T00:00:00Z", ChargePeriodEnd="2026-10-07T00:00:00Z")
    data = load_billing([write_csv(tmp_path / "two.csv", [later, *splits("6.00", "3.00", "1.00")])])
    assert [m.amount for m in data.currencies] == [Decimal("20.00")]
    assert not [n for n in data.notes if n.column == "AllocatedMethodId"]


def test_check_reports_the_total_once_and_says_why(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "both.csv", [origin(), *splits("6.00", "3.00", "1.00"), OTHER])
    report = check_files([path])
    assert report.exit_code == 0
    lines = summary_lines(report)
    assert "BilledCost: 11.25 USD (4 rows)" in lines
    assert "AI spend (generative AI rows): 11.25 USD (4 rows)" in lines


def test_a_rejected_split_row_is_not_paired_so_the_origin_stays_counted(tmp_path: Path) -> None:
    """The 1.00 split has invalid AllocatedTags: it is rejected (cost reported), the other splits add up to 9.00,
    not 10.00, so the origin is counted and they are set aside; no dollar is counted twice or lost."""
    rows = [origin(), *splits("6.00", "3.00"), *splits("1.00", AllocatedTags='{"team": {"x": 1}}')[:1], OTHER]
    rows[3]["AllocatedResourceId"] = "app-9"
    data = load_billing([write_csv(tmp_path / "r.csv", rows)])
    assert data.rejected_rows == 1 and data.rejected[0].column == "AllocatedTags"
    assert [(m.currency, m.amount) for m in data.rejected_cost] == [("USD", Decimal("1.00"))]
    assert [m.amount for m in data.currencies] == [Decimal("11.25")] and total_view(data) == Decimal("11.25")
