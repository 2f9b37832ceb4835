"""Human output: findings grouped by file (or owner), then a summary by provider."""

from __future__ import annotations

from collections import defaultdict
from typing import IO

from rich.console import Console
from rich.markup import escape as _escape
from rich.table import Table

from auditor.records import AuditedCall, Exclusion, Finding, Report
from auditor.report.escape import plain
from auditor.report.summary import summarize
from scanners.errors import clip

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_STATUS_STYLE = {"tagged": "green", "untagged": "red", "unverifiable": "yellow", "exempt": "dim"}


MAX_TEXT = 2_000  # characters of any one value: a 100k-character tag value must not flood the terminal


def escape(text: object) -> str:
    """Untrusted text for rich: control characters shown as text, `[bold]` printed rather than obeyed."""
    return _escape(clip(plain(text), MAX_TEXT))


def _where(f: Finding | AuditedCall) -> str:
    if isinstance(f, AuditedCall):
        s = f.site
        cell = f"cell {s.cell}:" if s.cell is not None else ""
        return f"{cell}{s.line}:{s.column}"
    cell = f"cell {f.cell}:" if f.cell is not None else ""
    return f"{cell}{f.line}:{f.column}"


def render_console(report: Report, stream: IO[str] | None = None, *, show_calls: bool = False,
                   group_by: str = "file", color: bool | None = None) -> None:
    console = Console(file=stream, highlight=False, emoji=False, soft_wrap=True, no_color=color is False,
                      force_terminal=color if color else None)
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        groups[(f.owner or "(no owner)") if group_by == "owner" else f.path].append(f)
    calls_by_file: dict[str, list[AuditedCall]] = defaultdict(list)
    for c in report.calls:
        calls_by_file[c.site.path].append(c)
    keys = sorted(set(groups) | (set(calls_by_file) if show_calls and group_by == "file" else set()))
    for key in keys:
        console.print(f"[bold]{escape(key)}[/bold]")
        if show_calls and group_by == "file":
            for c in calls_by_file.get(key, []):
                grades = " ".join(f"{t.key}={t.grade or '-'}" for t in c.tags)
                console.print(f"  {_where(c):>10}  [{_STATUS_STYLE[c.status]}]{c.status:<12}[/] "
                              f"{escape(c.site.operation)} ({escape(c.site.provider)})  [dim]{escape(grades)}[/dim]")
        for f in groups.get(key, []):
            where = f"{f.path}:{_where(f)}" if group_by == "owner" else _where(f)
            if f.suppressed is not None:
                console.print(f"  {escape(where):>10}  [dim]{f.rule} suppressed: {escape(f.suppressed.justification)}[/dim]")
                continue
            console.print(f"  {escape(where):>10}  [{_STYLE[f.severity]}]{f.rule}[/] {escape(f.message)} "
                          f"[dim]({escape(f.name)})[/dim]")
    if keys:
        console.print()
    for note in [*report.notes, *(exclusion_note(e) for e in report.exclusions)]:
        console.print(f"[dim]{escape(note)}[/dim]")
    _summary(console, report)


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


def _summary(console: Console, report: Report) -> None:
    s = summarize(report)
    table = Table(title=None, show_edge=False, box=None, pad_edge=False)
    for col in ("provider", "call sites", "tagged", "untagged", "unverifiable", "exempt"):
        table.add_column(col, justify="left" if col == "provider" else "right")
    for provider, row in s["by_provider"].items():
        table.add_row(escape(provider), str(row["call_sites"]), str(row["tagged"]), str(row["untagged"]),
                      str(row["unverifiable"]), str(row["exempt"]))
    table.add_row("[bold]total[/bold]", str(s["call_sites"]), str(s["tagged"]), str(s["untagged"]),
                  str(s["unverifiable"]), str(s["exempt"]))
    console.print(table)
    f = s["findings"]
    verdict = "[bold red]blocking[/]" if s["blocking"] else "[green]no blocking findings[/]"
    console.print(f"\n{report.files_scanned} files scanned, {s['call_sites']} AI call sites: "
                  f"{f['error']} errors, {f['warning']} warnings, {f['suppressed']} suppressed; {verdict}")
    if report.errors:
        console.print(f"[red]{len(report.errors)} file(s) could not be scanned (TAG901)[/red]")
