"""Totals are exact for any billing: per month allocated + untagged = total; per quarter the by_team lines
(teams, "(untagged)", shared overhead) sum to the AI total. Property-tested on real DuckDB loads."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from auditor.policy import load_policy
from auditor.quarterly.build import QuarterInputs, build_quarterly
from auditor.quarterly.period import parse_quarter
from auditor.quarterly.pipeline import QuarterlyRun, billing_side, run_quarterly
from examples.quarter import generate
from tests.quarterly.conftest import BILLING, POLICY, app_history

TEAMS = ("search", "support", "platform-shared", None)
ENVS = ("production", "experiment")
ROW = st.tuples(st.sampled_from(TEAMS), st.sampled_from(ENVS), st.integers(7, 9), st.integers(1, 28),
                st.decimals(min_value=Decimal(-50), max_value=Decimal(5000), places=4))


def _csv(path: Path, rows: list[tuple[str | None, str, int, int, Decimal]]) -> None:
    """FOCUS rows shaped like the demo's (examples/quarter/generate.py), with the drawn team, environment,
    day and cost."""
    template = generate.rows()[0]
    out = []
    for team, env, month, day, cost in rows:
        tags = "" if team is None else json.dumps({"team": team, "cost_center": "cc-100", "use_case": "u",
                                                   "environment": env})
        out.append({**template, "BilledCost": f"{cost:f}", "ContractedCost": f"{cost:f}", "EffectiveCost": f"{cost:f}",
                    "ListCost": f"{cost:f}", "BillingPeriodStart": f"2026-{month:02d}-01T00:00:00Z",
                    "BillingPeriodEnd": f"2026-{month + 1:02d}-01T00:00:00Z",
                    "ChargePeriodStart": f"2026-{month:02d}-{day:02d}T00:00:00Z",
                    "ChargePeriodEnd": f"2026-{month:02d}-{day:02d}T23:00:00Z", "SubAccountId": f"p-{team}",
                    "SubAccountName": f"p-{team}", "Tags": tags})
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, generate.HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(out)


@settings(max_examples=15, deadline=None, phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ROW, min_size=1, max_size=25))
def test_totals_are_exact_for_any_billing(tmp_path: Path, rows: list[tuple[str | None, str, int, int, Decimal]]
                                          ) -> None:
    path = tmp_path / "focus.csv"
    _csv(path, rows)
    policy = load_policy(POLICY, trusted=True)
    q = parse_quarter("2026-Q3")
    run = QuarterlyRun([], [path], None, None, q, tmp_path / "h.sqlite", False)
    b = billing_side(run, [], policy, lambda _: None)
    report = build_quarterly(QuarterInputs(q, dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc), b["show"],
                                           b["chargeback"], b["inventory"], b["measures"], {}, (), None,
                                           frozenset(), None, False, Decimal("0.05")))
    expected = sum((c for *_, c in rows), Decimal(0))
    assert report.total_ai_cost == expected
    for m in report.months:
        assert m.allocated_cost + m.untagged_cost == m.total_ai_cost
    assert sum((t.cost for t in report.by_team), Decimal(0)) == expected
    untagged = sum((c for team, *_, c in rows if team is None), Decimal(0))  # no tags at all: no environment
    assert sum((t.cost for t in report.by_team if t.status == "untagged"), Decimal(0)) == untagged


def test_a_quarter_that_is_not_over_says_so(tmp_path: Path) -> None:
    repo = app_history(tmp_path)
    run = QuarterlyRun([repo], [BILLING], None, POLICY, parse_quarter("2026-Q3"), tmp_path / "h.sqlite", False,
                       cache_dir=tmp_path / "cache", now=dt.datetime(2026, 8, 15, tzinfo=dt.timezone.utc))
    report = run_quarterly(run, lambda _: None)
    assert not report.complete and report.notes[0] == "2026-Q3 is not over yet: figures are as of 2026-08-15"
    assert "2026-08 is not over (as of 2026-08-15)" in report.months[1].notes
    assert "2026-09 has not begun (as of 2026-08-15)" in report.months[2].notes
