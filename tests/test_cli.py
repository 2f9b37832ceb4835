"""The command as a user runs it: exit codes, JSON contract, discovery and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO, CliResult, run_cli

UNTAGGED = "from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"
TAGGED = ("from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', messages=[], extra_headers={\n"
          "    'Helicone-Property-Team': 't', 'Helicone-Property-Cost-Center': 'c',\n"
          "    'Helicone-Property-Use-Case': 'u', 'Helicone-Property-Environment': 'e'})\n")


def run(*args: str, cwd: Path) -> CliResult:
    """`tagaudit ARGS` in CWD, in this process (main() is the entry point; one test below runs the real one)."""
    here = os.getcwd()
    os.chdir(cwd)
    try:
        return run_cli(list(args))
    finally:
        os.chdir(here)


def scan_json(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    proc = run("scan", str(root), "--format", "json", *args, cwd=root)
    return proc.exit_code, json.loads(proc.stdout) if proc.stdout else {}


def test_exit_codes_clean_findings_and_usage(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text(TAGGED)
    assert run("scan", ".", cwd=tmp_path).exit_code == 0
    (tmp_path / "bad.py").write_text(UNTAGGED)
    proc = run("scan", ".", cwd=tmp_path)
    assert proc.exit_code == 1
    assert "TAG001" in proc.stdout and "bad.py" in proc.stdout
    assert run("scan", ".", "--exit-zero", cwd=tmp_path).exit_code == 0
    assert run("scan", "--no-such-flag", cwd=tmp_path).exit_code == 2
    missing = run("scan", "does/not/exist", cwd=tmp_path)
    assert missing.exit_code == 2 and "does/not/exist: no such file or directory" in missing.stderr


def test_json_contract(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(UNTAGGED)
    code, data = scan_json(tmp_path)
    assert code == 1
    assert data["version"] == 1 and data["files_scanned"] == 1
    (site,) = data["call_sites"]
    assert {"path", "line", "column", "end_line", "provider", "sdk", "operation", "model", "status", "tags",
            "fingerprint"} <= set(site)
    assert (site["path"], site["line"], site["column"], site["operation"]) == ("pkg/a.py", 2, 27,
                                                                               "chat.completions.create")
    assert site["tags"]["team"] == {"state": "missing", "grade": None, "value": None, "via": None}
    (finding,) = data["findings"]
    assert {"rule", "name", "severity", "path", "line", "column", "message", "fingerprint", "suppressed"} <= set(finding)
    assert (finding["rule"], finding["name"], finding["suppressed"]) == ("TAG001", "missing-required-tag", False)
    assert data["errors"] == []
    assert data["summary"]["by_provider"]["openai"]["untagged"] == 1


def test_fingerprints_survive_moving_and_reformatting_the_call(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(UNTAGGED)
    _, before = scan_json(tmp_path)
    (tmp_path / "a.py").write_text("\n\n# moved\n" + UNTAGGED.replace("messages=[])", "\n    messages=[],\n)"))
    _, after = scan_json(tmp_path)
    assert before["findings"][0]["line"] != after["findings"][0]["line"]
    assert before["findings"][0]["fingerprint"] == after["findings"][0]["fingerprint"]


def test_discovery_honours_gitignore_and_skips_environments(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for rel in ["app/main.py", ".venv/lib/python3.11/site-packages/openai/x.py", "venv2/lib/site-packages/y.py",
                "node_modules/pkg/z.py", "build/lib/app/main.py", "ignored/gen.py", "dist/w.py"]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(UNTAGGED)
    (tmp_path / ".gitignore").write_text("ignored/\n")
    (tmp_path / "venv2" / "pyvenv.cfg").write_text("home = /usr\n")
    _, data = scan_json(tmp_path)
    assert sorted({s["path"] for s in data["call_sites"]}) == ["app/main.py"]
    nogit = tmp_path / "plain"
    for rel in ["src/a.py", "env/pyvenv.cfg", "env/lib/site-packages/b.py", "out/c.py"]:
        p = nogit / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(UNTAGGED)
    (nogit / ".gitignore").write_text("out/\n")
    subprocess.run(["rm", "-rf", str(tmp_path / ".git")], check=True)
    _, data = scan_json(nogit)
    assert sorted({s["path"] for s in data["call_sites"]}) == ["src/a.py"]


def test_notebook_cells_are_scanned_and_reported_with_cell_and_line(tmp_path: Path) -> None:
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "source": ["# client.chat.completions.create in markdown\n"], "metadata": {}},
        {"cell_type": "code", "source": ["%pip install openai\n", "from openai import OpenAI\n", "client = OpenAI()\n"],
         "metadata": {}, "outputs": [], "execution_count": 1},
        {"cell_type": "code", "source": ["!ls\n", "r = client.chat.completions.create(model='gpt-4o', messages=[])"],
         "metadata": {}, "outputs": [], "execution_count": 2},
    ]}
    (tmp_path / "explore.ipynb").write_text(json.dumps(nb))
    code, data = scan_json(tmp_path)
    (site,) = data["call_sites"]
    assert (site["path"], site["cell"], site["line"]) == ("explore.ipynb", 3, 2)
    assert code == 1


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        pytest.param("broken.py", b"import openai\ndef f(:\n", "syntax", id="an unparseable file"),
        pytest.param("latin.py", b"import openai\nname = '\xe9t\xe9'\n", "not valid utf-8 (byte 0xe9 on line 2)",
                     id="a non-UTF-8 file"),
        pytest.param("nb.ipynb", b'{"cells": [ {"cell_type": "code", "source": "import openai"', "not valid json",
                     id="a notebook that is not JSON"),
    ],
)
def test_bad_files_become_blocking_findings_not_crashes(tmp_path: Path, name: str, content: bytes,
                                                         fragment: str) -> None:
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.py").write_text(UNTAGGED)
    code, data = scan_json(tmp_path)
    assert code == 1
    bad = [f for f in data["findings"] if f["rule"] == "TAG901"]
    assert len(bad) == 1 and bad[0]["path"] == name and bad[0]["blocking"]
    assert fragment in bad[0]["message"].lower()
    assert data["errors"][0]["path"] == name
    assert any(s["path"] == "good.py" for s in data["call_sites"]), "the rest of the run is not lost"


def test_a_declared_encoding_is_honoured(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nimport openai\nname = '\xe9t\xe9'\n"
                                        b"openai.embeddings.create(model='m', input=name)\n")
    _, data = scan_json(tmp_path)
    assert [s["line"] for s in data["call_sites"]] == [4]


def test_a_huge_file_is_reported_not_parsed(tmp_path: Path) -> None:
    (tmp_path / "tagaudit.yaml").write_text("version: 1\nkeys:\n  team: {}\nlimits:\n  max_file_bytes: 2048\n")
    (tmp_path / "big.py").write_text(UNTAGGED + "x = 1\n" * 2000)
    (tmp_path / "big_plain.py").write_text("y = 2\n" * 2000)
    code, data = scan_json(tmp_path)
    assert code == 1
    assert [(f["path"], f["rule"]) for f in data["findings"]] == [("big.py", "TAG901")]
    assert "over the 2,048-byte limit" in data["findings"][0]["message"]


def test_symlink_loops_are_reported(tmp_path: Path) -> None:
    (tmp_path / "a.py").symlink_to(tmp_path / "b.py")
    (tmp_path / "b.py").symlink_to(tmp_path / "a.py")
    (tmp_path / "dirloop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "real.py").write_text(UNTAGGED)
    code, data = scan_json(tmp_path)
    assert code == 1
    loops = sorted(f["path"] for f in data["findings"] if f["rule"] == "TAG901")
    assert loops == ["a.py", "b.py"]
    assert "symbolic links" in data["findings"][0]["message"].lower() or "cannot read" in data["findings"][0]["message"]
    proc = run("scan", "a.py", cwd=tmp_path)
    assert proc.exit_code == 2 and "symbolic link loop" in proc.stderr


def test_a_broken_policy_exits_2_with_every_problem(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(UNTAGGED)
    (tmp_path / "tagaudit.yaml").write_text("version: 1\nmin_grade: LOUD\nkeys:\n  team: {aliases: 3}\n")
    proc = run("scan", ".", cwd=tmp_path)
    assert proc.exit_code == 2
    assert "tagaudit.yaml:2: min_grade" in proc.stderr and "tagaudit.yaml:4: keys.team.aliases" in proc.stderr
    assert proc.stdout == ""


def test_policy_check_command(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("version: 1\nkeys:\n  team: {}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nkeys:\n  team: {min_grade: X}\n")
    proc = run("policy", "check", str(good), str(bad), cwd=tmp_path)
    assert proc.exit_code == 2
    assert f"{good}: ok" in proc.stdout and f"{bad}:3: keys.team.min_grade" in proc.stderr
    assert run("policy", "check", str(REPO / "policies" / "default.yaml"), cwd=tmp_path).exit_code == 0


def test_explain_and_rules(tmp_path: Path) -> None:
    proc = run("explain", "TAG001", cwd=tmp_path)
    assert proc.exit_code == 0
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in proc.stdout
    assert run("explain", "missing-required-tag", cwd=tmp_path).exit_code == 0
    assert run("explain", "TAG999", cwd=tmp_path).exit_code == 2
    rules = json.loads(run("rules", "--format", "json", cwd=tmp_path).stdout)
    assert {r["id"] for r in rules} >= {"TAG001", "TAG002", "TAG003", "TAG004", "TAG101", "TAG105", "TAG901", "TAG902"}


def test_a_syntax_error_in_a_notebook_names_the_cell(tmp_path: Path) -> None:
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": "import openai\n", "metadata": {}, "outputs": [], "execution_count": 1},
        {"cell_type": "code", "source": "x = 1\ndef f(:\n", "metadata": {}, "outputs": [], "execution_count": 2}]}
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb))
    _, data = scan_json(tmp_path)
    (f,) = data["findings"]
    assert (f["rule"], f["cell"], f["line"]) == ("TAG901", 2, 2)


def test_the_installed_command_and_python_m_return_main_s_exit_code(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(UNTAGGED)
    env = {**os.environ, "NO_COLOR": "1"}
    script = Path(sys.executable).with_name("tagaudit")
    for argv in ([str(script)], [sys.executable, "-m", "auditor"]):
        proc = subprocess.run([*argv, "scan", "."], cwd=tmp_path, capture_output=True, text=True, env=env,
                              timeout=120, check=False)
        assert proc.returncode == 1 and "TAG001" in proc.stdout, argv
        bad = subprocess.run([*argv, "scan", "nope"], cwd=tmp_path, capture_output=True, text=True, env=env,
                             timeout=120, check=False)
        assert bad.returncode == 2 and bad.stderr.startswith("tagaudit: error: "), argv
        assert "nope: no such file or directory" in bad.stderr and "Traceback" not in bad.stderr


def test_a_closed_pipe_is_an_error_not_a_pass(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(UNTAGGED)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte, like `tagaudit ... | head` after head exits
    try:
        proc = subprocess.run([sys.executable, "-m", "auditor", "rules", "--format", "markdown"], cwd=tmp_path,
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    finally:
        os.close(write_end)
    assert proc.returncode == 2
    assert proc.stderr == ("tagaudit: error: cannot write to standard output (Broken pipe); the reader stopped "
                           "early; write to a file with --output FORMAT=PATH instead\n")


def test_an_unexpected_exception_is_an_internal_error_that_fails_the_gate(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import auditor.gate.run

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(auditor.gate.run, "run_gate", boom)
    (tmp_path / "ok.py").write_text(TAGGED)
    result = run("scan", ".", cwd=tmp_path)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("tagaudit: internal error: RuntimeError: boom\n")


def test_main_returns_the_exit_code_for_help_version_and_usage_errors() -> None:
    assert run_cli(["--version"]).exit_code == 0
    assert run_cli(["--help"]).exit_code == 0
    assert run_cli(["scan", "--no-such-flag"]).exit_code == 2
    result = run_cli(["explain", "TAG999"])
    assert (result.exit_code, result.stderr) == (2, "tagaudit: error: unknown rule 'TAG999'; `tagaudit rules` lists them\n")
