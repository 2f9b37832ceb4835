"""Property test for FOCUS 1.3 input with bad rows: nothing lost, nothing counted twice, exactly (Decimal).

Random rows carry Tags and AllocatedTags (allocatedtags.md: AllocatedTags never repeats a Tags key, so the
keys are split between the two), split rows (AllocatedMethodId set), and faults: an unreadable cost, invalid
AllocatedTags JSON, or a CSV line cut short (DuckDB cannot parse it; its cost is readable when the cut
falls after the BilledCost cell). Checked against a Python oracle: every row is counted once, valid or
rejected; rejected cost is reported where readable; allocated + untagged = total AI spend. All rows share one
charge's dimensions, so valid non-split rows are its origin charges (ingest.splits): when valid split rows are
there too, the splits replace the origins if their costs add up to them, else the splits are set aside.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from billing_helpers import focus_row, policy_from
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.billing import load_billing, pool_spend

POLICY = policy_from({})
KEYS = ("team", "cost_center", "use_case", "environment")
COLUMNS = [*focus_row(), "AllocatedMethodId", "AllocatedResourceId", "AllocatedTags", "ServiceProviderName"]
money = st.builds(lambda n, scale: Decimal(n).scaleb(-scale), st.integers(-10**9, 10**12), st.integers(0, 10))


@st.composite
def split_row(draw: Any) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(KEYS), unique=True))
    in_tags = draw(st.lists(st.sampled_from(keys), unique=True)) if keys else []
    tags = {k: "v" for k in keys if k in in_tags}
    allocated = {k: "w" for k in keys if k not in in_tags}
    split = bool(allocated) or draw(st.booleans())
    row = focus_row(BilledCost=str(draw(money)), Tags=json.dumps(tags) if tags else "",
                    AllocatedTags=json.dumps(allocated) if allocated else "",
                    AllocatedMethodId="proportional" if split else "",
                    AllocatedResourceId=f"app-{draw(st.integers(0, 3))}" if split else "",
                    ServiceProviderName="OpenAI")
    row["_fault"] = draw(st.sampled_from([None] * 6 + ["cost", "alloc", "cut"]))
    if row["_fault"] == "cost":
        row["BilledCost"] = "1.2.3"
    elif row["_fault"] == "alloc":
        row["AllocatedTags"] = '{"team": {"nested": 1}}'
    row["_allocated"] = len(keys) == len(KEYS)
    return row


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        cells = [r.get(c, "") for c in COLUMNS]
        writer.writerow(cells[: len(cells) // 2] if r["_fault"] == "cut" else cells)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(split_row(), min_size=1, max_size=20))
def test_split_rows_and_bad_rows_keep_every_cost_exactly(data_rows: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = load_billing([write(Path(tmp) / "r.csv", data_rows)])
        result = pool_spend(data, POLICY)
    valid = [r for r in data_rows if r["_fault"] is None]
    readable = [r for r in data_rows if r["_fault"] != "cost"]  # BilledCost is the first column: a cut keeps it
    assert data.rows == len(data_rows) and data.valid_rows == len(valid)
    assert data.rejected_rows == len(data_rows) - len(valid)
    assert data.unreadable_cost_rows == len(data_rows) - len(readable)
    assert {r.row for r in data.rejected} == {i for i, r in enumerate(data_rows, start=1) if r["_fault"]}
    rejected_total = sum((m.amount for m in data.rejected_cost), Decimal(0))
    assert rejected_total == sum((Decimal(r["BilledCost"]) for r in readable if r["_fault"]), Decimal(0))
    counted = counted_once(valid)
    assert result.total_ai_cost == sum((Decimal(r["BilledCost"]) for r in counted), Decimal(0))
    assert result.allocated_cost == sum((Decimal(r["BilledCost"]) for r in counted if r["_allocated"]), Decimal(0))
    assert result.allocated_cost + result.untagged_cost == result.total_ai_cost
    assert sum((p.cost for p in (*result.pools, *result.credits, *result.allocated)), Decimal(0)) == result.total_ai_cost
    assert sum(p.rows for p in (*result.pools, *result.credits, *result.allocated)) == len(counted)
    assert sum((m.amount for m in data.currencies), Decimal(0)) == result.total_ai_cost


def counted_once(valid: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The oracle of FOCUS 1.3 split pairing for rows of one charge key."""
    splits = [r for r in valid if r["AllocatedMethodId"]]
    origins = [r for r in valid if not r["AllocatedMethodId"]]
    if not splits or not origins:
        return valid
    total = sum((Decimal(r["BilledCost"]) for r in splits), Decimal(0))
    return splits if total == sum((Decimal(r["BilledCost"]) for r in origins), Decimal(0)) else origins
