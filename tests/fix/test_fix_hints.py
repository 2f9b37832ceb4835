"""`tagaudit scan` findings carry the fix: the argument, its line, and an exact insertion where one is certain."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from auditor.fix.hints import attach_fixes
from auditor.policy import load_policy
from auditor.records import FixEdit
from auditor.scan.engine import run_scan
from tests.fix.test_fix import POLICY  # one policy for the fixer and its scan-time suggestions
from tests.helpers import REPO, audit, run_cli

SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
LITELLM = '{"tags": ["team:search", "cost_center:cc-210"]}'


def _repo(tmp_path: Path, code: str, *, grade: str = "GW", extra: str = "") -> Path:
    (tmp_path / "tagaudit.yaml").write_text(POLICY.format(grade=grade, extra=extra))
    (tmp_path / "app.py").write_text(textwrap.dedent(code).lstrip())
    return tmp_path


def _scan_json(root: Path) -> list[dict[str, Any]]:
    result = run_cli(["scan", str(root), "--format", "json", "--no-cache", "--no-owners"])
    assert result.exit_code == 1, result.stderr
    return [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "TAG001"]


def _apply(text: str, edit: FixEdit) -> str:
    lines = text.splitlines(keepends=True)
    line = lines[edit.line - 1]
    lines[edit.line - 1] = line[:edit.column - 1] + edit.text + line[edit.column - 1:]
    return "".join(lines)


INSERTS = [
    pytest.param("litellm.completion(model='m', messages=[])\n",
                 f"litellm.completion(model='m', messages=[], metadata={LITELLM})\n", id="after the last argument"),
    pytest.param("litellm.completion(model='m', messages=[],)\n",
                 f"litellm.completion(model='m', messages=[], metadata={LITELLM},)\n", id="after a trailing comma"),
    pytest.param("litellm.completion(\n    model='m',\n    messages=([]),  # why\n)\n",
                 f"litellm.completion(\n    model='m',\n    messages=([]),  # why\n    metadata={LITELLM},\n)\n",
                 id="on its own line when the call has one argument a line, comments and parentheses kept"),
    pytest.param("litellm.completion(model=('m')\n  # c\n)\n",
                 f"litellm.completion(model=('m'), metadata={LITELLM}\n  # c\n)\n",
                 id="after a parenthesised argument, not inside it"),
]


@pytest.mark.parametrize(("call", "expected"), INSERTS)
def test_the_edit_is_exact_and_the_result_is_tagged(tmp_path: Path, call: str, expected: str) -> None:
    root = _repo(tmp_path, "import litellm\n" + call)
    policy = load_policy(root / "tagaudit.yaml")
    report = attach_fixes(run_scan([root], root, policy), root, policy)
    fixes = [f.fix for f in report.findings if f.fix is not None]
    assert len(fixes) == 1 and fixes[0].kind == "edit" and fixes[0].edit is not None, fixes
    assert (fixes[0].line, fixes[0].argument) == (2, f"metadata={LITELLM}")
    after = _apply((root / "app.py").read_text(), fixes[0].edit)
    assert after == "import litellm\n" + expected
    calls, findings = audit(after, policy)
    assert [c.status for c in calls] == ["tagged"] and findings == []


def test_an_opaque_carrier_gets_a_hint_without_an_edit(tmp_path: Path) -> None:
    root = _repo(tmp_path, """
        import boto3
        META = {}
        boto3.client("bedrock-runtime").converse(modelId="m", messages=[], requestMetadata=META)
        """, grade="LOG")
    [finding] = _scan_json(root)
    assert finding["fix"] == {
        "kind": "hint", "line": 3, "argument": 'requestMetadata={"team": "search", "cost_center": "cc-210"}',
        "carrier": "requestMetadata", "keys": ["team", "cost_center"],
        "reason": "`requestMetadata` is `META`, which the fixer cannot see into", "edit": None}


def test_a_gateway_header_hint_points_at_the_client_construction(tmp_path: Path) -> None:
    root = _repo(tmp_path, """
        from openai import OpenAI
        client = OpenAI(
            timeout=5,
        )
        client.chat.completions.create(model="gpt-4o", messages=[])
        """, extra="gateway: helicone")
    [finding] = _scan_json(root)
    assert (finding["line"], finding["fix"]["line"], finding["fix"]["kind"]) == (5, 2, "edit")
    assert finding["fix"]["argument"].startswith('default_headers={"Helicone-Property-Team": "search"')
    assert finding["fix"]["edit"]["line"] == 4 and finding["fix"]["edit"]["column"] == 1


def test_no_values_in_the_policy_means_no_fix_field(tmp_path: Path) -> None:
    root = _repo(tmp_path, "import litellm\nlitellm.completion(model='m', messages=[])\n")
    (root / "tagaudit.yaml").write_text("version: 1\nkeys: {team: {}}\n")
    assert "fix" not in _scan_json(root)[0]


def test_sarif_carries_the_fix_and_validates_against_the_schema(tmp_path: Path) -> None:
    root = _repo(tmp_path, """
        import litellm
        import boto3
        META = {}
        litellm.completion(model="m", messages=[])
        boto3.client("bedrock-runtime").converse(modelId="m", messages=[], requestMetadata=META)
        """, grade="LOG")
    log = json.loads(run_cli(["scan", str(root), "--format", "sarif", "--no-cache", "--no-owners"]).stdout)
    Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(log)
    results = {r["locations"][0]["physicalLocation"]["region"]["startLine"]: r for r in log["runs"][0]["results"]}
    change = results[4]["fixes"][0]["artifactChanges"][0]
    assert change["replacements"][0]["insertedContent"]["text"] == f', metadata={LITELLM}'
    assert change["replacements"][0]["deletedRegion"] == {"startLine": 4, "startColumn": 42, "endLine": 4,
                                                         "endColumn": 42}
    assert "fixes" not in results[5] and "requestMetadata=" in results[5]["properties"]["fix"]
    assert "; fix: add `requestMetadata=" in results[5]["message"]["text"]


def test_console_and_markdown_show_the_fix(tmp_path: Path) -> None:
    root = _repo(tmp_path, "import litellm\nlitellm.completion(model='m', messages=[])\n")
    console = run_cli(["scan", str(root), "--no-cache", "--no-owners"]).stdout
    assert f"fix: `tagaudit fix` adds `metadata={LITELLM}` on line 2" in console
    markdown = run_cli(["scan", str(root), "--format", "markdown", "--no-cache", "--no-owners"]).stdout
    assert "Fix: \\`tagaudit fix\\` adds" in markdown or "Fix: `tagaudit fix` adds" in markdown, markdown


PROBE = """
import contextlib, io, json, sys
from auditor.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(sys.argv[1:])
print(json.dumps([code, "libcst" in sys.modules, '"fix":' in out.getvalue()]))
"""


def test_computing_fixes_during_a_scan_never_imports_libcst(tmp_path: Path) -> None:
    root = _repo(tmp_path, "import litellm\nlitellm.completion(model='m', messages=[])\n")
    proc = subprocess.run([sys.executable, "-c", PROBE, "scan", str(root), "--format", "json", "--no-cache"],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(proc.stdout) == [1, False, True]


@pytest.mark.parametrize(("code", "extra", "finding_line", "fix_line", "argument"), [
    pytest.param("from huggingface_hub import InferenceClient\nhf = InferenceClient(token='t')\n"
                 "hf.chat_completion(model='m', messages=[])\n", "gateway: litellm", 3, 2,
                 'headers={"x-litellm-tags": "team:search,cost_center:cc-210"}',
                 id="a call whose only carrier is its client's headers points at the constructor"),
    pytest.param("import dspy\ndspy.configure(lm=dspy.LM('openai/gpt-4o-mini'))\n", "", 2, 2, f"metadata={LITELLM}",
                 id="an LM construction site is edited in place"),
])
def test_client_level_fixes_carry_an_exact_edit(tmp_path: Path, code: str, extra: str, finding_line: int,
                                                fix_line: int, argument: str) -> None:
    root = _repo(tmp_path, code, extra=extra)
    policy = load_policy(root / "tagaudit.yaml")
    report = attach_fixes(run_scan([root], root, policy), root, policy)
    [finding] = [f for f in report.findings if f.rule == "TAG001"]
    assert finding.fix is not None and finding.fix.edit is not None, finding.fix
    assert (finding.line, finding.fix.line, finding.fix.kind, finding.fix.argument) == (
        finding_line, fix_line, "edit", argument)
    after = _apply((root / "app.py").read_text(), finding.fix.edit)
    calls, findings = audit(after, policy)
    assert {c.status for c in calls} == {"tagged"} and findings == []
