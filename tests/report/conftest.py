"""Fixtures for the reporter tests: the sample Report, its sources on disk, and the golden-file check."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from report_sample import GOLDEN, SOURCES, build_report

from auditor.records import Report


@pytest.fixture
def report() -> Report:
    return build_report()


@pytest.fixture
def source_root(tmp_path: Path) -> Path:
    for rel, text in SOURCES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if os.environ.get("TAGAUDIT_REGEN_GOLDEN") == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            return
        assert path.exists(), f"{path}: golden file missing; run TAGAUDIT_REGEN_GOLDEN=1 pytest tests/report"
        assert text == path.read_text(encoding="utf-8"), (
            f"{path}: output differs from the golden file; if the change is intended, run "
            "TAGAUDIT_REGEN_GOLDEN=1 pytest tests/report and review the diff"
        )

    return check
