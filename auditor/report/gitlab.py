"""GitLab Code Quality report (the Code Climate subset GitLab's merge request widget reads)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from auditor.records import Finding, Report
from auditor.report import cell_prefix, file_region, ordered, unique_ids
from auditor.report.escape import plain

# GitLab orders info < minor < major < critical < blocker. A blocking finding fails the pipeline, which is
# what "blocker" means to a reviewer; a non-blocking error (soft-fail) is still "critical".
_SEVERITY = {"error": "critical", "warning": "minor", "info": "info"}


def render_gitlab(report: Report) -> str:
    """A JSON array of Code Quality issues, one per unsuppressed finding.

    Suppressed findings (inline or baseline) are left out: Code Quality has no notion of an accepted
    finding, so an entry would show up in every merge request as work to do. They stay visible, with
    their justification, in the SARIF and JSON reports and in the Markdown summary's count.
    """
    findings = ordered(report.findings)
    issues = [_issue(f, uid) for f, uid in zip(findings, unique_ids(findings)) if f.suppressed is None]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def gitlab_fingerprint(uid: str) -> str:
    """GitLab collapses issues that share a fingerprint, so it is derived from the per-finding identity."""
    return hashlib.sha256(f"tagaudit/v1\x1f{uid}".encode()).hexdigest()[:32]


def _issue(f: Finding, uid: str) -> dict[str, Any]:
    begin, _, end, _ = file_region(f)
    owner = f" (owner: {f.owner})" if f.owner else ""
    return {
        "type": "issue",
        "check_name": plain(f"{f.rule} {f.name}"),
        "description": plain(f"{f.rule}: {cell_prefix(f)}{f.message}{owner}"),
        "severity": "blocker" if f.blocking else _SEVERITY.get(f.severity, "minor"),
        "fingerprint": gitlab_fingerprint(uid),
        "location": {"path": plain(f.path), "lines": {"begin": begin, "end": end}},
        "engine_name": "tagaudit",
    }
