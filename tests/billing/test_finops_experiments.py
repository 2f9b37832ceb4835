"""The hybrid model by path mode in code: spend carrying the literal tags of experimental code (a path with
`mode: showback`) is listed as showback, unless production code could write the same tags."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from billing_helpers import focus_row, write_csv

from auditor.cli import main
from auditor.finops.experiments import code_experiments
from auditor.inventory.pipeline import scan_repos
from auditor.policy import discover_policy
from tests.helpers import isolate_git

POLICY = """version: 1
name: lab
keys:
  team: {}
  use_case: {}
paths:
  - match: ["experiments/**"]
    mode: showback
"""


def _client(team: str, use_case: str) -> str:
    return ("from openai import OpenAI\n\n"
            f'client = OpenAI(default_headers={{"Helicone-Property-Team": {team}, '
            f'"Helicone-Property-Use-Case": {use_case}}})\n\n\n'
            "def ask() -> object:\n"
            '    return client.chat.completions.create(model="gpt-4o", messages=[])\n')


def _repo(root: Path, files: dict[str, str], policy: str = POLICY) -> Path:
    root.mkdir()
    (root / "tagaudit.yaml").write_text(policy)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init"],
                   cwd=root, check=True)
    return root


FILES = {
    "experiments/proto.py": _client('"lab"', '"proto"'),
    "experiments/rank_try.py": _client('"search"', '"ranking"'),
    "experiments/bare.py": 'from openai import OpenAI\n\nOpenAI().chat.completions.create(model="gpt-4o", messages=[])\n',
    "app/rank.py": "import os\n" + _client('"search"', 'os.environ["USE_CASE"]'),
    "app/bot.py": _client('"support"', '"bot"'),
}


def _row(team: str, use_case: str, cost: str) -> dict[str, Any]:
    return focus_row(BilledCost=cost, Tags=json.dumps({"team": team, "use_case": use_case}))


ROWS = [_row("lab", "proto", "7"), _row("search", "ranking", "10"), _row("support", "bot", "30")]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_git(monkeypatch, tmp_path)
    return _repo(tmp_path / "repo", FILES)


def _statement(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["report", "chargeback", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _lines(out: dict[str, Any]) -> dict[str, tuple[str, Decimal]]:
    (month,) = out["months"]
    return {t["team"]: (t["status"], Decimal(t["total"])) for t in month["teams"]}


def test_spend_tagged_like_experimental_code_is_listed_not_charged(
        repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    billing = write_csv(tmp_path / "focus.csv", ROWS)
    out = _statement([str(repo), "--billing", str(billing)], capsys)
    assert _lines(out) == {"lab": ("showback", Decimal(7)), "search": ("charged", Decimal(10)),
                           "support": ("charged", Decimal(30))}
    (month,) = out["months"]
    assert Decimal(month["showback_only"]) == 7 and Decimal(out["total_ai_cost"]) == 47
    rules = "\n".join(out["rules"])
    assert "team=lab, use_case=proto (experimental code, path mode showback: repo:experiments/proto.py:7)" in rules
    # the same tags are written by production code with a computed use_case: never taken off the chargeback
    assert ("team=search, use_case=ranking: not applied, production code could write the same tags "
            "(repo:app/rank.py:8)") in rules
    assert ("experimental code (path mode showback), charged as usual: writes no literal tag value, its spend "
            "cannot be recognised in billing: repo:experiments/bare.py:3") in rules


def test_without_the_repository_the_billing_rules_alone_decide(
        repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    billing = write_csv(tmp_path / "focus.csv", ROWS)
    out = _statement(["--billing", str(billing), "--policy", str(repo / "tagaudit.yaml")], capsys)
    assert _lines(out)["lab"] == ("charged", Decimal(7))
    assert not any("experimental code" in r for r in out["rules"])


@pytest.mark.parametrize("production, blocked", [
    pytest.param(_client('"lab"', '"proto"'), True, id="the same literals"),
    pytest.param("import os\n" + _client('"lab"', 'os.environ["UC"]'), True, id="a computed value of a key"),
    pytest.param("def go(opts):\n    from openai import OpenAI\n"
                 "    return OpenAI(default_headers=opts).chat.completions.create(model='m', messages=[])\n",
                 True, id="a dynamic header mapping"),
    pytest.param(_client('"lab"', '"serve"'), False, id="a different literal of one key"),
    pytest.param('from openai import OpenAI\n\nOpenAI().chat.completions.create(model="m", messages=[])\n', False,
                 id="untagged production code cannot produce tagged spend"),
    pytest.param('from openai import OpenAI\n\nOpenAI(base_url="http://localhost:8000/v1", default_headers=H)'
                 '.chat.completions.create(model="m", messages=[])\n', False, id="a local endpoint is not billed"),
])
def test_production_code_that_could_write_the_tags_blocks_the_rule(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, production: str, blocked: bool) -> None:
    isolate_git(monkeypatch, tmp_path)
    root = _repo(tmp_path / "r", {"experiments/proto.py": _client('"lab"', '"proto"'), "app/prod.py": production})
    policy = discover_policy(root)
    (exp,) = code_experiments(scan_repos([root], policy, explicit=False, cache_dir=None, no_cache=True), policy)
    assert exp.tags == (("team", "lab"), ("use_case", "proto"))
    assert exp.applied is not blocked
    assert bool(exp.blocked_by) is blocked and all(w.startswith("r:app/prod.py:") for w in exp.blocked_by)


def test_a_computed_scope_blocks_the_keys_the_scope_map_assigns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    isolate_git(monkeypatch, tmp_path)
    policy_text = POLICY + ("scope_map:\n  - kind: openai_project\n    id: proj_lab\n"
                            "    tags: {team: lab, use_case: proto}\n")
    prod = ("import os\nfrom openai import OpenAI\n\n"
            'OpenAI(project=os.environ["PROJECT"]).chat.completions.create(model="m", messages=[])\n')
    root = _repo(tmp_path / "r", {"experiments/proto.py": _client('"lab"', '"proto"'), "app/prod.py": prod},
                 policy_text)
    policy = discover_policy(root)
    (exp,) = code_experiments(scan_repos([root], policy, explicit=False, cache_dir=None, no_cache=True), policy)
    assert not exp.applied and exp.blocked_by == ("r:app/prod.py:4",)
