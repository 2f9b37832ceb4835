"""`tagaudit report quarterly` on the demo quarter: the JSON contract, Markdown, HTML in a real headless
browser, the PDF as page images, the history comparison, and the plain statements for missing data."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from tests.quarterly.conftest import BILLING, INVOICES, POLICY, app_history, tagaudit


def test_the_json_contract_and_exact_totals(demo: dict[str, Path]) -> None:
    data = json.loads(demo["json"].read_text())
    assert data["version"] == 1 and data["quarter"] == "2026-Q3" and data["currency"] == "USD"
    assert [m["month"] for m in data["months"]] == ["2026-07", "2026-08", "2026-09"]
    total = Decimal(data["total_ai_cost"])
    for m in data["months"]:
        assert all(isinstance(m[k], str) for k in ("total_ai_cost", "allocated_cost", "untagged_cost")), "money is text"
        assert Decimal(m["allocated_cost"]) + Decimal(m["untagged_cost"]) == Decimal(m["total_ai_cost"])
    assert sum(Decimal(m["total_ai_cost"]) for m in data["months"]) == total
    teams = {t["team"]: t for t in data["by_team"]}
    assert "(untagged)" in teams and "(shared overhead)" in teams and teams["research"]["status"] == "showback"
    assert sum(Decimal(t["cost"]) for t in data["by_team"]) == total
    assert teams["(untagged)"]["months"]["2026-07"] == data["months"][0]["untagged_cost"]
    coverage = [Decimal(m["coverage_by_spend"]) for m in data["months"]]
    assert coverage[0] > coverage[1] > coverage[2], "the demo's tagging decays month by month"


def test_code_side_is_backfilled_from_each_month_end(demo: dict[str, Path]) -> None:
    data = json.loads(demo["json"].read_text())
    calls = [m["call_sites"] for m in data["months"]]
    assert calls[0] < calls[1] < calls[2], calls
    assert all(m["commits"] for m in data["months"])
    added = [s for s in data["integrations_changed"] if s["change"] == "added"]
    assert {s["between"] for s in added} == {"2026-07..2026-08", "2026-08..2026-09"}
    assert any(s["path"] == "support/drafts.py" for s in added)


def test_readiness_procurement_and_actions(demo: dict[str, Path]) -> None:
    data = json.loads(demo["json"].read_text())
    crit = {c["criterion"]: c for c in data["readiness"]}
    assert crit["coverage by spend"]["met"] is False and crit["invoice variance"]["met"] is True
    assert crit["months of showback history"]["measured"] == "3" and data["ready"] is False
    p = data["procurement"]
    assert p["concentration_text"].startswith("two teams (search, support) carry")
    assert Decimal(p["peak_to_average"]) > 1 and Decimal(p["on_demand_cost"]) == Decimal(data["total_ai_cost"])
    assert data["untagged_pools"] and data["actions"]
    assert data["governance_debt"][0]["owner"] == "@acme/platform"


def test_markdown_has_every_section_in_order(demo: dict[str, Path]) -> None:
    text = demo["md"].read_text()
    heads = ["## 1. Executive summary", "## 2. Coverage by month", "## 3. Spend by team", "## 4. Largest untagged",
             "## 5. Governance debt", "## 6. Chargeback readiness", "## 7. Procurement evidence", "## 8. Actions"]
    positions = [text.index(h) for h in heads]
    assert positions == sorted(positions)
    assert "no 2026-Q2 in the history store" in text


def test_the_html_renders_in_a_real_headless_browser(demo: dict[str, Path], tmp_path: Path,
                                                     require: Callable[[object, str], None]) -> None:
    chromium, driver = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    require(chromium and driver, "needs chromium and chromium-driver on PATH (apt-get install chromium "
            "chromium-driver), as .ci/run does")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(driver), options=options)
    try:
        browser.get(demo["html"].as_uri())
        assert browser.title == "Quarterly AI spend audit · 2026-Q3"
        assert browser.find_element(By.ID, "kpi-verdict").text == "NOT READY"
        for chart in ("chart-coverage", "chart-months", "chart-teams"):
            svg = browser.find_element(By.CSS_SELECTOR, f"#{chart} svg")
            assert svg.is_displayed() and svg.size["width"] > 200 and svg.size["height"] > 100, chart
        assert len(browser.find_elements(By.CSS_SELECTOR, "#months tbody tr")) == 3
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        assert browser.execute_script("return document.querySelectorAll('script, link, img[src^=http]').length") == 0
    finally:
        browser.quit()


def test_the_pdf_has_several_non_blank_pages(demo: dict[str, Path], tmp_path: Path,
                                             require: Callable[[object, str], None]) -> None:
    require(shutil.which("pdftoppm"), "needs pdftoppm (apt-get install poppler-utils), as .ci/run does")
    require(demo["pdf"].exists(), "PDF output needs headless Chromium on PATH (apt-get install chromium), "
            "as .ci/run does")
    assert demo["pdf"].read_bytes()[:5] == b"%PDF-"
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(demo["pdf"]), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 3
    import matplotlib.image

    for page in pages:
        pixels = matplotlib.image.imread(str(page))
        inked = (pixels[..., :3].mean(axis=2) < 0.9).mean()
        assert inked > 0.005, f"{page.name} is blank"
    colour = matplotlib.image.imread(str(pages[1]))[..., :3]
    assert ((colour.max(axis=2) - colour.min(axis=2)) > 0.2).any(), "the charts print in colour"


def test_the_next_run_compares_with_the_recorded_previous_quarter(demo: dict[str, Path], tmp_path: Path) -> None:
    store = tmp_path / "history.sqlite"
    shutil.copy(demo["store"], store)
    con = sqlite3.connect(store)
    with con:  # the run recorded 2026-Q3; call it 2026-Q2 so 2026-Q3 has a previous quarter
        con.execute("UPDATE quarters SET quarter = '2026-Q2'")
    con.close()
    proc = tagaudit("report", "quarterly", str(demo["repo"]), "--billing", str(BILLING), "--policy", str(POLICY),
                    "--quarter", "2026-Q3", "--history-file", str(store), "--format", "json", "--no-record")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["previous_quarter"]["quarter"] == "2026-Q2"
    assert data["previous_quarter"]["total_ai_cost"] == data["total_ai_cost"]
    assert data["changes"] == [], "the same spend as the recorded quarter: no change"
    assert sqlite3.connect(store).execute("SELECT count(*) FROM quarters").fetchone() == (1,)


def test_a_young_repository_and_a_shallow_clone_are_said_plainly(tmp_path: Path) -> None:
    young = app_history(tmp_path / "young", first="2026-08-05T10:00:00Z")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", young.as_uri(), str(shallow)], check=True,
                   capture_output=True)
    for repo, words in ((young, "repository has no commit before 2026-07-31"), (shallow, "shallow clone")):
        proc = tagaudit("report", "quarterly", str(repo), "--billing", str(BILLING), "--invoices", str(INVOICES),
                        "--policy", str(POLICY), "--quarter", "2026-Q3", "--history-file", str(tmp_path / "h.sqlite"),
                        "--format", "json", "--no-record", "--no-cache")
        assert proc.returncode == 0, proc.stderr
        july = json.loads(proc.stdout)["months"][0]
        assert july["call_sites"] is None and any(words in n for n in july["notes"]), july["notes"]


def test_missing_months_and_billing_outside_the_quarter(tmp_path: Path) -> None:
    july = tmp_path / "july.csv"
    lines = BILLING.read_text().splitlines()
    july.write_text("\n".join([lines[0], *(ln for ln in lines[1:] if ",2026-07-" in ln)]) + "\n")
    repo = app_history(tmp_path)
    proc = tagaudit("report", "quarterly", str(repo), "--billing", str(july), "--policy", str(POLICY),
                    "--quarter", "2026-Q3", "--history-file", str(tmp_path / "h.sqlite"), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    months = json.loads(proc.stdout)["months"]
    assert months[1]["billing_rows"] == 0 and months[1]["coverage_by_spend"] is None
    assert any("no AI billing data for 2026-08" in n for n in months[1]["notes"])
    proc = tagaudit("report", "quarterly", str(repo), "--billing", str(BILLING), "--policy", str(POLICY),
                    "--quarter", "2026-Q4", "--history-file", str(tmp_path / "h.sqlite"))
    assert proc.returncode == 2 and "billing data has AI charges outside 2026-Q4" in proc.stderr
    assert tagaudit("report", "quarterly", str(repo), "--billing", str(BILLING), "--quarter", "Q3").returncode == 2


def test_the_committed_demo_quarter_is_what_the_generator_writes(tmp_path: Path) -> None:
    from examples.quarter import generate

    generate.write(tmp_path)
    for name in ("focus-2026-q3.csv", "invoices.yaml"):
        assert (tmp_path / name).read_bytes() == (BILLING.parent / name).read_bytes(), name
