"""Hostile files, run through the real CLI: links out of the root, odd file types, names, encodings, imports."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from tests.owners.git_repo import git, init

CALL = "OpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"
UNTAGGED = "from openai import OpenAI\n" + CALL


def run(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], check=False, cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}, timeout=timeout)


def scan_json(root: Path, *args: str, timeout: float = 120) -> dict:
    """`tagaudit scan ROOT --format json`: it must finish with 0 or 1 (never an internal error)."""
    proc = run("scan", str(root), "--format", "json", "--no-cache", *args, cwd=root, timeout=timeout)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def sites(data: dict) -> list[tuple[str, int, str]]:
    return [(s["path"], s["line"], s["operation"]) for s in data["call_sites"]]


def tag901(data: dict) -> dict[str, str]:
    return {f["path"]: f["message"] for f in data["findings"] if f["rule"] == "TAG901"}


# -- 12: names that are not UTF-8, directories that cannot be listed ----------------------------------------
def test_a_file_name_that_is_not_utf8_is_scanned_in_a_git_repo_and_a_plain_tree(tmp_path: Path) -> None:
    for repo, in_git in ((tmp_path / "git", True), (tmp_path / "plain", False)):
        repo.mkdir()
        if in_git:
            init(repo)
        bad = os.fsdecode(b"bad\xff.py")
        (repo / bad).write_text(UNTAGGED)
        (repo / "ok.py").write_text(UNTAGGED)
        if in_git:
            git(repo, "add", "-A")
        data = scan_json(repo)
        assert sites(data) == [(bad, 2, "chat.completions.create"), ("ok.py", 2, "chat.completions.create")]
        assert len({f["fingerprint"] for f in data["findings"]}) == 2


def test_a_directory_that_cannot_be_listed_is_a_note_and_the_rest_is_scanned(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, which chmod 000 does not stop: make the OS refuse the one directory instead.
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "hidden.py").write_text(UNTAGGED)
    (tmp_path / "ok.py").write_text(UNTAGGED)
    locked = str(tmp_path / "locked")
    real_scandir, real_stat = os.scandir, os.stat

    def refuse(path: Any, *args: Any, **kwargs: Any) -> Any:
        if os.fspath(path).startswith(locked + os.sep) or os.fspath(path) == locked and refuse.listing:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return (real_scandir if refuse.listing else real_stat)(path, *args, **kwargs)

    def scandir(path: Any = ".") -> Any:
        refuse.listing = True
        try:
            return refuse(path)
        finally:
            refuse.listing = False

    refuse.listing = False  # type: ignore[attr-defined]
    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", refuse)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["scan", ".", "--format", "json", "--no-cache"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert sites(data) == [("ok.py", 2, "chat.completions.create")]
    assert data["notes"] == ["locked: not scanned: cannot list directory (Permission denied)"]


# -- 3: nothing outside the root is read through a link; only regular files are opened ----------------------
SECRET = "from openai import OpenAI\nOpenAI().chat.completions.create(model='secret-model-xyzzy', messages=[])\n"


def _tree(tmp_path: Path, in_git: bool) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(SECRET)
    repo = tmp_path / "repo"
    repo.mkdir()
    if in_git:
        init(repo)
    (repo / "ok.py").write_text(UNTAGGED)
    (repo / "out.py").symlink_to(outside / "secret.py")
    (repo / "passwd.py").symlink_to("/etc/passwd")
    (repo / "zero.py").symlink_to("/dev/zero")
    (repo / "outdir").symlink_to(outside)
    (repo / "inside.py").symlink_to("ok.py")
    if in_git:
        git(repo, "add", "-A")
    return repo


@pytest.mark.parametrize("in_git", [pytest.param(True, id="in a git repo"),
                                    pytest.param(False, id="in a plain tree")])
def test_links_out_of_the_root_are_notes_and_never_read(tmp_path: Path, in_git: bool) -> None:
    repo = _tree(tmp_path, in_git)
    proc = run("scan", ".", "--format", "json", "--no-cache", cwd=repo, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "secret-model-xyzzy" not in proc.stdout and "root:" not in proc.stdout
    data = json.loads(proc.stdout)
    assert sites(data) == [("inside.py", 2, "chat.completions.create"), ("ok.py", 2, "chat.completions.create")]
    outside = "symbolic link to a path outside the scan root (not followed)"
    expected = [f"out.py: not scanned: {outside}", f"passwd.py: not scanned: {outside}",
                f"zero.py: not scanned: {outside}"]
    if not in_git:  # git lists a link to a directory as a file (not .py); the walk sees it as a directory
        expected.insert(1, "outdir: not scanned: symbolic link to a directory outside the scan root (not followed)")
    assert data["notes"] == expected
    assert data["errors"] == []


def test_the_console_report_shows_the_refused_links(tmp_path: Path) -> None:
    repo = _tree(tmp_path, in_git=False)
    proc = run("scan", ".", "--no-cache", cwd=repo, timeout=60)
    assert "passwd.py: not scanned: symbolic link to a path outside the scan root" in proc.stdout


@pytest.mark.parametrize("name", [pytest.param("passwd.py", id="a link to /etc/passwd"),
                                  pytest.param("out.py", id="a link to a file outside the root"),
                                  pytest.param("zero.py", id="a link to /dev/zero")])
def test_a_link_named_on_the_command_line_is_not_followed_out_of_the_root(tmp_path: Path, name: str) -> None:
    repo = _tree(tmp_path, in_git=True)
    proc = run("scan", name, "ok.py", "--format", "json", "--no-cache", cwd=repo, timeout=60)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert sites(data) == [("ok.py", 2, "chat.completions.create")]
    assert data["notes"] == [f"{name}: not scanned: symbolic link to a path outside the scan root (not followed)"]


def test_a_directory_link_named_on_the_command_line_is_not_followed_out_of_the_root(tmp_path: Path) -> None:
    repo = _tree(tmp_path, in_git=False)
    proc = run("scan", "outdir", "--root", ".", "--format", "json", "--no-cache", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert sites(data) == []
    assert data["notes"] == ["outdir: not scanned: symbolic link to a directory outside the scan root (not followed)"]


def test_a_fifo_and_a_socket_are_never_opened(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text(UNTAGGED)
    os.mkfifo(tmp_path / "fifo.py")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "sock.py"))
        for args in ((".",), ("fifo.py", "sock.py", "ok.py")):
            proc = run("scan", *args, "--format", "json", "--no-cache", cwd=tmp_path, timeout=30)
            data = json.loads(proc.stdout)
            assert sites(data) == [("ok.py", 2, "chat.completions.create")]
            assert data["notes"] == ["fifo.py: not scanned: a named pipe (FIFO), not a regular file",
                                     "sock.py: not scanned: a socket, not a regular file"]
    finally:
        sock.close()


def test_a_huge_file_is_reported_without_being_read_whole(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text(UNTAGGED)
    with (tmp_path / "huge.py").open("wb") as fh:  # sparse: 2 GB on paper, nothing on disk
        fh.write(UNTAGGED.encode())
        fh.truncate(2 * 1024 ** 3)
    with (tmp_path / "big_plain.py").open("wb") as fh:  # over the limit but mentions no SDK: not a finding
        fh.write(b"X = 1\n" * (6 * 1024 * 1024 // 6 + 1))
    start = time.monotonic()
    data = scan_json(tmp_path, timeout=60)
    assert time.monotonic() - start < 30
    assert sites(data) == [("ok.py", 2, "chat.completions.create")]
    assert tag901(data) == {"huge.py": "file is 2,147,483,648 bytes, over the 5,242,880-byte limit; raise "
                                       "limits.max_file_bytes in the policy or exclude the file"}


def test_a_huge_file_that_never_names_an_sdk_in_its_first_64_mb_fails_closed(tmp_path: Path) -> None:
    with (tmp_path / "huge.py").open("wb") as fh:
        fh.truncate(3 * 1024 ** 3)
        fh.seek(2 * 1024 ** 3)
        fh.write(UNTAGGED.encode())
    data = scan_json(tmp_path, timeout=60)
    assert "not read to its end" in tag901(data)["huge.py"]
