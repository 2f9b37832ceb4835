"""The rollup groups rows by a 64-bit hash of their dimensions (fast); it must equal grouping by the
columns themselves (exact), for typed Parquet and for CSV with rejected rows alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from billing_helpers import focus_row, write_csv

from auditor.billing import tables
from auditor.billing.db import fetch_dicts
from auditor.billing.ingest import validate
from auditor.billing.ingest.load import connect, open_sources
from bench import billing_synth


def _rollup(path: Path, *, exact: bool) -> list[dict[str, object]]:
    con = connect()
    sources, _ = open_sources(con, [path])
    validate.build_rollup(con, sources, exact=exact)
    rows = fetch_dicts(con, f"SELECT * EXCLUDE (x_Check) FROM {tables.RAW_ROLLUP}")
    assert all(r["x_Check"] == 0 for r in fetch_dicts(con, f"SELECT x_Check FROM {tables.RAW_ROLLUP}"))
    return sorted(rows, key=lambda r: repr(sorted(r.items())))


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_hashed_rollup_equals_the_exact_one(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"synth{suffix}"
    billing_synth.write_focus(connect(), path, 20_000)
    hashed, exact = _rollup(path, exact=False), _rollup(path, exact=True)
    assert len(hashed) > 100 and hashed == exact


def test_hashed_rollup_keeps_rejected_and_null_dimensions_apart(tmp_path: Path) -> None:
    rows = [focus_row(), focus_row(Tags=""), focus_row(SubAccountId="", Tags=""), focus_row(BilledCost="x"),
            focus_row(x_Model=""), focus_row(ResourceId="r", SubAccountId="")]
    path = write_csv(tmp_path / "r.csv", rows)
    hashed = _rollup(path, exact=False)
    assert hashed == _rollup(path, exact=True) and len(hashed) == 6
