"""The quarterly demo as a user runs it: examples/app committed into a real git repository in tmp_path with
dated commits (July, August, September 2026), and examples/quarter's generated 2026-Q3 billing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

APP = REPO / "examples" / "app"
QUARTER = REPO / "examples" / "quarter"
BILLING = QUARTER / "focus-2026-q3.csv"
INVOICES = QUARTER / "invoices.yaml"
POLICY = QUARTER / "tagaudit.yaml"
NEW_SITE = ('import openai\n\nclient = openai.OpenAI()\n\n\ndef draft(text: str) -> str:\n'
            '    return client.chat.completions.create(model="gpt-4o-mini", messages=[]).choices[0].message.content\n')


def git(repo: Path, *args: str, when: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.com", "GIT_COMMITTER_NAME": "A",
           "GIT_COMMITTER_EMAIL": "a@example.com", "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=repo, env=env, check=True, capture_output=True)


def app_history(root: Path, first: str = "2026-06-20T10:00:00Z") -> Path:
    """examples/app as a repository: all but growth/ at `first`, growth/ on Aug 10, a new untagged site on
    Sep 12 (so each month end has its own tree)."""
    repo = root / "app"
    shutil.copytree(APP, repo, ignore=shutil.ignore_patterns("__pycache__", ".tagaudit-cache"))
    growth = root / "growth-later"
    shutil.move(repo / "growth", growth)
    git(repo, "init", "-q", "-b", "main", when=first)
    git(repo, "add", "-A", when=first)
    git(repo, "commit", "-q", "-m", "app", when=first)
    shutil.move(growth, repo / "growth")
    git(repo, "add", "-A", when="2026-08-10T10:00:00Z")
    git(repo, "commit", "-q", "-m", "growth campaigns", when="2026-08-10T10:00:00Z")
    (repo / "support" / "drafts.py").write_text(NEW_SITE, encoding="utf-8")
    git(repo, "add", "-A", when="2026-09-12T10:00:00Z")
    git(repo, "commit", "-q", "-m", "support drafts", when="2026-09-12T10:00:00Z")
    return repo


def has_chromium() -> bool:
    """What auditor.quarterly.pdf looks for on PATH."""
    return any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome"))


def tagaudit(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, capture_output=True, text=True,
                          check=False, env={**os.environ, "NO_COLOR": "1"}, timeout=600)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("quarter")
    repo = app_history(root)
    out = {"repo": repo, "json": root / "q.json", "html": root / "q.html", "pdf": root / "q.pdf",
           "md": root / "q.md", "store": root / "history.sqlite"}
    proc = tagaudit("report", "quarterly", str(repo), "--billing", str(BILLING), "--invoices", str(INVOICES),
                    "--policy", str(POLICY), "--quarter", "2026-Q3", "--history-file", str(out["store"]),
                    "--cache-dir", str(root / "cache"), "--output", f"json={out['json']}",
                    "--output", f"html={out['html']}",
                    # PDF needs headless Chromium: without one (a fresh clone) the PDF test skips, the rest runs.
                    *(["--output", f"pdf={out['pdf']}"] if has_chromium() else []))
    assert proc.returncode == 0, proc.stderr
    out["md"].write_text(proc.stdout, encoding="utf-8")
    return out
