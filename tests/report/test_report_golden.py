"""Each format's full output for the fixed sample Report, compared with a reviewed golden file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.records import Report
from auditor.report.registry import REPORTERS, RenderOptions

Golden = Callable[[str, str], None]


@pytest.mark.parametrize(
    ("fmt", "name", "options"),
    [
        pytest.param("sarif", "report.sarif", "source", id="sarif with GitHub line hashes from the sources"),
        pytest.param("gitlab", "gitlab-codequality.json", {}, id="gitlab code quality"),
        pytest.param("junit", "junit.xml", {}, id="junit"),
        pytest.param(
            "github",
            "github-annotations.txt",
            {"changed_lines": {("src/app/helpers.py", 2)}},
            id="github annotations with the changed line first",
        ),
        pytest.param("markdown", "summary.md", {}, id="markdown grouped by file without links"),
        pytest.param(
            "markdown",
            "summary-by-owner.md",
            {"group_by": "owner", "link_base": "https://github.com/acme/app/blob/0123abc"},
            id="markdown grouped by owner with links",
        ),
    ],
)
def test_format_matches_golden_file(
    report: Report, source_root: Path, golden: Golden, fmt: str, name: str, options: dict[str, object] | str
) -> None:
    kwargs = {"source_root": source_root} if options == "source" else dict(options)  # type: ignore[arg-type]
    text = REPORTERS[fmt](report, RenderOptions(**kwargs))
    assert report.root not in text and str(source_root) not in text, "no absolute paths in CI output"
    golden(name, text)
