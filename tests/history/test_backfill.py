"""Month-end backfill from git objects, on real repositories built in tmp_path with fixed dates."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest

from auditor.history.backfill import SiteKey, month_end_snapshots, site_changes
from auditor.policy import compile_policy
from tests.helpers import DEFAULT

TAGGED = b'import openai\nc = openai.OpenAI()\ndef ask():\n    return c.chat.completions.create(model="m", messages=[], metadata={"team": "a", "feature": "b"})\n'
UNTAGGED = b'import openai\nc = openai.OpenAI()\ndef ask():\n    return c.chat.completions.create(model="m", messages=[])\n'
POLICY = compile_policy({"version": 1, "min_grade": "OBJ", "keys": {"team": {}}}, "test-policy")
NOW = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def cache_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAGAUDIT_CACHE_KEY", "ab" * 32)


def _git(repo: Path, *args: str, when: str = "2026-07-10T12:00:00Z") -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "A",
           "GIT_COMMITTER_EMAIL": "a@x", "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def _commit(repo: Path, when: str, files: dict[str, bytes | None]) -> None:
    for name, data in files.items():
        path = repo / name
        if data is None:
            _git(repo, "rm", "-q", name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        _git(repo, "add", name)
    _git(repo, "commit", "-q", "--allow-empty", "-m", when, when=when)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    _git(r, "init", "-q", "-b", "main")
    _commit(r, "2026-07-05T10:00:00Z", {"a.py": TAGGED, "b.py": UNTAGGED})
    _commit(r, "2026-07-31T23:59:00Z", {"c.py": UNTAGGED})
    _commit(r, "2026-09-03T10:00:00Z", {"c.py": None, "d.py": b"import openai\ndef broken(:\n"})
    return r


def test_month_ends_carry_the_last_commit_and_count_tagged_sites(repo: Path, tmp_path: Path) -> None:
    jul, aug, sep = month_end_snapshots(repo, ["2026-07", "2026-08", "2026-09"], policy=POLICY,
                                        cache_dir=tmp_path / "cache", now=NOW)
    assert (jul.call_sites, jul.tagged_call_sites, jul.note) == (3, 1, None)
    assert aug.commit == jul.commit and aug.sites == jul.sites  # no commit in August: July's tree carries
    assert sep.call_sites == 2 and sep.errors and sep.errors[0].startswith("d.py:")
    added, removed = site_changes(aug, sep)
    assert added == [] and removed == [SiteKey("c.py", "openai", removed[0].operation, "ask", 0)]


def test_a_repo_younger_than_the_quarter_and_a_month_not_over_are_said(repo: Path) -> None:
    jun, dec = month_end_snapshots(repo, ["2026-06", "2026-12"], policy=DEFAULT, cache_dir=None, now=NOW)
    assert jun.commit is None and jun.note is not None and "no commit before 2026-06-30" in jun.note
    assert dec.commit is not None and dec.note.startswith("month not over yet: as of 2026-12-02; 1 file(s) could not be scanned: d.py")


def test_a_shallow_clone_says_history_is_missing(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    jul, sep = month_end_snapshots(clone, ["2026-07", "2026-09"], policy=DEFAULT, cache_dir=None, now=NOW)
    assert jul.commit is None and jul.note is not None and jul.note.startswith("shallow clone")
    assert sep.call_sites == 2 and sep.note is not None and "shallow clone" in sep.note


def test_a_renamed_file_is_not_an_added_and_removed_integration(repo: Path) -> None:
    _commit(repo, "2026-10-02T10:00:00Z", {"b.py": None, "pkg/b2.py": UNTAGGED})
    sep, octo = month_end_snapshots(repo, ["2026-09", "2026-10"], policy=DEFAULT, cache_dir=None, now=NOW)
    assert {s.path for s in octo.sites} - {s.path for s in sep.sites} == {"pkg/b2.py"}
    assert site_changes(sep, octo) == ([], [])


def test_the_cache_is_used_and_a_forged_entry_is_ignored(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = month_end_snapshots(repo, ["2026-07"], policy=DEFAULT, cache_dir=cache, now=NOW)
    entries = list((cache / "history").glob("*.json"))
    assert len(entries) == 1
    assert month_end_snapshots(repo, ["2026-07"], policy=DEFAULT, cache_dir=cache, now=NOW) == first
    raw = entries[0].read_bytes()
    entries[0].write_bytes(raw.replace(b'"calls":3', b'"calls":99'))
    assert month_end_snapshots(repo, ["2026-07"], policy=DEFAULT, cache_dir=cache, now=NOW) == first


def test_outside_a_repository_every_month_says_so(tmp_path: Path) -> None:
    (snap,) = month_end_snapshots(tmp_path, ["2026-07"], policy=DEFAULT, cache_dir=None, now=NOW)
    assert snap.commit is None and snap.note is not None and snap.note.startswith("not a git repository")


def test_a_sealed_entry_of_ours_is_read_instead_of_rescanning(repo: Path, tmp_path: Path) -> None:
    from auditor.history import backfill

    cache = tmp_path / "cache"
    (first,) = month_end_snapshots(repo, ["2026-07"], policy=DEFAULT, cache_dir=cache, now=NOW)
    assert first.commit is not None
    backfill._store(cache, first.commit, DEFAULT, backfill._TreeScan(7, 7, frozenset(), ()))
    (again,) = month_end_snapshots(repo, ["2026-07"], policy=DEFAULT, cache_dir=cache, now=NOW)
    assert (again.call_sites, again.tagged_call_sites) == (7, 7)  # the hit path: nothing was rescanned
