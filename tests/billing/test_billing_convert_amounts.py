"""Float-shaped amounts (issue 10, defect 1): every converter keeps the vendor's digits as Decimal, rounds
once to DECIMAL(38, 10) with a note stating both totals, and never aborts on a legal amount.

Each input below is written from the vendor's documented field list (URL above it), with the amounts the
vendors really emit: OpenAI's `amount.value` is a JSON number (binary-float noise such as
0.0038085000000000003), GCP's BigQuery JSON export writes floats in exponent form, Anthropic's cost
report gives cents as decimal strings with many places.
"""

from __future__ import annotations

import csv
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from auditor.billing import load_billing
from auditor.billing.convert import convert_files
from auditor.billing.ingest.load import connect
from tests.helpers import run_cli

FLOATS = ["0.0038085000000000003", "1.2345678901234567e-05", "0.30000000000000004", "2.5"]


def exact(values: list[str]) -> Decimal:
    return sum((Decimal(v) for v in values), Decimal(0))


def rounded(values: list[str]) -> Decimal:
    return sum((Decimal(v).quantize(Decimal("1e-10"), ROUND_HALF_UP) for v in values), Decimal(0))


def openai_costs(path: Path, values: list[str]) -> None:
    # https://platform.openai.com/docs/api-reference/usage/costs (Costs object: bucket start_time/end_time,
    # results[].object "organization.costs.result", amount.value number, amount.currency "usd", line_item,
    # project_id). Written as raw JSON text so the numbers keep the digits the API sends.
    results = ",".join(
        f'{{"object": "organization.costs.result", "amount": {{"value": {v}, "currency": "usd"}}, '
        f'"line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_abc"}}' for v in values)
    path.write_text('{"object": "page", "data": [{"object": "bucket", "start_time": 1730419200, '
                    f'"end_time": 1730505600, "results": [{results}]}}], "has_more": false, "next_page": null}}')


def anthropic_cost(path: Path, cents: list[str]) -> None:
    # https://docs.anthropic.com/en/api/admin-api/usage-cost/get-cost-report (data[].starting_at/ending_at,
    # results[].amount "decimal string in lowest currency units (cents)", currency "USD", workspace_id,
    # description, cost_type, context_window, model, service_tier, token_type).
    results = [{"currency": "USD", "amount": c, "workspace_id": "wrkspc_01", "description": "Input tokens",
                "cost_type": "tokens", "context_window": "0-200k", "model": "claude-sonnet-4-5",
                "service_tier": "standard", "token_type": "uncached_input_tokens"} for c in cents]
    path.write_text(json.dumps({"data": [{"starting_at": "2025-11-01T00:00:00Z", "ending_at": "2025-11-02T00:00:00Z",
                                          "results": results}], "has_more": False, "next_page": None}))


def gcp_jsonl(path: Path, values: list[str]) -> None:
    # https://cloud.google.com/billing/docs/how-to/export-data-bigquery-tables/standard-usage (billing_account_id,
    # service.description, sku.description, usage_start_time, usage_end_time, project.id, cost FLOAT,
    # currency, credits[].amount FLOAT, invoice.month, cost_type). BigQuery writes FLOAT64 as JSON numbers.
    lines = []
    for i, v in enumerate(values):
        credit = f', "credits": [{{"name": "Promo", "amount": -{v}, "type": "PROMOTION"}}]' if i == 0 else ""
        lines.append('{"billing_account_id": "01A2B3-C4D5E6-F7A8B9", "service": {"description": "Vertex AI"}, '
                     '"sku": {"description": "Gemini 2.5 Flash Input Text"}, "usage_start_time": '
                     '"2025-11-05T07:00:00Z", "usage_end_time": "2025-11-05T08:00:00Z", "project": {"id": "p1"}, '
                     f'"cost": {v}, "currency": "USD", "invoice": {{"month": "202511"}}, "cost_type": "regular"'
                     f'{credit}}}')
    path.write_text("\n".join(lines) + "\n")


def gcp_csv(path: Path, values: list[str]) -> None:
    # Same schema as gcp_jsonl, exported from BigQuery as CSV (dotted column names, FLOAT64 as text).
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["billing_account_id", "service.description", "usage_start_time", "usage_end_time",
                    "project.id", "cost", "currency", "invoice.month", "cost_type"])
        for v in values:
            w.writerow(["01A2B3-C4D5E6-F7A8B9", "Vertex AI", "2025-11-05 07:00:00 UTC", "2025-11-05 08:00:00 UTC",
                        "p1", v, "USD", "202511", "regular"])


AWS_HEADER = ["bill_payer_account_id", "bill_billing_period_start_date", "bill_billing_period_end_date",
              "line_item_usage_account_id", "line_item_line_item_type", "line_item_usage_start_date",
              "line_item_usage_end_date", "line_item_product_code", "line_item_usage_type",
              "line_item_unblended_cost", "line_item_currency_code"]


def aws_csv(path: Path, values: list[str]) -> None:
    # https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html (CUR 2.0 column names;
    # line_item_unblended_cost is a double, written by the CSV export in shortest float text).
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(AWS_HEADER)
        for v in values:
            w.writerow(["123456789012", "2025-11-01T00:00:00.000Z", "2025-12-01T00:00:00.000Z", "123456789012",
                        "Usage", "2025-11-05T00:00:00.000Z", "2025-11-05T01:00:00.000Z", "AmazonBedrock",
                        "USE1-Claude3.5Sonnet-input-tokens", v, "USD"])


def azure_csv(path: Path, values: list[str]) -> None:
    # https://learn.microsoft.com/en-us/azure/cost-management-billing/automate/understand-usage-details-fields
    # (EA actual cost: BillingAccountId, BillingPeriodStartDate, Date, MeterCategory, Quantity,
    # CostInBillingCurrency, BillingCurrencyCode, ChargeType).
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["BillingAccountId", "BillingPeriodStartDate", "BillingPeriodEndDate", "SubscriptionId", "Date",
                    "MeterCategory", "MeterName", "UnitOfMeasure", "Quantity", "CostInBillingCurrency",
                    "BillingCurrencyCode", "ChargeType", "Frequency"])
        for v in values:
            w.writerow(["84512345", "11/1/2025", "11/30/2025", "3f2a9c1e-0b7d-4c55-9e21-5a8d7c6b4e10", "11/5/2025",
                        "Foundry Models", "gpt 4o 0513 Input global Tokens", "1K", "1.5", v, "USD", "Usage",
                        "UsageBased"])


def anthropic_values() -> list[str]:
    return ["12.3456789012345", "0.0000000000001", "7.5"]  # cents with 13 places


CASES = [
    pytest.param("openai-costs", openai_costs, "costs.json", FLOATS, Decimal(1), id="openai json numbers"),
    pytest.param("anthropic-cost", anthropic_cost, "cost.json", anthropic_values(), Decimal("0.01"),
                 id="anthropic cents with 13 places"),
    pytest.param("gcp", gcp_jsonl, "billing.jsonl", FLOATS, Decimal(1), id="gcp json exponent floats"),
    pytest.param("gcp", gcp_csv, "billing.csv", FLOATS, Decimal(1), id="gcp csv exponent floats"),
    pytest.param("aws-cur", aws_csv, "cur.csv", FLOATS, Decimal(1), id="aws cur csv float text"),
    pytest.param("azure", azure_csv, "cost.csv", FLOATS, Decimal(1), id="azure csv float text"),
]


@pytest.mark.parametrize("kind, write, name, values, unit", CASES)
def test_float_shaped_amounts_convert_round_once_and_say_so(tmp_path: Path, kind: str, write: object, name: str,
                                                            values: list[str], unit: Decimal) -> None:
    src = tmp_path / name
    write(src, values)  # type: ignore[operator]
    scaled = [str(Decimal(v) * unit) for v in values]
    if kind == "gcp" and name.endswith(".jsonl"):  # the first row also carries a credit of minus its cost
        scaled.append(str(-Decimal(values[0])))
    out = tmp_path / "focus.csv"
    result = run_cli(["billing", "convert", str(src), "--from", kind, "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "more than 10 decimal places" in result.output and "rounded once" in result.output
    if kind not in ("aws-cur", "azure"):  # JSON sources keep the exact native total; SQL ones the rounded one
        assert f"native total {exact(scaled).normalize():f} USD" in result.output
    assert run_cli(["billing", "check", str(out)]).exit_code == 0
    data = load_billing([out])
    assert data.rejected_rows == 0
    assert data.currencies[0].amount == rounded(scaled)


def test_openai_json_numbers_are_read_from_their_text_not_via_float(tmp_path: Path) -> None:
    src = tmp_path / "costs.json"
    openai_costs(src, ["0.0038085000000000003", "0.00000000004999999999999"])
    result = convert_files([src], "openai-costs", tmp_path / "o.parquet")
    assert result.native_total[0].amount == Decimal("0.00380850005000000029999")
    assert result.focus_total[0].amount == Decimal("0.0038085000")
    assert "USD 0.00380850005000000029999 -> 0.0038085" in result.notes[0]


def test_aws_parquet_double_costs_keep_their_shortest_text(tmp_path: Path) -> None:
    src = tmp_path / "cur.parquet"
    cols = ", ".join(f"'{v}' AS {c}" for c, v in zip(AWS_HEADER[:9], [
        "123456789012", "2025-11-01", "2025-12-01", "123456789012", "Usage", "2025-11-05", "2025-11-05 01:00:00",
        "AmazonBedrock", "USE1-Claude3.5Sonnet-input-tokens"], strict=True))
    rows = " UNION ALL ".join(f"SELECT {cols}, {v}::DOUBLE AS line_item_unblended_cost, 'USD' AS "
                              "line_item_currency_code" for v in FLOATS)
    connect().execute(f"COPY ({rows}) TO '{src}' (FORMAT parquet)")
    result = convert_files([src], "aws-cur", tmp_path / "o.csv")
    assert result.focus_total[0].amount == rounded(FLOATS)
    assert load_billing([tmp_path / "o.csv"]).rejected_rows == 0


def test_inventory_style_conversion_of_float_amounts_does_not_abort(tmp_path: Path) -> None:
    """`inventory` converts native exports through the same convert_files; a legal amount never stops it."""
    src = tmp_path / "costs.json"
    openai_costs(src, FLOATS * 50)
    result = convert_files([src], "auto", tmp_path / "o.parquet")
    assert result.rows == 200 and result.focus_total[0].amount == rounded(FLOATS * 50)
