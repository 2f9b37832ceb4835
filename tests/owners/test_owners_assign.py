"""assign_owners on a real repository: CODEOWNERS first, then git blame, never a crash."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from git_repo import ALICE, BOB, CountingRunner, commit, init

from auditor.owners.assign import OWNER_SOURCE, assign_owners, repo_root_of
from auditor.owners.codeowners import CodeOwnersError
from auditor.records import Finding, Report


def _finding(path: str, line: int, *, cell: int | None = None, owner: str | None = None) -> Finding:
    return Finding(
        "TAG001",
        "missing-required-tag",
        "error",
        path,
        line,
        5,
        "x has no team tag",
        f"fp-{path}-{line}",
        line,
        20,
        cell=cell,
        owner=owner,
        blocking=True,
    )


def _report(root: Path, *findings: Finding) -> Report:
    return Report(str(root), len({f.path for f in findings}), (), findings)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init(tmp_path / "repo")
    commit(
        root,
        {
            ".github/CODEOWNERS": "/services/billing/ @acme/finops\n/services/search/\n",
            "services/billing/llm.py": "import openai\nopenai.OpenAI().chat.completions.create()\n",
            "services/search/rank.py": "import openai\n\n\nclient.embeddings.create()\n",
        },
        ALICE,
    )
    commit(
        root,
        {
            "services/search/rank.py": "import openai\n\n\nclient.embeddings.create(model=m)\n",
            "nb/explore.ipynb": '{"cells": []}\n',
        },
        BOB,
    )
    return root


def _owners(report: Report) -> dict[tuple[str, int], tuple[str | None, str | None]]:
    return {(f.path, f.line): (f.owner, dict(f.extra).get(OWNER_SOURCE)) for f in report.findings}


def test_codeowners_first_then_the_line_author(repo: Path) -> None:
    runner = CountingRunner()
    report = _report(
        repo,
        _finding("services/billing/llm.py", 2),
        _finding("services/search/rank.py", 4),
        _finding("services/search/rank.py", 1),
        _finding("nb/explore.ipynb", 2, cell=3),
    )
    owned = _owners(assign_owners(report, repo, runner=runner))
    assert owned == {
        ("services/billing/llm.py", 2): ("@acme/finops", "codeowners:.github/CODEOWNERS:1"),
        ("services/search/rank.py", 4): ("@bobby", "git-blame"),
        ("services/search/rank.py", 1): ("alice@example.com", "git-blame"),
        ("nb/explore.ipynb", 2): ("@bobby", "git-log"),
    }
    assert runner.count("blame") == 1, "one git process per file, only for files CODEOWNERS leaves unowned"


def test_uncommitted_and_untracked_files_fall_back_to_no_owner(repo: Path) -> None:
    (repo / "services/search/rank.py").write_text(
        "import openai\n\n\nclient.embeddings.create(model=m)\nnew()\n", encoding="utf-8"
    )
    (repo / "scratch.py").write_text("client.chat.completions.create()\n", encoding="utf-8")
    report = _report(repo, _finding("services/search/rank.py", 5), _finding("scratch.py", 1))
    owned = _owners(assign_owners(report, repo))
    assert owned == {("services/search/rank.py", 5): (None, "uncommitted"), ("scratch.py", 1): (None, None)}


def test_paths_relative_to_a_scan_root_below_the_repository(repo: Path) -> None:
    report = _report(repo / "services", _finding("billing/llm.py", 2), _finding("search/rank.py", 4))
    owned = _owners(assign_owners(report, repo))
    assert owned[("billing/llm.py", 2)][0] == "@acme/finops"
    assert owned[("search/rank.py", 4)][0] == "@bobby"
    assert repo_root_of(repo / "services") == repo.resolve()


def test_existing_owners_are_kept_and_records_stay_otherwise_equal(repo: Path) -> None:
    mine = _finding("services/billing/llm.py", 2, owner="@someone")
    out = assign_owners(_report(repo, mine), repo)
    assert out.findings == (mine,)
    assert replace(out, findings=()) == replace(_report(repo, mine), findings=())


def test_outside_git_nothing_fails(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x\n", encoding="utf-8")
    out = assign_owners(_report(tmp_path, _finding("a.py", 1)), tmp_path)
    assert out.findings[0].owner is None
    assert repo_root_of(tmp_path) == tmp_path


def test_an_invalid_codeowners_is_an_error_naming_the_line(repo: Path) -> None:
    (repo / ".github/CODEOWNERS").write_text("/services/ finops-team\n", encoding="utf-8")
    with pytest.raises(CodeOwnersError, match=r"\.github/CODEOWNERS:1: owner 'finops-team'"):
        assign_owners(_report(repo, _finding("services/billing/llm.py", 2)), repo)
    lenient = assign_owners(_report(repo, _finding("services/billing/llm.py", 2)), repo, strict=False)
    assert lenient.findings[0].owner == "alice@example.com", "skipping the bad line falls back to blame"
