"""Counts every reporter shows: call sites by status and provider, findings by severity."""

from __future__ import annotations

from collections import Counter
from typing import Any

from auditor.records import Report


def summarize(report: Report) -> dict[str, Any]:
    status = Counter(c.status for c in report.calls)
    providers: dict[str, Counter[str]] = {}
    for c in report.calls:
        providers.setdefault(c.site.provider, Counter())[c.status] += 1
    active = [f for f in report.findings if f.suppressed is None]
    return {
        "call_sites": len(report.calls),
        "tagged": status["tagged"],
        "untagged": status["untagged"],
        "unverifiable": status["unverifiable"],
        "exempt": status["exempt"],
        "by_provider": {
            p: {"call_sites": sum(c.values()), "tagged": c["tagged"], "untagged": c["untagged"],
                "unverifiable": c["unverifiable"], "exempt": c["exempt"]}
            for p, c in sorted(providers.items())
        },
        "findings": {
            "error": sum(1 for f in active if f.severity == "error"),
            "warning": sum(1 for f in active if f.severity == "warning"),
            "info": sum(1 for f in active if f.severity == "info"),
            "suppressed": sum(1 for f in report.findings if f.suppressed is not None),
        },
        "blocking": sum(1 for f in active if f.blocking),
        "unparsed_files": len(report.errors),
    }
