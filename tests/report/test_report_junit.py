"""JUnit XML: valid against the Jenkins xUnit junit-10.xsd, with counts that add up."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import xmlschema
from report_sample import DATA

from auditor.records import Report
from auditor.report.junit import render_junit

XSD = DATA / "junit-10.xsd"


def test_junit_validates_against_the_xsd(report: Report) -> None:
    xmlschema.XMLSchema(str(XSD)).validate(render_junit(report))


def test_control_characters_in_messages_still_give_valid_xml(report: Report) -> None:
    dirty = replace(
        report, findings=tuple(replace(f, message=f.message + " \x00\x1b[31m") for f in report.findings)
    )
    xmlschema.XMLSchema(str(XSD)).validate(render_junit(dirty))


def test_counts_match_the_cases_and_their_outcomes(report: Report) -> None:
    root = ET.fromstring(render_junit(report).encode())
    suites = root.findall("testsuite")
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "")) == len(cases)
        for tag, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert int(suite.get(attr, "")) == sum(1 for c in cases if c.find(tag) is not None)
    assert int(root.get("tests", "")) == sum(int(s.get("tests", "")) for s in suites)
    assert int(root.get("failures", "")) == 3 + 1, "three blocking TAG001/TAG002 in llm.py plus the notebook"
    assert int(root.get("errors", "")) == 1, "the unparsable file is an error, not a failure"


def test_every_finding_and_every_unflagged_call_is_a_case(report: Report) -> None:
    root = ET.fromstring(render_junit(report).encode())
    names = [c.get("name", "") for c in root.iter("testcase")]
    assert len(names) == len(set(names)), "test names are unique"
    assert sum(1 for n in names if n.startswith("TAG")) == len(report.findings)
    assert any(n.startswith("tagged messages.create (anthropic)") for n in names)
    assert not any(":" in n.split("[")[0] and n[0].isdigit() for n in names)


def test_suppressed_findings_are_skipped_with_their_reason(report: Report) -> None:
    root = ET.fromstring(render_junit(report).encode())
    skipped = [s.get("message", "") for s in root.iter("skipped")]
    assert "suppressed (baseline): accepted in the Q3 audit; retire with Legacy" in skipped
    assert any(m.startswith("suppressed (inline): nightly batch") for m in skipped)


def test_case_names_do_not_change_when_code_moves(report: Report) -> None:
    moved = replace(report, findings=tuple(replace(f, line=f.line + 9) for f in report.findings))

    def names(r: Report) -> list[str]:
        return [
            c.get("name", "")
            for c in ET.fromstring(render_junit(r).encode()).iter("testcase")
            if c.get("name", "").startswith("TAG")
        ]

    assert sorted(names(moved)) == sorted(names(report))
