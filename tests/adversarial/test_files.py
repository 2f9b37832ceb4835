"""Hostile files, run through the real CLI: links out of the root, odd file types, names, encodings, imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.owners.git_repo import git, init

CALL = "OpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"
UNTAGGED = "from openai import OpenAI\n" + CALL


def run(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}, timeout=timeout)


def scan_json(root: Path, *args: str, timeout: float = 120) -> dict:
    """`tagaudit scan ROOT --format json`: it must finish with 0 or 1 (never an internal error)."""
    proc = run("scan", str(root), "--format", "json", "--no-cache", *args, cwd=root, timeout=timeout)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def sites(data: dict) -> list[tuple[str, int, str]]:
    return [(s["path"], s["line"], s["operation"]) for s in data["call_sites"]]


def tag901(data: dict) -> dict[str, str]:
    return {f["path"]: f["message"] for f in data["findings"] if f["rule"] == "TAG901"}


# -- 12: names that are not UTF-8, directories that cannot be listed ----------------------------------------
def test_a_file_name_that_is_not_utf8_is_scanned_in_a_git_repo_and_a_plain_tree(tmp_path: Path) -> None:
    for repo, in_git in ((tmp_path / "git", True), (tmp_path / "plain", False)):
        repo.mkdir()
        if in_git:
            init(repo)
        bad = os.fsdecode(b"bad\xff.py")
        (repo / bad).write_text(UNTAGGED)
        (repo / "ok.py").write_text(UNTAGGED)
        if in_git:
            git(repo, "add", "-A")
        data = scan_json(repo)
        assert sites(data) == [(bad, 2, "chat.completions.create"), ("ok.py", 2, "chat.completions.create")]
        assert len({f["fingerprint"] for f in data["findings"]}) == 2
