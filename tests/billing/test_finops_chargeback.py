"""`tagaudit report chargeback`: overhead split exactly by the policy's rule, hybrid showback, readiness."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from billing_helpers import focus_row, policy_from, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.billing import load_billing
from auditor.billing.records import Invoice
from auditor.cli import main
from auditor.finops.chargeback import build_chargeback
from auditor.finops.records import UNTAGGED, Chargeback
from auditor.finops.split import split_exact
from auditor.policy import Policy, validate_policy_data
from tests.helpers import REPO

SHARED = {"shared": [{"key": "team", "values": ["platform-shared"]}]}


def _row(team: str | None, cost: str, month: str = "2026-10", env: str = "production", **kw: Any) -> dict[str, Any]:
    tags = {"cost_center": "c", "use_case": "u", "environment": env} | ({"team": team} if team else {})
    return focus_row(BilledCost=cost, ChargePeriodStart=f"{month}-05T00:00:00Z", ChargePeriodEnd=f"{month}-06T00:00:00Z",
                     BillingPeriodStart=f"{month}-01T00:00:00Z", Tags=json.dumps(tags), **kw)


def _cb(tmp_path: Path, rows: list[dict[str, Any]], policy: Policy, invoices: list[Invoice] | None = None
        ) -> Chargeback:
    return build_chargeback(load_billing([write_csv(tmp_path / "f.csv", rows)]), policy, invoices)


def _teams(cb: Chargeback, month: str = "2026-10") -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    m = next(m for m in cb.months if m.month == month)
    return {(ln.team, ln.status): (ln.direct, ln.overhead) for ln in m.lines}


BASE = [_row("a", "30"), _row("b", "10"), _row("platform-shared", "8")]


@pytest.mark.parametrize("chargeback, a, b", [
    pytest.param({**SHARED}, Decimal(6), Decimal(2), id="proportional to direct spend by default"),
    pytest.param({**SHARED, "split": "even"}, Decimal(4), Decimal(4), id="even split"),
    pytest.param({**SHARED, "split": "fixed", "percentages": {"a": 25, "b": 75}}, Decimal(2), Decimal(6),
                 id="fixed percentages"),
])
def test_overhead_splits_by_the_policy_rule(tmp_path: Path, chargeback: dict[str, Any], a: Decimal, b: Decimal) -> None:
    cb = _cb(tmp_path, BASE, policy_from({"chargeback": chargeback}))
    teams = _teams(cb)
    assert teams[("a", "charged")] == (Decimal(30), a) and teams[("b", "charged")] == (Decimal(10), b)
    assert ("platform-shared", "charged") not in teams  # overhead never lands on the shared team itself
    assert cb.overhead == 8 and cb.overhead_share == Decimal("0.1667")
    assert any("platform-shared" in r for r in cb.rules)


def test_without_shared_rules_nothing_is_overhead(tmp_path: Path) -> None:
    cb = _cb(tmp_path, BASE, policy_from({}))
    assert _teams(cb)[("platform-shared", "charged")] == (Decimal(8), Decimal(0)) and cb.overhead == 0


def test_experimental_spend_is_listed_not_charged(tmp_path: Path) -> None:
    rows = [*BASE, _row("a", "5", env="development"), _row(None, "3")]
    cb = _cb(tmp_path, rows, policy_from({"chargeback": SHARED}))
    teams = _teams(cb)
    assert teams[("a", "showback")] == (Decimal(5), Decimal(0))
    assert teams[("a", "charged")] == (Decimal(30), Decimal(6))  # experiments weigh nothing in the split
    assert teams[(UNTAGGED, "unallocated")] == (Decimal(3), Decimal(0))
    m = cb.months[0]
    assert (m.charged, m.showback, m.unallocated, m.total) == (Decimal(48), Decimal(5), Decimal(3), Decimal(56))


def test_overhead_with_nobody_to_split_over_stays_on_its_own_line(tmp_path: Path) -> None:
    cb = _cb(tmp_path, [_row("platform-shared", "8"), _row(None, "2")], policy_from({"chargeback": SHARED}))
    m = cb.months[0]
    assert _teams(cb)[("(shared overhead)", "unsplit")] == (Decimal(8), Decimal(0))
    assert not m.ready and any("could not be split" in r for r in m.reasons)
    assert m.overhead == 8 and m.total == 10


def test_readiness_follows_the_invoices(tmp_path: Path) -> None:
    rows = [*BASE, _row("a", "1", month="2026-11")]
    policy = policy_from({"chargeback": SHARED})
    invoices = [Invoice(Decimal("48.5"), "USD", period="2026-10", provider="OpenAI")]
    cb = _cb(tmp_path, rows, policy, invoices)
    october, november = cb.months
    assert october.ready and october.reasons == ()
    assert not november.ready and any("no invoice" in r for r in november.reasons)
    far = _cb(tmp_path, rows, policy, [Invoice(Decimal(60), "USD", period="2026-10"),
                                       Invoice(Decimal(1), "USD", period="2026-11")])
    assert not far.months[0].ready and "variance" in far.months[0].reasons[0] and far.months[1].ready
    assert not _cb(tmp_path, rows, policy).months[0].ready  # no invoices at all: not ready, and it says why


def test_the_bundled_demo_statement_and_focus_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text((REPO / "examples/app/tagaudit.yaml").read_text() + "chargeback:\n  shared:\n"
                      "    - {key: team, values: [platform]}\n")
    focus = tmp_path / "allocated.csv"
    code = main(["report", "chargeback", str(REPO / "examples/app"), "--billing", str(REPO / "examples/billing"),
                 "--invoices", str(REPO / "examples/billing/invoices.yaml"), "--policy", str(policy),
                 "--format", "json", "--output", f"focus={focus}", "--fail-if-not-ready"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["ready"] is True
    assert out["total_ai_cost"] == "15965.7599464" and out["overhead"] == "2923.10999625"
    (month,) = out["months"]
    assert sum(Decimal(t["total"]) for t in month["teams"]) == Decimal(out["total_ai_cost"])
    assert sum(Decimal(t["overhead"]) for t in month["teams"]) == Decimal(out["overhead"])
    rows = list(csv.DictReader(io.StringIO(focus.read_text())))
    assert sum(Decimal(r["BilledCost"]) for r in rows) == Decimal(out["total_ai_cost"])
    split = [r for r in rows if r["AllocatedMethodId"]]
    assert {r["AllocatedMethodId"] for r in split} == {"tagaudit-proportional"}
    assert {json.loads(r["AllocatedTags"])["team"] for r in split} == {"support", "search", "payments", "growth"}
    assert json.loads(split[0]["AllocatedMethodDetails"])["origin_team"] == "platform"


def test_not_ready_exits_1_with_fail_if_not_ready(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "f.csv", BASE)
    assert main(["report", "chargeback", str(tmp_path), "--billing", str(path), "--fail-if-not-ready"]) == 1
    assert "no invoices given" in capsys.readouterr().out


@pytest.mark.parametrize("chargeback, problem", [
    pytest.param({"split": "fixed", "percentages": {"a": 40, "b": 50}}, "sum to 90, not 100", id="percentages not 100"),
    pytest.param({"split": "fixed"}, "needs `percentages`", id="fixed without percentages"),
    pytest.param({"percentages": {"a": 100}}, "only with split: fixed", id="percentages without fixed"),
    pytest.param({"shared": [{"key": "tem", "values": ["x"]}]}, "'tem' is not a policy key", id="unknown rule key"),
    pytest.param({"split": "weighted"}, "is not one of", id="unknown split method"),
])
def test_bad_chargeback_policies_are_rejected(chargeback: dict[str, Any], problem: str) -> None:
    data = {"version": 1, "keys": {"team": {}}, "chargeback": chargeback}
    problems = validate_policy_data(data, "p.yaml", {})
    assert any(problem in p for p in problems), problems


def test_a_good_chargeback_policy_validates() -> None:
    data = {"version": 1, "keys": {"team": {}}, "chargeback": {
        "split": "fixed", "percentages": {"a": 33.3, "b": 66.7}, "shared": [{"key": "team", "values": ["x"]}]}}
    assert validate_policy_data(data, "p.yaml", {}) == []


@settings(deadline=None)  # pure arithmetic: a loaded CI machine must not turn a slow example into a failure
@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=10, allow_nan=False),
       st.lists(st.decimals(min_value=Decimal("0.0000000001"), max_value=Decimal("1e9"), places=10), min_size=1,
                max_size=12))
def test_split_exact_parts_sum_to_the_amount(amount: Decimal, weights: list[Decimal]) -> None:
    parts = split_exact(amount, [(f"t{i}", w) for i, w in enumerate(weights)])
    assert sum((p for _, p in parts), Decimal(0)) == amount
    assert all(p.as_tuple().exponent >= -10 for _, p in parts)
    assert all(abs(p) <= abs(amount) for _, p in parts)


_ROW = st.tuples(st.sampled_from(["2026-08", "2026-09"]), st.sampled_from(["a", "b", "c", "platform-shared", None]),
                 st.sampled_from(["production", "development"]),
                 st.decimals(min_value=Decimal(-20), max_value=Decimal(900), places=10, allow_nan=False),
                 st.sampled_from(["input", "output", "cached_input"]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_ROW, min_size=1, max_size=20), st.sampled_from(["proportional", "even", "fixed"]))
def test_allocated_rows_sum_to_their_origin_charges(spend: list[tuple[str, str | None, str, Decimal, str]],
                                                    split: str) -> None:
    extra = {"percentages": {"a": 12.5, "b": 87.5}} if split == "fixed" else {}
    policy = policy_from({"chargeback": {**SHARED, "split": split, **extra}})
    rows = [_row(team, f"{cost:f}", month=month, env=env, x_TokenType=token) for month, team, env, cost, token in spend]
    with tempfile.TemporaryDirectory() as tmp:
        cb = _cb(Path(tmp), rows, policy)
    expected = sum((c for *_, c, _ in spend), Decimal(0))
    assert cb.total == expected and sum((r.billed_cost for r in cb.rows), Decimal(0)) == expected
    origins: dict[int, Decimal] = {}
    for r in cb.rows:
        origins[r.origin_id] = origins.get(r.origin_id, Decimal(0)) + r.billed_cost
    assert all(origins[r.origin_id] == r.origin_cost for r in cb.rows)
    shared = sum((c for _, team, env, c, _ in spend if team == "platform-shared" and env == "production"), Decimal(0))
    assert sum((m.overhead for m in cb.months), Decimal(0)) == shared  # overhead never vanishes
