"""The `tagaudit scan` argv fast path (cli/scanrun.py) reads argv exactly as click does, or declines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer.main

from auditor.cli import main
from auditor.cli.app import app
from auditor.cli.scanrun import ScanArgs, parse_scan_argv
from auditor.report.registry import REPORTERS

FORMATS = tuple(REPORTERS)

ACCEPTED = [
    [],
    ["app.py"],
    ["a.py", "b/c.py", "d.ipynb"],
    ["--format", "json", "a.py"],
    ["a.py", "--format=sarif", "b.py"],
    ["-f", "junit", "-p", "pol.yaml", "a.py"],
    ["--policy=pol.yaml", "--root", "repo", "--no-owners", "--exit-zero", "x.py"],
    ["--output", "sarif=out.sarif", "-o", "json=out.json", "--show-calls", "a.py"],
    ["--diff-base", "origin/main", "--changed-lines", "--baseline", "b.json", "--no-baseline", "."],
    ["--group-by", "owner", "--jobs", "3", "--cache-dir", "c", "--no-cache", "--owners", "a.py"],
    ["-j", "1", "--format", "json", "--format", "console", "a.py"],  # last one wins, as in click
]

DECLINED = [
    ["--help"],
    ["--", "-weird.py"],
    ["-"],
    ["-fjson", "a.py"],
    ["--format", "nope", "a.py"],
    ["--format"],
    ["--group-by", "team"],
    ["--jobs", "0"],
    ["--jobs", "x"],
    ["--jobs", "+2"],
    ["--unknown", "a.py"],
    ["--form", "json"],
    ["-p=pol.yaml"],
    ["--policy", "--no-owners"],
    ["--show-calls=yes"],
]


def _click_params(argv: list[str]) -> dict[str, Any]:
    group: Any = typer.main.get_command(app)
    command = group.commands["scan"]
    ctx = command.make_context("scan", list(argv))
    params = dict(ctx.params)
    # click hands the raw values on; typer converts them (to the Enum, to Path) when it calls the command
    for name in ("fmt", "group_by"):
        params[name] = getattr(params[name], "value", params[name])
    for name in ("policy", "root", "baseline", "cache_dir"):
        params[name] = None if params[name] is None else Path(params[name])
    params["output"] = list(params["output"] or [])
    params["paths"] = [Path(p) for p in params["paths"]] if params["paths"] else None
    return params


@pytest.mark.parametrize("argv", ACCEPTED, ids=" ".join)
def test_the_fast_path_reads_argv_as_click_does(argv: list[str]) -> None:
    fast = parse_scan_argv(argv, FORMATS)
    assert fast is not None
    expected = _click_params(argv)
    assert {name: getattr(fast, name) for name in ScanArgs.__slots__} == expected  # type: ignore[attr-defined]


@pytest.mark.parametrize("argv", DECLINED, ids=" ".join)
def test_anything_else_is_left_to_click(argv: list[str]) -> None:
    assert parse_scan_argv(argv, FORMATS) is None


def test_both_paths_give_the_same_report_and_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "app.py").write_text("from openai import OpenAI\nOpenAI().chat.completions.create(model='m')\n")
    codes, outputs = [], []
    for argv in (["--format", "json"], ["-fjson"]):  # the second is declined, so typer parses it
        codes.append(main(["scan", str(tmp_path / "app.py"), *argv, "--root", str(tmp_path), "--no-cache"]))
        outputs.append(json.loads(capsys.readouterr().out))
    assert codes == [1, 1]
    assert outputs[0] == outputs[1] and outputs[0]["findings"]
