"""FOCUS 1.3 input: spec columns, AllocatedTags in allocation, split rows, ContractApplied; tax on AI services.

Column definitions cited from FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec,
specification/datasets/cost_and_usage/columns/: allocatedtags.md ("AllocatedTags MUST NOT include
resource tags already present in Tags"; Introduced 1.3), allocatedmethodid.md (null unless the charge is a
split cost allocation), contractapplied.md (ContractCommitmentID, ContractCommitmentAppliedCost,
ContractCommitmentAppliedQuantity, ContractCommitmentAppliedUnit; example 1 wraps them as
{"ContractApplied": [...]}), serviceprovidername.md / hostprovidername.md (1.3), providername.md and
publishername.md (deprecated in 1.3, still present).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from billing_helpers import focus_row, policy_from, write_csv

from auditor.billing import load_billing, pool_spend
from auditor.billing.check import check_files, summary_lines
from auditor.billing.ingest import focus

V13 = {"ServiceProviderName": "AWS", "HostProviderName": "AWS", "AllocatedMethodId": "", "AllocatedMethodDetails": "",
       "AllocatedResourceId": "", "AllocatedResourceName": "", "AllocatedTags": "", "ContractApplied": ""}
TEAM = '{"team": "a", "cost_center": "b"}'
REST = '{"use_case": "c", "environment": "d"}'


def bedrock_row(**over: Any) -> dict[str, Any]:
    return focus_row(**{"ProviderName": "AWS", "PublisherName": "AWS", "InvoiceIssuerName": "AWS",
                        "ServiceName": "Amazon Bedrock", "SubAccountId": "123456789012", "x_Model": "",
                        "x_TokenType": "", "SkuMeter": "USE1-Claude3Haiku-input-tokens", **V13, **over})


def test_a_1_3_file_is_read_as_focus_1_3_and_its_columns_are_spec_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "v13.csv", [bedrock_row()])
    report = check_files([path])
    data = report.data
    assert data is not None and data.files[0].focus_version == "1.3"
    assert any("FOCUS 1.3" in line for line in summary_lines(report))
    assert not [n for n in data.notes if "not a FOCUS column" in n.reason], data.notes
    # ProviderName and PublisherName are deprecated in 1.3 but present: read as they are, no alias note.
    row = data.con.execute(f"SELECT ProviderName, PublisherName, ServiceProviderName, HostProviderName "
                           f"FROM {data.view}").fetchone()
    assert row == ("AWS", "AWS", "AWS", "AWS")
    assert not [n for n in data.notes if "read as ProviderName" in n.reason]
    assert set(focus.COLUMNS_1_3) == set(V13)


def test_split_rows_whose_allocated_tags_complete_the_keys_are_allocated_and_counted_once(tmp_path: Path) -> None:
    """An origin charge of 10.00 split three ways: the split rows replace it (the origin is not in the data)."""
    split = {"AllocatedMethodId": "proportional-tokens", "ResourceId": "arn:aws:bedrock:us-east-1:1:provisioned/pt",
             "Tags": TEAM}
    rows = [bedrock_row(**split, BilledCost="6.00", AllocatedResourceId="app-a", AllocatedTags=REST),
            bedrock_row(**split, BilledCost="3.00", AllocatedResourceId="app-b",
                        AllocatedTags='{"use_case": "c"}'),
            bedrock_row(**split, BilledCost="1.00", AllocatedResourceId="app-c", AllocatedTags="")]
    result = pool_spend(load_billing([write_csv(tmp_path / "split.csv", rows)]), policy_from({}))
    assert result.total_ai_cost == Decimal("10.00")
    assert result.allocated_cost == Decimal("6.00")
    assert result.untagged_cost == Decimal("4.00")
    missing = {p.missing_keys: p.cost for p in result.pools}
    assert missing == {("environment",): Decimal("3.00"), ("use_case", "environment"): Decimal("1.00")}


def test_tags_win_over_a_repeated_allocated_tags_key(tmp_path: Path) -> None:
    row = bedrock_row(Tags=TEAM, AllocatedTags='{"team": "other", "use_case": "c", "environment": "d"}')
    result = pool_spend(load_billing([write_csv(tmp_path / "r.csv", [row])]), policy_from({}))
    assert result.allocated_cost == Decimal("1.25")
    assert [s.name for s in result.spend_by_team] == ["a"]


def test_invalid_allocated_tags_reject_the_row_with_its_cost(tmp_path: Path) -> None:
    data = load_billing([write_csv(tmp_path / "r.csv", [bedrock_row(AllocatedTags='["x"]')])])
    assert data.rejected_rows == 1 and data.rejected[0].column == "AllocatedTags"
    assert data.rejected[0].cost == Decimal("1.25")


def test_contract_applied_spend_is_shown_apart_from_on_demand(tmp_path: Path) -> None:
    applied = json.dumps({"ContractApplied": [{
        "ContractCommitmentID": "pt-commit-1", "ContractCommitmentAppliedCost": 4.5,
        "ContractCommitmentAppliedQuantity": None, "ContractCommitmentAppliedUnit": None}]})
    rows = [bedrock_row(BilledCost="4.50", ContractApplied=applied, Tags=TEAM, AllocatedTags=REST),
            bedrock_row(BilledCost="2.00", Tags=TEAM, AllocatedTags=REST)]
    path = write_csv(tmp_path / "c.csv", rows)
    result = pool_spend(load_billing([path]), policy_from({}))
    sources = dict(result.allocated[0].cost_sources)
    assert sources == {"input/committed": Decimal("4.50"), "input": Decimal("2.00")}
    report = check_files([path])
    assert report.committed_ai == (("USD", "pt-commit-1", Decimal("4.50"), Decimal("4.5"), 1),)
    assert any("committed" in line and "pt-commit-1" in line for line in summary_lines(report))


def test_tax_on_ai_services_counts_the_same_way_for_every_provider(tmp_path: Path) -> None:
    tax = {"ChargeCategory": "Tax", "SkuMeter": "", "x_Model": "", "x_TokenType": "", "BilledCost": "0.10"}
    rows = [focus_row(**tax, ProviderName="Google Cloud", ServiceName="Vertex AI"),
            focus_row(**tax, ProviderName="AWS", ServiceName="Amazon Bedrock"),
            focus_row(**tax, ProviderName="Microsoft", ServiceName="Azure AI Services")]
    result = pool_spend(load_billing([write_csv(tmp_path / "tax.csv", rows)]), policy_from({}))
    assert result.total_ai_cost == Decimal("0.30")
    assert {s.name for s in result.spend_by_vendor} == {"Google Vertex AI", "AWS Bedrock", "Azure OpenAI"}


def test_a_split_rows_pool_is_keyed_by_its_allocated_resource_not_the_shared_origin(tmp_path: Path) -> None:
    """Two split rows of one provisioned-throughput charge, each allocated to an app without full tags: two pools,
    named by AllocatedResourceId/AllocatedResourceName; an unsplit row keeps its ResourceId."""
    split = {"AllocatedMethodId": "proportional-tokens", "ResourceId": "arn:aws:bedrock:us-east-1:1:provisioned/pt",
             "ResourceName": "pt", "Tags": TEAM}
    rows = [bedrock_row(**split, BilledCost="6.00", AllocatedResourceId="app-a", AllocatedResourceName="App A"),
            bedrock_row(**split, BilledCost="4.00", AllocatedResourceId="app-b", AllocatedResourceName="App B"),
            bedrock_row(BilledCost="1.00", ResourceId="arn:aws:bedrock:us-east-1:1:provisioned/other", Tags=TEAM)]
    result = pool_spend(load_billing([write_csv(tmp_path / "split.csv", rows)]), policy_from({}))
    pools = {(p.resource_id, p.resource_name): p.cost for p in result.pools}
    assert pools == {("app-a", "App A"): Decimal("6.00"), ("app-b", "App B"): Decimal("4.00"),
                     ("arn:aws:bedrock:us-east-1:1:provisioned/other", None): Decimal("1.00")}
    assert result.untagged_cost + result.allocated_cost == result.total_ai_cost == Decimal("11.00")
