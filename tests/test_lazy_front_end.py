"""A one-file run answered from the cache loads no analysis modules of the Python front end (issue 9)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ANALYSIS = ("scanners.python.calls", "scanners.python.resolve", "scanners.python.index", "scanners.python.checks")
# Runs the real entry point in a fresh interpreter, then reports (on stderr) its exit code and the modules loaded.
PROBE = ("import json, sys; from auditor.cli import main; code = main(sys.argv[1:]); "
         f"sys.stderr.write(chr(10) + json.dumps([code, sorted(m for m in {list(ANALYSIS)!r} if m in sys.modules)]))")
SOURCE = "from openai import OpenAI\n\nclient = OpenAI()\nclient.chat.completions.create(model='gpt-4o', messages=[])\n"


def _run(tmp_path: Path) -> tuple[int, list[str]]:
    proc = subprocess.run([sys.executable, "-c", PROBE, "scan", "app.py", "--format", "json", "--no-owners"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})
    code, loaded = json.loads(proc.stderr.splitlines()[-1])
    return code, loaded


@pytest.mark.parametrize(("edit", "expected"), [
    pytest.param(False, [], id="an unchanged file is a cache hit and loads no analysis module"),
    pytest.param(True, sorted(ANALYSIS), id="an edited file misses the cache and loads the front end"),
])
def test_a_cache_hit_does_not_load_the_front_end(tmp_path: Path, edit: bool, expected: list[str]) -> None:
    (tmp_path / "app.py").write_text(SOURCE)
    assert _run(tmp_path) == (1, sorted(ANALYSIS)), "the first run scans the file"
    if edit:
        (tmp_path / "app.py").write_text(SOURCE + "# edited\n")
    assert _run(tmp_path) == (1, expected)
