"""The `tagaudit-fix` hook under the real pre-commit framework (pre-commit try-repo against this checkout)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.helpers import REPO
from tests.test_precommit import hook_project

POLICY = """version: 1
keys: {team: {}, cost_center: {}}
paths:
  - {match: ["**"], tags: {team: search, cost_center: cc-210}}
"""


def test_the_manifest_declares_the_fix_hook_with_libcst() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["tagaudit-fix"]["entry"] == "tagaudit fix"
    assert any(d.startswith("libcst") for d in hooks["tagaudit-fix"]["additional_dependencies"])


def test_the_fix_hook_writes_the_tags_then_passes(tmp_path: Path) -> None:
    project, git, run_hook = hook_project(tmp_path)

    def hook() -> subprocess.CompletedProcess[str]:
        return run_hook("tagaudit-fix", "app.py")

    git("init", "-q")
    (project / "tagaudit.yaml").write_text(POLICY)
    (project / "app.py").write_text("import litellm\nlitellm.completion(model='m', messages=[])\n")
    git("add", ".")
    first = hook()
    assert first.returncode == 1, first.stdout + first.stderr  # pre-commit fails a hook that changed files
    assert "files were modified by this hook" in first.stdout
    assert 'metadata={"tags": ["team:search", "cost_center:cc-210"]}' in (project / "app.py").read_text()
    git("add", ".")
    second = hook()
    assert second.returncode == 0, second.stdout + second.stderr
