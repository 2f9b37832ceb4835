"""Markdown summary / sticky PR comment."""

from __future__ import annotations

import re
from dataclasses import replace

from auditor.records import Report
from auditor.report.markdown import COMMENT_LIMIT, MARKER, md, render_markdown


def test_starts_with_the_sticky_marker_and_a_verdict(report: Report) -> None:
    text = render_markdown(report)
    assert text.startswith(MARKER + "\n## :x: **tagaudit: 5 blocking findings**")
    clean = replace(report, findings=tuple(replace(f, blocking=False) for f in report.findings), errors=())
    assert "no blocking findings" in render_markdown(clean)


def test_counts_table_has_a_row_per_provider_and_a_total(report: Report) -> None:
    text = render_markdown(report)
    assert "| openai | 6 | 1 | 3 | 1 | 1 |" in text
    assert "| **Total** | **8** | **2** | **4** | **1** | **1** |" in text


def test_suppressed_findings_are_counted_and_listed_with_reasons(report: Report) -> None:
    text = render_markdown(report)
    assert "2 suppressed finding" in text and "accepted in the Q3 audit; retire with Legacy" in text


def test_links_point_at_the_lines_and_rules(report: Report) -> None:
    text = render_markdown(report, link_base="https://github.com/acme/app/blob/0123abc/")
    assert "(https://github.com/acme/app/blob/0123abc/src/app/llm.py#L8)" in text
    assert "(https://github.com/acme/app/blob/0123abc/notebooks/explore.ipynb)" in text
    assert "rules.md#tag003)" in text


def test_huge_reports_stay_under_the_comment_limit_with_a_note(report: Report) -> None:
    base = report.findings[0]
    many = tuple(
        replace(base, path=f"src/pkg{i % 40}/mod{i}.py", line=i + 1, message="x" * 300, fingerprint=f"f{i}")
        for i in range(5000)
    )
    text = render_markdown(replace(report, findings=many), max_findings=10_000)
    assert len(text) < COMMENT_LIMIT
    assert "more findings not shown here" in text
    assert text.rstrip().endswith("</sub>"), "the footer survives truncation"


def test_cell_text_cannot_break_the_table_or_inject_html() -> None:
    assert md("a|b <script> *x* `y`\nz") == "a\\|b &lt;script&gt; \\*x\\* \\`y\\` z"


def test_owner_column_appears_only_when_someone_owns_a_finding(report: Report) -> None:
    assert "| Owner |" in render_markdown(report)
    unowned = replace(report, findings=tuple(replace(f, owner=None) for f in report.findings))
    assert "Owner" not in render_markdown(unowned)


def test_mentions_from_scanned_values_ping_nobody(report: Report) -> None:
    """A tag value, a message or an owner a scanned repository controls must not notify people or teams in a
    PR comment or job summary; an email address is not a mention and stays as written."""
    hostile = replace(report.findings[0], message="team='@everyone' cc @acme/security,@bob (@carol)",
                      owner="@acme/payments")
    text = render_markdown(replace(report, findings=(hostile, *report.findings[1:])))
    zw = "@\u200b"
    for name in ("everyone", "acme/security", "bob", "carol", "acme/payments"):
        assert f"{zw}{name}" in text
    assert re.search(r"(?<!\w)@[A-Za-z0-9]", text) is None, "no live mention left anywhere"
    assert md("zoe@example.com") == "zoe@example.com"
    assert md("@@x") == "@@\u200bx"
