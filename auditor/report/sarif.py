"""SARIF 2.1.0 for GitHub code scanning (and any other SARIF consumer), valid against the OASIS schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from auditor import __version__
from auditor.records import Finding, Report, Suppression
from auditor.report import baseline_states, cell_prefix, file_region, ordered, suppression_kind, unique_ids
from auditor.report.rulesdoc import full_description, help_markdown, help_text, rule_url
from auditor.rules import RULES, Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/tagaudit/tagaudit"
FINGERPRINT_KEY = "tagaudit/v1"
SRCROOT = "%SRCROOT%"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "info": "recommendation"}


def render_sarif(
    report: Report,
    *,
    source_root: Path | None = None,
    automation_id: str = "tagaudit/",
    root_uri: str | None = None,
) -> str:
    """The SARIF log as JSON text.

    `source_root`: where the files named in the report live; when given, each result gets a
    `primaryLocationLineHash` computed exactly as GitHub's upload-sarif does (see `line_hashes`).
    `root_uri`: an absolute `file:///.../` URI for `%SRCROOT%`; left out by default so the log carries no
    machine-specific path.
    """
    return (
        json.dumps(
            sarif_log(report, source_root=source_root, automation_id=automation_id, root_uri=root_uri),
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def sarif_log(
    report: Report,
    *,
    source_root: Path | None = None,
    automation_id: str = "tagaudit/",
    root_uri: str | None = None,
) -> dict[str, Any]:
    rule_index = {rule_id: i for i, rule_id in enumerate(RULES)}
    findings = ordered(report.findings)
    ids = unique_ids(findings)
    hashes = _hashes_for(findings, source_root) if source_root is not None else {}
    states = baseline_states(report)
    results = [
        _result(
            f,
            uid,
            rule_index[f.rule],
            hashes.get((f.path, f.line)) if f.cell is None else None,
            states.get(f.fingerprint),
        )
        for f, uid in zip(findings, ids)
    ]
    base: dict[str, Any] = (
        {"uri": root_uri}
        if root_uri
        else {"description": {"text": "The repository root; every result path is relative to it."}}
    )
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": _driver()},
                "automationDetails": {"id": automation_id},
                "originalUriBaseIds": {SRCROOT: base},
                "columnKind": "unicodeCodePoints",  # the scanner counts columns in code points, 1-based
                "results": results,
                "properties": {
                    "policy": report.policy,
                    "filesScanned": report.files_scanned,
                    "callSites": len(report.calls),
                },
            }
        ],
    }


def _driver() -> dict[str, Any]:
    return {
        "name": "tagaudit",
        "semanticVersion": __version__,
        "version": __version__,
        "informationUri": INFORMATION_URI,
        # All rules, not only those that fired: ruleIndex stays stable from run to run.
        "rules": [_descriptor(rule) for rule in RULES.values()],
    }


def _descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full_description(rule)},
        "help": {"text": help_text(rule), "markdown": help_markdown(rule)},
        "helpUri": rule_url(rule.id),
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {
            "tags": ["cost-allocation", "finops", rule.family],
            "precision": rule.precision,
            "problem.severity": _PROBLEM_SEVERITY[rule.severity],
        },
    }


def _result(
    f: Finding, uid: str, rule_index: int, line_hash: str | None, state: str | None
) -> dict[str, Any]:
    start_line, start_col, end_line, end_col = file_region(f)
    location: dict[str, Any] = {
        "physicalLocation": {
            # A file name that is not UTF-8 arrives surrogate-escaped; its URI is its bytes, percent-encoded.
            "artifactLocation": {"uri": quote(f.path.encode("utf-8", "surrogateescape"), safe="/"),
                                 "uriBaseId": SRCROOT},
            "region": {
                "startLine": start_line,
                "startColumn": start_col,
                "endLine": end_line,
                "endColumn": end_col,
            },
        }
    }
    props: dict[str, Any] = {"severity": f.severity, "blocking": f.blocking, "scope": f.scope}
    if f.operation:
        props["operation"] = f.operation
    if f.owner:
        props["owner"] = f.owner
    if f.cell is not None:
        location["message"] = {"text": f"cell {f.cell}, line {f.line}, column {f.column}"}
        props.update(notebookCell=f.cell, cellLine=f.line, cellColumn=f.column)
        # GitHub's own hash would be of the notebook's first JSON line, the same for every finding in the
        # notebook, and alerts would merge; our line-independent identity keeps them apart.
        line_hash = f"{uid.replace(':', '-')}:1"
    props.update(dict(f.extra))
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": _LEVEL.get(f.severity, "warning"),
        "message": {"text": cell_prefix(f) + f.message},
        "locations": [location],
        "fingerprints": {FINGERPRINT_KEY: uid},
    }
    if line_hash is not None:
        result["partialFingerprints"] = {"primaryLocationLineHash": line_hash}
    if f.fix is not None:
        props["fix"] = f.fix.describe()
        result["message"]["text"] += f"; fix: {f.fix.describe()}"
        if f.fix.edit is not None:
            result["fixes"] = [_fix(f)]
    if f.suppressed is not None:
        result["suppressions"] = [_suppression(f.suppressed)]
    if state is not None:
        result["baselineState"] = state
    result["properties"] = props
    return result


def _fix(f: Finding) -> dict[str, Any]:
    """An exact insertion (an empty deleted region) that adds the argument the finding lacks."""
    assert f.fix is not None and f.fix.edit is not None
    edit = f.fix.edit
    region = {"startLine": edit.line, "startColumn": edit.column, "endLine": edit.line, "endColumn": edit.column}
    return {
        "description": {"text": f"Add `{f.fix.argument}`"},
        "artifactChanges": [{
            "artifactLocation": {"uri": quote(f.path.encode("utf-8", "surrogateescape"), safe="/"),
                                 "uriBaseId": SRCROOT},
            "replacements": [{"deletedRegion": region, "insertedContent": {"text": edit.text}}],
        }],
    }


def _suppression(sup: Suppression) -> dict[str, Any]:
    """SARIF suppression: inSource for a comment, external for the baseline, always with a justification."""
    entry: dict[str, Any] = {
        "kind": suppression_kind(sup),
        "status": "accepted",
        "justification": sup.justification or "no justification recorded",
    }
    extra = {
        "source": sup.kind if sup.kind != entry["kind"] else None,
        "owner": sup.owner,
        "expires": sup.expires,
        "line": sup.line or None,
    }
    if any(v is not None for v in extra.values()):
        entry["properties"] = {k: v for k, v in extra.items() if v is not None}
    return entry


# -- primaryLocationLineHash -----------------------------------------------------------------------------
# Decision: never our own value for a source file. GitHub matches alerts across commits on this hash; a
# line number in it (or any value upload-sarif would compute differently) re-opens every alert when lines
# move, and once the field is set upload-sarif keeps ours and only logs a warning. So we either compute
# exactly GitHub's content hash (when the caller gives us the source root: right for raw API uploads too)
# or omit the field and let upload-sarif fill it in. Port of github/codeql-action src/fingerprints.ts:
# a mod-2^64 rolling hash (base 37) over the next 100 non-space/tab UTF-16 code units from each line's
# start, CR/CRLF folded to LF, with a `:n` suffix counting repeats of the same hash within the file.
_BLOCK = 100
_MASK = (1 << 64) - 1
_FIRST_MOD = pow(37, _BLOCK, 1 << 64)
_TAB, _SPACE, _LF, _CR, _EOF = 9, 32, 10, 13, 65535


def _code_units(text: str) -> list[int]:
    data = text.encode("utf-16-le", "surrogatepass")
    return [data[i] | data[i + 1] << 8 for i in range(0, len(data), 2)]


def line_hashes(text: str, wanted: set[int] | None = None) -> dict[int, str]:
    """GitHub's `primaryLocationLineHash` for each (wanted) 1-based line of `text`."""
    window, starts = [0] * _BLOCK, [-1] * _BLOCK
    state = {"hash": 0, "index": 0}
    counts: dict[str, int] = {}
    out: dict[int, str] = {}
    last = max(wanted) if wanted else None

    def emit() -> None:
        value = format(state["hash"], "x")
        counts[value] = counts.get(value, 0) + 1
        line = starts[state["index"]]
        if wanted is None or line in wanted:
            out[line] = f"{value}:{counts[value]}"
        starts[state["index"]] = -1

    def push(unit: int) -> None:
        i = state["index"]
        state["hash"] = (37 * state["hash"] + unit - _FIRST_MOD * window[i]) & _MASK
        window[i] = unit
        state["index"] = (i + 1) % _BLOCK

    line_no, line_start, prev_cr = 0, True, False
    for unit in [*_code_units(text), _EOF]:
        if unit in (_SPACE, _TAB) or (prev_cr and unit == _LF):
            prev_cr = False
            continue
        prev_cr = unit == _CR
        unit = _LF if prev_cr else unit
        if starts[state["index"]] != -1:
            emit()
            if last is not None and last in out:
                return out
        if line_start:
            line_start, line_no = False, line_no + 1
            starts[state["index"]] = line_no
        line_start = unit == _LF
        push(unit)
    for _ in range(_BLOCK):
        if starts[state["index"]] != -1:
            emit()
        push(0)
    return out


def _hashes_for(findings: list[Finding], root: Path) -> dict[tuple[str, int], str]:
    lines: dict[str, set[int]] = {}
    for f in findings:
        if f.cell is None:
            lines.setdefault(f.path, set()).add(f.line)
    out: dict[tuple[str, int], str] = {}
    for path, wanted in sorted(lines.items()):
        try:
            text = (root / path).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # unreadable here: leave the field to upload-sarif, which reads the checkout itself
        out.update({(path, n): h for n, h in line_hashes(text, wanted).items()})
    return out
