"""JUnit XML (the Jenkins xUnit junit-10.xsd dialect GitLab and most CI test tabs read)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from auditor.records import AuditedCall, Finding, Report
from auditor.report import ordered, suppression_label, unique_ids, where
from auditor.report.rulesdoc import rule_url
from auditor.rules import RULES

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # and lone surrogates


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render_junit(report: Report) -> str:
    """One <testsuite> per file, one <testcase> per finding and per call site that has none.

    Test names carry no line numbers (they hold the rule, scope, operation and identity) so CI test
    history follows a finding when code moves. A blocking finding is a <failure>, an unscannable file
    (TAG901) an <error>, a suppressed finding or policy-exempt call <skipped>, and a non-blocking finding
    passes with its message in <system-out>.
    """
    findings = ordered(report.findings)
    by_file: dict[str, list[ET.Element]] = defaultdict(list)
    flagged = {(f.path, f.cell, f.line, f.column) for f in findings}
    for f, uid in zip(findings, unique_ids(findings)):
        by_file[f.path].append(_finding_case(f, uid))
    for call in sorted(
        report.calls, key=lambda c: (c.site.path, c.site.cell or 0, c.site.line, c.site.column)
    ):
        s = call.site
        if (s.path, s.cell, s.line, s.column) not in flagged:
            by_file[s.path].append(_call_case(call))
    root = ET.Element("testsuites", name="tagaudit")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for path in sorted(by_file):
        cases = by_file[path]
        counts = {
            "tests": len(cases),
            "failures": _count(cases, "failure"),
            "errors": _count(cases, "error"),
            "skipped": _count(cases, "skipped"),
        }
        suite = ET.SubElement(
            root,
            "testsuite",
            {"name": _clean(path), "file": _clean(path), **{k: str(v) for k, v in counts.items()}},
        )
        suite.extend(cases)
        for k, v in counts.items():
            totals[k] += v
    root.attrib.update({k: str(totals[k]) for k in ("tests", "failures", "errors")})
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _count(cases: list[ET.Element], tag: str) -> int:
    return sum(1 for case in cases if case.find(tag) is not None)


def _finding_case(f: Finding, uid: str) -> ET.Element:
    what = f" ({f.operation})" if f.operation else ""
    case = ET.Element(
        "testcase", name=_clean(f"{f.rule} {f.name} in {f.scope}{what} [{uid}]"), classname=_clean(f.path)
    )
    owner = f"\nowner: {f.owner}" if f.owner else ""
    body = _clean(f"{where(f)}: {f.message}\nseverity: {f.severity}{owner}\nrule: {rule_url(f.rule)}")
    if f.suppressed is not None:
        sup = f.suppressed
        text = f"suppressed ({suppression_label(sup)}): {sup.justification or 'no justification recorded'}"
        ET.SubElement(case, "skipped", message=_clean(text)).text = body
    elif f.blocking:
        tag = "error" if RULES[f.rule].category == "file-error" else "failure"
        ET.SubElement(case, tag, type=f.rule, message=_clean(f"{f.rule}: {f.message}")).text = body
    else:
        ET.SubElement(case, "system-out").text = body
    return case


def _call_case(call: AuditedCall) -> ET.Element:
    s = call.site
    case = ET.Element(
        "testcase",
        name=_clean(f"{call.status} {s.operation} ({s.provider}) in {s.scope} [{call.fingerprint}]"),
        classname=_clean(s.path),
    )
    if call.status == "exempt":
        ET.SubElement(case, "skipped", message="exempt from tagging by the policy")
    return case
