"""Every rule's documented Example fires it and its Use instead does not, through the real gate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from auditor.gate.baseline import BASELINE_NAME
from auditor.gate.run import GateOptions, run_gate
from auditor.policy import load_policy
from auditor.rules import RULES, Example
from policies import DEFAULT_POLICY
from scanners.catalog import load_catalog
from scanners.python.checks import CHECKS

TODAY = dt.date(2026, 1, 15)  # after every expired date in the docs, before every renewed one


def _rules_fired(example: Example, tmp_path: Path) -> list[str]:
    (tmp_path / "example.py").write_text(example.file(), encoding="utf-8")
    policy_path = DEFAULT_POLICY
    if example.policy is not None:
        policy_path = tmp_path / "tagaudit.yaml"
        policy_path.write_text(example.policy, encoding="utf-8")
    if example.baseline is not None:
        (tmp_path / BASELINE_NAME).write_text(example.baseline, encoding="utf-8")
    opts = GateOptions(owners=False, workers=1, today=TODAY)
    report = run_gate([tmp_path / "example.py"], tmp_path, load_policy(policy_path), opts).report
    return [f.rule for f in report.findings if f.suppressed is None]


def _cases() -> list[object]:
    out = []
    for rule in RULES.values():
        out.append(pytest.param(rule.id, rule.example, True, id=f"{rule.id} example fires"))
        out.append(pytest.param(rule.id, rule.use_instead, False, id=f"{rule.id} use-instead is clean"))
    return out


@pytest.mark.parametrize(("rule_id", "example", "fires"), _cases())
def test_rule_example(rule_id: str, example: Example, fires: bool, tmp_path: Path) -> None:
    fired = _rules_fired(example, tmp_path)
    assert (rule_id in fired) is fires, fired


def test_every_catalog_check_serves_exactly_one_rule() -> None:
    cat = load_catalog()
    named = {c for t in cat.types.values() for call in t.calls.values() for c in call.checks}
    named |= {c for t in cat.types.values() for c in t.checks}
    claimed = [d for rule in RULES.values() for d in rule.detectors]
    assert sorted(claimed) == sorted(set(claimed)), "a detector feeds two rules"
    assert set(claimed) == set(CHECKS), set(claimed) ^ set(CHECKS)
    assert named <= set(claimed), named - set(claimed)


@pytest.mark.parametrize("rule", list(RULES.values()), ids=lambda r: f"{r.id} is declared consistently")
def test_rule_declaration(rule: object) -> None:
    from auditor.rules import Rule

    assert isinstance(rule, Rule)
    assert rule.name == rule.name.lower() and " " not in rule.name and "_" not in rule.name
    assert rule.severity in ("error", "warning")
    assert (rule.check is not None) == (rule.category in ("tag", "unverifiable", "sdk"))
    assert bool(rule.detectors) == (rule.category == "sdk")
    assert (rule.marks is not None) == (rule.category in ("suppression", "baseline"))
