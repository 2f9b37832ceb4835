"""The CI gate on a real git repository with history: diff-aware, baselined, owned."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from auditor.scan.cache import CACHE_FORMAT
from tests.helpers import REPO

UNTAGGED = "from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef ask(q):\n    return client.chat.completions.create(model='gpt-4o', messages=[q])\n"
OTHER = "from anthropic import Anthropic\n\n\ndef rank(q):\n    return Anthropic().messages.create(model='c', max_tokens=1, messages=[q])\n"


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com",
           "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.com"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


def tagaudit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=repo, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=180, check=False)


def scan_json(repo: Path, *args: str) -> tuple[int, dict]:
    proc = tagaudit(repo, "scan", ".", "--format", "json", *args)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "app").mkdir()
    (root / "app" / "llm.py").write_text(UNTAGGED)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "existing untagged call")
    git(root, "checkout", "-q", "-b", "feature")
    return root


def test_a_new_untagged_call_fails_the_diff_gate_and_old_ones_do_not(repo: Path) -> None:
    code, data = scan_json(repo, "--diff-base", "main")
    assert code == 0 and data["findings"] == []
    (repo / "app" / "rank.py").write_text(OTHER)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "add ranking")
    code, data = scan_json(repo, "--diff-base", "main")
    assert code == 1
    assert [(f["path"], f["rule"]) for f in data["findings"]] == [("app/rank.py", "TAG001")]


def test_moving_or_reformatting_an_existing_call_keeps_its_identity(repo: Path) -> None:
    moved = UNTAGGED.replace("def ask(q):\n", "# a comment\n\n\ndef ask(q):\n    '''Ask.'''\n").replace(
        "messages=[q])", "\n        messages=[q],\n    )")
    (repo / "app" / "llm.py").write_text(moved)
    code, data = scan_json(repo, "--diff-base", "main")
    assert code == 0, data["findings"]
    assert "1 pre-existing finding(s) not shown" in tagaudit(repo, "scan", ".", "--diff-base", "main").stdout


def test_copying_a_call_into_a_new_function_is_a_new_finding(repo: Path) -> None:
    (repo / "app" / "llm.py").write_text(UNTAGGED + "\n\ndef ask_again(q):\n"
                                         "    return client.chat.completions.create(model='gpt-4o', messages=[q])\n")
    code, data = scan_json(repo, "--diff-base", "main")
    assert code == 1 and [f["scope"] for f in data["findings"]] == ["ask_again"]


def test_a_renamed_file_keeps_its_findings_identity(repo: Path) -> None:
    git(repo, "mv", "app/llm.py", "app/assistant.py")
    code, data = scan_json(repo, "--diff-base", "main")
    assert code == 0, data["findings"]


def test_changed_lines_mode_reports_findings_on_touched_lines_only(repo: Path) -> None:
    (repo / "app" / "llm.py").write_text(UNTAGGED.replace("model='gpt-4o'", "model='gpt-4o-mini'") + "\nX = 1\n")
    code, data = scan_json(repo, "--diff-base", "main", "--changed-lines")
    assert code == 1 and [f["line"] for f in data["findings"]] == [7]
    (repo / "app" / "llm.py").write_text(UNTAGGED + "\nX = 1\n")
    code, data = scan_json(repo, "--diff-base", "main", "--changed-lines")
    assert code == 0


def test_the_base_is_read_without_touching_the_work_tree(repo: Path) -> None:
    (repo / "app" / "llm.py").write_text(UNTAGGED + "# uncommitted edit\n")
    before = git(repo, "status", "--porcelain")
    scan_json(repo, "--diff-base", "main")
    assert git(repo, "status", "--porcelain") == before
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "feature"


def test_baselined_findings_pass_until_they_expire(repo: Path) -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    proc = tagaudit(repo, "baseline", "create", "--reason", "adoption", "--owner", "@ml", "--expires", tomorrow)
    assert proc.returncode == 0 and "wrote 1 entries" in proc.stdout
    text = (repo / ".tagaudit-baseline.json").read_text()
    assert '"line"' not in text and "2026-" not in text.replace(tomorrow, "")
    code, data = scan_json(repo)
    assert code == 0
    (f,) = data["findings"]
    assert f["suppressed"] and f["suppression"] == {"kind": "baseline", "justification": "adoption", "owner": "@ml",
                                                    "expires": tomorrow}
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    (repo / ".tagaudit-baseline.json").write_text(text.replace(tomorrow, yesterday))
    code, data = scan_json(repo)
    assert code == 1
    assert sorted(f["rule"] for f in data["findings"] if f["blocking"]) == ["TAG001", "TAG908"]
    expired = next(f for f in data["findings"] if f["rule"] == "TAG908")
    assert expired["path"] == ".tagaudit-baseline.json" and expired["line"] == 4


def test_baseline_update_only_removes_unless_allowed_to_add(repo: Path) -> None:
    assert tagaudit(repo, "baseline", "create").returncode == 0
    (repo / "app" / "rank.py").write_text(OTHER)
    proc = tagaudit(repo, "baseline", "update")
    assert "removed 0, added 0, kept 1" in proc.stdout and "1 open finding(s) are not in the baseline" in proc.stdout
    assert scan_json(repo)[0] == 1
    assert "added 1" in tagaudit(repo, "baseline", "update", "--allow-add", "--reason", "ranking v1").stdout
    assert scan_json(repo)[0] == 0
    (repo / "app" / "rank.py").unlink()
    _, data = scan_json(repo)
    assert [f["rule"] for f in data["findings"] if not f["suppressed"]] == ["TAG907"]
    assert "removed 1" in tagaudit(repo, "baseline", "update", "--prune-only").stdout
    entries = json.loads((repo / ".tagaudit-baseline.json").read_text())["entries"]
    assert [e["path"] for e in entries] == ["app/llm.py"]
    assert tagaudit(repo, "baseline", "update", "--prune-only", "--allow-add").returncode == 2


def test_the_baseline_file_is_sorted_and_validates_against_its_schema(repo: Path) -> None:
    (repo / "app" / "rank.py").write_text(OTHER)
    (repo / "app" / "a.py").write_text(OTHER)
    assert tagaudit(repo, "baseline", "create").returncode == 0
    data = json.loads((repo / ".tagaudit-baseline.json").read_text())
    schema = json.loads((Path(__file__).parents[1] / "policies" / "baseline.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    assert [e["path"] for e in data["entries"]] == ["app/a.py", "app/llm.py", "app/rank.py"]
    assert all(set(e) == {"path", "scope", "operation", "rule", "fingerprint", "reason", "owner", "expires"}
               for e in data["entries"])


def test_suppressions_lists_inline_and_baseline_exceptions(repo: Path) -> None:
    (repo / "app" / "rank.py").write_text(OTHER.replace(
        "messages=[q])", "messages=[q])  # tagaudit: ignore[TAG001] reason=\"ranking pilot\" owner=@search"))
    assert tagaudit(repo, "baseline", "create", "--owner", "@ml").returncode == 0
    out = json.loads(tagaudit(repo, "suppressions", "--format", "json").stdout)["suppressions"]
    assert [(r["kind"], r["status"], r["owner"]) for r in out] == [("inline", "active", "@search"),
                                                                  ("baseline", "active", "@ml")]
    assert out[0]["reason"] == "ranking pilot"


@pytest.mark.parametrize(
    "setup, args, fragment",
    [
        pytest.param(lambda r: (r / ".tagaudit-baseline.json").write_text('{"version": 1, "entries": [\n<<<<<<< HEAD\n'),
                     ["scan", "."], ".tagaudit-baseline.json:2: baseline is not valid JSON", id="a corrupt baseline"),
        pytest.param(lambda r: (r / ".tagaudit-baseline.json").write_text(
            '{"version": 1, "entries": [\n    {"path": "a.py", "rule": "TAG001", "fingerprint": "x", '
            '"reason": "r", "expires": "soon"}\n]}\n'), ["scan", "."], ":2: expires='soon' is not a date",
                     id="a baseline entry with a bad date"),
        pytest.param(lambda r: None, ["scan", ".", "--diff-base", "no-such-branch"], "unknown git ref 'no-such-branch'",
                     id="an unknown ref"),
        pytest.param(lambda r: (r / "CODEOWNERS").write_text("app/ @team\napp/llm.py not-an-owner\n"),
                     ["scan", "."], "CODEOWNERS:2", id="a CODEOWNERS file with an invalid line"),
        pytest.param(lambda r: None, ["scan", ".", "--changed-lines"], "--changed-lines needs --diff-base",
                     id="changed lines without a base"),
        pytest.param(lambda r: None, ["scan", ".", "--output", "pdf=out.pdf"], "unknown output format 'pdf'",
                     id="an unknown output format"),
    ],
)
def test_bad_gate_input_exits_2_with_a_clear_message(repo: Path, setup: object, args: list[str],
                                                       fragment: str) -> None:
    setup(repo)  # type: ignore[operator]
    proc = tagaudit(repo, *args)
    assert proc.returncode == 2, proc.stdout
    assert fragment in proc.stderr


def test_a_shallow_clone_without_the_merge_base_says_how_to_fetch_it(repo: Path, tmp_path: Path) -> None:
    for n in range(3):
        (repo / "app" / f"f{n}.py").write_text(f"X = {n}\n")
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", f"feature {n}")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--no-single-branch", f"file://{repo}", str(clone)],
                   check=True, capture_output=True)
    proc = tagaudit(clone, "scan", ".", "--diff-base", "origin/main")
    assert proc.returncode == 2
    assert "shallow clone" in proc.stderr and "fetch-depth: 0" in proc.stderr


def test_owners_come_from_codeowners_then_blame_and_can_group_the_console(repo: Path) -> None:
    (repo / "app" / "rank.py").write_text(OTHER)
    (repo / ".github").mkdir()
    (repo / ".github" / "CODEOWNERS").write_text("*.py @acme/platform\napp/rank.py @acme/search\n")
    _, data = scan_json(repo)
    assert {f["path"]: f["owner"] for f in data["findings"]} == {"app/llm.py": "@acme/platform",
                                                                  "app/rank.py": "@acme/search"}
    (repo / ".github" / "CODEOWNERS").write_text("docs/ @acme/docs\n")
    _, data = scan_json(repo)
    assert {f["path"]: f["owner"] for f in data["findings"]} == {"app/llm.py": "ada@example.com",
                                                                  "app/rank.py": None}
    out = tagaudit(repo, "scan", ".", "--group-by", "owner").stdout
    assert "ada@example.com" in out and "app/llm.py:7:" in out


def test_every_output_format_from_one_run(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = tagaudit(repo, "scan", ".", "--format", "github", *[
        f"--output={fmt}={out / name}" for fmt, name in [("sarif", "r.sarif"), ("gitlab", "gl.json"),
                                                         ("junit", "junit.xml"), ("markdown", "summary.md"),
                                                         ("json", "r.json"), ("console", "r.txt")]])
    assert proc.returncode == 1
    assert proc.stdout.startswith("::error file=app/llm.py,line=7")
    sarif = json.loads((out / "r.sarif").read_text())
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert sarif["runs"][0]["results"][0]["partialFingerprints"]
    assert json.loads((out / "gl.json").read_text())[0]["location"]["path"] == "app/llm.py"
    assert "<testsuite" in (out / "junit.xml").read_text()
    assert "<!-- tagaudit-report -->" in (out / "summary.md").read_text()
    assert json.loads((out / "r.json").read_text())["version"] == 1
    assert "TAG001" in (out / "r.txt").read_text()


def test_the_result_cache_gives_the_same_report_and_is_used(repo: Path) -> None:
    _, cold = scan_json(repo)
    entries = list((repo / ".tagaudit-cache").rglob("*.json"))
    assert len([e for e in entries if e.parent.parent.name == f"v{CACHE_FORMAT}"]) == 1
    _, warm = scan_json(repo)
    assert warm == cold
    for entry in entries:
        if entry.parent.parent.name == f"v{CACHE_FORMAT}":
            entry.write_text("{not json")
    _, damaged = scan_json(repo)
    assert damaged == cold, "a damaged cache entry is rescanned, not trusted"
    assert (repo / ".tagaudit-cache" / ".gitignore").read_text().strip().endswith("*")
    assert "tagaudit-cache" not in git(repo, "status", "--porcelain")


def test_concurrent_runs_share_the_cache_safely(repo: Path) -> None:
    for n in range(30):
        (repo / "app" / f"m{n}.py").write_text(OTHER.replace("rank", f"rank{n}"))
    procs = [subprocess.Popen([sys.executable, "-m", "auditor", "scan", ".", "--format", "json"], cwd=repo,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=180) for p in procs]
    reports = [json.loads(o) for o, _ in outputs]
    assert all(r == reports[0] for r in reports)
    assert len(reports[0]["findings"]) == 31
