"""The versioned JSON contract (documented in the README): `version` changes only on breaking changes."""

from __future__ import annotations

import json
from typing import Any

from auditor import __version__
from auditor.records import AuditedCall, Finding, Report
from auditor.report.summary import summarize

JSON_VERSION = 1


def call_dict(call: AuditedCall) -> dict[str, Any]:
    s = call.site
    return {
        "path": s.path, "line": s.line, "column": s.column, "end_line": s.end_line, "end_column": s.end_column,
        "cell": s.cell, "provider": s.provider, "sdk": s.sdk, "operation": s.operation, "model": s.model,
        "kind": s.kind, "scope": s.scope, "endpoint": s.endpoint, "status": call.status,
        "tags": {t.key: {"state": t.state, "grade": t.grade, "value": t.value, "via": t.via,
                         **({"problem": t.problem, "detail": t.detail} if t.problem else {})}
                 for t in call.tags},
        "fingerprint": call.fingerprint,
    }


def finding_dict(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule": f.rule, "name": f.name, "severity": f.severity, "path": f.path, "line": f.line, "column": f.column,
        "end_line": f.end_line, "end_column": f.end_column, "cell": f.cell, "scope": f.scope,
        "operation": f.operation, "message": f.message, "fingerprint": f.fingerprint,
        "blocking": f.blocking, "suppressed": f.suppressed is not None, "owner": f.owner,
    }
    if f.fix is not None:  # added in 0.x without a version bump: a new optional field breaks no reader
        fx = f.fix
        out["fix"] = {"kind": fx.kind, "line": fx.line, "argument": fx.argument, "carrier": fx.carrier,
                      "keys": list(fx.keys), "reason": fx.reason,
                      "edit": {"line": fx.edit.line, "column": fx.edit.column, "insert": fx.edit.text}
                      if fx.edit else None}
    if f.suppressed is not None:
        sup = f.suppressed
        out["suppression"] = {"kind": sup.kind, "justification": sup.justification, "owner": sup.owner,
                              "expires": sup.expires}
    return out


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "tool": {"name": "tagaudit", "version": __version__},
        "policy": report.policy,
        "files_scanned": report.files_scanned,
        "summary": summarize(report),
        "call_sites": [call_dict(c) for c in report.calls],
        "findings": [finding_dict(f) for f in report.findings],
        "errors": [{"path": e.path, "line": e.line, "kind": e.kind, "message": e.message} for e in report.errors],
        "notes": list(report.notes),  # how the run was scoped, and paths it refused to open (links out, FIFOs)
        # per exclusion rule (a directory tagaudit never enters, a policy path rule), the files it kept out
        "excluded": [{"rule": e.rule, "kind": e.kind, "files": e.files, "partial": e.partial, "example": e.example,
                      "patterns": list(e.patterns)} for e in report.exclusions],
    }


def render_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, sort_keys=False) + "\n"
