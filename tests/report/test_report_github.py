"""GitHub annotations: escaped per the workflow-command rules, prioritised within GitHub's caps."""

from __future__ import annotations

from dataclasses import replace

import pytest

from auditor.records import Finding, Report
from auditor.report.github import escape_data, escape_property, render_github


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        pytest.param("plain", "plain", "plain", id="plain text is unchanged"),
        pytest.param("100%", "100%25", "100%25", id="percent is escaped first"),
        pytest.param("a\r\nb", "a%0D%0Ab", "a%0D%0Ab", id="CR and LF are escaped"),
        pytest.param("a:b,c", "a:b,c", "a%3Ab%2Cc", id="colon and comma only in properties"),
        pytest.param("%3A", "%253A", "%253A", id="an already escaped-looking value stays literal"),
    ],
)
def test_escaping(text: str, data: str, prop: str) -> None:
    assert escape_data(text) == data
    assert escape_property(text) == prop


def _many(report: Report, n: int, severity: str) -> tuple[Finding, ...]:
    base = report.findings[0]
    return tuple(
        replace(
            base,
            path=f"src/m{i:03}.py",
            line=i + 1,
            end_line=i + 1,
            severity=severity,
            suppressed=None,
            cell=None,
            fingerprint=f"{severity}{i}",
        )
        for i in range(n)
    )


def test_small_reports_annotate_everything_unsuppressed(report: Report) -> None:
    lines = render_github(report).splitlines()
    assert len(lines) == sum(1 for f in report.findings if f.suppressed is None)
    assert not any("more finding" in line for line in lines)
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)


def test_caps_per_level_and_a_closing_notice_counts_the_rest(report: Report) -> None:
    big = replace(
        report, findings=_many(report, 25, "error") + _many(report, 12, "warning") + _many(report, 15, "info")
    )
    lines = render_github(big).splitlines()
    levels = [line.split(" ", 1)[0] for line in lines]
    assert (
        levels.count("::error") == 10 and levels.count("::warning") == 10 and levels.count("::notice") == 10
    )
    assert len(lines) <= 50
    assert lines[-1].startswith("::notice title=tagaudit%3A more findings::")
    # 15 errors, 2 warnings and 6 notices (one notice slot is kept for this line) were left out.
    assert "23 more findings not annotated" in lines[-1] and "job summary" in lines[-1]


def test_findings_on_changed_lines_come_first(report: Report) -> None:
    big = replace(report, findings=_many(report, 30, "error"))
    lines = render_github(big, changed_lines={("src/m027.py", 28)}).splitlines()
    assert "file=src/m027.py," in lines[0]
    assert sum(1 for line in lines if line.startswith("::error")) == 10


def test_messages_with_percent_and_commas_survive(report: Report) -> None:
    line = next(line for line in render_github(report).splitlines() if "TAG003" in line)
    assert line.endswith(
        "::embeddings.create (openai): team cannot be verified (call passes **opts; 50%25 of calls "
        "here use <dynamic> headers) (owner: Zoë Ångström <zoe@example.com>)"
    )
    assert ",title=TAG003 tags-unverifiable::" in line


def test_notebook_annotations_name_the_cell(report: Report) -> None:
    line = next(line for line in render_github(report).splitlines() if "ipynb" in line)
    assert "file=notebooks/explore.ipynb,line=1," in line and "::cell 3, line 2: " in line
