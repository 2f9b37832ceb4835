"""Real git repositories in tmp_path for the owner tests, and a runner that counts git processes."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from auditor.owners.blame import run_git

ALICE = ("Alice Example", "alice@example.com")
BOB = ("Bob Example", "12345+bobby@users.noreply.github.com")


def git(repo: Path, *args: str, author: tuple[str, str] = ALICE) -> None:
    name, email = author
    subprocess.run(
        ["git", "-c", f"user.name={name}", "-c", f"user.email={email}", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def commit(repo: Path, files: dict[str, str], author: tuple[str, str], message: str = "change") -> None:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    git(repo, "add", "--", *files)
    git(repo, "commit", "-q", "-m", message, author=author)


def init(repo: Path) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    return repo


class CountingRunner:
    """Runs the real git, recording each command line, so tests can count processes (not a mock)."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, args: Sequence[str], cwd: Path) -> tuple[int, bytes]:
        self.calls.append(list(args))
        return run_git(args, cwd)

    def count(self, command: str) -> int:
        return sum(1 for c in self.calls if c and c[0] == command)
