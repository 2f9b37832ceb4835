"""Small helpers shared by tests: scan a snippet and look at its call sites and findings."""

from __future__ import annotations

import contextlib
import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.policy import Policy, load_policy
from auditor.records import AuditedCall, Finding
from auditor.scan.engine import audit_file
from policies import DEFAULT_POLICY
from scanners.catalog import load_catalog
from scanners.python import scan_python

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEFAULT = load_policy(DEFAULT_POLICY)
CATALOG_POLICY = load_policy(REPO / "tests" / "data" / "catalog-policy.yaml")


def audit(code: str, policy: Policy = DEFAULT, path: str = "app.py") -> tuple[list[AuditedCall], list[Finding]]:
    scan = scan_python(path, textwrap.dedent(code).encode(), load_catalog())
    assert scan.error is None, scan.error
    return audit_file(scan, policy)


def calls_of(code: str, policy: Policy = DEFAULT) -> list[AuditedCall]:
    return audit(code, policy)[0]


def ops(code: str) -> list[tuple[int, str]]:
    """(line, operation) of every call site found in the snippet."""
    return [(c.site.line, c.site.operation) for c in calls_of(code)]


def tag(call: AuditedCall, key: str) -> tuple[str, str | None, str | None]:
    t = next(t for t in call.tags if t.key == key)
    return t.state, t.grade, t.value


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(args: list[str]) -> CliResult:
    """`tagaudit ARGS` in this process, through the real entry point and its one error boundary."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return CliResult(code, out.getvalue(), err.getvalue())


def isolate_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Git in a test sees neither the user's nor the system's config, nor a GIT_* variable from the caller."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_EXTERNAL_DIFF", "GIT_PAGER", "GIT_CONFIG_COUNT"):
        monkeypatch.delenv(name, raising=False)
