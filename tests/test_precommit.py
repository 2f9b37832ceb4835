"""The hooks run under the real pre-commit framework (pre-commit try-repo against this checkout)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

from tests.helpers import REPO

UNTAGGED = "from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"
TAGGED = ("from openai import OpenAI\nOpenAI(default_headers={'Helicone-Property-Team': 't', "
          "'Helicone-Property-Cost-Center': 'c', 'Helicone-Property-Use-Case': 'u', "
          "'Helicone-Property-Environment': 'e'}).chat.completions.create(model='gpt-4o', messages=[])\n")


def _pre_commit() -> str:
    found = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
    assert found, "pre-commit is a test dependency"
    return found


class HookProject:
    """A fresh git project in tmp_path where `pre-commit try-repo` runs this checkout's hooks."""

    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "project"
        self.path.mkdir()
        self.env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1",
                    "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.com", "GIT_COMMITTER_NAME": "a",
                    "GIT_COMMITTER_EMAIL": "a@example.com"}

    def git(self, *args: str) -> None:
        subprocess.run(["git", *args], cwd=self.path, check=True, capture_output=True, env=self.env)

    def hook(self, hook_id: str, *files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([_pre_commit(), "try-repo", str(REPO), hook_id, "--files", *files], cwd=self.path,
                              capture_output=True, text=True, env=self.env, timeout=900, check=False)


def hook_project(tmp_path: Path) -> tuple[Path, Callable[..., None], Callable[..., subprocess.CompletedProcess[str]]]:
    project = HookProject(tmp_path)
    return project.path, project.git, project.hook


def test_the_hook_manifest_declares_both_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["tagaudit"]["require_serial"] is True
    assert set(hooks["tagaudit"]["types_or"]) == {"python", "jupyter"}
    assert hooks["tagaudit-policy"]["entry"] == "tagaudit policy check"


def test_pre_commit_blocks_an_untagged_call_and_passes_a_tagged_one(tmp_path: Path) -> None:
    project, git, hook = hook_project(tmp_path)
    git("init", "-q")
    (project / "app.py").write_text(UNTAGGED)
    (project / "notes.md").write_text("client.chat.completions.create is mentioned here\n")
    git("add", ".")
    blocked = hook("tagaudit", "app.py", "notes.md")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "TAG001" in blocked.stdout and "app.py" in blocked.stdout
    (project / "app.py").write_text(TAGGED)
    git("add", ".")
    passed = hook("tagaudit", "app.py", "notes.md")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    (project / "tagaudit.yaml").write_text("version: 1\nkeys:\n  team:\n    min_grade: LOUD\n")
    git("add", ".")
    policy = hook("tagaudit-policy", "tagaudit.yaml")
    assert policy.returncode != 0 and "keys.team.min_grade" in policy.stdout
