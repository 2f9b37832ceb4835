"""FOCUS 1.2 conformance of every converter's output, judged by the FinOps Foundation's focus-validator.

The validator needs Python 3.12 and this project runs on 3.11, so it lives in a venv of its own that
tests/billing/focus-validator/install.sh builds (.ci/run calls it); each test converts the repo's own
native fixtures and example exports with `tagaudit billing convert` and runs the validator's real CLI on
the Parquet output. Without that venv the tests skip (a bare clone) or fail (CI=true).

What "passes" means, read off the validator's JUnit report: no rule fails, except a rule that is one
alternative of an OR rule that passed. Its model (1.2.0.1) writes "InvoiceId MUST be null when … not
invoiced" and "InvoiceId MUST NOT be null when … invoiced" with no condition, joined by the OR rule
InvoiceId-C-003-C, so one of the two always fails on its own. Its exit code is 0 whatever fails.

The validator ships rules for FOCUS 1.2 only (`--supported-versions --block-download`: 1.2.0.1), so the
1.3 requirements are tested directly elsewhere. Every case must pass outright: a failing rule is a
converter bug to fix, never a mark to add.
"""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from auditor.billing.convert import KINDS
from tests.helpers import run_cli

HERE = Path(__file__).parent
REPO = HERE.parents[1]
NATIVE = HERE / "fixtures" / "native"
EXAMPLES = REPO / "examples" / "billing"
VALIDATOR_VERSION = "2.2.1"  # pinned in tests/billing/focus-validator/requirements.txt
MODEL_VERSION = "1.2.0.1"  # the one rule set the validator ships: FOCUS 1.2
INSTALL = "tests/billing/focus-validator/install.sh"


def validator_path() -> Path | None:
    """$FOCUS_VALIDATOR, else the venv install.sh builds; None when neither is there."""
    env = os.environ.get("FOCUS_VALIDATOR")
    path = Path(env) if env else REPO / ".venv-focus-validator" / "bin" / "focus-validator"
    return path if path.is_file() else None


@pytest.fixture
def validator(require: Callable[[object, str], None]) -> Path:
    found = validator_path()
    require(found is not None, f"focus-validator not installed: run {INSTALL} (needs a Python 3.12), "
                               "or set FOCUS_VALIDATOR to its executable")
    assert found is not None
    return found


def package_dir(exe: Path) -> Path:
    """The installed focus_validator package beside the executable's interpreter."""
    found = sorted((exe.parent.parent / "lib").glob("python3.*/site-packages/focus_validator"))
    assert found, f"no focus_validator package under {exe.parent.parent / 'lib'}"
    return found[-1]


def run_validator(exe: Path, data: Path, work: Path) -> dict[str, str]:
    """Validate `data` against FOCUS 1.2; {rule id: "pass" | "fail" | "skip"} for every rule."""
    # The validator opens focus_validator/rules/currency_codes.csv relative to the working directory and
    # writes its log there: run it in a scratch directory that links the packaged file in.
    rules = work / "focus_validator" / "rules"
    rules.mkdir(parents=True, exist_ok=True)
    link = rules / "currency_codes.csv"
    if not link.exists():
        link.symlink_to(package_dir(exe) / "rules" / "currency_codes.csv")
    report = work / f"{data.stem}.xml"
    done = subprocess.run(
        [str(exe), "--data-file", str(data), "--validate-version", MODEL_VERSION, "--block-download",
         "--output-type", "unittest", "--output-destination", str(report)],
        cwd=work, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0 and report.is_file(), f"no report:\n{done.stdout}\n{done.stderr}"
    statuses: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        rule = case.get("name", "").split(" :: ")[0]
        statuses[rule] = ("fail" if case.find("failure") is not None
                          else "skip" if case.find("skipped") is not None else "pass")
    assert len(statuses) > 100, f"the validator listed only {len(statuses)} rules:\n{done.stdout}"
    return statuses


def load_model(exe: Path) -> dict[str, Any]:
    """The validator's own rule set: {rule id: its definition (Function, ValidationCriteria, ...)}."""
    model = json.loads((package_dir(exe) / "rules" / f"model-{MODEL_VERSION}.json").read_text())
    rules: dict[str, Any] = model["ModelRules"]
    return rules


def or_parents(model: dict[str, Any]) -> dict[str, set[str]]:
    """rule id -> the OR rules that list it as one alternative."""
    parents: dict[str, set[str]] = {}
    for rule_id, rule in model.items():
        requirement = rule["ValidationCriteria"]["Requirement"]
        if requirement.get("CheckFunction") != "OR":
            continue
        for item in requirement.get("Items", []):
            if item.get("CheckFunction") == "CheckModelRule":
                parents.setdefault(item["ModelRuleId"], set()).add(rule_id)
    return parents


def failing_rules(exe: Path, statuses: dict[str, str]) -> dict[str, str]:
    """Failed rules that count (see the module doc), {id: what it requires}; Composite rules left out,
    since each fails only through a listed rule it combines."""
    model = load_model(exe)
    parents = or_parents(model)
    failed = {}
    for rule_id, status in statuses.items():
        excused = any(statuses.get(p) == "pass" for p in parents.get(rule_id, ()))
        if status == "fail" and not excused and model[rule_id]["Function"] != "Composite":
            failed[rule_id] = str(model[rule_id]["ValidationCriteria"]["MustSatisfy"])
    return failed


def convert(kind: str, inputs: list[Path], output: Path) -> Path:
    result = run_cli(["billing", "convert", *map(str, inputs), "--from", kind, "--output", str(output)])
    assert result.exit_code == 0, result.output
    return output


def case(kind: str, inputs: list[Path], name: str) -> Any:  # a pytest ParameterSet
    return pytest.param(kind, inputs, id=name)


# The converter kinds of auditor.billing.convert.CONVERTERS must all appear (test below); where each native
# fixture's fields come from is in fixtures/native/README.md. The last rules to fail, and their fixes:
# GCP ServiceName-C-008-C (Vertex AI had two ServiceSubcategory values, by SKU; now one per service) and
# Azure EffectiveCost-C-005-C (an on-demand Refund was a Purchase with its negative EffectiveCost; it gives
# back consumed tokens, so it is now Usage + Correction, and only a commitment refund is a Purchase, at 0).
# The "more" fixtures hold what the first ones lack: a reservation bought and refunded, unused reservation
# hours, services with no subcategory of their own ("Other (Other)"), rounding rows with no service.
CASES = [
    case("openai-costs", [NATIVE / "openai-costs.json", NATIVE / "openai-usage.json"],
         "openai costs + usage"),
    case("openai-usage", [NATIVE / "openai-usage.json"], "openai usage only"),
    case("anthropic-cost", [NATIVE / "anthropic-cost.json", NATIVE / "anthropic-usage.json"],
         "anthropic cost + usage"),
    case("anthropic-usage", [NATIVE / "anthropic-usage.json"], "anthropic usage only"),
    case("aws-cur", [NATIVE / "aws-cur2.csv"], "aws cur 2.0"),
    case("aws-cur", [NATIVE / "aws-legacy-tags.csv"], "aws legacy cur"),
    case("azure", [NATIVE / "azure-cost-details.csv"], "azure cost details"),
    case("gcp", [NATIVE / "gcp-billing.jsonl"], "gcp billing export"),
    case("azure", [NATIVE / "azure-commitments.csv"], "azure more: reservation bought and refunded, rounding"),
    case("gcp", [NATIVE / "gcp-more.jsonl"], "gcp more: one subcategory per service, other, rounding"),
    case("openai-costs", [EXAMPLES / "openai-costs.json", EXAMPLES / "openai-usage.json"], "demo openai"),
    case("anthropic-cost", [EXAMPLES / "anthropic-cost-report.json",
                            EXAMPLES / "anthropic-usage-report.json"], "demo anthropic"),
    case("aws-cur", [EXAMPLES / "aws-cur2-bedrock.csv"], "demo aws bedrock cur 2.0"),
    case("azure", [EXAMPLES / "azure-cost-details.csv"], "demo azure openai"),
]


def explain(failed: dict[str, str]) -> str:
    return "\n".join(f"  {rule}: {why}" for rule, why in sorted(failed.items()))


@pytest.mark.parametrize("kind, inputs", CASES)
def test_converter_output_passes_the_focus_validator(
        validator: Path, tmp_path: Path, kind: str, inputs: list[Path]) -> None:
    output = convert(kind, inputs, tmp_path / "focus.parquet")
    failed = failing_rules(validator, run_validator(validator, output, tmp_path))
    assert not failed, "focus-validator rules failed:\n" + explain(failed)


# The native fixtures with money in them (the usage-only and demo files add nothing CSV-specific).
CSV_IDS = {"openai costs + usage", "anthropic cost + usage", "aws cur 2.0", "aws legacy cur",
           "azure cost details", "gcp billing export"}  # the "more" fixtures add nothing CSV-specific
CSV_CASES = [c for c in CASES if c.id in CSV_IDS]


@pytest.mark.parametrize("kind, inputs", CSV_CASES)
def test_csv_output_passes_the_focus_validator_but_for_types(
        validator: Path, tmp_path: Path, kind: str, inputs: list[Path]) -> None:
    """The CSV writer keeps the same conformance. Type rules are left out: a CSV has no column types and
    the validator's reader infers a digits-only BillingAccountId (AWS, Azure) as a number."""
    output = convert(kind, inputs, tmp_path / "focus.csv")
    model = load_model(validator)
    failed = failing_rules(validator, run_validator(validator, output, tmp_path))
    unlisted = {rule: why for rule, why in failed.items() if model[rule]["Function"] != "Type"}
    assert not unlisted, "focus-validator rules failed on the CSV output:\n" + explain(unlisted)


def test_every_converter_kind_has_a_case() -> None:
    assert {p.values[0] for p in CASES} == set(KINDS)


def test_the_validator_catches_a_broken_file(validator: Path, tmp_path: Path) -> None:
    """The harness is not vacuous: a file with ServiceName and BillingCurrency emptied fails their rules."""
    good = convert("openai-costs", [NATIVE / "openai-costs.json"], tmp_path / "good.parquet")
    broken = tmp_path / "broken.parquet"
    duckdb.execute(f"COPY (SELECT * REPLACE (NULL::VARCHAR AS ServiceName, 'XYZ' AS BillingCurrency) "
                   f"FROM read_parquet('{good}')) TO '{broken}' (FORMAT parquet)")
    failed = failing_rules(validator, run_validator(validator, broken, tmp_path))
    assert any(r.startswith("ServiceName-") for r in failed), failed
    assert any(r.startswith("BillingCurrency-") for r in failed), failed
