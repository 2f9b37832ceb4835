"""Every catalog family's `fix_examples`: the fix gives `after` exactly, it compiles, re-scans tagged, and a
second fix is a no-op; a family with a writable tag carrier and no example fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.fix.run import run_fix
from auditor.policy import load_policy
from scanners.catalog import load_catalog, read_family_files
from tests.helpers import audit

POLICY = """
version: 1
keys: {{team: {{}}, cost_center: {{}}}}
min_grade: {grade}
{gateway}
paths:
  - {{match: ["**"], tags: {{team: search, cost_center: cc-210}}}}
"""
WRITABLE = frozenset({"mapping", "tag_list", "json_mapping", "headers"})
# Families whose carriers the fixer cannot write yet; each must say why, and the list may only shrink.
GAPS: dict[str, str] = {}


def _examples() -> list[Any]:
    return [pytest.param(fam["family"], ex, id=f"{fam['family']}: {ex['name']}")
            for _, fam in read_family_files() for ex in fam.get("fix_examples", [])]


def _fix(root: Path) -> tuple[str, int]:
    policy = load_policy(root / "tagaudit.yaml")
    result = run_fix([root], root, policy, select=frozenset({"TAG001", "TAG004"}), write=True)
    return (root / "app.py").read_text(), sum(c.hint.outcome == "fixed" for f in result.files for c in f.calls)


@pytest.mark.parametrize(("family", "example"), _examples())
def test_fix_example(tmp_path: Path, family: str, example: dict[str, Any]) -> None:
    gateway = f"gateway: {example['gateway']}" if "gateway" in example else ""
    (tmp_path / "tagaudit.yaml").write_text(POLICY.format(grade=example.get("min_grade", "GW"), gateway=gateway))
    (tmp_path / "app.py").write_text(example["before"])
    after, fixed = _fix(tmp_path)
    assert (after, fixed >= 1) == (example["after"], True), family
    compile(after, "app.py", "exec")
    calls, findings = audit(after, load_policy(tmp_path / "tagaudit.yaml"))
    assert {c.status for c in calls} == {"tagged"} and findings == []
    assert _fix(tmp_path) == (after, 0), "a second fix changes nothing"


def _writable_families() -> set[str]:
    out = set()
    for t in load_catalog().types.values():
        specs = [*t.carriers, *(c for spec in t.calls.values() for c in spec.carriers)]
        if any(c.kind in WRITABLE and c.grade != "OBJ" for c in specs):
            out.add(t.family)
    return out


def test_every_family_with_a_tag_carrier_has_a_fix_example() -> None:
    with_examples = {fam["family"] for _, fam in read_family_files() if fam.get("fix_examples")}
    missing = _writable_families() - with_examples - set(GAPS)
    assert missing == set(), f"add fix_examples to these families' catalog entries: {sorted(missing)}"
    assert set(GAPS) & with_examples == set(), "a family with a working example is no longer a gap"
    assert set(GAPS) <= _writable_families()
