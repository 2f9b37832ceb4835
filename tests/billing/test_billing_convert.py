"""Converters: documented quirks, and the round trip native -> FOCUS 1.2 -> `check` (0 rejected, same total)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from auditor.billing import load_billing
from auditor.billing.convert import convert_files, sniff
from auditor.billing.ingest.load import connect
from tests.helpers import run_cli

NATIVE = Path(__file__).parent / "fixtures" / "native"
def _json(path: Path) -> object:
    return json.loads(path.read_text(), parse_float=Decimal)


def openai_total(paths: list[Path]) -> Decimal:
    pages = _json(paths[0])
    return sum((r["amount"]["value"] for p in pages for b in p["data"] for r in b["results"]), Decimal(0))


def anthropic_total(paths: list[Path]) -> Decimal:
    doc = _json(paths[0])
    return sum((Decimal(r["amount"]) / 100 for b in doc["data"] for r in b["results"]), Decimal(0))


def csv_total(column: str, fallback: str | None = None, places: int | None = None
              ) -> Callable[[list[Path]], Decimal]:
    """Σ of a CSV money column in Python Decimal (optionally each value rounded half-up to `places`)."""
    def total(paths: list[Path]) -> Decimal:
        with paths[0].open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        values = [Decimal(r.get(column) or r[fallback or column]) for r in rows]
        if places is not None:
            values = [v.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP) for v in values]
        return sum(values, Decimal(0))
    return total


def gcp_total(paths: list[Path]) -> Decimal:
    recs = [json.loads(line, parse_float=Decimal) for line in paths[0].read_text().splitlines() if line.strip()]
    return sum((r["cost"] + sum((c["amount"] for c in r["credits"]), Decimal(0)) for r in recs), Decimal(0))


ROUND_TRIPS = [
    pytest.param("openai-costs", ["openai-costs.json", "openai-usage.json"], openai_total, id="openai costs + usage"),
    pytest.param("anthropic-cost", ["anthropic-cost.json", "anthropic-usage.json"], anthropic_total,
                 id="anthropic cost report in cents + usage"),
    pytest.param("aws-cur", ["aws-cur2.csv"], csv_total("line_item_net_unblended_cost", "line_item_unblended_cost"),
                 id="aws cur 2.0 csv, net else unblended"),
    pytest.param("aws-cur", ["aws-legacy-tags.csv"], csv_total("lineItem/UnblendedCost"), id="aws legacy cur csv"),
    pytest.param("azure", ["azure-cost-details.csv"], csv_total("CostInBillingCurrency"), id="azure cost details"),
    pytest.param("gcp", ["gcp-billing.jsonl"], gcp_total, id="gcp json lines with credits"),
]


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
@pytest.mark.parametrize("kind, files, native_total", ROUND_TRIPS)
def test_round_trip_passes_check_and_keeps_the_native_total_exactly(
        tmp_path: Path, kind: str, files: list[str], native_total: Callable[[list[Path]], Decimal], suffix: str) -> None:
    inputs = [NATIVE / f for f in files]
    out = tmp_path / f"focus{suffix}"
    result = run_cli(["billing", "convert", *map(str, inputs), "--from", kind, "--output", str(out)])
    assert result.exit_code == 0, result.output
    checked = run_cli(["billing", "check", str(out)])
    assert checked.exit_code == 0, checked.output
    data = load_billing([out])
    assert data.rejected_rows == 0 and not data.notes
    assert sum((m.amount for m in data.currencies), Decimal(0)) == native_total(inputs)


@pytest.mark.parametrize("name, kind", [
    ("openai-costs.json", "openai-costs"), ("openai-usage.json", "openai-usage"),
    ("anthropic-cost.json", "anthropic-cost"), ("anthropic-usage.json", "anthropic-usage"),
    ("aws-cur2.csv", "aws-cur"), ("aws-legacy-tags.csv", "aws-cur"), ("azure-cost-details.csv", "azure"),
    ("gcp-billing.jsonl", "gcp"),
])
def test_sniffing_recognises_each_native_export(name: str, kind: str) -> None:
    assert sniff(NATIVE / name) == kind


def rows(tmp_path: Path, kind: str, *files: str, sql: str) -> list[tuple[object, ...]]:
    out = tmp_path / "o.parquet"
    convert_files([NATIVE / f for f in files], kind, out)
    return connect().execute(sql.replace("OUT", f"read_parquet('{out}')")).fetchall()


def test_openai_line_items_become_model_token_type_and_batch(tmp_path: Path) -> None:
    got = rows(tmp_path, "openai-costs", "openai-costs.json", "openai-usage.json", sql="""
        SELECT x_Model, x_TokenType, x_Batch, BillingCurrency, SubAccountId, ConsumedQuantity::BIGINT
        FROM OUT ORDER BY ChargePeriodStart, BilledCost""")
    assert got == [
        ("gpt-4o-2024-08-06", "cached_input", "false", "USD", "proj_support", 8000),
        ("gpt-4o-2024-08-06", "input", "false", "USD", "proj_support", 20500),
        ("gpt-4o-2024-08-06", "output", "false", "USD", "proj_support", 5000),
        ("gpt-4o-mini-2024-07-18", "input", "true", "USD", "proj_legacy", 16000000),
        ("text-embedding-3-small", "input", "false", "USD", "proj_legacy", 15000),
        ("gpt-4o-mini", None, "false", "USD", "proj_legacy", None),
    ]


def test_openai_cost_rows_take_the_service_tier_usage_reports(tmp_path: Path) -> None:
    got = rows(tmp_path, "openai-costs", "openai-costs.json", "openai-usage.json",
               sql="SELECT DISTINCT x_Model, x_ServiceTier FROM OUT WHERE x_ServiceTier IS NOT NULL")
    assert got == [("gpt-4o-2024-08-06", "default")]


def test_openai_usage_alone_gives_tokens_at_zero_cost_with_a_note(tmp_path: Path) -> None:
    result = convert_files([NATIVE / "openai-usage.json"], "openai-usage", tmp_path / "u.parquet")
    assert result.focus_total[0].amount == 0 and "carry no money" in result.notes[0]


def test_anthropic_amounts_are_cents_and_the_default_workspace_is_null(tmp_path: Path) -> None:
    got = rows(tmp_path, "anthropic-cost", "anthropic-cost.json", "anthropic-usage.json", sql="""
        SELECT BilledCost, SubAccountId, SubAccountName, x_TokenType, x_ServiceTier, x_CostType,
               ConsumedQuantity::BIGINT FROM OUT ORDER BY ChargePeriodStart, x_TokenType NULLS LAST, BilledCost""")
    assert (Decimal("0.0050000000"), "wrkspc_search", "wrkspc_search", "cache_read_input_tokens", "standard", "tokens",
            16667) in got
    assert (Decimal("6.0000000000"), "wrkspc_search", "wrkspc_search", "cache_creation.ephemeral_1h_input_tokens", "standard",
            "tokens", 1000000) in got
    assert (Decimal("18.7500000000"), "wrkspc_search", "wrkspc_search", "cache_creation.ephemeral_5m_input_tokens", "standard",
            "tokens", 5000000) in got
    assert (Decimal("1.2345000000"), "wrkspc_search", "wrkspc_search", "uncached_input_tokens", "standard", "tokens", 411500) in got
    assert (Decimal("7.5025000000"), None, None, "output_tokens", "batch", "tokens", 3001000) in got
    assert (Decimal("10.0000000000"), None, None, None, None, "web_search", None) in got


def test_anthropic_priority_usage_is_kept_at_zero_cost_and_noted(tmp_path: Path) -> None:
    result = convert_files([NATIVE / "anthropic-cost.json", NATIVE / "anthropic-usage.json"], "anthropic-cost",
                           tmp_path / "a.parquet")
    assert any("priority-tier usage is not in Anthropic's cost report" in n for n in result.notes)
    got = connect().execute(f"SELECT x_TokenType, ConsumedQuantity::BIGINT, BilledCost FROM "
                            f"read_parquet('{tmp_path / 'a.parquet'}') WHERE x_ServiceTier = 'priority' "
                            "ORDER BY 1").fetchall()
    assert got == [("output_tokens", 300, Decimal(0)), ("uncached_input_tokens", 2000, Decimal(0))]


def test_aws_cur_maps_tags_credits_marketplace_and_net_cost(tmp_path: Path) -> None:
    got = rows(tmp_path, "aws-cur", "aws-cur2.csv", sql="""
        SELECT SkuMeter, ChargeCategory, BilledCost, Tags, PublisherName, ServiceName, ResourceName, InvoiceId
        FROM OUT ORDER BY BilledCost""")
    by_meter = {r[0]: r[1:] for r in got}
    credit = next(r for r in got if r[1] == "Credit")
    assert credit[2] == Decimal(-25)
    assert by_meter["USE1-Claude3.5Sonnet-input-tokens"][1] == Decimal("4.05")  # net unblended
    assert by_meter["USE1-Claude3.5Sonnet-cache-read-input-token-count"][1] == Decimal("0.6")  # net empty
    assert json.loads(by_meter["USE1-Claude3.5Sonnet-input-tokens"][2]) == {
        "team": "platform", "cost_center": "cc-300", "aws:createdBy": "AROA:alice"}
    assert by_meter["USE1-Claude3.5Sonnet-input-tokens"][5] == "summarizer"
    assert by_meter["USE1-Claude3.5Sonnet-cache-write-input-token-count"][2] is None  # empty map
    assert by_meter["USE1-MP:USE1_InputTokenCount-Units"][3:5] == ("Anthropic, PBC",
                                                                   "Claude 3 Haiku (Amazon Bedrock Edition)")


def test_aws_cur_2_parquet_with_map_columns_converts(tmp_path: Path) -> None:
    src = tmp_path / "cur.parquet"
    connect().execute(f"""COPY (SELECT '123456789012' AS bill_payer_account_id,
        TIMESTAMP '2026-10-01' AS bill_billing_period_start_date, TIMESTAMP '2026-11-01' AS bill_billing_period_end_date,
        'Usage' AS line_item_line_item_type, TIMESTAMP '2026-10-02' AS line_item_usage_start_date,
        TIMESTAMP '2026-10-02 01:00:00' AS line_item_usage_end_date, 'AmazonBedrock' AS line_item_product_code,
        'USE1-Claude3Haiku-output-tokens' AS line_item_usage_type, 0.1::DOUBLE AS line_item_unblended_cost,
        NULL::DOUBLE AS line_item_net_unblended_cost, 'USD' AS line_item_currency_code,
        MAP {{'product_name': 'Amazon Bedrock'}} AS product, MAP {{'user:team': 'search'}} AS resource_tags)
        TO '{src}' (FORMAT parquet)""")
    out = tmp_path / "f.parquet"
    result = convert_files([src], "auto", out)
    assert result.focus_total[0].amount == Decimal("0.1")
    assert connect().execute(f"SELECT Tags, ServiceName FROM read_parquet('{out}')").fetchone() == (
        '{"team":"search"}', "Amazon Bedrock")


def test_azure_tags_get_braces_and_periods_become_exclusive(tmp_path: Path) -> None:
    got = rows(tmp_path, "azure", "azure-cost-details.csv", sql="""
        SELECT Tags, strftime(BillingPeriodEnd, '%Y-%m-%d'), strftime(ChargePeriodEnd, '%Y-%m-%d'), ServiceName,
               ConsumedQuantity, PricingUnit, ResourceName, ChargeCategory, ChargeClass
        FROM OUT ORDER BY ChargePeriodStart, BilledCost DESC""")
    assert json.loads(got[0][0]) == {"team": "payments", "env": "prod"}
    assert got[0][1:7] == ("2026-11-01", "2026-10-06", "Azure OpenAI", Decimal(1234500), "1000 Tokens",
                           "acme-payments")
    assert got[2][0] is None
    assert [r[3] for r in got] == ["Azure OpenAI", "Cognitive Services", "Azure OpenAI", "Azure OpenAI"]
    assert got[-1][7:] == ("Usage", "Correction")  # an on-demand refund gives back consumed tokens


def test_gcp_labels_override_project_labels_and_credits_become_rows(tmp_path: Path) -> None:
    got = rows(tmp_path, "gcp", "gcp-billing.jsonl", sql="""
        SELECT ChargeCategory, BilledCost, Tags, strftime(BillingPeriodStart, '%Y-%m-%dT%H:%M'),
               strftime(BillingPeriodEnd, '%Y-%m-%dT%H:%M'), x_CreditType
        FROM OUT WHERE SubAccountId = 'acme-growth' ORDER BY BilledCost""")
    assert [(r[0], r[1]) for r in got] == [("Credit", Decimal("-2.000001")), ("Credit", Decimal("-0.1")),
                                           ("Tax", Decimal("0.99")), ("Usage", Decimal("12.345678"))]
    assert json.loads(got[-1][2]) == {"team": "growth", "cost_center": "cc-400", "use_case": "campaigns",
                                      "environment": "production"}
    assert got[0][2] == got[-1][2] and got[0][5] == "FREE_TIER"
    assert got[-1][3:5] == ("2026-10-01T07:00", "2026-11-01T07:00")  # Pacific month in UTC


def test_gcp_csv_exports_with_dotted_columns_convert_the_same(tmp_path: Path) -> None:
    recs = [json.loads(line) for line in (NATIVE / "gcp-billing.jsonl").read_text().splitlines()]
    flat = []
    for r in recs:
        flat.append({"billing_account_id": r["billing_account_id"], "service.description": r["service"]["description"],
                     "sku.description": r["sku"]["description"], "usage_start_time": r["usage_start_time"],
                     "usage_end_time": r["usage_end_time"], "project.id": r["project"]["id"],
                     "project.labels": json.dumps(r["project"].get("labels", [])), "labels": json.dumps(r["labels"]),
                     "cost": str(r["cost"]), "currency": r["currency"], "credits": json.dumps(r["credits"]),
                     "invoice.month": r["invoice"]["month"], "cost_type": r["cost_type"]})
    path = tmp_path / "gcp.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(flat[0]))
        writer.writeheader()
        writer.writerows(flat)
    result = convert_files([path], "auto", tmp_path / "g.parquet")
    assert result.focus_total[0].amount == gcp_total([NATIVE / "gcp-billing.jsonl"])


@pytest.mark.parametrize("name, column", [
    pytest.param("aws-legacy-cur-sample.csv", "lineItem/UnblendedCost", id="legacy cur slash headers"),
    pytest.param("azure-ea-actualcost-sample.csv", "CostInBillingCurrency", id="azure ea, tags without braces"),
])
def test_shared_native_samples_round_trip(tmp_path: Path, samples: Path, name: str, column: str) -> None:
    """Both samples convert with 0 rejected rows. The Azure one has costs with up to 14 decimals: each is
    rounded to DECIMAL(38, 10) (the brief's money type), which the conversion says, and the total is the
    exact sum of the rounded values."""
    src = samples / "native" / name
    with src.open(encoding="utf-8-sig", newline="") as fh:
        values = [Decimal(r[column]) for r in csv.DictReader(fh)]
    rounded = sum(1 for v in values if v != v.quantize(Decimal("1e-10")))
    out = tmp_path / "out.csv"
    result = run_cli(["billing", "convert", str(src), "--output", str(out)])
    assert result.exit_code == 0
    assert (f"{rounded} cost values have more than 10 decimal places" in result.output) == bool(rounded)
    data = load_billing([out])
    assert data.rejected_rows == 0
    assert data.currencies[0].amount == csv_total(column, places=10)([src])


def test_a_focus_file_is_not_converted_again(tmp_path: Path) -> None:
    focus_file = tmp_path / "f.csv"
    focus_file.write_text("BilledCost,BillingCurrency\n1,USD\n")
    result = run_cli(["billing", "convert", str(focus_file), "-o", str(tmp_path / "x.parquet")])
    assert result.exit_code == 2 and "already FOCUS" in result.output


# CUR 2.0 tag columns, as AWS documents them: `tags` (map<string,string>, keys prefixed resourceTags/,
# accountTag/, costCategory/, userAttribute/) beside or instead of `resource_tags` (map, keys `user:<k>`).
# https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2-tag-columns.html
# https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2-resource-tags.html
_CUR_ROW = """'123456789012' AS bill_payer_account_id, TIMESTAMP '2025-11-01' AS bill_billing_period_start_date,
    TIMESTAMP '2025-12-01' AS bill_billing_period_end_date, 'Usage' AS line_item_line_item_type,
    TIMESTAMP '2025-11-02' AS line_item_usage_start_date, TIMESTAMP '2025-11-02 01:00:00' AS line_item_usage_end_date,
    'AmazonBedrock' AS line_item_product_code, 'USE1-Claude3Haiku-output-tokens' AS line_item_usage_type,
    'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123' AS line_item_resource_id,
    '0.25' AS line_item_unblended_cost, 'USD' AS line_item_currency_code"""


def _cur_tags(tmp_path: Path, columns: str, fmt: str = "parquet") -> dict[str, str] | None:
    src = tmp_path / f"cur.{fmt}"
    connect().execute(f"COPY (SELECT {_CUR_ROW}, {columns}) TO '{src}' (FORMAT {fmt}{', HEADER' if fmt == 'csv' else ''})")
    out = tmp_path / "f.parquet"
    convert_files([src], "aws-cur", out)
    tags = connect().execute(f"SELECT Tags FROM read_parquet('{out}')").fetchone()
    assert tags is not None
    return None if tags[0] is None else dict(json.loads(tags[0]))


def test_aws_cur2_tags_map_alone_gives_resource_tags_unprefixed_and_keeps_other_prefixes(tmp_path: Path) -> None:
    got = _cur_tags(tmp_path, """MAP {'resourceTags/user:team': 'search', 'resourceTags/user:cost_center': 'cc-210',
        'resourceTags/aws:createdBy': 'AROA:bob', 'accountTag/team': 'finance', 'costCategory/team': 'ml-platform',
        'userAttribute/Department': 'R&D'} AS tags""")
    assert got == {"team": "search", "cost_center": "cc-210", "aws:createdBy": "AROA:bob",
                   "accountTag/team": "finance", "costCategory/team": "ml-platform", "userAttribute/Department": "R&D"}


def test_aws_cur2_tags_beside_resource_tags_merge_with_each_key_once(tmp_path: Path) -> None:
    got = _cur_tags(tmp_path, """MAP {'user:team': 'search'} AS resource_tags,
        MAP {'resourceTags/user:team': 'search', 'resourceTags/department': 'teamA', 'accountTag/env': 'prod'} AS tags""")
    assert got == {"team": "search", "department": "teamA", "accountTag/env": "prod"}


def test_aws_cur2_tags_as_json_text_in_csv(tmp_path: Path) -> None:
    got = _cur_tags(tmp_path, """'{"resourceTags/user:team": "search", "costCategory/project": "x"}' AS tags,
        '' AS resource_tags""", fmt="csv")
    assert got == {"team": "search", "costCategory/project": "x"}


@pytest.mark.parametrize("columns", [
    pytest.param("MAP {'user_team': 'search', 'user_cost_center': 'cc-210'} AS resource_tags", id="user_ map keys"),
    pytest.param("MAP {'user:team': 'search', 'user:cost_center': 'cc-210'} AS resource_tags", id="user: map keys"),
    pytest.param("'search' AS resource_tags_user_team, 'cc-210' AS resource_tags_user_cost_center",
                 id="athena flattened columns"),
])
def test_aws_resource_tag_key_forms_all_give_team_and_cost_center(tmp_path: Path, columns: str) -> None:
    assert _cur_tags(tmp_path, columns) == {"team": "search", "cost_center": "cc-210"}


def test_aws_inference_profile_pool_tagged_through_cur2_tags_is_allocated(tmp_path: Path, demo_policy: object) -> None:
    from auditor.billing import pool_spend

    src = tmp_path / "cur.parquet"
    connect().execute(f"""COPY (SELECT {_CUR_ROW}, MAP {{'resourceTags/user:team': 'search',
        'resourceTags/user_cost_center': 'cc-210', 'resourceTags/user:use_case': 'ranking',
        'resourceTags/user:environment': 'production'}} AS tags) TO '{src}' (FORMAT parquet)""")
    convert_files([src], "aws-cur", tmp_path / "f.parquet")
    result = pool_spend(load_billing([tmp_path / "f.parquet"]), demo_policy)  # type: ignore[arg-type]
    assert result.untagged_cost == 0 and result.total_ai_cost == Decimal("0.25")


@pytest.mark.parametrize("kind, files", [pytest.param(k, f, id=i) for k, f, i in [
    ("openai-costs", ["openai-costs.json"], "openai"), ("anthropic-cost", ["anthropic-cost.json"], "anthropic"),
    ("aws-cur", ["aws-cur2.csv"], "aws"), ("azure", ["azure-cost-details.csv"], "azure"),
    ("gcp", ["gcp-billing.jsonl"], "gcp")]])
def test_convert_output_leaves_out_conditional_columns_it_does_not_fill(tmp_path: Path, kind: str,
                                                                       files: list[str]) -> None:
    """FOCUS 1.2 column handling: a Conditional/Recommended column the source cannot fill is left out; every
    Mandatory column is present. https://github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec (v1.2,
    specification/attributes/column_handling.md). InvoiceId is the exception: FOCUS recommends the column be
    present even where null (the validator's CostAndUsage-D-033-O)."""
    from auditor.billing.ingest import focus

    out = tmp_path / "o.parquet"
    convert_files([NATIVE / f for f in files], kind, out)
    con = connect()
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{out}')").fetchall()]
    assert set(focus.MANDATORY) <= set(names)
    for name in names:
        assert con.execute(f'SELECT count("{name}") FROM read_parquet(\'{out}\')').fetchone()[0] > 0 or \
            name in (*focus.MANDATORY, "InvoiceId"), name


# Savings Plan line items as AWS documents them (SavingsPlanCoveredUsage at the on-demand unblended cost with
# savings_plan_savings_plan_effective_cost; SavingsPlanNegation offsetting it; SavingsPlanRecurringFee with
# total_commitment_to_date and used_commitment): https://docs.aws.amazon.com/cur/latest/userguide/cur-sp.html
# Line item types: https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2-line-item.html
_SP_ARN = "arn:aws:savingsplans::123456789012:savingsplan/3a9c2b1e-1111-2222-3333-444455556666"


def _cur_lines(tmp_path: Path) -> Path:
    def line(kind: str, cost: str, start: str = "2025-11-02", sp_arn: str | None = _SP_ARN, effective: str = "NULL",
             to_date: str = "NULL", used: str = "NULL", usage_type: str = "USE1-ComputeSP:t3.large") -> str:
        arn = f"'{sp_arn}'" if sp_arn else "NULL"
        return (f"SELECT '123456789012' AS bill_payer_account_id, TIMESTAMP '2025-11-01' AS "
                f"bill_billing_period_start_date, TIMESTAMP '2025-12-01' AS bill_billing_period_end_date, "
                f"'{kind}' AS line_item_line_item_type, TIMESTAMP '{start}' AS line_item_usage_start_date, "
                f"TIMESTAMP '{start}' + INTERVAL 1 HOUR AS line_item_usage_end_date, 'AmazonEC2' AS "
                f"line_item_product_code, '{usage_type}' AS line_item_usage_type, {cost}::DOUBLE AS "
                f"line_item_unblended_cost, 'USD' AS line_item_currency_code, {arn} AS "
                f"savings_plan_savings_plan_a_r_n, {effective}::DOUBLE AS savings_plan_savings_plan_effective_cost, "
                f"{to_date}::DOUBLE AS savings_plan_total_commitment_to_date, {used}::DOUBLE AS "
                f"savings_plan_used_commitment, 'us-east-1' AS product_region_code, "
                f"'US East (N. Virginia)' AS product_location, 'Hrs' AS pricing_unit, 1::DOUBLE AS "
                f"line_item_usage_amount")
    rows = [line("SavingsPlanCoveredUsage", "10", effective="7"), line("SavingsPlanNegation", "-10"),
            line("SavingsPlanRecurringFee", "8", to_date="8", used="7"),
            line("EdpDiscount", "-0.5", sp_arn=None), line("Refund", "-2", start="2025-10-15", sp_arn=None),
            line("Credit", "-1", sp_arn=None)]
    src = tmp_path / "cur.parquet"
    connect().execute(f"COPY ({' UNION ALL '.join(rows)}) TO '{src}' (FORMAT parquet)")
    return src


def test_aws_savings_plan_lines_amortise_and_discounts_are_usage(tmp_path: Path) -> None:
    out = tmp_path / "f.parquet"
    convert_files([_cur_lines(tmp_path)], "aws-cur", out)
    got = {r[0]: r[1:] for r in connect().execute(f"""
        SELECT x_UsageType || ':' || ChargeCategory || ':' || BilledCost::VARCHAR, EffectiveCost, ChargeClass,
               CommitmentDiscountId, CommitmentDiscountCategory, CommitmentDiscountType, CommitmentDiscountStatus
        FROM read_parquet('{out}')""").fetchall()}
    sp = ("Spend", "Savings Plan")
    assert got["USE1-ComputeSP:t3.large:Usage:10.0000000000"] == (Decimal(7), None, _SP_ARN, *sp, "Used")
    assert got["USE1-ComputeSP:t3.large:Usage:-10.0000000000"] == (Decimal(0), None, _SP_ARN, *sp, "Used")
    assert got["USE1-ComputeSP:t3.large:Purchase:8.0000000000"] == (Decimal(1), None, _SP_ARN, *sp, None)
    assert got["USE1-ComputeSP:t3.large:Usage:-0.5000000000"] == (Decimal("-0.5"), None, None, None, None, None)
    assert got["USE1-ComputeSP:t3.large:Usage:-2.0000000000"][1] == "Correction"  # refunds October in November
    assert got["USE1-ComputeSP:t3.large:Credit:-1.0000000000"][1] is None
    totals = connect().execute(f"SELECT sum(BilledCost), sum(EffectiveCost) FROM read_parquet('{out}')").fetchone()
    assert totals == (Decimal("4.5"), Decimal("4.5"))


def test_aws_rows_name_aws_as_provider_and_issuer_with_region_names_and_focus_units(tmp_path: Path) -> None:
    out = tmp_path / "f.parquet"
    convert_files([NATIVE / "aws-cur2.csv"], "aws-cur", out)
    got = connect().execute(f"""SELECT DISTINCT ProviderName, InvoiceIssuerName, RegionId, RegionName, PricingUnit,
        ServiceSubcategory FROM read_parquet('{out}') WHERE SkuMeter = 'USE1-Claude3.5Sonnet-input-tokens'""").fetchall()
    assert got == [("AWS", "AWS", "us-east-1", "us-east-1", "1000 Tokens", "Generative AI")]
    missing = connect().execute(f"""SELECT count(*) FILTER (WHERE ServiceName IS NULL OR ServiceSubcategory IS NULL
        OR (RegionId IS NOT NULL AND RegionName IS NULL) OR ((SubAccountId IS NULL) <> (SubAccountName IS NULL)))
        FROM read_parquet('{out}')""").fetchone()
    assert missing == (0,)


# Azure cost details fields (ChargeType Usage/Purchase/Refund/Credit/UnusedReservation, PricingModel,
# BenefitId, UnitOfMeasure, Quantity in single units, UnitPrice per UnitOfMeasure block):
# https://learn.microsoft.com/en-us/azure/cost-management-billing/automate/understand-usage-details-fields
# Conversion rules: https://learn.microsoft.com/en-us/cloud-computing/finops/focus/mapping
_RI = "/providers/Microsoft.Capacity/reservationOrders/1111/reservations/2222"


def _azure(tmp_path: Path) -> Path:
    header = ["BillingAccountId", "BillingPeriodStartDate", "BillingPeriodEndDate", "SubscriptionId", "Date",
              "MeterCategory", "MeterName", "UnitOfMeasure", "Quantity", "UnitPrice", "PayGPrice",
              "CostInBillingCurrency", "BillingCurrencyCode", "ChargeType", "PricingModel", "BenefitId", "Frequency"]
    lines = [
        ["1", "11/1/2025", "11/30/2025", "sub-1", "11/5/2025", "Foundry Models", "gpt 4o 0513 Input global Tokens",
         "1K", "2000", "0.0025", "0.0025", "0.005", "USD", "Usage", "OnDemand", "", "UsageBased"],
        ["1", "11/1/2025", "11/30/2025", "sub-1", "11/5/2025", "Virtual Machines", "D2 v3", "100 Hours", "50",
         "8", "10", "0", "USD", "Usage", "Reservation", _RI, "UsageBased"],
        ["1", "11/1/2025", "11/30/2025", "sub-1", "11/5/2025", "Virtual Machines", "D2 v3", "100 Hours", "10",
         "8", "10", "0.8", "USD", "UnusedReservation", "Reservation", _RI, "UsageBased"],
        ["1", "11/1/2025", "11/30/2025", "sub-1", "11/1/2025", "Virtual Machines", "D2 v3 reservation", "1", "1",
         "500", "", "500", "USD", "Purchase", "Reservation", _RI, "OneTime"],
        ["1", "11/1/2025", "11/30/2025", "", "11/30/2025", "", "", "", "", "", "", "-20", "USD", "Credit", "", "",
         "OneTime"],
        ["1", "11/1/2025", "11/30/2025", "sub-1", "11/20/2025", "Foundry Models", "gpt 4o 0513 Input global Tokens",
         "1K", "-2000", "0.0025", "0.0025", "-0.005", "USD", "Refund", "OnDemand", "", "OneTime"],
        ["1", "11/1/2025", "11/30/2025", "sub-1", "11/25/2025", "Virtual Machines", "D2 v3 reservation", "1", "-1",
         "500", "", "-500", "USD", "Refund", "Reservation", _RI, "OneTime"],
    ]
    src = tmp_path / "azure.csv"
    with src.open("w", newline="") as fh:
        csv.writer(fh).writerows([header, *lines])
    return src


def test_azure_commitments_credits_refunds_and_block_quantities(tmp_path: Path) -> None:
    out = tmp_path / "f.parquet"
    convert_files([_azure(tmp_path)], "azure", out)
    got = connect().execute(f"""SELECT ChargeCategory, ChargeClass, BilledCost, EffectiveCost, ListCost,
        ContractedCost, ConsumedQuantity, PricingQuantity, PricingUnit, CommitmentDiscountId,
        CommitmentDiscountStatus, ServiceName, SubAccountId, SubAccountName
        FROM read_parquet('{out}') ORDER BY ChargePeriodStart, BilledCost""").fetchall()
    tokens, purchase, reserved, unused, refund, credit = (
        next(r for r in got if r[0] == "Usage" and r[8] == "1000 Tokens"), next(r for r in got if r[0] == "Purchase"
                                                                            and r[1] is None),
        next(r for r in got if r[10] == "Used"), next(r for r in got if r[10] == "Unused"),
        next(r for r in got if r[1] == "Correction" and r[0] == "Usage"), next(r for r in got if r[0] == "Credit"))
    commitment_refund = next(r for r in got if r[1] == "Correction" and r[0] == "Purchase")
    assert tokens[2:9] == (Decimal("0.005"), Decimal("0.005"), Decimal("0.005"), Decimal("0.005"), Decimal(2000),
                           Decimal(2), "1000 Tokens")  # ListCost is not 1000x BilledCost
    assert purchase[2:4] == (Decimal(500), Decimal(0)) and purchase[9] == _RI  # amortised into the usage
    assert reserved[9] == _RI and reserved[7:9] == (Decimal("0.5"), "100 Hours")
    assert unused[0] == "Usage" and unused[9] == _RI
    assert unused[6] is None  # unused hours consumed nothing (FOCUS ConsumedQuantity-C-004-C)
    assert refund[2:4] == (Decimal("-0.005"), Decimal("-0.005")) and refund[6] == Decimal(-2000)
    assert commitment_refund[2:4] == (Decimal(-500), Decimal(0)) and commitment_refund[9] == _RI
    assert credit[11] == "Microsoft Azure" and credit[12:] == (None, None)


# OpenAI Costs API results (line_item, quantity, quantity_unit, project_id) and Usage API completions results
# (input_tokens including input_cached_tokens and input_cache_write_tokens):
# https://platform.openai.com/docs/api-reference/usage/costs
# https://platform.openai.com/docs/api-reference/usage/completions
def test_openai_line_items_without_a_model_units_and_cache_writes(tmp_path: Path) -> None:
    costs = tmp_path / "costs.json"
    costs.write_text(json.dumps({"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": 1730419200, "end_time": 1730505600, "results": [
            {"object": "organization.costs.result", "amount": {"value": "0.5", "currency": "usd"},
             "line_item": "input_tokens", "project_id": "proj_a", "quantity": None, "quantity_unit": None},
            {"object": "organization.costs.result", "amount": {"value": "0.08", "currency": "usd"},
             "line_item": "Image models", "project_id": None, "quantity": 2, "quantity_unit": "images"},
            {"object": "organization.costs.result", "amount": {"value": "0.25", "currency": "usd"},
             "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_a"}]}]}))
    usage = tmp_path / "usage.json"
    usage.write_text(json.dumps({"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": 1730419200, "end_time": 1730505600, "results": [
            {"object": "organization.usage.completions.result", "input_tokens": 100000, "input_cached_tokens": 20000,
             "input_cache_write_tokens": 30000, "output_tokens": 5000, "num_model_requests": 10,
             "project_id": "proj_a", "model": "gpt-4o-2024-08-06", "batch": False}]}]}))
    out = tmp_path / "o.parquet"
    convert_files([costs, usage], "openai-costs", out)
    got = {r[0]: r[1:] for r in connect().execute(f"""SELECT ChargeDescription, x_Model, x_TokenType,
        PricingQuantity, PricingUnit, ConsumedQuantity, SubAccountId, SubAccountName, SubAccountType
        FROM read_parquet('{out}')""").fetchall()}
    assert got["input_tokens"][:2] == (None, "input") and got["input_tokens"][5:] == ("proj_a", "proj_a", "Project")
    assert got["Image models"][:4] == (None, None, Decimal(2), "Images")
    assert got["Image models"][5:] == (None, None, None)
    assert got["gpt-4o-2024-08-06, input"][4] == Decimal(50000)  # 100000 - 20000 cached - 30000 cache writes


# Anthropic `/v1/organizations/analytics/cost` (beta analytics-usage-cost-2026-08-24): items with starting_at,
# ending_at, group (workspace_id, model, cost_type, token_type, service_tier, context_window, inference_geo)
# and cost (amount post-discount in fractional cents, currency, list_amount pre-discount).
# https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api
# https://platform.claude.com/docs/en/api/python/beta/organization/analytics/cost
def test_anthropic_analytics_cost_items_convert_beside_the_legacy_report(tmp_path: Path) -> None:
    src = tmp_path / "analytics-cost.json"
    src.write_text(json.dumps({"has_more": False, "next_page": None, "data": [
        {"starting_at": "2025-11-01T00:00:00Z", "ending_at": "2025-11-02T00:00:00Z",
         "group": {"workspace_id": "wrkspc_01", "model": "claude-sonnet-4-5", "cost_type": "tokens",
                   "token_type": "uncached_input_tokens", "service_tier": "standard", "context_window": "0-200k",
                   "inference_geo": "us"},
         "cost": {"amount": "1234.5678901234567", "currency": "USD", "list_amount": "1500", "request_count": None}},
        {"starting_at": "2025-11-01T00:00:00Z", "ending_at": "2025-11-02T00:00:00Z",
         "group": {"workspace_id": None, "model": "claude-haiku-4-5", "cost_type": "tokens",
                   "token_type": "output_tokens", "service_tier": "batch"},
         "cost": {"amount": 250.25, "currency": "USD"}}]}), )
    out = tmp_path / "a.parquet"
    result = convert_files([src, NATIVE / "anthropic-cost.json"], "auto", out)
    assert result.native_total[0].amount == Decimal("12.345678901234567") + Decimal("2.5025") + anthropic_total(
        [NATIVE / "anthropic-cost.json"])
    got = connect().execute(f"""SELECT BilledCost, ListCost, SubAccountId, SubAccountName, SubAccountType, x_Model,
        x_TokenType, RegionId, RegionName FROM read_parquet('{out}') WHERE x_Model IN ('claude-sonnet-4-5',
        'claude-haiku-4-5') AND ChargePeriodStart = TIMESTAMP '2025-11-01' ORDER BY BilledCost DESC""").fetchall()
    assert got == [
        (Decimal("12.3456789012"), Decimal(15), "wrkspc_01", "wrkspc_01", "Workspace", "claude-sonnet-4-5",
         "uncached_input_tokens", "us", "us"),
        (Decimal("2.5025"), Decimal("2.5025"), None, None, None, "claude-haiku-4-5", "output_tokens", None, None)]


@pytest.mark.parametrize("kind, files", [pytest.param(k, f, id=i) for k, f, i in [
    ("openai-costs", ["openai-costs.json", "openai-usage.json"], "openai"),
    ("anthropic-cost", ["anthropic-cost.json", "anthropic-usage.json"], "anthropic"),
    ("aws-cur", ["aws-cur2.csv"], "aws"), ("aws-cur", ["aws-legacy-tags.csv"], "aws legacy"),
    ("azure", ["azure-cost-details.csv"], "azure"), ("gcp", ["gcp-billing.jsonl"], "gcp")]])
def test_convert_output_pairs_columns_as_focus_1_2_requires(tmp_path: Path, kind: str, files: list[str]) -> None:
    """FOCUS 1.2: ServiceName and ServiceSubcategory on every row; RegionName, SubAccountName/Type, PricingUnit and
    ConsumedUnit null exactly when their id or quantity is; units in UnitFormat; provider = invoice issuer for the
    provider's own charges (FOCUS_Spec v1.2 specification/columns/*.md, attributes/unit_format.md)."""
    out = tmp_path / "o.csv"
    convert_files([NATIVE / f for f in files], kind, out)
    con = connect()
    names = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_csv('{out}', all_varchar=true)").fetchall()}

    def col(name: str) -> str:
        return f'"{name}"' if name in names else "NULL"

    bad = con.execute(f"""SELECT count(*) FILTER (WHERE ServiceName IS NULL),
        count(*) FILTER (WHERE {col('ServiceSubcategory')} IS NULL),
        count(*) FILTER (WHERE ({col('RegionId')} IS NULL) <> ({col('RegionName')} IS NULL)),
        count(*) FILTER (WHERE ({col('SubAccountId')} IS NULL) <> ({col('SubAccountName')} IS NULL)),
        count(*) FILTER (WHERE 'SubAccountType' IN {tuple(names) + ('',)} AND
                               ({col('SubAccountId')} IS NULL) <> ({col('SubAccountType')} IS NULL)),
        count(*) FILTER (WHERE PricingQuantity IS NOT NULL AND PricingUnit IS NULL),
        count(*) FILTER (WHERE {col('ConsumedQuantity')} IS NOT NULL AND {col('ConsumedUnit')} IS NULL),
        count(*) FILTER (WHERE regexp_matches(coalesce(PricingUnit, ''), '^[0-9]+[KMkm]\\b|^[a-z]')),
        count(*) FILTER (WHERE PublisherName = ProviderName AND InvoiceIssuerName <> ProviderName)
        FROM read_csv('{out}', all_varchar=true)""").fetchone()
    assert bad == (0,) * 9
