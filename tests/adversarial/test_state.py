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

from auditor.scan.cache import CACHE_FORMAT
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
    return sorted(p for p in (cache / f"v{CACHE_FORMAT}").rglob("*.json") if not p.name.startswith("."))


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
    from auditor.scan.cache import entry_context, seal

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


# Fresh sweep: more forged, redirected and damaged state of the same kinds.


def owners_of(report: dict) -> list[str | None]:
    return [f.get("owner") for f in report["findings"]]


def test_a_forged_blame_cache_cannot_name_the_owner(env: dict[str, str], repo: Path) -> None:
    blob = subprocess.run(["git", "-C", str(repo), "hash-object", "app/llm.py"], capture_output=True, text=True,
                          check=True).stdout.strip()
    cache = repo / ".tagaudit-cache"
    cache.mkdir()
    (cache / "blame.json").write_text(json.dumps({"version": 1, "entries": {f"app/llm.py\x1f{blob}": {"2": "@mallory"}}}))
    proc = run(env, "scan", ".", "--format", "json", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert owners_of(json.loads(proc.stdout)) == ["ada@example.com"]


@pytest.mark.parametrize("content", [
    pytest.param('{"version": 1, "entries": [1]}', id="entries as a list"),
    pytest.param('{"version": 1, "entries": {"app/llm.py": "x"}}', id="an entry as a string"),
    pytest.param("[" * 100_000, id="nested 100,000 deep"),
])
def test_a_damaged_blame_cache_is_ignored_not_a_crash(env: dict[str, str], repo: Path, content: str) -> None:
    (repo / ".tagaudit-cache").mkdir()
    (repo / ".tagaudit-cache" / "blame.json").write_text(content)
    proc = run(env, "scan", ".", "--format", "json", cwd=repo)
    assert proc.returncode == 1 and "internal error" not in proc.stderr, proc.stderr
    assert owners_of(json.loads(proc.stdout)) == ["ada@example.com"]


def test_a_genuine_entry_copied_under_another_files_key_is_not_trusted(env: dict[str, str], repo: Path) -> None:
    (repo / "app" / "quiet.py").write_text("import openai\nX = 1\n")  # passes the prefilter, has no call
    scan(env, repo)
    by_size = sorted(entries(repo / ".tagaudit-cache"), key=lambda p: p.stat().st_size)
    quiet, loud = by_size[0], by_size[-1]
    loud.write_bytes(quiet.read_bytes())  # the call's entry now holds the empty file's (validly sealed) result
    code, report = scan(env, repo)
    assert (code, len(report["call_sites"])) == (1, 1)


def test_a_symlinked_cache_dir_is_not_written_through(env: dict[str, str], repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "victim"
    outside.mkdir()
    (repo / ".tagaudit-cache").symlink_to(outside, target_is_directory=True)
    code, report = scan(env, repo)
    assert (code, len(report["call_sites"])) == (1, 1)
    assert list(outside.iterdir()) == [], "nothing (not even a .gitignore of '*') lands outside the repo"


def test_a_symlinked_cache_subfolder_is_not_written_through(env: dict[str, str], repo: Path, tmp_path: Path) -> None:
    scan(env, repo)
    (entry,) = entries(repo / ".tagaudit-cache")
    outside = tmp_path / "victim"
    outside.mkdir()
    folder = entry.parent
    for f in folder.iterdir():
        f.unlink()
    folder.rmdir()
    folder.symlink_to(outside, target_is_directory=True)
    code, report = scan(env, repo)
    assert (code, len(report["call_sites"])) == (1, 1)
    assert list(outside.iterdir()) == []


def test_a_fifo_planted_as_a_cache_entry_does_not_hang_the_scan(env: dict[str, str], repo: Path) -> None:
    scan(env, repo)
    (entry,) = entries(repo / ".tagaudit-cache")
    entry.unlink()
    os.mkfifo(entry)
    code, report = scan(env, repo)  # would block forever on open() without O_NONBLOCK
    assert (code, len(report["call_sites"])) == (1, 1)


def test_a_planted_policy_marker_directory_does_not_skip_validation(env: dict[str, str], repo: Path) -> None:
    from auditor import __version__
    from policies import SCHEMA_PATH

    policy = repo / "tagaudit.yaml"
    policy.write_text(INVALID_POLICY)
    digest = hashlib.sha256(policy.read_bytes() + SCHEMA_PATH.read_bytes() + __version__.encode()).hexdigest()
    (repo / ".tagaudit-cache" / "policies" / f"{digest[:32]}.ok").mkdir(parents=True)
    proc = run(env, "scan", ".", cwd=repo)
    assert proc.returncode == 2 and "NOPE" in proc.stderr, proc.stderr


def key_file(env: dict[str, str]) -> Path:
    return Path(env["XDG_CONFIG_HOME"]) / "tagaudit" / "cache.key"


@pytest.mark.parametrize("spoil", [
    pytest.param(lambda key: key.mkdir(parents=True), id="the key path is a directory"),
    pytest.param(lambda key: (key.parent.mkdir(parents=True), key.write_bytes(b"short"), key.chmod(0o600)),
                 id="the key is too short"),
    pytest.param(lambda key: (key.parent.mkdir(parents=True), key.write_bytes(os.urandom(32)), key.chmod(0o644)),
                 id="the key is readable by others"),
    pytest.param(lambda key: (key.parent.parent.mkdir(parents=True), key.parent.write_text("a file")),
                 id="the config folder cannot be created"),
])
def test_an_unusable_cache_key_means_no_cache_never_a_failure(env: dict[str, str], repo: Path, spoil) -> None:  # type: ignore[no-untyped-def]
    spoil(key_file(env))
    for _ in range(2):
        code, report = scan(env, repo)
        assert (code, len(report["call_sites"])) == (1, 1)
    assert entries(repo / ".tagaudit-cache") == [], "without a trustworthy key nothing is cached"


def test_the_key_is_created_private_and_reused(env: dict[str, str], repo: Path) -> None:
    scan(env, repo)
    key = key_file(env)
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32
    before = key.read_bytes()
    scan(env, repo)
    assert key.read_bytes() == before
    assert not (repo / ".tagaudit-cache" / "cache.key").exists()


def test_a_key_from_the_environment_seals_entries_and_a_bad_one_disables_the_cache(env: dict[str, str],
                                                                                  repo: Path) -> None:
    code, report = scan(env, repo, TAGAUDIT_CACHE_KEY="zz-not-hex")
    assert (code, len(report["call_sites"])) == (1, 1) and entries(repo / ".tagaudit-cache") == []
    scan(env, repo, TAGAUDIT_CACHE_KEY="ab" * 32)
    assert len(entries(repo / ".tagaudit-cache")) == 1 and not key_file(env).exists()
    for entry in entries(repo / ".tagaudit-cache"):
        rewrite(entry, lambda raw: {**raw, "sites": []})
    code, report = scan(env, repo, TAGAUDIT_CACHE_KEY="ab" * 32)
    assert (code, len(report["call_sites"])) == (1, 1)


NOTEBOOK_AS_PY = json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                                         "source": UNTAGGED.splitlines(keepends=True)}],
                             "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_a_module_and_a_notebook_with_identical_bytes_do_not_share_an_entry(env: dict[str, str],
                                                                           repo: Path) -> None:
    (repo / "app" / "llm.py").unlink()
    (repo / "app" / "copy.ipynb").write_text(UNTAGGED)  # not JSON: a notebook parse error (TAG901)
    cold = scan(env, repo)[1]
    (repo / "app" / "llm.py").write_text(UNTAGGED)  # same bytes as a module: one call site
    warm = scan(env, repo)[1]
    assert [s["path"] for s in warm["call_sites"]] == ["app/llm.py"]
    assert [f["rule"] for f in cold["findings"]] == ["TAG901"]
    assert sorted(f["rule"] for f in warm["findings"]) == ["TAG001", "TAG901"]


BAD_BASELINE_TEXTS = [
    pytest.param('{"version": 1, "entries": [{"path": "a.py", "rule": "TAG001", "fingerprint": ' + "9" * 5000
                 + ', "reason": "r", "expires": "2999-01-01"}]}', "not valid JSON", id="a 5,000-digit fingerprint"),
    pytest.param('{"version": 1, "entries": [\n{"path": "a.py", "rule": "TAG001", "fingerprint": NaN, '
                 '"reason": "r", "expires": "2999-01-01"}]}', "fingerprint", id="a NaN fingerprint"),
    pytest.param('{"version": 1, "entries": [\n{"path": "a.py", "rule": "TAG001", "fingerprint": "f", '
                 '"reason": "r", "expires": 29990101}]}', "expires", id="an expiry as a number"),
    pytest.param('{"version": 1, "entries": [\n{"path": "a.py", "rule": "TAG001", "fingerprint": "f", '
                 '"reason": "r", "expires": "2999-01-01", "scope": 1e999}]}', "scope", id="an infinite scope"),
    pytest.param('{"version": 1, "entries": [], "note": {"x": 1}}', "note", id="an unknown top-level field"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD_BASELINE_TEXTS)
def test_a_baseline_with_odd_numbers_or_fields_is_a_clear_error(env: dict[str, str], repo: Path, text: str,
                                                               fragment: str) -> None:
    (repo / ".tagaudit-baseline.json").write_text(text)
    proc = run(env, "scan", ".", cwd=repo)
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert ".tagaudit-baseline.json:" in line and fragment in line and "internal error" not in line, line


def make_store(path: Path, sql: str) -> None:
    con = sqlite3.connect(path)
    con.executescript(sql)
    con.commit()
    con.close()


COLUMNS = ("recorded_at, period_start, period_end, currency, total_ai_cost, allocated_cost, untagged_cost, "
           "coverage_by_spend, coverage_by_call_sites, untagged_share, variance, months, ready, reasons, repos, policy")
GOOD_ROW = "'2026-01-01T00:00:00', '2026-01-01', '2026-02-01', 'USD', '10', '9', '1', '0.9', '0.5', '0.1', NULL, 1, 0"
DAMAGED_ROWS = [
    pytest.param(GOOD_ROW.replace("'10'", "'ten'") + ", '[]', '[]', 'p'", id="money that is not a number"),
    pytest.param(GOOD_ROW + ", 'not json', '[]', 'p'", id="reasons that are not JSON"),
    pytest.param(GOOD_ROW.replace("'2026-01-01',", "'yesterday',") + ", '[]', '[]', 'p'", id="a period that is not a date"),
    pytest.param(GOOD_ROW + ", '[1, 2]', '{}', 'p'", id="reasons that are numbers"),
]


@pytest.mark.parametrize("row", DAMAGED_ROWS)
def test_a_damaged_history_row_is_named_with_how_to_remove_it(env: dict[str, str], tmp_path: Path, row: str) -> None:
    store = tmp_path / "history.sqlite"
    make_store(store, f"CREATE TABLE scores (id INTEGER PRIMARY KEY, {COLUMNS}, tool_version);"
                      f"INSERT INTO scores ({COLUMNS}, tool_version) VALUES ({row}, '0');"
                      "PRAGMA user_version = 1;")
    proc = run(env, "score", "--history", "--history-file", str(store), cwd=tmp_path)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    (line,) = proc.stderr.splitlines()
    assert str(store) in line and "history row 1 is damaged" in line and "DELETE FROM scores WHERE id = 1" in line


def test_a_foreign_sqlite_database_is_refused_and_left_untouched(env: dict[str, str], tmp_path: Path) -> None:
    store = tmp_path / "app.db"
    make_store(store, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);")
    before = store.read_bytes()
    proc = run(env, "score", "--history", "--history-file", str(store), cwd=tmp_path)
    assert proc.returncode == 2 and "not a tagaudit history store" in proc.stderr, proc.stderr
    assert store.read_bytes() == before


def test_a_valid_history_store_still_reads(env: dict[str, str], tmp_path: Path) -> None:
    store = tmp_path / "history.sqlite"
    make_store(store, f"CREATE TABLE scores (id INTEGER PRIMARY KEY, {COLUMNS}, tool_version);"
                      f"INSERT INTO scores ({COLUMNS}, tool_version) VALUES ({GOOD_ROW}, '[]', '[]', 'p', '0');"
                      "PRAGMA user_version = 1;")
    proc = run(env, "score", "--history", "--history-file", str(store), cwd=tmp_path)
    assert proc.returncode == 0 and "90.0%" in proc.stdout, proc.stderr


@pytest.mark.parametrize("shell", [
    pytest.param("{cli} --version > /dev/full", id="the version on a full disk"),
    pytest.param("{cli} scan examples/app --format json > /dev/full", id="JSON on a full disk"),
    pytest.param("{cli} rules > /dev/full", id="the rule list on a full disk"),
    pytest.param("{cli} scan examples/app --show-calls >&-", id="a closed standard output"),
    # The reader is gone before tagaudit (100+ ms to start) writes: a reader that stops after a byte is a race the
    # writer wins whenever the whole report fits the pipe's buffer (then nothing failed, and exit 1 is right).
    pytest.param("{cli} scan examples/app --show-calls | true; exit ${{PIPESTATUS[0]}}",
                 id="a reader that is gone"),
])
def test_an_unwritable_stdout_is_one_line_and_exit_2(shell: str) -> None:
    proc = subprocess.run(["bash", "-c", shell.format(cli=f"{sys.executable} -m auditor")], cwd=REPO,
                          capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("tagaudit: error: cannot write to standard output"), line


SCHEMA_CASES = [GOOD_ENTRY, *(p.values[0] for p in BAD_BASELINES),
                {**GOOD_ENTRY, "rule": "TAG1"}, {**GOOD_ENTRY, "reason": ""}, {**GOOD_ENTRY, "expires": "01-01-2999"},
                {**GOOD_ENTRY, "fingerprint": True}, {**GOOD_ENTRY, "extra": 1}, {"path": "a.py"}, [GOOD_ENTRY]]


@pytest.mark.parametrize("entry", [pytest.param(e, id=f"schema case {i}") for i, e in enumerate(SCHEMA_CASES)])
def test_the_fast_baseline_check_agrees_with_jsonschema(entry: object) -> None:
    import jsonschema

    from auditor.schema import first_violation

    schema = json.loads((REPO / "policies" / "baseline.schema.json").read_text())
    for doc in ({"version": 1, "entries": [entry]}, {"version": True, "entries": []}, {"entries": []}):
        expected = next(iter(jsonschema.Draft202012Validator(schema).iter_errors(doc)), None)
        assert (first_violation(schema, doc) is None) == (expected is None), (doc, expected)
