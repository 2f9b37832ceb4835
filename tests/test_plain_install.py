"""`pip install tagaudit` (no extras) scans; audit commands say how to get the `audit` extra instead of crashing.

tests/test_wheel.py checks the same against a real plain virtualenv, once; here find_spec is patched.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from auditor.cli.extras import AUDIT_MODULES, missing_modules, require_audit_extra
from scanners.errors import TagauditError
from tests.helpers import run_cli

UNTAGGED = "from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"
HINT = "install it with: pip install 'tagaudit[audit]'"


def _without(monkeypatch: pytest.MonkeyPatch, *absent: str) -> None:
    """Make find_spec report ABSENT as not installed, as it does in a plain install."""
    real = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> Any:
        return None if name in absent else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_the_check_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert missing_modules() == []
    _without(monkeypatch, "duckdb", "matplotlib")
    assert missing_modules() == ["duckdb", "matplotlib"]
    with pytest.raises(TagauditError) as err:
        require_audit_extra("inventory")
    assert str(err.value) == f"'tagaudit inventory' needs the audit extra (missing: duckdb, matplotlib); {HINT}"
    assert err.value.exit_code == 2


def test_the_check_passes_when_the_extra_is_installed() -> None:
    require_audit_extra("inventory")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["billing", "check", "nothing.csv"], id="billing check stops before reading its input"),
        pytest.param(["billing", "convert", "nothing.json", "-o", "out.csv"], id="billing convert stops first"),
        pytest.param(["inventory", "."], id="inventory stops before scanning"),
        pytest.param(["score", "."], id="score stops before scanning"),
        pytest.param(["report", "showback", "."], id="report showback stops before reading billing"),
        pytest.param(["report", "chargeback", "."], id="report chargeback stops before reading billing"),
    ],
)
def test_audit_commands_without_the_extra_exit_2_with_the_install_command(
    args: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    _without(monkeypatch, *AUDIT_MODULES)
    result = run_cli(args)
    command = " ".join(args[:2] if args[0] in ("billing", "report") else args[:1])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"tagaudit: error: 'tagaudit {command}' needs the audit extra "
                             f"(missing: duckdb, jinja2, matplotlib); {HINT}\n")
    assert list(tmp_path.iterdir()) == [], "nothing was written"


def test_help_and_scan_work_without_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    _without(monkeypatch, *AUDIT_MODULES)
    assert run_cli(["billing", "convert", "--help"]).exit_code == 0
    (tmp_path / "app.py").write_text(UNTAGGED)
    assert run_cli(["scan", "app.py", "--format", "json", "--no-cache"]).exit_code == 1


# Run in a fresh interpreter: this test process has imported everything already.
PROBE = """
import contextlib, io, json, sys
from auditor.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps([code, sorted(m.partition(".")[0] for m in sys.modules)]))
"""
HEAVY = {"duckdb", "jinja2", "matplotlib", "numpy", "jsonschema", "git", "rich", "libcst"}


def _loaded_by(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    (tmp_path / "app.py").write_text(UNTAGGED)
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=True)
    code, modules = json.loads(proc.stdout)
    return code, set(modules)


def test_a_one_file_json_scan_imports_no_billing_report_or_git_library(tmp_path: Path) -> None:
    code, modules = _loaded_by(tmp_path, "scan", "app.py", "--format", "json")
    assert code == 1
    assert {"auditor", "scanners", "yaml"} <= modules, "the probe sees what the scan loaded"
    assert modules & HEAVY == set()


def test_the_console_report_to_a_pipe_loads_nothing_heavy_either(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """What pre-commit captures: plain text, written without rich (auditor/report/console.py)."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    code, modules = _loaded_by(tmp_path, "scan", "app.py")
    assert code == 1
    assert modules & HEAVY == set()
    monkeypatch.setenv("FORCE_COLOR", "1")  # a terminal, as rich decides it: colour, through rich
    assert _loaded_by(tmp_path, "scan", "app.py")[1] & HEAVY == {"rich"}
