"""Files a scanned repository brings besides its code (policy, baseline, CODEOWNERS) are input like the code:
a link out of the root is not followed, a FIFO or device is never opened, and a run never falls back silently."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

UNTAGGED = "from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"
SECRET = "root:x:0:0:secret-marker-xyzzy:/root:/bin/bash\n"


def run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", "scan", str(repo), "--no-cache", *args],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "app.py").write_text(UNTAGGED)
    (tmp_path / "outside.txt").write_text(SECRET)
    return root


@pytest.mark.parametrize("name", [
    pytest.param("tagaudit.yaml", id="a policy linked out of the root is refused, its content never shown"),
    pytest.param(".tagaudit.yaml", id="a hidden policy linked out of the root is refused too"),
])
def test_a_policy_link_out_of_the_root_is_refused(repo: Path, name: str) -> None:
    (repo / name).symlink_to(repo.parent / "outside.txt")
    proc = run(repo)
    assert proc.returncode == 2, proc.stderr
    assert "outside the scan root" in proc.stderr
    assert "secret-marker-xyzzy" not in proc.stderr + proc.stdout


def test_a_policy_link_inside_the_root_is_followed(repo: Path) -> None:
    (repo / "conf").mkdir()
    (repo / "conf" / "policy.yaml").write_text("version: 1\nkeys:\n  team: {}\n")
    (repo / "tagaudit.yaml").symlink_to("conf/policy.yaml")
    proc = run(repo, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert '"team"' in proc.stdout


def test_a_fifo_policy_is_an_error_not_a_silent_default(repo: Path) -> None:
    os.mkfifo(repo / "tagaudit.yaml")
    proc = run(repo)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "not a regular file" in proc.stderr


def test_a_fifo_baseline_does_not_hang_the_gate(repo: Path) -> None:
    os.mkfifo(repo / ".tagaudit-baseline.json")
    proc = run(repo)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "not a regular file" in proc.stderr


def test_a_baseline_link_out_of_the_root_is_refused(repo: Path) -> None:
    (repo / ".tagaudit-baseline.json").symlink_to(repo.parent / "outside.txt")
    proc = run(repo)
    assert proc.returncode == 2, proc.stderr
    assert "outside the scan root" in proc.stderr and "secret-marker-xyzzy" not in proc.stderr


def test_a_codeowners_link_out_of_the_root_is_not_read(repo: Path) -> None:
    (repo / ".github").mkdir()
    (repo.parent / "owners").write_text("* @mallory\n")
    (repo / ".github" / "CODEOWNERS").symlink_to(repo.parent / "owners")
    proc = run(repo, "--format", "json")
    assert "@mallory" not in proc.stdout
    assert "outside the scan root" in proc.stderr, proc.stderr


def test_a_codeowners_inside_the_root_still_names_owners(repo: Path) -> None:
    (repo / ".github").mkdir()
    (repo / ".github" / "CODEOWNERS").write_text("* @acme/search\n")
    proc = run(repo, "--format", "json")
    assert "@acme/search" in proc.stdout, proc.stderr
