"""The two-week audit inventory and the compliance score, run as a user would on the bundled demo."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from tests.helpers import REPO

APP = REPO / "examples" / "app"
BILLING = REPO / "examples" / "billing"
INVOICES = BILLING / "invoices.yaml"


def tagaudit(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, capture_output=True, text=True,
                          check=False, env={**os.environ, "NO_COLOR": "1"}, timeout=300)


@pytest.fixture(scope="module")
def inventory_json() -> dict:
    proc = tagaudit("inventory", str(APP), "--billing", str(BILLING), "--invoices", str(INVOICES), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_the_inventory_json_contract(inventory_json: dict) -> None:
    data = inventory_json
    assert data["version"] == 2
    assert set(data) >= {"summary", "pools", "spend_by_vendor", "spend_by_team", "integrations", "reconciliation"}
    s = data["summary"]
    assert set(s) >= {"total_ai_cost", "allocated_cost", "untagged_cost", "coverage_by_spend",
                      "coverage_by_call_sites", "currency", "period"}
    assert s["currency"] == "USD" and s["period"] == {"start": "2026-10-01", "end": "2026-11-01"}
    assert all(isinstance(s[k], str) for k in ("total_ai_cost", "allocated_cost", "untagged_cost")), "money is text"
    total, allocated, untagged = (Decimal(s[k]) for k in ("total_ai_cost", "allocated_cost", "untagged_cost"))
    assert allocated + untagged == total
    credits = Decimal(s["untagged_credits_cost"])
    assert sum(Decimal(p["cost"]) for p in data["pools"]) + credits == untagged
    assert sum(Decimal(c["cost"]) for c in data["credits"]) == credits
    for breakdown in ("spend_by_vendor", "spend_by_team"):
        assert sum(Decimal(r["cost"]) for r in data[breakdown]) == total
    for pool in data["pools"]:
        assert {"provider", "sub_account_id", "resource_id", "model", "missing_keys", "cost", "call_sites"} <= set(pool)
        assert sum(Decimal(v) for v in pool["cost_sources"].values()) == Decimal(pool["cost"])


def test_pools_name_the_code_that_feeds_them(inventory_json: dict) -> None:
    pools = {(p["provider"], p["sub_account_id"], p["model"]): p for p in inventory_json["pools"]}
    legacy = pools[("openai", "proj_legacy", "text-embedding-3-small")]
    assert [(c["path"], c["confidence"]) for c in legacy["call_sites"]][:1] == [("support/embeddings.py", "high")]
    azure = next(p for p in inventory_json["pools"] if p["provider"] == "azure_openai")
    (link,) = azure["call_sites"]
    assert link["path"] == "payments/fraud.py" and link["status"] == "tagged"
    assert "gateway" in link["reason"], "a call tagged only at the gateway explains why its pool is untagged"



def test_an_untagged_credit_is_its_own_line_never_a_pool(inventory_json: dict) -> None:
    assert all(Decimal(p["cost"]) > 0 for p in inventory_json["pools"])
    (credit,) = inventory_json["credits"]
    assert (credit["provider"], credit["cost"], credit["cost_sources"]) == ("aws_bedrock", "-250", {"credit": "-250"})
    assert inventory_json["summary"]["untagged_credits_cost"] == "-250"
    proc = tagaudit("inventory", str(APP), "--billing", str(BILLING))
    pools = proc.stdout.split("## Largest untagged spend pools")[1].split("## ")[0]
    ranked = [line for line in pools.splitlines() if line.startswith("| ") and "-250.00" in line]
    assert ranked == [], "the credit is not a ranked pool row"
    assert "Credits and adjustments without the required tags: **-250.00 USD** (1 row:" in pools


def test_integrations_and_tag_gaps(inventory_json: dict) -> None:
    rows = {(i["provider"], i["sdk"]): i for i in inventory_json["integrations"]}
    assert rows[("openai", "openai")]["call_sites"] == 5 and rows[("openai", "openai")]["coverage"] == "0.4"
    assert rows[("local", "openai")]["exempt"] == 1
    gaps = {(g["provider"], g["key"], g["value"]) for g in inventory_json["tag_gaps"]}
    assert ("azure_openai", "cost_center", "cc-150") in gaps
    assert ("openai", "use_case", "reindex") in gaps
    assert not any(g[0] == "google_vertex" and g[2] == "growth" for g in gaps), "labels that reach billing are fine"


def test_reconciliation_against_invoices(inventory_json: dict) -> None:
    rec = inventory_json["reconciliation"]
    anthropic = next(c for c in rec["invoices"] if c["provider"] == "Anthropic")
    assert (Decimal(anthropic["invoiced"]) - Decimal(anthropic["billed"])).quantize(Decimal("0.01")) == Decimal("20.00")
    assert anthropic["flagged"] is False and abs(Decimal(anthropic["variance"])) < Decimal("0.05")


def test_markdown_is_the_default_and_has_every_section() -> None:
    proc = tagaudit("inventory", str(APP), "--billing", str(BILLING))
    assert proc.returncode == 0, proc.stderr
    for heading in ("# AI spend audit inventory", "## Largest untagged spend pools", "## Spend by vendor",
                    "## Spend by team", "## AI integrations", "## Tag values that never reach billing",
                    "## Reconciliation", "## Billing input"):
        assert heading in proc.stdout
    assert "`app:support/embeddings.py:16` (high)" in proc.stdout


def test_the_html_report_renders_in_a_real_headless_browser(
    tmp_path: Path, require: Callable[[object, str], None]
) -> None:
    chromium, driver = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    require(chromium and driver, "needs a headless browser on PATH: install chromium and chromium-driver "
            "(apt-get install chromium chromium-driver), as .ci/run does")
    out = tmp_path / "inventory.html"
    proc = tagaudit("inventory", str(APP), "--billing", str(BILLING), "--invoices", str(INVOICES),
                    "--output", f"html={out}")
    assert proc.returncode == 0, proc.stderr
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(driver), options=options)
    try:
        browser.get(out.as_uri())
        assert browser.title.startswith("AI spend audit inventory")
        assert browser.find_element(By.ID, "kpi-total").text == "15,965.76 USD"
        assert browser.find_element(By.ID, "kpi-coverage").text == "75.9%"
        for chart in ("chart-share", "chart-pools", "chart-vendor", "chart-team"):
            svg = browser.find_element(By.CSS_SELECTOR, f"#{chart} svg")
            assert svg.size["width"] > 200 and svg.size["height"] > 100, chart
        assert len(browser.find_elements(By.CSS_SELECTOR, "#pools tbody tr")) == 6, "the -250 credit is no pool row"
        assert "-250.00 USD" in browser.find_element(By.ID, "credits").text
        vendor_labels = browser.find_element(By.ID, "chart-vendor").text
        assert "Azure OpenAI" in vendor_labels and "OpenAI" in vendor_labels
        assert browser.execute_script("return document.querySelectorAll('script').length") == 0
    finally:
        browser.quit()


def test_score_records_history_and_shows_the_trend(tmp_path: Path) -> None:
    store = tmp_path / "history.sqlite"
    first = tagaudit("score", str(APP), "--billing", str(BILLING), "--invoices", str(INVOICES),
                     "--history-file", str(store))
    assert first.returncode == 0, first.stderr
    assert "NOT READY for chargeback" in first.stdout and "coverage by spend       75.9%" in first.stdout
    assert "1 month(s) of billing history, 3 needed" in first.stdout
    assert tagaudit("score", str(APP), "--billing", str(BILLING), "--history-file", str(store),
                    "--fail-if-not-ready").returncode == 1
    trend = tagaudit("score", "--history", "--history-file", str(store))
    assert trend.returncode == 0
    lines = trend.stdout.splitlines()
    assert len(lines) == 3 and "75.9%" in lines[1] and "(+0.0 pt)" in lines[2]
    row = sqlite3.connect(store).execute("SELECT total_ai_cost, untagged_cost FROM scores LIMIT 1").fetchone()
    assert row == ("15965.7599464000", "3854.3499911500"), "money is stored exactly, as text"


def test_inventory_bad_input_exits_2(tmp_path: Path) -> None:
    assert "billing file not found" in tagaudit("inventory", str(APP), "--billing", str(tmp_path / "nope.csv")).stderr
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n")
    proc = tagaudit("inventory", str(APP), "--billing", str(odd))
    assert proc.returncode == 2 and "not a FOCUS file or a known provider export" in proc.stderr
    assert tagaudit("inventory", str(APP)).returncode == 2
    bad = tmp_path / "history.sqlite"
    bad.write_text("not sqlite at all" * 100)
    proc = tagaudit("score", "--history", "--history-file", str(bad))
    assert proc.returncode == 2 and "not a usable SQLite database" in proc.stderr


def test_inventory_formats_come_from_the_one_registry(tmp_path: Path) -> None:
    """--format and --output take exactly the registry's keys; each renderer has the one signature."""
    from auditor.cli.inventory import InvFormat
    from auditor.inventory.registry import INVENTORY_RENDERERS
    from tests.helpers import run_cli

    assert [f.value for f in InvFormat] == list(INVENTORY_RENDERERS) == ["markdown", "json", "html"]
    bad = run_cli(["inventory", str(tmp_path), "--output", f"pdf={tmp_path / 'x.pdf'}"])
    assert bad.exit_code == 2 and "formats: markdown, json, html" in bad.stderr
    (tmp_path / "app.py").write_text("x = 1\n")
    out = tmp_path / "inv.json"
    common = ["inventory", str(tmp_path), "--no-cache", "--billing", str(REPO / "examples/billing/gcp-focus-1.2.csv")]
    done = run_cli([*common, "--format", "markdown", "--output", f"json={out}"])
    assert done.exit_code == 0 and done.stdout.startswith("#")
    assert out.read_text() == run_cli([*common, "--format", "json"]).stdout != ""
