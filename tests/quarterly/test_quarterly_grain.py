"""The lines' one grouping scan (finops.lines.grain): keyed by the checked hash of the DIMS it gives the same
lines, showback, daily measures and chargeback as grouped by the columns themselves (an engine's way), by
day for the quarterly report as by month or week for a showback alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.billing import load_billing, tables
from auditor.billing.db import fetch_dicts
from auditor.billing.records import BillingData
from auditor.finops.chargeback import build_chargeback
from auditor.finops.lines import build_lines
from auditor.finops.showback import build_showback
from auditor.policy import load_policy
from auditor.quarterly.measures import measure
from tests.quarterly.conftest import BILLING, POLICY


def _lines(data: BillingData) -> list[dict[str, Any]]:
    # dim_id numbers the distinct dimension tuples in whatever order DuckDB met them: not compared
    return sorted(fetch_dicts(data.con, f"SELECT * EXCLUDE (dim_id) FROM {tables.SB_LINES}"), key=repr)


@pytest.mark.parametrize(("period", "daily"), [("month", True), ("month", False), ("week", False)])
def test_hashed_grain_equals_the_grain_grouped_by_columns(period: str, daily: bool, tmp_path: Path) -> None:
    policy = load_policy(POLICY)
    out = []
    for exact in (False, True):
        data = load_billing([BILLING])
        dims = build_lines(data, policy, period, daily, exact=exact)
        assert dims.hashed is not exact and dims.daily_grain is daily
        out.append((_lines(data), build_showback(data, policy, period, dims), measure(data, dims.keys, dims),
                    build_chargeback(data, policy, None, dims) if period == "month" else None))
        data.con.close()
    hashed, exact_ = out
    assert hashed[0] and hashed == exact_
    assert hashed[2].daily and sum(c for _, c in hashed[2].daily) == hashed[1].total


def test_daily_measures_from_the_grain_equal_their_own_scan() -> None:
    policy = load_policy(POLICY)
    data = load_billing([BILLING])
    dims = build_lines(data, policy, "month", daily=True)
    from_grain = measure(data, dims.keys, dims)
    assert from_grain == measure(data, dims.keys)  # without the lines: daily_spend scans the rows itself
    assert from_grain.committed_cost + from_grain.on_demand_cost == dims.allocation.total_ai_cost
