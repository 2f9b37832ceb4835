"""Hostile or damaged state: result/policy/blame caches, the catalog cache, baselines, history, stdout.

Every test runs the real CLI in a subprocess with its own XDG_CONFIG_HOME (where the per-user cache key
lives) and XDG_CACHE_HOME, so nothing here touches the developer's own key or caches.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

UNTAGGED = "from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"
INVALID_POLICY = "version: 1\nkeys:\n  team: {min_grade: NOPE}\n"
MAGIC = b"tagaudit-mac:"


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("TAGAUDIT_")}
    out.update(NO_COLOR="1", XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_CACHE_HOME=str(tmp_path / "xdg-cache"))
    return out


def run(env: dict[str, str], *args: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, capture_output=True, text=True,
                          env={**env, **extra}, timeout=180, check=False)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=Ada", "-c", "user.email=ada@example.com", *args],
                   check=True, capture_output=True)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "llm.py").write_text(UNTAGGED)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "an untagged call")
    return root


def scan(env: dict[str, str], repo: Path, *args: str, **extra: str) -> tuple[int, dict]:
    proc = run(env, "scan", ".", "--format", "json", "--no-owners", *args, cwd=repo, **extra)
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout) if proc.stdout else {}


def entries(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "v1").rglob("*.json") if not p.name.startswith("."))


def split_entry(blob: bytes) -> tuple[bytes, bytes]:
    """(seal header line, JSON body) of a result-cache entry, whatever the format."""
    if blob.startswith(MAGIC):
        head, _, body = blob.partition(b"\n")
        return head + b"\n", body
    return b"", blob


def rewrite(entry: Path, change) -> None:  # type: ignore[no-untyped-def]
    head, body = split_entry(entry.read_bytes())
    entry.write_bytes(head + json.dumps(change(json.loads(body))).encode())


def reseal(entry: Path, body: bytes, config: Path) -> None:
    """Write `body` into a result-cache entry as the user whose config dir is `config` legitimately would
    (a plain JSON file for a tagaudit without sealing)."""
    if not entry.read_bytes().startswith(MAGIC):
        entry.write_bytes(body)
        return
    from auditor.cache import entry_context, seal

    key, kind, _ = entry.name.split(".")
    sealed = seal(entry_context(key, kind), body, secret=(config / "tagaudit" / "cache.key").read_bytes())
    assert sealed is not None
    entry.write_bytes(sealed)


# Issue 7, item 1: a cache that comes with the repo must not change the verdict.


def test_a_committed_cache_entry_with_no_call_sites_does_not_hide_the_call(env: dict[str, str], repo: Path) -> None:
    code, cold = scan(env, repo)
    assert code == 1 and len(cold["call_sites"]) == 1
    for entry in entries(repo / ".tagaudit-cache"):
        rewrite(entry, lambda raw: {**raw, "sites": []})
    code, warm = scan(env, repo)
    assert (code, len(warm["call_sites"])) == (1, 1), "a tampered entry is rescanned, never trusted"


def test_a_cache_entry_sealed_with_another_users_key_is_not_trusted(env: dict[str, str], repo: Path,
                                                                     tmp_path: Path) -> None:
    attacker = {**env, "XDG_CONFIG_HOME": str(tmp_path / "attacker-config")}
    scan(attacker, repo)
    for entry in entries(repo / ".tagaudit-cache"):
        _, body = split_entry(entry.read_bytes())
        reseal(entry, json.dumps({**json.loads(body), "sites": []}).encode(), tmp_path / "attacker-config")
    code, report = scan(env, repo)  # the victim: a fresh clone with the attacker's cache committed
    assert (code, len(report["call_sites"])) == (1, 1)


def test_a_planted_policy_ok_marker_does_not_skip_validation(env: dict[str, str], repo: Path) -> None:
    from auditor import __version__
    from policies import SCHEMA_PATH

    policy = repo / "tagaudit.yaml"
    policy.write_text(INVALID_POLICY)
    digest = hashlib.sha256(policy.read_bytes() + SCHEMA_PATH.read_bytes() + __version__.encode()).hexdigest()
    for name in (digest[:32], digest):
        marker = repo / ".tagaudit-cache" / "policies" / f"{name}.ok"
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_bytes(b"")
    proc = run(env, "scan", ".", "--policy", "tagaudit.yaml", cwd=repo)
    assert proc.returncode == 2 and "NOPE" in proc.stderr, proc.stderr


def test_a_policy_marker_forged_with_another_users_key_does_not_skip_validation(env: dict[str, str], repo: Path,
                                                                                 tmp_path: Path) -> None:
    attacker = {**env, "XDG_CONFIG_HOME": str(tmp_path / "attacker-config")}
    policy = repo / "tagaudit.yaml"
    policy.write_text("version: 1\nkeys:\n  team: {}\n")
    assert run(attacker, "scan", ".", cwd=repo).returncode == 1  # the attacker validates a good policy
    (marker,) = (repo / ".tagaudit-cache" / "policies").glob("*.ok")
    policy.write_text(INVALID_POLICY)  # ...then swaps in a bad one and renames the marker to match it
    from auditor import __version__
    from policies import SCHEMA_PATH

    digest = hashlib.sha256(policy.read_bytes() + SCHEMA_PATH.read_bytes() + __version__.encode()).hexdigest()
    marker.rename(marker.with_name(f"{digest[:32]}.ok"))
    proc = run(env, "scan", ".", cwd=repo)
    assert proc.returncode == 2 and "NOPE" in proc.stderr, proc.stderr


def test_a_valid_policy_is_still_remembered_with_a_sealed_marker(env: dict[str, str], repo: Path) -> None:
    (repo / "tagaudit.yaml").write_text("version: 1\nkeys:\n  team: {}\n")
    assert run(env, "scan", ".", cwd=repo).returncode == 1
    (marker,) = (repo / ".tagaudit-cache" / "policies").glob("*.ok")
    assert marker.read_bytes().startswith(MAGIC), "the marker carries a MAC, not just its name"


# Issue 7, item 2: no code runs from the catalog cache.


def test_a_malicious_catalog_pickle_in_the_user_cache_is_never_loaded(env: dict[str, str], repo: Path,
                                                                      tmp_path: Path) -> None:
    from scanners.catalog import catalog_digest

    ran = tmp_path / "payload-ran"

    class Payload:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return open, (str(ran), "w")

    folder = Path(env["XDG_CACHE_HOME"]) / "tagaudit"
    folder.mkdir(parents=True)
    for name in (f"catalog-{catalog_digest()}.pickle", "catalog.pickle"):
        (folder / name).write_bytes(pickle.dumps(Payload()))
    code, report = scan(env, repo)
    assert not ran.exists(), "unpickling the planted file ran its payload"
    assert code == 1 and len(report["call_sites"]) == 1
    assert len(list(folder.glob("*.pickle"))) == 2, "and no new pickle is written"


def test_the_catalog_is_built_without_writing_any_pickle(env: dict[str, str], repo: Path) -> None:
    scan(env, repo)
    assert not list(Path(env["XDG_CACHE_HOME"]).rglob("*.pickle"))


# Issue 7, item 16: damaged state gives a clear message and exit code, or is repaired.

DEEP = "[" * 200_000 + "]" * 200_000
DAMAGED_ENTRIES = [
    pytest.param(lambda raw: DEEP, id="an entry nested 200,000 deep"),
    pytest.param(lambda raw: {**raw, "sites": "not a list"}, id="sites as a string"),
    pytest.param(lambda raw: {**raw, "sites": [{**raw["sites"][0], "line": "two"}]}, id="a line number as text"),
    pytest.param(lambda raw: {**raw, "sites": [{**raw["sites"][0], "line": True}]}, id="a line number as a boolean"),
    pytest.param(lambda raw: {**raw, "sites": [{**raw["sites"][0], "evil": 1}]}, id="an unknown call-site field"),
    pytest.param(lambda raw: {**raw, "sites": [{k: v for k, v in raw["sites"][0].items() if k != "operation"}]},
                 id="a call site without an operation"),
    pytest.param(lambda raw: {**raw, "sites": [{**raw["sites"][0], "evidence": [["via"]]}]},
                 id="evidence with too few fields"),
    pytest.param(lambda raw: {**raw, "sites": [{**raw["sites"][0], "issues": [[1, 2]]}]}, id="issues as numbers"),
    pytest.param(lambda raw: {**raw, "comments": {"a": 1}}, id="comments as an object"),
    pytest.param(lambda raw: {**raw, "error": ["syntax"]}, id="an error with too few fields"),
    pytest.param(lambda raw: [raw], id="the entry as a list"),
    pytest.param(lambda raw: {**raw, "sites": [{**raw["sites"][0], "model": {"a": [[[]]]}}]},
                 id="a model name as nested objects"),
]


@pytest.mark.parametrize("damage", DAMAGED_ENTRIES)
def test_a_damaged_but_correctly_sealed_cache_entry_is_rescanned(env: dict[str, str], repo: Path, damage) -> None:  # type: ignore[no-untyped-def]
    code, cold = scan(env, repo)
    for entry in entries(repo / ".tagaudit-cache"):
        damaged = damage(json.loads(split_entry(entry.read_bytes())[1]))
        reseal(entry, (damaged if isinstance(damaged, str) else json.dumps(damaged)).encode(),
               Path(env["XDG_CONFIG_HOME"]))
    code2, warm = scan(env, repo)
    assert (code2, warm) == (code, cold)


def write_baseline(repo: Path, entry: dict) -> Path:
    path = repo / ".tagaudit-baseline.json"
    path.write_text(json.dumps({"version": 1, "entries": [entry]}, indent=2))
    return path


GOOD_ENTRY = {"path": "app/llm.py", "scope": "<module>", "operation": "chat.completions.create", "rule": "TAG001",
              "fingerprint": "abc123", "reason": "legacy", "owner": None, "expires": "2999-01-01"}
BAD_BASELINES = [
    pytest.param({**GOOD_ENTRY, "operation": {"nested": ["x"]}}, "operation", id="an operation as an object"),
    pytest.param({**GOOD_ENTRY, "fingerprint": 12345}, "fingerprint", id="an integer fingerprint"),
    pytest.param({**GOOD_ENTRY, "reason": ["a", "list"]}, "reason", id="a reason as a list"),
    pytest.param({**GOOD_ENTRY, "owner": 7}, "owner", id="an owner as a number"),
    pytest.param({**GOOD_ENTRY, "path": None, "scope": 1}, "path", id="a path as null"),
]


@pytest.mark.parametrize(("entry", "field"), BAD_BASELINES)
def test_a_schema_violating_baseline_entry_is_rejected_with_its_line(env: dict[str, str], repo: Path,
                                                                     entry: dict, field: str) -> None:
    write_baseline(repo, entry)
    proc = run(env, "scan", ".", cwd=repo)
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("tagaudit: error: ") and ".tagaudit-baseline.json:4:" in line and field in line, line
    assert "baseline create --force" in line


def test_a_deeply_nested_baseline_is_a_clear_error_not_a_crash(env: dict[str, str], repo: Path) -> None:
    (repo / ".tagaudit-baseline.json").write_text('{"version": 1, "entries": [' + DEEP + "]}")
    proc = run(env, "scan", ".", cwd=repo)
    assert proc.returncode == 2
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert ".tagaudit-baseline.json" in proc.stderr and "nest" in proc.stderr


def test_a_history_store_with_the_wrong_schema_names_the_file_and_the_fix(env: dict[str, str],
                                                                          tmp_path: Path) -> None:
    store = tmp_path / "history.sqlite"
    con = sqlite3.connect(store)
    con.execute("CREATE TABLE scores (id INTEGER PRIMARY KEY, something_else TEXT)")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    proc = run(env, "score", "--history", "--history-file", str(store), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "internal error" not in proc.stderr
    (line,) = proc.stderr.splitlines()
    assert str(store) in line and "move the file aside" in line


def test_a_full_stdout_is_a_one_line_error_and_exit_2() -> None:
    proc = subprocess.run(f"{sys.executable} -m auditor scan examples/app > /dev/full", shell=True, cwd=REPO,
                          capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 2
    (line,) = proc.stderr.splitlines()
    assert line.startswith("tagaudit: error: cannot write to standard output"), line
    assert "internal error" not in line
