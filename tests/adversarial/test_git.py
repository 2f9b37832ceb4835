"""The CI gate on git repositories built to break git-output parsing: awkward names, hostile repo config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import isolate_git

UNTAGGED = ("from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef ask(q):\n"
            "    return client.chat.completions.create(model='gpt-4o', messages=[q])\n")
NEW_CALL = "\n\ndef ask_again(q):\n    return client.chat.completions.create(model='gpt-4o', messages=[q])\n"
ALICE = ("Alice Example", "alice@example.com")
BOB = ("Bob Example", "12345+bobby@users.noreply.github.com")
ONLY_NEW = [("ask_again", "@bobby")]
MODES = [pytest.param(["--changed-lines"], id="in changed-lines mode"),
         pytest.param([], id="in new-findings mode")]

AWKWARD = [
    pytest.param("café.py", id="a non-ASCII name in NFC"),
    pytest.param(unicodedata.normalize("NFD", "café.py"), id="a non-ASCII name in NFD"),
    pytest.param("my llm.py", id="a name with a space"),
    pytest.param('say "hi".py', id="a name with double quotes"),
    pytest.param("tab\there.py", id="a name with a tab"),
    pytest.param("back\\slash.py", id="a name with a backslash"),
    pytest.param("new\nline.py", id="a name with a newline"),
    pytest.param("-x.py", id="a name with a leading dash"),
    pytest.param("--output=x.py", id="a name that looks like a git option"),
    pytest.param("b/a/x.py", id="a path that starts like a diff prefix"),
    pytest.param("a b/b c.py", id="a path whose diff header is ambiguous"),
]


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_git(monkeypatch, tmp_path)


def git(repo: Path, *args: str, author: tuple[str, str] = ALICE, stdin: bytes | None = None) -> bytes:
    name, email = author
    env = {**os.environ, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
           "GIT_COMMITTER_EMAIL": email}
    return subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "protocol.file.allow=always", *args],
                          cwd=repo, env=env, input=stdin, check=True, capture_output=True).stdout


def commit(repo: Path, files: dict[str, str | None], author: tuple[str, str] = ALICE) -> None:
    for rel, text in files.items():
        if text is None:
            git(repo, "rm", "-q", "--", rel)
            continue
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
        git(repo, "--literal-pathspecs", "add", "--", rel)
    git(repo, "commit", "-q", "-m", "change", author=author)


def history(tmp_path: Path, name: str, config: dict[str, str] | None = None) -> Path:
    """main: Alice's untagged call in `name`; feature: Bob adds a second untagged call to it."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {name: UNTAGGED})
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {name: UNTAGGED + NEW_CALL}, BOB)
    for key, value in (config or {}).items():
        git(repo, "config", key, value)
    return repo


def _report(repo: Path, *args: str) -> list[dict[str, object]]:
    proc = subprocess.run([sys.executable, "-m", "auditor", "scan", ".", "--format", "json", *args], cwd=repo,
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=180,
                          check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return [f for f in json.loads(proc.stdout)["findings"] if not f["suppressed"]]


def scan(repo: Path, *args: str) -> list[tuple[object, object]]:
    """(scope, owner) of each open finding of `tagaudit scan . --format json ARGS`, in report order."""
    return [(f["scope"], f["owner"]) for f in _report(repo, *args)]


def paths(repo: Path, *args: str) -> list[object]:
    return [f["path"] for f in _report(repo, *args)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", AWKWARD)
def test_the_diff_gate_reports_only_the_new_call_in(tmp_path: Path, name: str, mode: list[str]) -> None:
    repo = history(tmp_path, name)
    assert paths(repo, "--diff-base", "main", *mode) == [name]
    assert scan(repo, "--diff-base", "main", *mode) == ONLY_NEW


@pytest.mark.parametrize("name", AWKWARD)
def test_blame_and_the_baseline_attribute_each_call_in(tmp_path: Path, name: str) -> None:
    repo = history(tmp_path, name)
    assert scan(repo) == [("ask", "alice@example.com"), ("ask_again", "@bobby")]
    git(repo, "checkout", "-q", "main")
    assert subprocess.run([sys.executable, "-m", "auditor", "baseline", "create", "--reason", "adoption"],
                          cwd=repo, capture_output=True, check=True).returncode == 0
    (entry,) = json.loads((repo / ".tagaudit-baseline.json").read_text(encoding="utf-8"))["entries"]
    assert (entry["path"], entry["owner"]) == (name, "alice@example.com")
    git(repo, "checkout", "-q", "feature")
    assert scan(repo) == ONLY_NEW


# ---- fresh sweep: histories and repository config that git output parsing must survive ----

@pytest.mark.parametrize("mode", MODES)
def test_a_file_renamed_between_awkward_names_keeps_its_old_call_hidden(tmp_path: Path, mode: list[str]) -> None:
    repo = history(tmp_path, "old name.py")
    new = 'new "näme"\t.py'
    git(repo, "mv", "--", "old name.py", new)
    git(repo, "commit", "-q", "-m", "rename", author=BOB)
    assert paths(repo, "--diff-base", "main", *mode) == [new]
    assert scan(repo, "--diff-base", "main", *mode) == ONLY_NEW


@pytest.mark.parametrize("mode", MODES)
def test_a_file_deleted_then_re_added_shows_only_the_new_call(tmp_path: Path, mode: list[str]) -> None:
    repo = history(tmp_path, "gone\n.py")
    commit(repo, {"gone\n.py": None}, BOB)
    commit(repo, {"gone\n.py": UNTAGGED + NEW_CALL}, BOB)
    assert scan(repo, "--diff-base", "main", *mode) == [("ask_again", "@bobby")]


def test_a_changed_submodule_beside_the_change_does_not_confuse_the_gate(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    git(lib, "init", "-q", "-b", "main")
    commit(lib, {"x.py": "X = 1\n"})
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "submodule", "add", "-q", f"file://{lib}", "vendor lib")
    commit(repo, {"app.py": UNTAGGED})
    git(repo, "checkout", "-q", "-b", "feature")
    commit(lib, {"x.py": "X = 2\n"})
    git(repo / "vendor lib", "pull", "-q", "origin", "main")
    git(repo, "add", "--", "vendor lib")
    commit(repo, {"app.py": UNTAGGED + NEW_CALL}, BOB)
    for mode in ([], ["--changed-lines"]):
        assert scan(repo, "--diff-base", "main", *mode) == ONLY_NEW


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("branch", [
    pytest.param('ünï/"q"$x', id="a branch with non-ASCII, quotes and a dollar"),
    pytest.param("x@y", id="a branch with an at sign"),
    pytest.param("release/1.0+rc'1#x&y", id="a branch with shell punctuation"),
    pytest.param("app.py", id="a branch named like a file in the repo"),
])
def test_a_diff_base_branch_with_odd_characters_is_resolved(tmp_path: Path, branch: str, mode: list[str]) -> None:
    repo = history(tmp_path, "app.py")
    git(repo, "branch", branch, "main")
    assert scan(repo, "--diff-base", branch, *mode) == ONLY_NEW


@pytest.mark.parametrize("name, config", [
    pytest.param('café "q".py', {"core.quotePath": "false"}, id="core.quotePath off"),
    pytest.param("app.py", {"diff.noprefix": "true"}, id="diff.noprefix on"),
    pytest.param("app.py", {"diff.mnemonicPrefix": "true"}, id="diff.mnemonicPrefix on"),
    pytest.param("app.py", {"color.diff": "always", "color.ui": "always"}, id="colour always"),
    pytest.param("app.py", {"diff.relative": "true"}, id="diff.relative on"),
    pytest.param("app.py", {"diff.renames": "false", "diff.algorithm": "patience"},
                 id="renames off and patience diffs"),
])
@pytest.mark.parametrize("mode", MODES)
def test_repo_config_does_not_change_what_the_gate_sees(tmp_path: Path, name: str, config: dict[str, str],
                                                       mode: list[str]) -> None:
    repo = history(tmp_path, name, config)
    assert scan(repo, "--diff-base", "main", *mode) == ONLY_NEW


def test_inter_hunk_context_in_repo_config_does_not_mark_the_old_call_changed(tmp_path: Path) -> None:
    repo = history(tmp_path, "app.py", {"diff.interHunkContext": "50"})
    commit(repo, {"app.py": "# header\n" + UNTAGGED.replace("\n\ndef ask(", "\n\n\ndef ask(") + NEW_CALL}, BOB)
    assert scan(repo, "--diff-base", "main", "--changed-lines") == ONLY_NEW


def test_an_added_line_that_looks_like_a_file_header_does_not_hide_later_lines(tmp_path: Path) -> None:
    repo = history(tmp_path, "app.py")
    trick = 'NOTE = """\n++ b/elsewhere.py\n--- a/app.py\n"""\n'
    commit(repo, {"app.py": UNTAGGED.replace("\n\ndef ask(", "\n" + trick + "\n\ndef ask(") + NEW_CALL}, BOB)
    assert scan(repo, "--diff-base", "main", "--changed-lines") == ONLY_NEW


def test_a_file_name_that_is_not_utf8_is_gated_like_any_other(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.py")
    repo = history(tmp_path, name)
    for mode in ([], ["--changed-lines"]):
        assert scan(repo, "--diff-base", "main", *mode) == ONLY_NEW


@pytest.mark.parametrize("name", [
    pytest.param("*.py", id="a file named like a glob"),
    pytest.param("[ab].py", id="a file named like a character class"),
    pytest.param(":(top)x.py", id="a file named like pathspec magic"),
])
def test_names_that_look_like_pathspecs_are_read_literally(tmp_path: Path, name: str) -> None:
    repo = history(tmp_path, name)
    commit(repo, {"a.py": "X = 1\n", "b.py": "Y = 1\n"}, BOB)
    for mode in ([], ["--changed-lines"]):
        assert scan(repo, "--diff-base", "main", *mode) == ONLY_NEW
    assert scan(repo) == [("ask", "alice@example.com"), ("ask_again", "@bobby")]


def test_a_repo_blame_ignore_revs_file_does_not_reassign_the_new_call(tmp_path: Path) -> None:
    repo = history(tmp_path, "app.py")
    (repo / ".git-blame-ignore-revs").write_text(git(repo, "rev-parse", "HEAD").decode())
    git(repo, "config", "blame.ignoreRevsFile", ".git-blame-ignore-revs")
    assert scan(repo) == [("ask", "alice@example.com"), ("ask_again", "@bobby")]


# ---- a hostile .git/config or .gitattributes must never run code through tagaudit's git calls ----

@pytest.fixture
def payload(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A script that records that it ran (then behaves like a filter), and the marker it writes."""
    marker = tmp_path / "PWNED"
    script = tmp_path / "evil.sh"
    script.write_text(f'#!/bin/sh\necho "$0 $*" >> "{marker}"\n'
                      'if [ -f "$1" ]; then cat "$1"; elif [ "$#" -eq 0 ]; then cat; fi\nexit 0\n')
    script.chmod(0o755)
    yield script, marker
    assert not marker.exists(), marker.read_text()


HOSTILE = [
    pytest.param({"core.fsmonitor": "{evil}"}, id="core.fsmonitor runs a hook"),
    pytest.param({"diff.external": "{evil}"}, id="diff.external replaces the diff"),
    pytest.param({"core.pager": "{evil}", "pager.diff": "{evil}", "pager.blame": "{evil}"},
                 id="a pager is configured"),
    pytest.param({"diff.evil.textconv": "{evil}"}, id="a textconv driver in .gitattributes"),
    pytest.param({"diff.evil.command": "{evil}"}, id="an external diff driver in .gitattributes"),
    pytest.param({"filter.evil.clean": "{evil}", "filter.evil.smudge": "{evil}", "filter.evil.required": "true"},
                 id="a clean filter in .gitattributes"),
    pytest.param({"filter.evil.process": "{evil}"}, id="a process filter in .gitattributes"),
]


@pytest.mark.parametrize("config", HOSTILE)
def test_hostile_repo_config_runs_no_code(tmp_path: Path, payload: tuple[Path, Path], config: dict[str, str]) -> None:
    script, _ = payload
    repo = history(tmp_path, "app.py")
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "attributes").write_text("* diff=evil filter=evil\n")
    for key, value in config.items():
        git(repo, "config", key, value.format(evil=script))
    (repo / "app.py").write_text(UNTAGGED + NEW_CALL + "\n\ndef ask_more(q):\n"
                                 "    return client.chat.completions.create(model='gpt-4o', messages=[q])\n")
    (repo / "new.py").write_text(UNTAGGED)
    assert ("ask_again", "@bobby") in scan(repo, "--diff-base", "main", "--changed-lines")
    assert ("ask_again", "@bobby") in scan(repo, "--diff-base", "main")
    assert ("ask", "alice@example.com") in scan(repo)


def test_a_signed_looking_commit_runs_no_gpg_program(tmp_path: Path, payload: tuple[Path, Path]) -> None:
    script, _ = payload
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": UNTAGGED.splitlines(keepends=True)}
    nb = json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    repo = history(tmp_path, "app.py")
    commit(repo, {"nb.ipynb": nb}, BOB)
    raw = git(repo, "cat-file", "commit", "HEAD").decode()
    head, _, message = raw.partition("\n\n")
    signed = (head + "\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n x\n -----END PGP SIGNATURE-----\n\n" + message)
    oid = git(repo, "hash-object", "-t", "commit", "-w", "--stdin", stdin=signed.encode()).decode().strip()
    git(repo, "update-ref", "HEAD", oid)
    git(repo, "config", "log.showSignature", "true")
    git(repo, "config", "gpg.program", str(script))
    assert scan(repo).count(("ask", "@bobby")) == 1, "the notebook's call, owned by its last author"


@pytest.mark.parametrize("where", [
    pytest.param(".gitattributes", id="committed to the branch under review"),
    pytest.param(".git/info/attributes", id="in the repository's info/attributes"),
])
@pytest.mark.parametrize("attribute", [
    pytest.param("*.py -diff\n", id="marked as binary for diffs"),
    pytest.param("*.py binary\n", id="marked as binary outright"),
])
def test_python_files_marked_binary_still_have_changed_lines(tmp_path: Path, where: str, attribute: str) -> None:
    repo = history(tmp_path, "app.py")
    if where == ".gitattributes":
        commit(repo, {".gitattributes": attribute}, BOB)
    else:
        (repo / where).parent.mkdir(exist_ok=True)
        (repo / where).write_text(attribute)
    assert scan(repo, "--diff-base", "main", "--changed-lines") == ONLY_NEW


def test_a_repository_in_a_directory_with_an_awkward_name(tmp_path: Path) -> None:
    outer = tmp_path / "my répo \"x\" "
    outer.mkdir()
    repo = history(outer, "app.py")
    for mode in ([], ["--changed-lines"]):
        assert scan(repo, "--diff-base", "main", *mode) == ONLY_NEW


def test_scanning_a_subdirectory_maps_awkward_names_to_repository_paths(tmp_path: Path) -> None:
    repo = history(tmp_path, "sub dir/é\t.py")
    for mode in ([], ["--changed-lines"]):
        assert scan(repo / "sub dir", "--diff-base", "main", *mode) == ONLY_NEW


def test_an_untracked_file_with_an_awkward_name_counts_as_wholly_new(tmp_path: Path) -> None:
    repo = history(tmp_path, "app.py")
    (repo / 'new "q"\n.py').write_text(UNTAGGED)
    for mode in ([], ["--changed-lines"]):
        assert sorted(scan(repo, "--diff-base", "main", *mode)) == [("ask", None), ("ask_again", "@bobby")]


def test_a_linked_worktree_is_gated_like_the_main_one(tmp_path: Path) -> None:
    repo = history(tmp_path, "tab\t.py")
    git(repo, "checkout", "-q", "main")
    git(repo, "worktree", "add", "-q", str(tmp_path / "wt"), "feature")
    for mode in ([], ["--changed-lines"]):
        assert scan(tmp_path / "wt", "--diff-base", "main", *mode) == ONLY_NEW


def test_a_diff_base_that_looks_like_an_option_is_an_unknown_ref(tmp_path: Path) -> None:
    repo = history(tmp_path, "app.py")
    out = tmp_path / "injected"
    proc = subprocess.run([sys.executable, "-m", "auditor", "scan", ".", f"--diff-base=--output={out}"], cwd=repo,
                          capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 2 and "unknown git ref" in proc.stderr
    assert not out.exists()
