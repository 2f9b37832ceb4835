"""Plain helpers for billing tests (importable as `billing_helpers`; pytest puts this folder on sys.path)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from auditor.billing.ingest import focus
from auditor.policy import Policy, compile_policy


def policy_from(data: dict[str, Any]) -> Policy:
    base = {"version": 1, "name": "t", "keys": {"team": {"aliases": ["owner"]}, "cost_center": {"aliases": ["costcenter"]},
                                                "use_case": {"aliases": ["feature"]},
                                                "environment": {"aliases": ["env"]}}}
    return compile_policy({**base, **data}, "test-policy")


def focus_row(**overrides: Any) -> dict[str, Any]:
    """A valid FOCUS 1.2 row (OpenAI spend, fully tagged), with overrides."""
    row: dict[str, Any] = {
        "BilledCost": "1.25", "EffectiveCost": "1.25", "ListCost": "1.25", "ContractedCost": "1.25",
        "BillingAccountId": "acct", "BillingAccountName": "Acme", "BillingCurrency": "USD",
        "BillingPeriodStart": "2026-10-01T00:00:00Z", "BillingPeriodEnd": "2026-11-01T00:00:00Z",
        "ChargePeriodStart": "2026-10-05T00:00:00Z", "ChargePeriodEnd": "2026-10-06T00:00:00Z",
        "ChargeCategory": "Usage", "ChargeClass": "", "ChargeDescription": "gpt-4o, input",
        "InvoiceIssuerName": "OpenAI", "PricingQuantity": "1000", "PricingUnit": "Tokens",
        "ProviderName": "OpenAI", "PublisherName": "OpenAI", "ServiceCategory": "AI and Machine Learning",
        "ServiceName": "OpenAI API", "SubAccountId": "proj_a", "x_Model": "gpt-4o", "x_TokenType": "input",
        "Tags": '{"team": "search", "cost_center": "cc-1", "use_case": "rank", "environment": "prod"}',
    }
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str] | None = None) -> Path:
    cols = columns or list(dict.fromkeys(c for r in rows for c in r)) or list(focus.MANDATORY)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols)
        writer.writeheader()
        for r in rows:
            writer.writerow({c: r.get(c) for c in cols})
    return path
