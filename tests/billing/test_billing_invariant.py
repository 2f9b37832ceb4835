"""Property tests: no cost is lost or invented between input rows and the allocation, exactly (Decimal).

For random billing rows (AI and non-AI providers, random tags with alias spellings, scope-mapped and
unmapped projects and keys, credits, rows that must be rejected), checked against a Python oracle:
  every row is valid or rejected; valid + readable rejected cost = Σ of every readable cost;
  total AI = Σ of valid AI rows; allocated + untagged = total AI; pools + untagged credit lines, allocated
  pools, vendors, teams and cost sources each sum to their total; allocated spend is what the oracle
  resolves; untagged credits are exactly the oracle's unallocated Credit rows and never sit in a pool.
"""

from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from billing_helpers import focus_row, policy_from, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.billing import load_billing, pool_spend
from auditor.billing.ingest.load import connect

POLICY = policy_from({
    "scope_map": [
        {"kind": "openai_project", "id": "proj_mapped", "tags": {"team": "t1", "cost_center": "c1", "use_case": "u1",
                                                                 "environment": "e1"}},
        {"kind": "api_key", "id": "key_team*", "tags": {"team": "t2"}},
    ]})
KEYS = ("team", "cost_center", "use_case", "environment")
SPELLINGS = {"team": ["team", "Team", "owner"], "cost_center": ["cost_center", "CostCenter", "cost-center"],
             "use_case": ["use_case", "feature", "Use Case"], "environment": ["environment", "env", "ENV"]}
TEMPLATES = {  # name -> (row overrides, is generative AI)
    "openai": ({}, True),
    "anthropic": ({"ProviderName": "Anthropic", "ServiceName": "Claude API", "x_Model": "claude-haiku-4-5"}, True),
    "bedrock": ({"ProviderName": "AWS", "ServiceName": "Amazon Bedrock", "x_Model": "",
                 "x_UsageType": "USE1-Claude3Haiku-output-tokens"}, True),
    "ec2": ({"ProviderName": "AWS", "ServiceName": "Amazon EC2", "ServiceCategory": "Compute", "x_Model": ""}, False),
    "azure_ml": ({"ProviderName": "Microsoft", "ServiceName": "Azure Machine Learning", "x_Model": ""}, False),
}

money = st.builds(lambda n, scale: Decimal(n).scaleb(-scale), st.integers(-10**9, 10**12), st.integers(0, 10))
tag_value = st.one_of(st.sampled_from(["a", "b", "prod"]), st.just(""), st.just(True), st.integers(0, 9))


@st.composite
def tags(draw: Any) -> dict[str, Any] | None:
    if draw(st.booleans()) and draw(st.booleans()):
        return None
    chosen = draw(st.lists(st.sampled_from(KEYS), unique=True))
    return {draw(st.sampled_from(SPELLINGS[k])): draw(tag_value) for k in chosen}


@st.composite
def rows(draw: Any) -> list[dict[str, Any]]:
    out = []
    for _ in range(draw(st.integers(1, 25))):
        template = draw(st.sampled_from(sorted(TEMPLATES)))
        row = focus_row(**TEMPLATES[template][0])
        row.update(BilledCost=str(draw(money)), SubAccountId=draw(st.sampled_from(["proj_mapped", "proj_other", ""])),
                   x_ApiKeyId=draw(st.sampled_from(["key_team1", "key_x", ""])),
                   ChargeCategory=draw(st.sampled_from(["Usage", "Usage", "Credit"])))
        t = draw(tags())
        row["Tags"] = "" if t is None else json.dumps(t)
        fault = draw(st.sampled_from([None] * 8 + ["cost", "tags"]))
        if fault == "cost":
            row["BilledCost"] = "12,5"
        elif fault == "tags":
            row["Tags"] = "{team: a}"
        row["_template"], row["_fault"] = template, fault
        out.append(row)
    return out


def oracle_allocated(row: dict[str, Any]) -> bool:
    found: dict[str, str] = {}
    for key, value in (json.loads(row["Tags"]) if row["Tags"] else {}).items():
        canon = POLICY.canonical(key)
        if canon and not isinstance(value, bool) and str(value).strip():
            found.setdefault(canon, str(value))
    if row["_template"] == "openai" and row["SubAccountId"] == "proj_mapped":
        found.update({k: "x" for k in KEYS if k not in found})
    if row["x_ApiKeyId"] == "key_team1":
        found.setdefault("team", "t2")
    return all(k in found for k in KEYS)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows(), st.booleans())
def test_allocation_accounts_for_every_cost_exactly(data_rows: list[dict[str, Any]], parquet: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / "r.csv", [{k: v for k, v in r.items() if not k.startswith("_")} for r in data_rows])
        if parquet:
            target = Path(tmp) / "r.parquet"
            connect().execute(f"COPY (SELECT * FROM read_csv('{path}', all_varchar=true)) TO '{target}' (FORMAT parquet)")
            path = target
        data = load_billing([path])
        result = pool_spend(data, POLICY)

    readable = [r for r in data_rows if r["_fault"] != "cost"]
    valid = [r for r in data_rows if r["_fault"] is None]
    ai = [r for r in valid if TEMPLATES[r["_template"]][1]]
    assert data.rows == len(data_rows) and data.valid_rows == len(valid)
    assert data.rejected_rows == len(data_rows) - len(valid) and data.unreadable_cost_rows == len(data_rows) - len(readable)
    valid_total = sum((m.amount for m in data.currencies), Decimal(0))
    rejected_total = sum((m.amount for m in data.rejected_cost), Decimal(0))
    assert valid_total + rejected_total == sum((Decimal(r["BilledCost"]) for r in readable), Decimal(0))

    assert result.total_ai_cost == sum((Decimal(r["BilledCost"]) for r in ai), Decimal(0))
    assert result.ai_rows == len(ai)
    assert result.allocated_cost + result.untagged_cost == result.total_ai_cost
    assert result.allocated_cost == sum((Decimal(r["BilledCost"]) for r in ai if oracle_allocated(r)), Decimal(0))
    assert sum((p.cost for p in (*result.pools, *result.credits)), Decimal(0)) == result.untagged_cost
    credits = [r for r in ai if r["ChargeCategory"] == "Credit" and not oracle_allocated(r)]
    assert result.credits_cost == sum((p.cost for p in result.credits), Decimal(0))
    assert result.credits_cost == sum((Decimal(r["BilledCost"]) for r in credits), Decimal(0))
    assert sum(p.rows for p in result.credits) == len(credits)
    assert sum((p.cost for p in result.allocated), Decimal(0)) == result.allocated_cost
    assert sum(p.rows for p in (*result.pools, *result.credits, *result.allocated)) == result.ai_rows
    for pool in (*result.pools, *result.credits, *result.allocated):
        assert sum((c for _, c in pool.cost_sources), Decimal(0)) == pool.cost
        assert bool(pool.missing_keys) == (pool not in result.allocated)
    assert not any(src == "credit" for p in result.pools for src, _ in p.cost_sources), "a credit is no spend pool"
    for breakdown in (result.spend_by_vendor, result.spend_by_team):
        assert sum((s.cost for s in breakdown), Decimal(0)) == result.total_ai_cost
        assert all(s.allocated_cost + s.untagged_cost == s.cost for s in breakdown)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(money, st.sampled_from(["USD", "EUR", "GBP"])), min_size=1, max_size=12))
def test_a_currency_filter_moves_rows_to_excluded_without_losing_any(items: list[tuple[Decimal, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / "c.csv", [focus_row(BilledCost=str(a), BillingCurrency=c) for a, c in items])
        data = load_billing([path], currency="USD")
        result = pool_spend(data, POLICY)
    usd = sum((a for a, c in items if c == "USD"), Decimal(0))
    other = sum((a for a, c in items if c != "USD"), Decimal(0))
    assert result.total_ai_cost == usd
    assert sum((m.amount for m in data.excluded), Decimal(0)) == other
    assert sum(m.rows for m in data.excluded) == sum(1 for _, c in items if c != "USD")
