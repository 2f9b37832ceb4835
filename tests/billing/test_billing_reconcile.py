"""reconcile: billed cost against invoices (by id or period), and token estimates against list cost."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from billing_helpers import focus_row, policy_from, write_csv

from auditor.billing import load_billing, load_invoices, reconcile
from auditor.billing.convert import convert_files
from auditor.billing.records import BillingData, Invoice, Reconciliation
from scanners.errors import TagauditError

EXAMPLES = Path(__file__).parents[2] / "examples" / "billing"


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> BillingData:
    out = tmp_path_factory.mktemp("recon") / "native.parquet"
    convert_files([p for p in EXAMPLES.iterdir() if p.suffix in (".json", ".csv") and "focus" not in p.name],
                  "auto", out)
    return load_billing([out, EXAMPLES / "gcp-focus-1.2.csv"])


@pytest.fixture(scope="module")
def demo(demo_data: BillingData) -> Reconciliation:
    return reconcile(demo_data, load_invoices(EXAMPLES / "invoices.yaml"), policy_from({}))


def test_the_demo_invoices_all_reconcile_within_tolerance(demo: Reconciliation) -> None:
    assert [c.flagged for c in demo.invoices] == [False] * 5 and demo.unmatched == ()
    aws = demo.invoices[0]
    assert aws.invoice.invoice_id == "EUINUS26-1001" and aws.billed == Decimal("4797.95999375")
    anthropic = next(c for c in demo.invoices if c.invoice.provider == "Anthropic")
    assert anthropic.variance is not None and Decimal("-0.01") < anthropic.variance < 0


def test_an_invoice_off_by_more_than_the_tolerance_is_flagged(demo_data: BillingData) -> None:
    off = Invoice(Decimal(6100), "USD", period="2026-10", provider="openai")
    nothing = Invoice(Decimal(10), "USD", invoice_id="INV-404")
    result = reconcile(demo_data, [off, nothing], policy_from({}))
    assert [c.flagged for c in result.invoices] == [True, True]
    assert result.invoices[1].billed == 0 and result.invoices[1].variance == -1
    assert {g.provider for g in result.unmatched} == {"Anthropic", "Google Cloud", "Microsoft", None}


def test_a_looser_policy_tolerance_accepts_the_same_gap(demo_data: BillingData) -> None:
    off = Invoice(Decimal(5900), "USD", period="2026-10", provider="OpenAI")
    assert reconcile(demo_data, [off], policy_from({})).invoices[0].flagged
    assert not reconcile(demo_data, [off], policy_from({"tolerance": 0.1})).invoices[0].flagged


def test_token_estimates_match_list_cost_and_flag_the_priority_gap(demo: Reconciliation) -> None:
    by_key = {(e.provider, e.model, e.cost_source): e for e in demo.estimates}
    gpt4o = by_key[("openai", "gpt-4o-2024-08-06", "input")]
    assert gpt4o.basis == "price-table" and not gpt4o.flagged and gpt4o.variance == 0
    assert not by_key[("openai", "gpt-4o-2024-08-06", "input/batch")].flagged
    assert not by_key[("anthropic", "claude-sonnet-4-5", "cache-write")].flagged
    priority = by_key[("anthropic", "claude-sonnet-4-5", "input/priority")]
    assert priority.list_cost == 0 and priority.tokens > 0 and priority.estimate > 0 and priority.flagged
    bedrock = by_key[("aws_bedrock", "Claude3.5Sonnet", "output")]
    assert bedrock.basis == "unit-price" and not bedrock.flagged
    assert by_key[("google_vertex", "gemini-2.5-flash", "input")].basis == "unit-price"


def test_invoices_load_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "inv.csv"
    path.write_text("invoice_id,period,provider,amount,currency\n,2026-10,OpenAI,5490.37,usd\nINV-1,,,0.10,USD\n")
    assert load_invoices(path) == [
        Invoice(Decimal("5490.37"), "USD", None, "2026-10", "OpenAI", f"{path}:2"),
        Invoice(Decimal("0.10"), "USD", "INV-1", None, None, f"{path}:3")]


@pytest.mark.parametrize("body, message", [
    pytest.param('invoices:\n  - {period: 2026-10, amount: "12,50", currency: USD}\n', ":2: amount '12,50' is not",
                 id="a bad amount names its line"),
    pytest.param("invoices:\n  - {period: 2026-10, invoice_id: X, amount: 1, currency: USD}\n",
                 "exactly one of invoice_id or period", id="both id and period"),
    pytest.param("invoices:\n  - {period: 2026/10, amount: 1, currency: USD}\n", "is not YYYY-MM", id="bad period"),
    pytest.param("invoices:\n  - {period: 2026-10, amount: 1, currency: dollars}\n", "not an ISO 4217",
                 id="bad currency"),
    pytest.param("totals: 1\n", "top-level `invoices:` list", id="wrong shape"),
])
def test_bad_invoice_files_are_clear_errors(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text(body)
    with pytest.raises(TagauditError, match=message.replace("(", r"\(")):
        load_invoices(path)


def test_rows_without_invoice_id_reconcile_by_billing_period(tmp_path: Path) -> None:
    rows = [focus_row(BilledCost="1.10"), focus_row(BilledCost="2.20", BillingPeriodStart="2026-11-01T00:00:00Z",
                                                    BillingPeriodEnd="2026-12-01T00:00:00Z")]
    data = load_billing([write_csv(tmp_path / "p.csv", rows)])
    result = reconcile(data, [Invoice(Decimal("1.10"), "USD", period="2026-10")], policy_from({}))
    assert result.invoices[0].billed == Decimal("1.10") and not result.invoices[0].flagged
    assert [(g.period, g.billed) for g in result.unmatched] == [("2026-11", Decimal("2.20"))]
