"""The console report: golden text, and the plain writer (no rich import) against rich's own layout.

The plain writer is what the pre-commit hook runs; rich stays for terminals and for summary tables wider than
the console. Both must print the same text wherever the plain writer is used.
"""

from __future__ import annotations

import io
import os
from dataclasses import replace

import pytest

from auditor.records import Report
from auditor.report import console
from auditor.report.summary import summarize
from tests.report.report_sample import GOLDEN, build_report

CASES = {"console.txt": {}, "console-calls.txt": {"show_calls": True}, "console-by-owner.txt": {"group_by": "owner"}}
ODD = ["[bold]not bold[/bold]", "back\\slash \\[x]", "tab\there", "bell\x07 esc\x1b[31m red", "  padded  ",
       "wide 表格 text", "emoji 🔥 and combining é", "\u202eRLO bidi", "x" * 3000]


def render(report: Report, **kw: object) -> str:
    buf = io.StringIO()
    console.render_console(report, buf, color=False, **kw)  # type: ignore[arg-type]
    return buf.getvalue()


def through_rich(report: Report, show_calls: bool = False, group_by: str = "file") -> str:
    s = summarize(report)
    buf = io.StringIO()
    console._render_rich(buf, console._lines(report, s, show_calls, group_by), console._table_rows(s),
                         console._verdict(report, s), False)
    return buf.getvalue()


def odd_report(text: str) -> Report:
    """The sample with `text` in every place a scanned repository controls: paths, messages, justifications."""
    report = build_report()
    findings = tuple(replace(f, path=f"{f.path}{text}", message=f"{f.message} {text}", name=f"{f.name}{text}",
                             owner=f"{f.owner}{text}",
                             suppressed=replace(f.suppressed, justification=text) if f.suppressed else None)
                     for f in report.findings)
    calls = tuple(replace(c, site=replace(c.site, path=f"{c.site.path}{text}", operation=f"op{text}"))
                  for c in report.calls)
    return replace(report, findings=findings, calls=calls, notes=(*report.notes, f"note {text}"))


@pytest.mark.parametrize("name", CASES)
def test_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    got = render(build_report(), **CASES[name])
    if os.environ.get("TAGAUDIT_REGEN_GOLDEN"):
        (GOLDEN / name).write_text(got, encoding="utf-8")
    assert got == (GOLDEN / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("text", ODD)
@pytest.mark.parametrize("name", CASES)
def test_plain_writer_prints_what_rich_prints(text: str, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    report = odd_report(text)
    plain = render(report, **CASES[name])
    assert plain == through_rich(report, **CASES[name])  # type: ignore[arg-type]
    assert "\x1b" not in plain and "\x07" not in plain and "\u202e" not in plain


def test_a_provider_too_wide_for_the_console_goes_to_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    report = build_report()
    out = render(report)
    assert out == through_rich(report)
    assert "provi…" in out and "\x1b" not in out  # rich shrank the 60-column table, still without styles


def test_forced_colour_is_styled_by_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    buf = io.StringIO()
    console.render_console(build_report(), buf)
    assert "\x1b[" in buf.getvalue() and "TAG001" in buf.getvalue()
