"""Every exclusion rule says how many files it kept out: `build/` may hold real source."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_cli

CALL = "import openai\nopenai.OpenAI().chat.completions.create(model='m', messages=[])\n"


def make_tree(root: Path, files: dict[str, str], *, git: bool) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    if git:
        subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)


def scan(root: Path, *paths: str) -> tuple[dict[str, Any], str]:
    base = ["scan", *(paths or (str(root),)), "--root", str(root), "--no-cache", "--no-owners", "--exit-zero"]
    data, console = run_cli([*base, "--format", "json"]), run_cli(base)
    assert data.exit_code == 0 and console.exit_code == 0, data.output + console.output
    return json.loads(data.stdout), console.stdout


@pytest.mark.parametrize("git", [pytest.param(True, id="in a git work tree"), pytest.param(False, id="in a plain directory")])
def test_source_under_build_is_counted_and_named(tmp_path: Path, git: bool) -> None:
    make_tree(tmp_path, {"app.py": CALL, "build/lib/app.py": CALL, "build/lib/util.py": "x = 1\n",
                         "build/lib/data.txt": "not python\n"}, git=git)
    data, console = scan(tmp_path)
    assert data["files_scanned"] == 1
    assert data["excluded"] == [{"rule": "build/", "kind": "directory", "files": 2, "partial": False,
                                 "example": "build/lib/app.py", "patterns": []}]
    assert "not scanned: 2 files under build/ directories" in console and "e.g. build/lib/app.py" in console


@pytest.mark.parametrize("git", [pytest.param(True, id="in a git work tree"), pytest.param(False, id="in a plain directory")])
def test_an_ignored_build_directory_is_not_counted(tmp_path: Path, git: bool) -> None:
    make_tree(tmp_path, {".gitignore": "build/\n", "app.py": CALL, "build/lib/app.py": CALL}, git=git)
    data, console = scan(tmp_path)
    assert data["excluded"] == [] and "not scanned" not in console


def test_a_virtualenv_outside_git_is_counted_under_its_own_rule(tmp_path: Path) -> None:
    make_tree(tmp_path, {"app.py": CALL, "env/pyvenv.cfg": "home = /usr\n", "env/lib/site.py": CALL}, git=False)
    data, console = scan(tmp_path)
    assert [(e["rule"], e["files"]) for e in data["excluded"]] == [("virtualenv (pyvenv.cfg)", 1)]
    assert "not scanned: 1 file under virtualenvs" in console


def test_naming_the_directory_scans_it_and_reports_no_exclusion(tmp_path: Path) -> None:
    make_tree(tmp_path, {"app.py": CALL, "build/lib/app.py": CALL}, git=True)
    data, _ = scan(tmp_path, str(tmp_path / "build"))
    assert data["files_scanned"] == 1 and data["excluded"] == []


def test_a_policy_exclude_rule_counts_its_files(tmp_path: Path) -> None:
    make_tree(tmp_path, {"app.py": CALL, "tests/test_app.py": CALL, "tests/conftest.py": "", "pkg/x_test.py": CALL},
              git=True)
    data, console = scan(tmp_path)
    (rule,) = data["excluded"]
    assert rule["rule"] == "paths[0]" and rule["kind"] == "policy" and rule["files"] == 3
    assert rule["example"] == "pkg/x_test.py" and "tests/**" in rule["patterns"]
    assert "not scanned: 3 files excluded by the policy's paths[0] (tests/**, **/tests/**, test/**, ...)" in console


def test_nothing_excluded_means_no_note(tmp_path: Path) -> None:
    make_tree(tmp_path, {"app.py": CALL, "pkg/mod.py": CALL}, git=True)
    data, console = scan(tmp_path)
    assert data["excluded"] == [] and "not scanned" not in console


def test_a_git_ignored_directory_says_why_it_found_nothing(tmp_path: Path) -> None:
    """Scanning a folder git ignores (a vendored app, an unpacked wheel) used to report a silent 0 files."""
    make_tree(tmp_path, {".gitignore": "vendor/\n", "vendor/app/a.py": CALL, "vendor/app/b.py": "x = 1\n"}, git=True)
    for target, example in (("vendor", "vendor/app/a.py"), ("vendor/app", "vendor/app/a.py")):
        data, console = scan(tmp_path, str(tmp_path / target))
        assert data["files_scanned"] == 0
        assert data["excluded"] == [{"rule": ".gitignore", "kind": "gitignore", "files": 2, "partial": False,
                                     "example": example, "patterns": []}], target
        assert "not scanned: 2 files in a directory where git lists no source" in console


def test_git_ignored_files_beside_listed_source_stay_silent(tmp_path: Path) -> None:
    make_tree(tmp_path, {".gitignore": "vendor/\n", "app.py": CALL, "vendor/a.py": CALL}, git=True)
    data, console = scan(tmp_path)
    assert data["files_scanned"] == 1 and data["excluded"] == [] and "not scanned" not in console
