"""GitHub Actions workflow-command annotations, prioritised to fit GitHub's per-step caps."""

from __future__ import annotations

from collections.abc import Collection

from auditor.records import Finding, Report
from auditor.report import cell_prefix, file_region, ordered
from auditor.report.escape import plain
from scanners.errors import clip

# GitHub keeps 10 error, 10 warning and 10 notice annotations per step and 50 per job; the rest are
# dropped without a word (actions/toolkit docs/problem-matchers.md), so we choose which ones survive.
PER_LEVEL = 10
PER_JOB = 50
_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
_RANK = {"error": 0, "warning": 1, "info": 2}
MAX_MESSAGE = 2_000  # characters: a 100k-character tag value must not flood the log (JSON/SARIF keep it all)


def escape_data(text: str) -> str:
    """Message text: `%`, CR and LF are the only characters the runner decodes. Other control characters
    (ANSI colour and cursor sequences, which the log viewer would obey) are shown as `\\x1b`-style text."""
    return plain(text, keep="\r\n").replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Property values additionally escape `:` and `,`, which delimit the properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(
    report: Report,
    changed_lines: Collection[tuple[str, int]] | None = None,
    *,
    per_level: int = PER_LEVEL,
    per_job: int = PER_JOB,
    summary: str = "the job summary (tagaudit --format markdown)",
) -> str:
    """`::error file=...::message` lines for unsuppressed findings.

    Findings that touch `changed_lines` ((path, line) pairs of the PR diff) come first, then by severity
    and position. One notice slot is always kept back so that, when anything was left out, a final
    notice says how many and where to read them; nothing is dropped silently.
    """
    changed = set(changed_lines or ())
    active = [f for f in ordered(report.findings) if f.suppressed is None]
    active.sort(
        key=lambda f: (not _touches(f, changed), _RANK.get(f.severity, 1))
    )  # stable: keeps file order
    room = {"error": per_level, "warning": per_level, "notice": max(per_level - 1, 0)}
    budget = max(per_job - 1, 0)
    lines: list[str] = []
    for f in active:
        level = _LEVEL.get(f.severity, "warning")
        if room[level] > 0 and budget > 0:
            room[level] -= 1
            budget -= 1
            lines.append(annotation(f, level))
    left_out = len(active) - len(lines)
    if left_out:
        lines.append(
            f"::notice title={escape_property('tagaudit: more findings')}::"
            + escape_data(
                f"{left_out} more finding{'s' if left_out != 1 else ''} not annotated: GitHub shows at most "
                f"{PER_LEVEL} errors, {PER_LEVEL} warnings and {PER_LEVEL} notices per step. "
                f"See {summary} for the full list."
            )
        )
    return "".join(line + "\n" for line in lines)


def annotation(f: Finding, level: str) -> str:
    start_line, start_col, end_line, end_col = file_region(f)
    props = [("file", f.path), ("line", str(start_line)), ("endLine", str(end_line))]
    if start_line == end_line:  # GitHub ignores columns on multi-line annotations
        props += [("col", str(start_col)), ("endColumn", str(end_col))]
    props.append(("title", f"{f.rule} {f.name}"))
    owner = f" (owner: {f.owner})" if f.owner else ""
    text = clip(f"{cell_prefix(f)}{f.message}{owner}", MAX_MESSAGE)
    return f"::{level} " + ",".join(f"{k}={escape_property(v)}" for k, v in props) + "::" + escape_data(text)


def _touches(f: Finding, changed: set[tuple[str, int]]) -> bool:
    if f.cell is not None or not changed:
        return False
    return any((f.path, n) in changed for n in range(f.line, max(f.end_line, f.line) + 1))
