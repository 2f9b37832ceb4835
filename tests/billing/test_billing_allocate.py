"""pool_spend: tag resolution (aliases, scope map), untagged pools, breakdowns, and the Acme demo."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from billing_helpers import focus_row, policy_from, write_csv

from auditor.billing import load_billing, pool_spend
from auditor.billing.convert import convert_files
from auditor.billing.records import Allocation
from auditor.policy import Policy

EXAMPLES = Path(__file__).parents[2] / "examples" / "billing"
FULL = {"team": "a", "cost_center": "b", "use_case": "c", "environment": "d"}


def allocate(tmp_path: Path, rows: list[dict[str, Any]], policy: Policy) -> Allocation:
    return pool_spend(load_billing([write_csv(tmp_path / "r.csv", rows)]), policy)


def untagged_row(**over: Any) -> dict[str, Any]:
    return focus_row(**{"Tags": "", "x_ApiKeyId": "", "ResourceId": "", "ResourceName": "", "x_ProjectId": "",
                        "x_WorkspaceId": "", **over})


@pytest.mark.parametrize("tags", [
    pytest.param('{"team": "a", "cost_center": "b", "use_case": "c", "environment": "d"}', id="exact keys"),
    pytest.param('{"Owner": "a", "CostCenter": "b", "Feature": "c", "ENV": "d"}', id="aliases in any case"),
    pytest.param('{"team": "a", "cost-center": "b", "use case": "c", "environment": 3}', id="dash, space, number"),
])
def test_focus_tags_resolve_with_the_policy_aliases(tmp_path: Path, tags: str) -> None:
    result = allocate(tmp_path, [focus_row(Tags=tags)], policy_from({}))
    assert result.untagged_cost == 0 and result.allocated_cost == Decimal("1.25")


@pytest.mark.parametrize("tags, missing", [
    pytest.param('{"team": true, "cost_center": "b", "use_case": "c", "environment": "d"}', ("team",),
                 id="a key without value"),
    pytest.param('{"team": "", "cost_center": null, "use_case": "c", "environment": "d"}', ("team", "cost_center"),
                 id="empty and null values"),
    pytest.param('{}', ("team", "cost_center", "use_case", "environment"), id="no tags"),
])
def test_keys_without_a_usable_value_are_missing(tmp_path: Path, tags: str, missing: tuple[str, ...]) -> None:
    (pool,) = allocate(tmp_path, [focus_row(Tags=tags)], policy_from({})).pools
    assert pool.missing_keys == missing


def test_the_exact_key_name_wins_over_an_alias_and_a_tag_over_the_scope_map(tmp_path: Path) -> None:
    policy = policy_from({"scope_map": [{"kind": "openai_project", "id": "proj_a", "tags": {"team": "scoped"}}]})
    tags = '{"env": "dev", "environment": "prod", "team": "billed", "cost_center": "b", "use_case": "c"}'
    (pool,) = allocate(tmp_path, [focus_row(Tags=tags)], policy).allocated
    assert dict(pool.tags) == {"environment": "prod", "team": "billed", "cost_center": "b", "use_case": "c"}


SCOPES = [
    pytest.param({"kind": "openai_project", "id": "proj_*"}, {}, id="openai project glob on SubAccountId"),
    pytest.param({"kind": "api_key", "id": "key_support"}, {"x_ApiKeyId": "key_support"}, id="api key"),
    pytest.param({"kind": "api_key", "env": "SUPPORT_KEY"}, {"x_ApiKeyId": "key_support"},
                 id="api key named through assume_env"),
    pytest.param({"kind": "anthropic_workspace", "id": "default"},
                 {"ProviderName": "Anthropic", "ServiceName": "Claude API", "SubAccountId": ""},
                 id="anthropic default workspace"),
    pytest.param({"kind": "inference_profile", "id": "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/*"},
                 {"ProviderName": "AWS", "ServiceName": "Amazon Bedrock",
                  "ResourceId": "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/summarizer"},
                 id="bedrock inference profile glob"),
    pytest.param({"kind": "azure_endpoint", "id": "https://acme-payments.openai.azure.com/"},
                 {"ProviderName": "Microsoft", "ServiceName": "Azure OpenAI",
                  "ResourceId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/ACME-Payments"},
                 id="azure endpoint url to the account in ResourceId"),
    pytest.param({"kind": "gcp_project", "id": "acme-growth"},
                 {"ProviderName": "Google Cloud", "ServiceName": "Vertex AI", "SkuMeter": "Gemini 2.5 Flash Input Text",
                  "SubAccountId": "acme-growth"}, id="gcp project"),
]


@pytest.mark.parametrize("entry, row", SCOPES)
def test_scope_map_entries_allocate_matching_rows(tmp_path: Path, entry: dict[str, Any], row: dict[str, Any]) -> None:
    policy = policy_from({"scope_map": [{**entry, "tags": FULL}], "assume_env": {"SUPPORT_KEY": "key_support"}})
    result = allocate(tmp_path, [untagged_row(**row)], policy)
    assert result.ai_rows == 1 and result.untagged_cost == 0, result.pools


def test_a_scope_entry_only_applies_to_its_provider(tmp_path: Path) -> None:
    policy = policy_from({"scope_map": [{"kind": "openai_project", "id": "wrkspc_x", "tags": FULL}]})
    row = untagged_row(ProviderName="Anthropic", ServiceName="Claude API", SubAccountId="wrkspc_x")
    assert allocate(tmp_path, [row], policy).allocated_cost == 0


def test_pools_group_by_provider_account_resource_model_and_missing_keys(tmp_path: Path) -> None:
    rows = [untagged_row(BilledCost="1", x_TokenType="input"), untagged_row(BilledCost="2", x_TokenType="output"),
            untagged_row(BilledCost="4", SubAccountId="proj_b", Tags='{"team": "x"}'),
            focus_row(BilledCost="8")]
    result = allocate(tmp_path, rows, policy_from({}))
    assert [(p.sub_account_id, p.missing_keys, p.cost) for p in result.pools] == [
        ("proj_b", ("cost_center", "use_case", "environment"), Decimal(4)),
        ("proj_a", ("team", "cost_center", "use_case", "environment"), Decimal(3)),
    ]
    assert result.pools[1].cost_sources == (("output", Decimal(2)), ("input", Decimal(1)))
    assert result.pools[0].tags == (("team", "x"),)
    assert [(s.name, s.cost, s.allocated_cost) for s in result.spend_by_team] == [
        ("search", Decimal(8), Decimal(8)), ("x", Decimal(4), Decimal(0)),
        ("(untagged)", Decimal(3), Decimal(0))]


def test_non_ai_rows_are_not_in_the_allocation(tmp_path: Path) -> None:
    rows = [focus_row(), focus_row(ProviderName="AWS", ServiceName="Amazon S3", ServiceCategory="Storage",
                                   x_Model="", BilledCost="100")]
    result = allocate(tmp_path, rows, policy_from({}))
    assert result.total_ai_cost == Decimal("1.25") and result.ai_rows == 1


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Allocation:
    from auditor.policy import load_policy

    out = tmp_path_factory.mktemp("demo")
    natives = [p for p in EXAMPLES.iterdir() if p.suffix in (".json", ".csv") and not p.name.startswith("gcp-focus")]
    convert_files(natives, "auto", out / "native.parquet")
    data = load_billing([out / "native.parquet", EXAMPLES / "gcp-focus-1.2.csv"])
    assert data.rejected_rows == 0
    return pool_spend(data, load_policy(Path(__file__).parent / "fixtures" / "demo-policy.yaml"))


def test_the_demo_has_a_believable_untagged_share(demo: Allocation) -> None:
    assert 10_000 < demo.total_ai_cost < 25_000
    assert Decimal("0.20") <= demo.untagged_cost / demo.total_ai_cost <= Decimal("0.35")
    assert demo.currency == "USD" and demo.period is not None


def test_the_demo_pools_are_the_documented_untagged_spend(demo: Allocation) -> None:
    found = {(p.provider, p.sub_account_id or p.resource_id or "", p.model) for p in demo.pools}
    assert ("openai", "proj_legacy", "gpt-4o-mini-2024-07-18") in found
    assert ("openai", "proj_legacy", "text-embedding-3-small") in found
    assert ("anthropic", "", "claude-haiku-4-5") in found
    assert ("aws_bedrock", "123456789012", "anthropic.claude-3-haiku-20240307-v1:0") in found
    assert ("aws_bedrock", "123456789012", "Claude 3 Haiku") in found  # Marketplace edition
    azure = next(p for p in demo.pools if p.provider == "azure_openai")
    assert azure.missing_keys == ("cost_center", "use_case", "environment") and azure.tags == (("team", "payments"),)
    assert all(p.cost > 0 for p in demo.pools), "the untagged Bedrock credit is no spend pool"
    (credit,) = demo.credits
    assert (credit.provider, credit.cost_sources) == ("aws_bedrock", (("credit", Decimal(-250)),))
    assert demo.credits_cost == Decimal(-250)
    assert sum((p.cost for p in demo.pools), Decimal(0)) + demo.credits_cost == demo.untagged_cost


def test_the_demo_allocates_the_mapped_scopes_and_tagged_resources(demo: Allocation) -> None:
    teams = {s.name: s for s in demo.spend_by_team}
    assert {"support", "search", "platform", "growth", "payments", "(untagged)"} == set(teams)
    assert teams["payments"].allocated_cost == 0 and teams["platform"].untagged_cost == 0
    seen = {(s.kind, s.value) for s in demo.seen}
    assert ("inference_profile", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/summarizer") in seen
    assert {("openai_project", "proj_legacy"), ("anthropic_workspace", "default"), ("gcp_project", "acme-growth"),
            ("tag:team", "payments"), ("model", "claude-sonnet-4-5")} <= seen


@pytest.mark.parametrize("category, is_credit", [
    pytest.param("Credit", True, id="an untagged credit is a credit line"),
    pytest.param("Adjustment", True, id="an untagged adjustment is a credit line"),
    pytest.param("Usage", False, id="untagged usage is a pool"),
])
def test_untagged_credits_and_adjustments_are_lines_of_their_own(tmp_path: Path, category: str,
                                                                 is_credit: bool) -> None:
    rows = [untagged_row(ChargeCategory=category, BilledCost="-4" if is_credit else "4"), focus_row(Tags=json.dumps(FULL))]
    result = allocate(tmp_path, rows, policy_from({}))
    lines = result.credits if is_credit else result.pools
    assert [p.cost for p in lines] == [Decimal(-4) if is_credit else Decimal(4)]
    assert (result.pools if is_credit else result.credits) == ()
    assert result.credits_cost == (Decimal(-4) if is_credit else 0)
    assert result.untagged_cost == sum((p.cost for p in (*result.pools, *result.credits)), Decimal(0))


def test_a_tagged_credit_stays_allocated_to_its_team(tmp_path: Path) -> None:
    tags = json.dumps(FULL)
    result = allocate(tmp_path, [focus_row(Tags=tags), focus_row(Tags=tags, ChargeCategory="Credit", BilledCost="-1")],
                      policy_from({}))
    assert result.credits == () and result.allocated_cost == Decimal("0.25")


def test_a_provider_billed_only_as_an_untagged_credit_still_gets_its_tag_gaps(tmp_path: Path) -> None:
    from auditor.inventory.build import tag_gaps
    from auditor.inventory.records import CallRef

    result = allocate(tmp_path, [untagged_row(ChargeCategory="Credit", BilledCost="-4")], policy_from({}))
    call = CallRef("app", "llm.py", 3, None, "openai", "openai", "chat.completions.create", "gpt-4o", "tagged", None,
                   (), (("team", "search", "H"),), "f")
    assert [(g.provider, g.key, g.value) for g in tag_gaps([call], result)] == [("openai", "team", "search")]
