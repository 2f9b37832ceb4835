"""`tagaudit report showback`: spend per period by every dimension, exact and reconciled to the AI total."""

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

from auditor.billing import load_billing, pool_spend
from auditor.cli import main
from auditor.finops.lines import normalize_unit
from auditor.finops.records import UNTAGGED, Showback
from auditor.finops.showback import build_showback
from auditor.policy import Policy
from tests.helpers import REPO


def _tags(**kv: str) -> str:
    return json.dumps(kv)


def _month_row(month: str, cost: str, **overrides: Any) -> dict[str, Any]:
    return focus_row(BilledCost=cost, ChargePeriodStart=f"{month}-05T00:00:00Z",
                     ChargePeriodEnd=f"{month}-06T00:00:00Z", **overrides)


def _show(tmp_path: Path, rows: list[dict[str, Any]], policy: Policy, period: str = "month") -> Showback:
    path = write_csv(tmp_path / "focus.csv", rows)
    return build_showback(load_billing([path]), policy, period)


def _line(show: Showback, dimension: str, name: str) -> dict[str, Decimal]:
    line = next(ln for ln in show.breakdown(dimension).lines if ln.name == name)
    return {p.period: p.cost for p in line.periods}


def test_the_bundled_demo_reconciles_to_the_inventory_total(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", "showback", str(REPO / "examples/app"), "--billing", str(REPO / "examples/billing"),
                 "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["total_ai_cost"] == "15965.7599464"  # what `tagaudit inventory` reports for the same data
    assert Decimal(out["allocated_cost"]) + Decimal(out["untagged_cost"]) == Decimal(out["total_ai_cost"])
    for name, breakdown in out["breakdowns"].items():
        assert sum(Decimal(ln["total"]) for ln in breakdown["lines"]) == Decimal("15965.7599464"), name
    teams = {ln["name"]: ln["total"] for ln in out["breakdowns"]["team"]["lines"]}
    assert teams["support"] == "4406.669995" and UNTAGGED in teams
    assert out["breakdowns"]["team"]["lines"][-1]["name"] == UNTAGGED
    sources = {ln["name"] for ln in out["breakdowns"]["cost_source"]["lines"]}
    assert {"cache-read", "cache-write", "input/batch", "output/priority", "credit"} <= sources
    tokens = {(u["feature"], u["unit"]) for u in out["unit_costs"]}
    assert ("support-bot", "token") in tokens  # "1000 Tokens" and "Tokens" rows count in one unit


def test_months_with_change_and_a_month_without_data(tmp_path: Path) -> None:
    rows = [_month_row("2026-07", "100"), _month_row("2026-09", "150"),
            _month_row("2026-09", "10", Tags=_tags(team="growth", cost_center="c", use_case="u", environment="e"))]
    show = _show(tmp_path, rows, policy_from({}))
    assert [p.label for p in show.periods] == ["2026-07", "2026-08", "2026-09"]
    search = next(ln for ln in show.breakdown("team").lines if ln.name == "search")
    assert [(p.cost, p.change) for p in search.periods] == [
        (Decimal(100), None), (Decimal(0), Decimal(-100)), (Decimal(150), Decimal(150))]
    assert search.periods[1].change_ratio == Decimal(-1) and search.periods[2].change_ratio is None
    assert "no AI billing data in 2026-08" in show.notes
    assert _line(show, "team", UNTAGGED) == {"2026-07": 0, "2026-08": 0, "2026-09": 0}  # present at zero


def test_a_row_missing_one_key_counts_for_its_team_but_is_untagged_overall(tmp_path: Path) -> None:
    rows = [_month_row("2026-10", "4", Tags=_tags(team="search", use_case="rank")),
            _month_row("2026-10", "6")]
    show = _show(tmp_path, rows, policy_from({}))
    assert _line(show, "team", "search") == {"2026-10": Decimal(10)}
    assert _line(show, "environment", UNTAGGED) == {"2026-10": Decimal(4)}
    assert (show.allocated, show.untagged) == (Decimal(6), Decimal(4))


def test_a_customer_key_outside_the_required_keys_is_resolved_by_alias(tmp_path: Path) -> None:
    tags = {"team": "search", "cost_center": "c", "use_case": "u", "environment": "e"}
    rows = [_month_row("2026-10", "3", Tags=json.dumps({**tags, "tenant": "acme"})),
            _month_row("2026-10", "5", Tags=json.dumps(tags))]
    policy = policy_from({"showback": {"customer_key": "customer", "customer_aliases": ["tenant"]}})
    show = _show(tmp_path, rows, policy)
    assert _line(show, "customer", "acme") == {"2026-10": Decimal(3)}
    assert _line(show, "customer", UNTAGGED) == {"2026-10": Decimal(5)}
    assert show.untagged == 0  # the customer key never makes spend untagged


def test_without_a_customer_key_the_report_says_so(tmp_path: Path) -> None:
    show = _show(tmp_path, [_month_row("2026-10", "1")], policy_from({}))
    assert not any(b.dimension == "customer" for b in show.breakdowns)
    assert any("no customer breakdown" in n for n in show.notes)


@pytest.mark.parametrize("overrides, kind, tier", [
    pytest.param({"x_TokenType": "cached_input"}, "cache-read", "standard", id="cached input is a cache read"),
    pytest.param({"x_TokenType": "input", "x_ServiceTier": "batch"}, "input", "batch", id="batch input is batch"),
    pytest.param({"x_TokenType": "output", "x_ServiceTier": "priority"}, "output", "priority", id="priority tier"),
    pytest.param({"x_TokenType": "input", "x_ServiceTier": "flex"}, "input", "flex", id="flex tier"),
    pytest.param({"x_TokenType": "", "x_CostType": "web_search"}, "tool-use", "standard", id="web search is tool use"),
    pytest.param({"ProviderName": "AWS", "ServiceName": "Amazon Bedrock", "x_Model": "", "x_TokenType": "",
                  "x_UsageType": "USE1-ProvisionedThroughput-ModelUnits"}, "other", "provisioned",
                 id="bedrock provisioned throughput is provisioned"),
    pytest.param({"x_TokenType": "input"}, "input", "standard", id="plain input is standard"),
])
def test_cost_sources_are_kept_apart(tmp_path: Path, overrides: dict[str, str], kind: str, tier: str) -> None:
    show = _show(tmp_path, [_month_row("2026-10", "2"), _month_row("2026-10", "7", **overrides)], policy_from({}))
    assert _line(show, "cost_kind", kind)["2026-10"] >= 7
    assert _line(show, "pricing_tier", tier)["2026-10"] >= 7


def test_cost_per_unit_by_feature_normalises_units(tmp_path: Path) -> None:
    rows = [_month_row("2026-10", "2", ConsumedQuantity="1000", ConsumedUnit="Tokens"),
            _month_row("2026-10", "3", ConsumedQuantity="2", ConsumedUnit="1000 Tokens"),
            _month_row("2026-10", "9")]  # no quantity: not in cost per unit
    show = _show(tmp_path, rows, policy_from({}))
    (unit,) = show.unit_costs
    assert (unit.feature, unit.unit, unit.quantity, unit.cost) == ("rank", "token", Decimal(3000), Decimal(5))
    assert unit.cost_per_unit == Decimal("0.001666666667")


@pytest.mark.parametrize("raw, expected", [
    pytest.param("Tokens", ("token", 1), id="plural tokens"),
    pytest.param("1000 Tokens", ("token", 1000), id="a thousand tokens per unit"),
    pytest.param("1M tokens", ("token", 1_000_000), id="a million tokens per unit"),
    pytest.param("Requests", ("request", 1), id="requests"),
    pytest.param("Hours", ("hour", 1), id="hours"),
    pytest.param("Gibibyte Seconds", ("gibibyte second", 1), id="a compound unit keeps its words"),
    pytest.param("Class", ("class", 1), id="a word ending in ss stays"),
])
def test_normalize_unit(raw: str, expected: tuple[str, int]) -> None:
    assert normalize_unit(raw) == expected


def test_weeks_are_iso_weeks_and_partial_weeks_are_noted(tmp_path: Path) -> None:
    rows = [focus_row(ChargePeriodStart="2026-10-07T00:00:00Z", ChargePeriodEnd="2026-10-08T00:00:00Z"),
            focus_row(ChargePeriodStart="2026-10-14T00:00:00Z",
                                                  ChargePeriodEnd="2026-10-15T00:00:00Z")]
    show = _show(tmp_path, rows, policy_from({}), "week")
    assert [p.label for p in show.periods] == ["2026-W41", "2026-W42"]
    assert any("2026-W41 is partial" in n for n in show.notes)


def test_csv_and_markdown_carry_every_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "f.csv", [_month_row("2026-09", "1.5"), _month_row("2026-10", "2.25")])
    md = tmp_path / "out" / "show.md"
    code = main(["report", "showback", str(tmp_path), "--billing", str(path), "--format", "csv",
                 "--output", f"markdown={md}"])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert code == 0
    team = [r for r in rows if r["dimension"] == "team" and r["name"] == "search"]
    assert [(r["period"], r["cost"], r["change"], r["change_ratio"]) for r in team] == [
        ("2026-09", "1.5", "", ""), ("2026-10", "2.25", "0.75", "0.5")]
    assert "| search | 1.50 | 2.25 | 3.75 USD |" in md.read_text()


@pytest.mark.parametrize("args, message", [
    pytest.param(["--output", "pdf=x.pdf"], "is not FORMAT=PATH", id="an unknown output format"),
    pytest.param(["--period", "year"], "year", id="an unknown period"),
])
def test_bad_options_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    path = write_csv(tmp_path / "f.csv", [_month_row("2026-10", "1")])
    assert main(["report", "showback", str(tmp_path), "--billing", str(path), *args]) == 2
    assert message in capsys.readouterr().err


_SPEND = st.tuples(
    st.sampled_from(["2026-07", "2026-08", "2026-10"]),
    st.decimals(min_value=Decimal(-50), max_value=Decimal(5000), places=10, allow_nan=False),
    st.sampled_from(["search", "support", "", None]),
    st.sampled_from(["input", "output", "cached_input", "cache_creation"]),
    st.sampled_from(["", "batch", "priority", "flex"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_SPEND, min_size=1, max_size=25))
def test_every_breakdown_sums_to_the_ai_total_exactly(spend: list[tuple[str, Decimal, str | None, str, str]]) -> None:
    rows = []
    for month, cost, team, token, tier in spend:
        tags = {"cost_center": "c", "use_case": "u", "environment": "e"} | ({"team": team} if team is not None else {})
        rows.append(_month_row(month, f"{cost:f}", Tags=json.dumps(tags), x_TokenType=token, x_ServiceTier=tier))
    rows.append(focus_row(ProviderName="AWS", ServiceName="Amazon EC2", ServiceCategory="Compute", x_Model="",
                          BilledCost="999"))  # not AI: in no breakdown
    with tempfile.TemporaryDirectory() as tmp:
        data = load_billing([write_csv(Path(tmp) / "f.csv", rows)])
        expected = sum((c for _, c, *_ in spend), Decimal(0))
        assert pool_spend(data, policy_from({})).total_ai_cost == expected
        show = build_showback(data, policy_from({}))
        assert show.total == expected and show.allocated + show.untagged == expected
        for b in show.breakdowns:
            assert sum((ln.total for ln in b.lines), Decimal(0)) == expected, b.dimension
            for p in show.periods:
                assert sum((q.cost for ln in b.lines for q in ln.periods if q.period == p.label), Decimal(0)) == p.total
        untagged_team = sum((c for _, c, team, *_ in spend if not team), Decimal(0))
        assert _line(show, "team", UNTAGGED) and sum(_line(show, "team", UNTAGGED).values()) == untagged_team


def test_billing_without_ai_spend_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "f.csv", [focus_row(ProviderName="AWS", ServiceName="Amazon EC2",
                                                    ServiceCategory="Compute", x_Model="")])
    assert main(["report", "showback", str(tmp_path), "--billing", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["total_ai_cost"], out["periods"]) == ("0", [])
    assert any("no generative-AI spend" in n for n in out["notes"])
    assert main(["report", "chargeback", str(tmp_path), "--billing", str(path)]) == 0
    assert "nothing to charge" in capsys.readouterr().out
