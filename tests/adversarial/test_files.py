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

from tests.helpers import run_cli
from tests.owners.git_repo import git, init

CALL = "OpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"
UNTAGGED = "from openai import OpenAI\n" + CALL


def run(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], check=False, cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}, timeout=timeout)


def scan_json(root: Path, *args: str, timeout: float = 120) -> dict[str, Any]:
    """`tagaudit scan ROOT --format json`: it must finish with 0 or 1 (never an internal error)."""
    proc = run("scan", str(root), "--format", "json", "--no-cache", *args, cwd=root, timeout=timeout)
    assert proc.returncode in (0, 1), proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def sites(data: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(s["path"], s["line"], s["operation"]) for s in data["call_sites"]]


def tag901(data: dict[str, Any]) -> dict[str, str]:
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

    def guarded(path: Any, real: Any, *args: Any, **kwargs: Any) -> Any:
        where = os.fspath(path)
        if where == locked and real is real_scandir or where.startswith(locked + os.sep):
            raise PermissionError(13, "Permission denied", where)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", lambda path=".": guarded(path, real_scandir))
    monkeypatch.setattr(os, "stat", lambda path, *a, **k: guarded(path, real_stat, *a, **k))
    monkeypatch.chdir(tmp_path)
    result = run_cli(["scan", ".", "--format", "json", "--no-cache"])
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


# -- 11: the prefilter keeps every file Python would let import an SDK ---------------------------------------
ANTHROPIC_CALL = "anthropic.Anthropic().messages.create(model='claude-3-5-haiku', max_tokens=1, messages=[])\n"
MODULE_CALL = "openai.OpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"
IMPORT_FORMS = [
    pytest.param(b"\xef\xbb\xbffrom openai import OpenAI\n" + CALL.encode(), 2, id="a UTF-8 BOM before the import"),
    pytest.param(b"\x0cfrom openai import OpenAI\n" + CALL.encode(), 2, id="a form feed before from"),
    pytest.param(b"x = 1; from openai import OpenAI\n" + CALL.encode(), 2, id="an import after a semicolon"),
    pytest.param(b"if True: from openai import OpenAI\n" + CALL.encode(), 2, id="an import after if True colon"),
    pytest.param(b"try: import openai\nexcept ImportError: pass\n" + MODULE_CALL.encode(), 3,
                 id="try import on one line"),
    pytest.param(b"from \\\n openai import OpenAI\n" + CALL.encode(), 3, id="a backslash continuation after from"),
    pytest.param(b"def f(): from openai import OpenAI; return " + CALL.encode() + b"f()\n", 1,
                 id="an import inside a one line def"),
    pytest.param(b"import os, openai\n" + MODULE_CALL.encode(), 2, id="the SDK second in an import list"),
    pytest.param(b"from . import x; import anthropic\n" + ANTHROPIC_CALL.encode(), 2,
                 id="a relative import then the SDK import"),
    pytest.param(b"openai = __import__('openai')\n" + MODULE_CALL.encode(), 2, id="dunder import of the SDK"),
    pytest.param(b"import importlib\nopenai = importlib.import_module('openai')\n" + MODULE_CALL.encode(), 3,
                 id="importlib import_module of the SDK"),
]


@pytest.mark.parametrize(("source", "line"), IMPORT_FORMS)
def test_an_sdk_import_in_any_valid_form_is_scanned(tmp_path: Path, source: bytes, line: int) -> None:
    (tmp_path / "app.py").write_bytes(source)
    assert sites(scan_json(tmp_path))[0][:2] == ("app.py", line)


def test_a_file_that_only_mentions_an_sdk_in_a_comment_is_still_not_parsed(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import os\n# we used openai once\nx = (\n")  # a syntax error, never parsed
    data = scan_json(tmp_path)
    assert data["findings"] == [] and data["errors"] == []


# -- 13: notebooks and encodings --------------------------------------------------------------------------
def notebook(cells: list[str], *, v3: bool = False) -> str:
    if v3:
        return json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
            {"cell_type": "code", "input": c, "language": "python", "outputs": []} for c in cells]}]})
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": c, "metadata": {}, "outputs": [], "execution_count": None} for c in cells]})


def test_an_nbformat_3_notebook_is_scanned(tmp_path: Path) -> None:
    (tmp_path / "old.ipynb").write_text(notebook(["from openai import OpenAI\n", CALL], v3=True))
    data = scan_json(tmp_path)
    assert [(s["path"], s["cell"], s["line"]) for s in data["call_sites"]] == [("old.ipynb", 2, 1)]


@pytest.mark.parametrize("magic", [pytest.param("%time ", id="time"),
                                   pytest.param("%timeit -n 1 -r 1 ", id="timeit with options"),
                                   pytest.param("result = %timeit -o ", id="timeit assigned")])
def test_a_timing_line_magic_does_not_hide_the_call_after_it(tmp_path: Path, magic: str) -> None:
    (tmp_path / "nb.ipynb").write_text(notebook(["from openai import OpenAI\nclient = OpenAI()\n",
                                                 magic + "client.chat.completions.create(model='gpt-4o', messages=[])"]))
    data = scan_json(tmp_path)
    assert [(s["cell"], s["line"], s["operation"]) for s in data["call_sites"]] == [(2, 1, "chat.completions.create")]


def test_a_utf16_notebook_with_a_bom_is_scanned(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_bytes(notebook(["from openai import OpenAI\n", CALL]).encode("utf-16"))
    data = scan_json(tmp_path)
    assert [(s["path"], s["cell"]) for s in data["call_sites"]] == [("nb.ipynb", 2)]


def test_a_utf16_python_file_is_reported_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_bytes(UNTAGGED.encode("utf-16"))
    assert "file is UTF-16" in tag901(scan_json(tmp_path))["app.py"]


def test_a_file_starting_with_nul_that_mentions_an_sdk_is_reported(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_bytes(b"\0" + UNTAGGED.encode())
    assert "null bytes" in tag901(scan_json(tmp_path))["app.py"]


# -- 14: past the resolution bound the call is reported, not dropped -------------------------------------
def alias_chain(n: int) -> str:
    return "\n".join(["from openai import OpenAI", "a1 = OpenAI()", *(f"a{i} = a{i - 1}" for i in range(2, n + 1)),
                      f"a{n}.chat.completions.create(model='gpt-4o', messages=[])"]) + "\n"


def factory_chain(n: int) -> str:
    return "\n".join(["from openai import OpenAI", "def f1():", "    return OpenAI()",
                      *(f"def f{i}():\n    return f{i - 1}()" for i in range(2, n + 1)),
                      f"f{n}().chat.completions.create(model='gpt-4o', messages=[])"]) + "\n"


@pytest.mark.parametrize("chain", [pytest.param(alias_chain, id="an alias chain"),
                                   pytest.param(factory_chain, id="a factory chain")])
def test_a_64_hop_chain_is_resolved(tmp_path: Path, chain: Any) -> None:
    (tmp_path / "app.py").write_text(chain(64))
    data = scan_json(tmp_path)
    assert [(s["provider"], s["status"]) for s in data["call_sites"]] == [("openai", "untagged")]


@pytest.mark.parametrize("chain", [pytest.param(alias_chain, id="an alias chain"),
                                   pytest.param(factory_chain, id="a factory chain")])
def test_a_chain_past_the_resolution_bound_is_reported_as_unverifiable(tmp_path: Path, chain: Any) -> None:
    (tmp_path / "app.py").write_text(chain(1500))
    data = scan_json(tmp_path)
    assert [(s["provider"], s["status"]) for s in data["call_sites"]] == [("openai", "unverifiable")]
    (finding,) = data["findings"]
    assert finding["rule"] == "TAG003" and "resolution bound of 1000 hops reached" in finding["message"]


# -- 15: a parse that runs out of stack or memory says why ---------------------------------------------------
@pytest.mark.parametrize(("expr", "reason"), [
    pytest.param("-" * 1_000_000 + "1", "out of memory while parsing", id="a million unary minuses"),
    pytest.param("+".join(["1"] * 1_000_000), "too deeply nested", id="a million term sum"),
    pytest.param("(" * 100_000 + "1" + ")" * 100_000, "too many nested parentheses", id="100k nested parentheses"),
])
def test_a_parse_that_exhausts_the_parser_gives_a_reason(tmp_path: Path, expr: str, reason: str) -> None:
    (tmp_path / "app.py").write_text(UNTAGGED + "x = " + expr + "\n")
    message = tag901(scan_json(tmp_path))["app.py"]
    assert reason in message and not message.rstrip().endswith(":")


# -- fresh sweep: more ways to spell an import, odd files and notebooks --------------------------------------
MORE_IMPORT_FORMS = [
    pytest.param("import ｏｐｅｎａｉ\nｏｐｅｎａｉ.OpenAI()" + CALL[8:], 2, id="a fullwidth module name NFKC folds to openai"),
    pytest.param(b"# coding: latin-1\nimport \xbapenai\n\xbapenai.OpenAI()" + CALL[8:].encode(), 3,
                 id="a latin-1 ordinal indicator that NFKC folds to o"),
    pytest.param(b"# coding: utf-7\nfrom +AG8-penai import OpenAI\n" + CALL.encode(), 3,
                 id="a utf-7 coding cookie hiding the module name"),
    pytest.param(b"# coding: unicode_escape\nfrom \\x6fpenai import OpenAI\n" + CALL.encode(), 3,
                 id="a unicode_escape coding cookie hiding the module name"),
    pytest.param(b"import os, \\\r\n    openai\r\n" + MODULE_CALL.encode(), 3,
                 id="a CRLF backslash continuation in an import list"),
    pytest.param("import \\\n    openai\n" + MODULE_CALL, 3, id="a backslash right after import"),
    pytest.param("from importlib import import_module as imp\nimp(name='openai').OpenAI()" + CALL[8:], 2,
                 id="import_module under an alias with a keyword argument"),
    pytest.param("\x0c\nimport os\x0c\n\x0cfrom openai import OpenAI\n\x0c" + CALL, 4,
                 id="form feeds between the lines"),
    pytest.param("g = __import__('google.genai', fromlist=['Client'])\n"
                 "g.Client().models.generate_content(model='gemini-2.0-flash', contents='x')\n", 2,
                 id="dunder import of a dotted SDK with a fromlist"),
    pytest.param(UNTAGGED.replace("\n", "\r"), 2, id="CR only line endings"),
    pytest.param("if True:\n\timport openai\n\t" + MODULE_CALL, 3, id="a tab indented import"),
]


@pytest.mark.parametrize(("source", "line"), MORE_IMPORT_FORMS)
def test_more_spellings_of_an_sdk_import_are_scanned(tmp_path: Path, source: str | bytes, line: int) -> None:
    (tmp_path / "app.py").write_bytes(source.encode() if isinstance(source, str) else source)
    assert sites(scan_json(tmp_path))[0][:2] == ("app.py", line)


@pytest.mark.parametrize("raw", [
    pytest.param(notebook(["from openai import OpenAI\n", CALL]).replace("from openai", "from \\u006fpenai").encode(),
                 id="a notebook spelling the module with a JSON escape"),
    pytest.param(notebook(["from openai import OpenAI\n", CALL]).encode("utf-32"), id="a UTF-32 notebook"),
    pytest.param(b"\xef\xbb\xbf" + notebook(["from openai import OpenAI\n", CALL]).encode(),
                 id="a notebook with a UTF-8 BOM"),
    pytest.param(json.dumps({"nbformat": 4, "cells": [1, None, "x", {"cell_type": "code", "source": 5},
                                                      {"cell_type": "code", "source": ["from openai import OpenAI\n",
                                                                                       CALL]}]}).encode(),
                 id="a notebook whose cells are not all cells"),
])
def test_odd_notebooks_are_scanned(tmp_path: Path, raw: bytes) -> None:
    (tmp_path / "nb.ipynb").write_bytes(raw)
    assert [(s["path"], s["status"]) for s in scan_json(tmp_path)["call_sites"]] == [("nb.ipynb", "untagged")]


def test_a_timeit_magic_inside_an_indented_block_keeps_the_cell_parseable(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_text(notebook([
        "from openai import OpenAI\nc = OpenAI()\n",
        "for i in range(2):\n    %timeit -n1 c.chat.completions.create(model='gpt-4o', messages=[])\n    print(i)\n"]))
    data = scan_json(tmp_path)
    assert [(s["cell"], s["line"]) for s in data["call_sites"]] == [(2, 2)] and data["errors"] == []


@pytest.mark.parametrize(("raw", "reason"), [
    pytest.param(json.dumps({"nbformat": 4, "cells": {"source": "import openai"}}), "no 'cells' list",
                 id="a notebook whose cells are not a list"),
    pytest.param('{"x": ' + "[" * 100_000 + '"import openai"' + "]" * 100_000 + "}", "nests too deeply",
                 id="a notebook nested 100k deep"),
])
def test_a_broken_notebook_that_mentions_an_sdk_is_tag901(tmp_path: Path, raw: str, reason: str) -> None:
    (tmp_path / "nb.ipynb").write_text(raw)
    assert reason in tag901(scan_json(tmp_path))["nb.ipynb"]


@pytest.mark.parametrize("raw", [pytest.param(b"", id="an empty notebook file"),
                                 pytest.param(b"{}", id="an empty notebook object")])
def test_an_empty_notebook_is_nothing_to_report(tmp_path: Path, raw: bytes) -> None:
    (tmp_path / "nb.ipynb").write_bytes(raw)
    (tmp_path / "ok.py").write_text(UNTAGGED)
    data = scan_json(tmp_path)
    assert sites(data) == [("ok.py", 2, "chat.completions.create")] and data["findings"][0]["rule"] == "TAG001"
    assert len(data["findings"]) == 1


def test_utf16_without_a_bom_is_tag901_not_silence(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_bytes(UNTAGGED.encode("utf-16-le"))
    assert "null bytes" in tag901(scan_json(tmp_path))["app.py"]


def test_a_chain_of_links_that_ends_outside_the_root_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "s.py").write_text(SECRET)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "b.py").symlink_to(tmp_path / "outside" / "s.py")
    (repo / "a.py").symlink_to("b.py")
    proc = run("scan", ".", "--format", "json", "--no-cache", cwd=repo)
    assert proc.returncode == 0 and "secret-model-xyzzy" not in proc.stdout
    assert [n.split(":")[0] for n in json.loads(proc.stdout)["notes"]] == ["a.py", "b.py"]


def test_a_dangling_link_pointing_out_of_the_root_is_a_note(tmp_path: Path) -> None:
    (tmp_path / "a.py").symlink_to("/nonexistent/x.py")
    data = scan_json(tmp_path)
    assert data["findings"] == []
    assert data["notes"] == ["a.py: not scanned: symbolic link to a path outside the scan root (not followed)"]


def test_loops_and_dangling_links_inside_the_root_still_fail_closed(tmp_path: Path) -> None:
    (tmp_path / "a.py").symlink_to("b.py")
    (tmp_path / "b.py").symlink_to("a.py")
    (tmp_path / "gone.py").symlink_to("nowhere.py")
    assert sorted(tag901(scan_json(tmp_path))) == ["a.py", "b.py", "gone.py"]


def test_a_submodule_named_like_a_python_file_is_a_note_not_a_read_error(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    (repo / "ok.py").write_text(UNTAGGED)
    git(repo, "add", "ok.py")
    git(repo, "update-index", "--add", "--cacheinfo", "160000,1234567890123456789012345678901234567890,sub.py")
    (repo / "sub.py").mkdir()
    data = scan_json(repo)
    assert tag901(data) == {} and data["notes"] == ["sub.py: not scanned: a directory, not a file"]


def test_a_directory_named_like_a_python_file_is_walked_into(tmp_path: Path) -> None:
    (tmp_path / "x.py").mkdir()
    (tmp_path / "x.py" / "inner.py").write_text(UNTAGGED)
    data = scan_json(tmp_path)
    assert sites(data) == [("x.py/inner.py", 2, "chat.completions.create")] and data["notes"] == []


def test_a_file_name_with_a_newline_is_scanned(tmp_path: Path) -> None:
    (tmp_path / "a\nb.py").write_text(UNTAGGED)
    assert sites(scan_json(tmp_path)) == [("a\nb.py", 2, "chat.completions.create")]
