"""REPORTERS: output format name -> reporter, all with one signature. A new format is one entry here."""

from __future__ import annotations

import io
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from auditor.records import Report


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """What a run knows beyond its Report; each reporter reads the fields it needs."""

    source_root: Path | None = None  # sarif: to resolve artifact locations
    changed_lines: Collection[tuple[str, int]] | None = None  # github: annotate changed lines first
    link_base: str | None = None  # markdown: blob URL for links to findings
    group_by: str = "file"  # console, markdown
    show_calls: bool = False  # console


Reporter = Callable[[Report, RenderOptions], str]


# Each reporter module is imported on first use, so `tagaudit` starts fast when it writes one format (pre-commit).
def _console(report: Report, options: RenderOptions) -> str:
    """The console report as plain text (no colour), for `--output console=PATH`."""
    from auditor.report.console import render_console

    buf = io.StringIO()
    render_console(report, buf, color=False, group_by=options.group_by, show_calls=options.show_calls)
    return buf.getvalue()


def _json(report: Report, options: RenderOptions) -> str:
    from auditor.report.jsonout import render_json

    return render_json(report)


def _sarif(report: Report, options: RenderOptions) -> str:
    from auditor.report.sarif import render_sarif

    return render_sarif(report, source_root=options.source_root)


def _gitlab(report: Report, options: RenderOptions) -> str:
    from auditor.report.gitlab import render_gitlab

    return render_gitlab(report)


def _junit(report: Report, options: RenderOptions) -> str:
    from auditor.report.junit import render_junit

    return render_junit(report)


def _github(report: Report, options: RenderOptions) -> str:
    from auditor.report.github import render_github

    return render_github(report, options.changed_lines)


def _markdown(report: Report, options: RenderOptions) -> str:
    from auditor.report.markdown import render_markdown

    return render_markdown(report, link_base=options.link_base, group_by=options.group_by)


REPORTERS: dict[str, Reporter] = {
    "console": _console,
    "json": _json,
    "sarif": _sarif,
    "gitlab": _gitlab,
    "junit": _junit,
    "github": _github,
    "markdown": _markdown,
}


def shows_owners(fmt: str, group_by: str) -> bool:
    """Whether format `fmt` prints finding owners. Only the console can leave them out (grouped by file, the
    pre-commit hook's output): git blame starts git (and loads GitPython), which a one-file scan should not
    pay for when nothing shows the answer."""
    return fmt != "console" or group_by == "owner"
