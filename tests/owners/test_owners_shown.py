"""Owners are computed only when an output shows them: the pre-commit hook's console output (grouped by file)
does not, so a one-file scan in a repository neither loads GitPython nor starts git for blame (issue 8)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.report.registry import REPORTERS, shows_owners
from tests.owners.git_repo import ALICE, commit, init

ROOT = Path(__file__).resolve().parents[2]
UNTAGGED = "from openai import OpenAI\n\nclient = OpenAI()\nclient.chat.completions.create(model='gpt-4o', messages=[])\n"
# Runs the real CLI in a fresh interpreter and says whether GitPython was imported.
PROBE = ("import json, sys; from auditor.cli.app import main; code = main(sys.argv[1:]); "
         "sys.stdout.flush(); print('\\n' + json.dumps([code, 'git' in sys.modules]))")


def _run(repo: Path, *args: str) -> tuple[str, int, bool]:
    proc = subprocess.run([sys.executable, "-c", PROBE, "scan", "app.py", "--no-cache", *args], cwd=repo,
                          capture_output=True, text=True, check=True, timeout=120)
    out, _, last = proc.stdout.rstrip("\n").rpartition("\n")
    code, loaded = json.loads(last)
    return out, code, loaded


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = init(tmp_path / "repo")
    commit(repo, {"app.py": UNTAGGED}, ALICE)
    return repo


def test_console_grouped_by_file_skips_blame_and_gitpython(repo: Path) -> None:
    out, code, loaded = _run(repo)
    assert code == 1 and "TAG001" in out
    assert loaded is False


def test_outputs_that_show_owners_still_get_them(repo: Path) -> None:
    out, code, loaded = _run(repo, "--format", "json")
    assert code == 1 and loaded is True
    assert {f["owner"] for f in json.loads(out)["findings"]} == {ALICE[1]}
    out, _, loaded = _run(repo, "--group-by", "owner")
    assert loaded is True and ALICE[1] in out


def test_only_the_console_grouped_by_file_hides_owners() -> None:
    assert [name for name in REPORTERS if not shows_owners(name, "file")] == ["console"]
    assert all(shows_owners(name, "owner") for name in REPORTERS)
