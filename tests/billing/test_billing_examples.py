"""The committed demo exports are what examples/billing_demo generates, and synthetic data is clean FOCUS."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from auditor.billing import load_billing
from auditor.billing.ingest.load import connect
from bench import billing_synth as synth
from examples.billing_demo import demo
from tests.helpers import run_cli

EXAMPLES = Path(__file__).parents[2] / "examples" / "billing"


def test_the_committed_demo_exports_match_the_generator(tmp_path: Path) -> None:
    """Regenerate with: python -m examples.billing_demo.demo examples/billing"""
    for path in demo.write_all(tmp_path):
        assert path.read_bytes() == (EXAMPLES / path.name).read_bytes(), path.name


def test_the_demo_focus_file_checks_clean_and_reports_json() -> None:
    result = run_cli(["billing", "check", str(EXAMPLES / "gcp-focus-1.2.csv"), "--format", "json"])
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["rejected_rows"] == 0 and report["notes"] == []
    assert report["ai_spend"] == [{"currency": "USD", "amount": "1265.9000000000", "rows": 63}]


def test_synthetic_focus_rows_are_valid_and_mostly_ai(tmp_path: Path) -> None:
    path = tmp_path / "s.parquet"
    synth.write_focus(connect(), path, 5000)
    data = load_billing([path])
    assert data.rows == data.valid_rows == 5000 and not data.notes
    assert data.currencies[0].amount > Decimal(0)
