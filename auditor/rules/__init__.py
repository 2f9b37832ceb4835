"""The rule registry: every rule, in id order. A new rule is a Rule record in a module here, plus one entry."""

from __future__ import annotations

from auditor.rules import baseline, coverage, files, sdk, suppressions
from auditor.rules.rule import CallCheck, Example, Messages, Rule

__all__ = ["RULES", "CallCheck", "Example", "Messages", "Rule", "explain"]

RULES: dict[str, Rule] = {r.id: r for r in (
    coverage.TAG001, coverage.TAG002, coverage.TAG003, coverage.TAG004,
    sdk.TAG101, sdk.TAG102, sdk.TAG103, sdk.TAG104, sdk.TAG105, sdk.TAG106, sdk.TAG107, sdk.TAG108,
    files.TAG901,
    suppressions.TAG902, suppressions.TAG903, suppressions.TAG904, suppressions.TAG905, suppressions.TAG906,
    baseline.TAG907, baseline.TAG908,
)}


def explain(rule_id: str) -> str:
    rule = RULES[rule_id.upper()]
    return f"# {rule.id} {rule.name}\n\n{rule.summary}. Default severity: {rule.severity}.\n\n{rule.doc}\n"
