"""The GitHub action's scan step and the GitLab snippet run as written, against a real git repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.helpers import REPO

OLD = "from openai import OpenAI\nc = OpenAI()\nc.embeddings.create(model='m', input='x')\n"
NEW = "from anthropic import Anthropic\nAnthropic().messages.create(model='c', max_tokens=1, messages=[])\n"


def _repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "repo"
    root.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@x.io", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@x.io", "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)

    git("init", "-q", "-b", "main")
    (root / "old.py").write_text(OLD)
    git("add", ".")
    git("commit", "-q", "-m", "old")
    git("checkout", "-q", "-b", "feature")
    (root / "new.py").write_text(NEW)
    git("add", ".")
    git("commit", "-q", "-m", "new")
    return root, env


def test_the_actions_scan_step_gates_only_new_findings(tmp_path: Path) -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "scan")
    assert any("upload-sarif" in s.get("uses", "") for s in action["runs"]["steps"])
    root, env = _repo(tmp_path)
    out = tmp_path / "gh"
    out.mkdir()
    env.update({"TAGAUDIT_PATH": ".", "TAGAUDIT_BASE": "main", "TAGAUDIT_ARGS": "", "RUNNER_TEMP": str(out),
                "GITHUB_OUTPUT": str(out / "output"), "GITHUB_STEP_SUMMARY": str(out / "summary.md")})
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=root, capture_output=True, text=True, env=env,
                          timeout=300, check=False)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("::error file=new.py,line=2") and "old.py" not in proc.stdout
    assert (out / "tagaudit.sarif").is_file()
    assert "sarif=" in (out / "output").read_text()
    assert "<!-- tagaudit-report -->" in (out / "summary.md").read_text()


def test_the_gitlab_snippet_writes_code_quality_and_junit_for_new_findings(tmp_path: Path) -> None:
    doc = (REPO / "docs" / "ci.md").read_text()
    snippet = yaml.safe_load(re.search(r"## GitLab CI\n\n```yaml\n(.*?)```", doc, re.DOTALL).group(1))  # type: ignore[union-attr]
    job = snippet["tagaudit"]
    assert job["variables"]["GIT_DEPTH"] == 0
    root, env = _repo(tmp_path)
    env["CI_MERGE_REQUEST_TARGET_BRANCH_NAME"] = "main"
    upstream = tmp_path / "upstream.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(root), str(upstream)], check=True, capture_output=True)
    subprocess.run(["git", "remote", "add", "origin", str(upstream)], cwd=root, check=True, env=env)
    for line in job["script"]:
        if line.startswith("pip install"):
            continue  # tagaudit is already installed in the test environment
        proc = subprocess.run(["bash", "-e", "-c", line], cwd=root, capture_output=True, text=True, env=env,
                              timeout=300, check=False)
        assert proc.returncode in (0, 1), proc.stderr
    quality = (root / job["artifacts"]["reports"]["codequality"]).read_text()
    assert '"path": "new.py"' in quality and "old.py" not in quality
    assert "<testsuite" in (root / job["artifacts"]["reports"]["junit"]).read_text()


def test_the_rules_page_is_generated_from_the_rules() -> None:
    from auditor.report.rulesdoc import render_rules_markdown

    assert (REPO / "docs" / "rules.md").read_text() == render_rules_markdown(), \
        "regenerate with: tagaudit rules --format markdown > docs/rules.md"
