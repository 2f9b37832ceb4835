"""GitLab Code Quality: unique fingerprints, severities GitLab knows, suppressed findings left out."""

from __future__ import annotations

import json
from dataclasses import replace

from auditor.records import Report
from auditor.report.gitlab import render_gitlab


def test_each_unsuppressed_finding_is_one_issue_with_a_unique_fingerprint(report: Report) -> None:
    issues = json.loads(render_gitlab(report))
    assert len(issues) == sum(1 for f in report.findings if f.suppressed is None)
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(fingerprints) == len(set(fingerprints)), "GitLab would collapse duplicates"


def test_issues_carry_the_fields_the_merge_request_widget_reads(report: Report) -> None:
    for issue in json.loads(render_gitlab(report)):
        assert issue["description"] and issue["check_name"] and issue["fingerprint"]
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert (
            issue["location"]["path"]
            and 1 <= issue["location"]["lines"]["begin"] <= issue["location"]["lines"]["end"]
        )


def test_severity_follows_blocking_then_severity(report: Report) -> None:
    by_rule = {i["check_name"].split()[0]: i["severity"] for i in json.loads(render_gitlab(report))}
    assert by_rule == {
        "TAG001": "blocker",
        "TAG002": "blocker",
        "TAG003": "minor",
        "TAG108": "info",
        "TAG901": "blocker",
    }
    soft = replace(report, findings=tuple(replace(f, blocking=False) for f in report.findings))
    assert {
        i["severity"] for i in json.loads(render_gitlab(soft)) if i["check_name"].startswith("TAG001")
    } == {"critical"}


def test_suppressed_findings_are_not_issues(report: Report) -> None:
    paths = {i["location"]["path"] for i in json.loads(render_gitlab(report))}
    assert "src/legacy/old.py" not in paths and "src/café/naïve.py" not in paths


def test_fingerprints_survive_line_moves(report: Report) -> None:
    moved = replace(report, findings=tuple(replace(f, line=f.line + 5) for f in report.findings))
    assert sorted(i["fingerprint"] for i in json.loads(render_gitlab(moved))) == sorted(
        i["fingerprint"] for i in json.loads(render_gitlab(report))
    )
