"""Owners are computed only when an output shows them: the pre-commit hook's console output (grouped by file)
does not, so a one-file scan in a repository neither loads GitPython nor starts git for blame (issue 8)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.report.registry import REPORTERS, shows_owners
from tests.owners.git_repo import ALICE, BOB, commit, git, init

ROOT = Path(__file__).resolve().parents[2]
UNTAGGED = "from openai import OpenAI\n\nclient = OpenAI()\nclient.chat.completions.create(model='gpt-4o', messages=[])\n"
# Runs the real CLI in a fresh interpreter and says whether GitPython was imported.
PROBE = ("import json, sys; from auditor.cli import main; code = main(sys.argv[1:]); "
         "sys.stdout.flush(); print('\\n' + json.dumps([code, 'git' in sys.modules]))")


def _run(repo: Path, *args: str, cached: bool = False) -> tuple[str, int, bool]:
    cache = ["--cache-dir", str(repo.parent / "cache")] if cached else ["--no-cache"]
    proc = subprocess.run([sys.executable, "-c", PROBE, "scan", "app.py", *cache, *args], cwd=repo,
                          capture_output=True, text=True, check=True, timeout=120)
    out, _, last = proc.stdout.rstrip("\n").rpartition("\n")
    code, loaded = json.loads(last)
    return out, code, loaded


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = init(tmp_path / "repo")
    commit(repo, {"app.py": UNTAGGED}, ALICE)
    return repo


def test_console_grouped_by_file_skips_blame_and_a_warm_run_loads_no_gitpython(repo: Path) -> None:
    out, code, loaded = _run(repo, cached=True)
    assert code == 1 and "TAG001" in out
    assert loaded is True, "cold: git finds the top level once (for CODEOWNERS)"
    out, code, loaded = _run(repo, cached=True)
    assert code == 1 and "TAG001" in out
    assert loaded is False, "warm: the top level comes from the cache and nothing is blamed"
    sealed = (repo.parent / "cache" / "blame.json").read_bytes()
    assert str(repo.resolve()).encode() in sealed and ALICE[1].encode() not in sealed, "a top level, no author"


def test_an_invalid_codeowners_still_exits_2_when_no_output_shows_owners(repo: Path) -> None:
    (repo / "CODEOWNERS").write_text("app.py not-an-owner\n")
    proc = subprocess.run([sys.executable, "-m", "auditor", "scan", "app.py", "--no-cache"], check=False,
                          cwd=repo, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "CODEOWNERS:1" in proc.stderr


def test_outputs_that_show_owners_still_get_them(repo: Path) -> None:
    out, code, loaded = _run(repo, "--format", "json")
    assert code == 1 and loaded is True
    assert {f["owner"] for f in json.loads(out)["findings"]} == {ALICE[1]}
    out, _, loaded = _run(repo, "--group-by", "owner")
    assert loaded is True and ALICE[1] in out


def test_only_the_console_grouped_by_file_hides_owners() -> None:
    assert [name for name in REPORTERS if not shows_owners(name, "file")] == ["console"]
    assert all(shows_owners(name, "owner") for name in REPORTERS)


def _owners(out: str) -> set[str | None]:
    return {f["owner"] for f in json.loads(out)["findings"]}


def test_a_warm_run_takes_owners_from_the_sealed_blame_cache_without_gitpython(repo: Path) -> None:
    out, _, loaded = _run(repo, "--format", "json", cached=True)
    assert loaded is True and _owners(out) == {ALICE[1]}, "cold: blame through GitPython"
    out, _, loaded = _run(repo, "--format", "json", cached=True)
    assert loaded is False and _owners(out) == {ALICE[1]}, "warm: same owner, no git"
    commit(repo, {"app.py": UNTAGGED.replace("gpt-4o", "gpt-4.1")}, BOB)
    out, _, loaded = _run(repo, "--format", "json", cached=True)
    assert loaded is True and _owners(out) == {"@bobby"}, "a changed file is blamed again"


def test_a_cached_top_level_is_not_trusted_once_a_nearer_repository_appears(repo: Path) -> None:
    sub = repo / "svc"
    sub.mkdir()
    (sub / "app.py").write_text(UNTAGGED)
    _run(sub, "--format", "json", cached=True)
    git(sub, "init", "-q", "-b", "main")
    commit(sub, {"app.py": UNTAGGED}, BOB)
    out, _, loaded = _run(sub, "--format", "json", cached=True)
    assert loaded is True and _owners(out) == {"@bobby"}, "the nested repository's blame, not the outer one's"
