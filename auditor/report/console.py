"""Human output: findings grouped by file (or owner), then a summary by provider.

The report is built once as lines of styled spans. Written where no terminal is (pre-commit, CI logs,
`--output console=PATH`) it is plain text and rich is not even imported: rich costs a one-file hook run about
40 ms of its 150 ms budget. A terminal gets colour through rich, and so does a summary table wider than the
console, which rich shrinks and wraps. The plain text is what rich prints there, byte for byte (tested).
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from typing import IO, TYPE_CHECKING, Any

from auditor.records import AuditedCall, Exclusion, Finding, Report
from auditor.report.escape import plain
from auditor.report.summary import summarize
from scanners.errors import clip

if TYPE_CHECKING:
    from rich.console import Console

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_STATUS_STYLE = {"tagged": "green", "untagged": "red", "unverifiable": "yellow", "exempt": "dim"}
_COLUMNS = ("provider", "call sites", "tagged", "untagged", "unverifiable", "exempt")

MAX_TEXT = 2_000  # characters of any one value: a 100k-character tag value must not flood the terminal

Span = tuple[str, str | None]  # text (already made safe for a terminal), rich style or None
Line = list[Span]


def safe(text: object) -> str:
    """Untrusted text for a terminal: control characters shown as text, at most MAX_TEXT characters."""
    return clip(plain(text), MAX_TEXT)


def _where(f: Finding | AuditedCall) -> str:
    if isinstance(f, AuditedCall):
        s = f.site
        cell = f"cell {s.cell}:" if s.cell is not None else ""
        return f"{cell}{s.line}:{s.column}"
    cell = f"cell {f.cell}:" if f.cell is not None else ""
    return f"{cell}{f.line}:{f.column}"


def render_console(report: Report, stream: IO[str] | None = None, *, show_calls: bool = False,
                   group_by: str = "file", color: bool | None = None) -> None:
    out = stream if stream is not None else sys.stdout
    s = summarize(report)
    before, after = _lines(report, s, show_calls, group_by), _verdict(report, s)
    rows = _table_rows(s)
    if color or (color is None and _may_be_terminal(out)) or not _fits(rows, _width()):
        _render_rich(out, before, rows, after, color)
        return
    text = [_plain(line) for line in before] + _plain_table(rows) + [_plain(line) for line in after]
    out.write("".join(t + "\n" for t in text))
    out.flush()  # as rich does: a closed pipe fails here, inside the CLI's error boundary (exit 2), not at exit


def _lines(report: Report, s: dict[str, Any], show_calls: bool, group_by: str) -> list[Line]:
    """Findings (and with show_calls every call) by file or owner, then the notes: what precedes the table."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        groups[(f.owner or "(no owner)") if group_by == "owner" else f.path].append(f)
    calls_by_file: dict[str, list[AuditedCall]] = defaultdict(list)
    for c in report.calls:
        calls_by_file[c.site.path].append(c)
    keys = sorted(set(groups) | (set(calls_by_file) if show_calls and group_by == "file" else set()))
    del s  # the counts are the verdict's
    lines: list[Line] = []
    for key in keys:
        lines.append([(safe(key), "bold")])
        if show_calls and group_by == "file":
            for c in calls_by_file.get(key, []):
                grades = " ".join(f"{t.key}={t.grade or '-'}" for t in c.tags)
                lines.append([(f"  {_where(c):>10}  ", None), (f"{c.status:<12}", _STATUS_STYLE[c.status]),
                              (f" {safe(c.site.operation)} ({safe(c.site.provider)})  ", None), (safe(grades), "dim")])
        for f in groups.get(key, []):
            where = f"{f.path}:{_where(f)}" if group_by == "owner" else _where(f)
            if f.suppressed is not None:
                lines.append([(f"  {safe(where):>10}  ", None),
                              (f"{f.rule} suppressed: {safe(f.suppressed.justification)}", "dim")])
                continue
            lines.append([(f"  {safe(where):>10}  ", None), (f.rule, _STYLE[f.severity]),
                          (f" {safe(f.message)} ", None), (f"({safe(f.name)})", "dim")])
            if f.fix is not None:
                lines.append([(f"  {'':>10}  ", None), (f"fix: {safe(f.fix.describe())}", "dim")])
    if keys:
        lines.append([])
    for note in [*report.notes, *(exclusion_note(e) for e in report.exclusions)]:
        lines.append([(safe(note), "dim")])
    return lines


def _verdict(report: Report, s: dict[str, Any]) -> list[Line]:
    """What follows the table: a blank line, the counts and the verdict, and unscannable files if any."""
    f = s["findings"]
    verdict: Span = ("blocking", "bold red") if s["blocking"] else ("no blocking findings", "green")
    counts = (f"{report.files_scanned} files scanned, {s['call_sites']} AI call sites: {f['error']} errors, "
              f"{f['warning']} warnings, {f['suppressed']} suppressed; ")
    lines: list[Line] = [[], [(counts, None), verdict]]
    if report.errors:
        lines.append([(f"{len(report.errors)} file(s) could not be scanned (TAG901)", "red")])
    return lines


def exclusion_note(ex: Exclusion) -> str:
    """One line per exclusion rule: how many files it kept out, and one of them."""
    files = f"{'at least ' if ex.partial else ''}{ex.files} file{'s' if ex.files != 1 else ''}"
    if ex.kind == "policy":
        globs = ", ".join(ex.patterns[:3]) + (", ..." if len(ex.patterns) > 3 else "")
        why = f"excluded by the policy's {ex.rule}" + (f" ({globs})" if globs else "")
    elif ex.kind == "gitignore":
        why = ("in a directory where git lists no source (ignored by .gitignore or .git/info/exclude, or a nested "
               "repository); tagaudit scans what git would commit: scan an ignored copy from outside the repository")
    else:
        what = "virtualenvs" if ex.rule.startswith("virtualenv") else f"{ex.rule} directories"
        why = (f"under {what}, which tagaudit never enters (build output, environments, caches); "
               "name the directory itself to scan it")
    return f"not scanned: {files} {why}, e.g. {ex.example}"




def _table_rows(s: dict[str, Any]) -> list[tuple[str, ...]]:
    """The summary table: header, one row per provider, total (all plain text)."""
    counts = ("call_sites", "tagged", "untagged", "unverifiable", "exempt")
    rows: list[tuple[str, ...]] = [_COLUMNS]
    rows += [(safe(provider), *(str(row[k]) for k in counts)) for provider, row in s["by_provider"].items()]
    rows.append(("total", *(str(s[k]) for k in counts)))
    return rows


def _plain(line: Line) -> str:
    return "".join(text for text, _ in line)


def _plain_table(rows: list[tuple[str, ...]]) -> list[str]:
    """As rich lays out a Table(box=None, show_edge=False, pad_edge=False): one space of padding each side of
    a cell but the outer ones, the first column left-justified, the others right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    return ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
            for row in rows]


def _fits(rows: list[tuple[str, ...]], width: int) -> bool:
    """Whether the plain table is the one rich would print: narrow enough, and one terminal cell per character
    (ASCII printable; rich measures East Asian wide characters and combining marks itself)."""
    cells = [cell for row in rows for cell in row]
    table = sum(max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))) + 2 * (len(_COLUMNS) - 1)
    return table <= width and all(cell.isascii() and cell.isprintable() for cell in cells)


def _width() -> int:
    """The width rich gives a console that is not a terminal: a standard stream's terminal size if any has one,
    else 80; COLUMNS wins over both."""
    width = 0
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
            break
        except (AttributeError, ValueError, OSError):
            continue
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        width = int(columns)
    return width or 80


def _may_be_terminal(out: IO[str]) -> bool:
    """Whether rich would treat `out` as a terminal (and so style it): its own tests, in its order, plus a
    notebook (IPython loaded), which rich special-cases."""
    env = os.environ
    if "IPython" in sys.modules or env.get("TTY_COMPATIBLE", "") == "1":
        return True
    if env.get("TTY_COMPATIBLE", "") == "0":
        return False
    if env.get("FORCE_COLOR") is not None:
        return env["FORCE_COLOR"] != ""
    try:
        return bool(out.isatty())
    except (AttributeError, ValueError):
        return False


def _render_rich(out: IO[str], before: list[Line], rows: list[tuple[str, ...]], after: list[Line],
                 color: bool | None) -> None:
    from rich.console import Console

    console = Console(file=out, highlight=False, emoji=False, soft_wrap=True, no_color=color is False,
                      force_terminal=color if color else None, markup=False)
    for line in before:
        _print(console, line)
    _rich_table(console, rows)
    for line in after:
        _print(console, line)


def _print(console: Console, line: Line) -> None:
    from rich.text import Text

    console.print(Text.assemble(*((text, style or "") for text, style in line)))


def _rich_table(console: Console, rows: list[tuple[str, ...]]) -> None:
    from rich.table import Table

    table = Table(title=None, show_edge=False, box=None, pad_edge=False)
    for col in rows[0]:
        table.add_column(col, justify="left" if col == "provider" else "right")
    for row in rows[1:-1]:
        table.add_row(*row)
    table.add_row(*rows[-1], style="bold")
    console.print(table)
