"""git blame through the real git CLI: the right authors, one process per file, cached by blob SHA."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from git_repo import ALICE, BOB, CountingRunner, commit, init

from auditor.owners.blame import UNCOMMITTED, BlameCache, blame_lines, blob_sha, last_author


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init(tmp_path / "repo")
    commit(root, {"app.py": "a = 1\nb = 2\nc = 3\n"}, ALICE)
    commit(root, {"app.py": "a = 1\nb = 20\nc = 3\nd = 4\n"}, BOB)
    return root


def test_each_line_gets_the_author_who_last_changed_it(repo: Path) -> None:
    runner = CountingRunner()
    assert blame_lines(repo, "app.py", [1, 2, 4], runner=runner) == {
        1: "alice@example.com",
        2: "@bobby",
        4: "@bobby",
    }  # GitHub noreply addresses become the login
    assert runner.count("blame") == 1
    assert runner.calls[0][:6] == ["blame", "--porcelain", "-L", "1,2", "-L", "4,4"], (
        "consecutive lines share a range"
    )


def test_a_second_call_is_answered_from_the_cache_by_blob(repo: Path, tmp_path: Path) -> None:
    cache_file = tmp_path / "cache" / "blame.json"
    runner = CountingRunner()
    cache = BlameCache(cache_file)
    first = blame_lines(repo, "app.py", [1, 2], cache=cache, runner=runner)
    assert blame_lines(repo, "app.py", [2, 1], cache=cache, runner=runner) == first
    assert runner.count("blame") == 1
    cache.save()
    assert blame_lines(repo, "app.py", [1, 2], cache=BlameCache(cache_file), runner=runner) == first
    assert runner.count("blame") == 1, "the on-disk cache survives the process"
    (repo / "app.py").write_text("a = 1\nb = 20\nc = 3\nd = 4\ne = 5\n", encoding="utf-8")
    blame_lines(repo, "app.py", [1], cache=cache, runner=runner)
    assert runner.count("blame") == 2, "new content is a new blob, so git runs again"


def test_uncommitted_lines_have_no_author_and_are_not_cached(repo: Path) -> None:
    (repo / "app.py").write_text("a = 1\nb = 20\nc = 3\nd = 4\nclient.create()\n", encoding="utf-8")
    runner = CountingRunner()
    cache = BlameCache()
    assert blame_lines(repo, "app.py", [1, 5], cache=cache, runner=runner) == {
        1: "alice@example.com",
        5: UNCOMMITTED,
    }
    assert blame_lines(repo, "app.py", [5], cache=cache, runner=runner) == {5: UNCOMMITTED}
    assert runner.count("blame") == 2


@pytest.mark.parametrize(
    "setup",
    [
        pytest.param("untracked", id="an untracked file"),
        pytest.param("missing", id="a file that does not exist"),
        pytest.param("no-git", id="a directory that is not a git repository"),
    ],
)
def test_files_git_cannot_blame_give_no_owner_and_no_error(tmp_path: Path, repo: Path, setup: str) -> None:
    root, path = repo, "new.py"
    if setup == "untracked":
        (repo / "new.py").write_text("x = 1\n", encoding="utf-8")
    elif setup == "no-git":
        root = tmp_path / "plain"
        root.mkdir()
        (root / "new.py").write_text("x = 1\n", encoding="utf-8")
    assert blame_lines(root, path, [1]) == {}


def test_lines_past_the_end_are_ignored_instead_of_failing_the_file(repo: Path) -> None:
    assert blame_lines(repo, "app.py", [2, 99]) == {2: "@bobby"}


def test_blob_sha_is_gits_blob_id(repo: Path) -> None:
    expected = subprocess.run(
        ["git", "hash-object", "app.py"], cwd=repo, capture_output=True, check=True, text=True
    ).stdout.strip()
    assert blob_sha((repo / "app.py").read_bytes()) == expected


def test_notebook_owner_is_the_last_author_and_cached_only_when_committed(repo: Path) -> None:
    commit(repo, {"nb.ipynb": '{"cells": []}\n'}, ALICE)
    commit(repo, {"nb.ipynb": '{"cells": [], "metadata": {}}\n'}, BOB)
    runner = CountingRunner()
    cache = BlameCache()
    assert last_author(repo, "nb.ipynb", cache=cache, runner=runner) == "@bobby"
    assert last_author(repo, "nb.ipynb", cache=cache, runner=runner) == "@bobby"
    assert runner.count("log") == 1
    (repo / "nb.ipynb").write_text('{"cells": [1]}\n', encoding="utf-8")
    last_author(repo, "nb.ipynb", cache=cache, runner=runner)
    last_author(repo, "nb.ipynb", cache=cache, runner=runner)
    assert runner.count("log") == 3, "a modified notebook's last author is not cached"
