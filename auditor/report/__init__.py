"""Reporters: one module per output format (the registry is report.registry); helpers they share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from auditor.records import Finding, Report, Suppression


# -- helpers shared by the CI reporters ------------------------------------------------------------
def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """A total, run-independent order: file, notebook cell, position, rule, identity."""
    return sorted(findings, key=lambda f: (f.path, f.cell or 0, f.line, f.column, f.rule, f.fingerprint))


def where(f: Finding) -> str:
    """Human location: `path:line:col`, or `path cell N, line L:C` for a notebook."""
    if f.cell is not None:
        return f"{f.path} cell {f.cell}, line {f.line}:{f.column}"
    return f"{f.path}:{f.line}:{f.column}"


def file_region(f: Finding) -> tuple[int, int, int, int]:
    """(start line, start col, end line, end col exclusive) in the file on disk.

    Notebook findings carry cell-relative lines that mean nothing in the .ipynb JSON, so machine locations
    point at the notebook's first character and the cell goes into the message and properties.
    """
    if f.cell is not None:
        return 1, 1, 1, 2
    end_line = max(f.end_line, f.line)
    end_col = f.end_column
    if end_line == f.line and end_col <= f.column:
        end_col = f.column + 1  # a point finding (e.g. TAG901) still needs a non-empty region
    return f.line, f.column, end_line, end_col


def cell_prefix(f: Finding) -> str:
    return f"cell {f.cell}, line {f.line}: " if f.cell is not None else ""


def suppression_kind(sup: Suppression) -> Literal["inSource", "external"]:
    """SARIF's terms: a comment in the source is `inSource`; a baseline entry is `external`."""
    return "inSource" if sup.kind == "inSource" else "external"


def suppression_label(sup: Suppression) -> str:
    """How a person would say it: `inline` for a source comment, else where it came from (`baseline`)."""
    return "inline" if sup.kind == "inSource" else sup.kind


def baseline_states(report: Report) -> dict[str, Literal["new", "unchanged"]]:
    """fingerprint -> SARIF baselineState, or {} when this run was not compared with a baseline.

    Once any finding was silenced by the baseline the run evidently used one: baseline-suppressed findings
    are `unchanged` and every other finding is `new`.
    """
    baselined = {
        f.fingerprint: f.suppressed is not None and suppression_kind(f.suppressed) == "external"
        for f in report.findings
    }
    if not any(baselined.values()):
        return {}
    return {fp: "unchanged" if hit else "new" for fp, hit in baselined.items()}


def unique_ids(findings: list[Finding]) -> list[str]:
    """One identity per finding, parallel to `findings`.

    `Finding.fingerprint` is per (rule, call), so a call with two disallowed tag values yields two TAG002
    findings with the same fingerprint; consumers that collapse duplicates (GitLab) would drop one. Such
    findings get `<fingerprint>:<n>`, numbered in message order, which does not move with line numbers.
    """
    groups: dict[str, list[int]] = {}
    for i, f in enumerate(findings):
        groups.setdefault(f.fingerprint, []).append(i)
    out = [f.fingerprint for f in findings]
    for fp, members in groups.items():
        if len(members) > 1:
            for n, i in enumerate(sorted(members, key=lambda i: (findings[i].message, i)), start=1):
                out[i] = f"{fp}:{n}"
    return out
