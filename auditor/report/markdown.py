"""Markdown for a sticky PR/MR comment or `$GITHUB_STEP_SUMMARY`: verdict, counts, findings, suppressions."""

from __future__ import annotations

import html
from collections import defaultdict
from urllib.parse import quote

from auditor import __version__
from auditor.records import Finding, Report
from auditor.report import ordered, suppression_label
from auditor.report.escape import md_escape as md
from auditor.report.escape import plain
from auditor.report.rulesdoc import rule_url
from auditor.report.summary import summarize

# A sticky-comment action finds the previous comment by this marker and edits it in place.
MARKER = "<!-- tagaudit-report -->"
COMMENT_LIMIT = 65_536  # GitHub's maximum comment body, in characters
_ICON = {"error": ":x:", "warning": ":warning:", "info": ":information_source:"}


def render_markdown(
    report: Report,
    *,
    link_base: str | None = None,
    group_by: str = "file",
    max_findings: int = 200,
    limit: int = COMMENT_LIMIT - 1_536,
) -> str:
    """The comment body. `link_base` (e.g. `https://github.com/o/r/blob/<sha>`) turns locations into links.

    The body stays under `limit` characters (GitHub rejects comments over 65,536): findings that do not
    fit, or beyond `max_findings`, are counted in a closing note instead of shown.
    """
    head = _headline(report) + _counts(report)
    policy = html.escape(plain(" ".join(report.policy.split())))
    footer = f"\n<sub>tagaudit {__version__} · policy <code>{policy}</code></sub>\n"
    tail = _suppressed(report, link_base) + footer
    active = [f for f in ordered(report.findings) if f.suppressed is None]
    body, shown = _findings(active, link_base, group_by, max_findings, limit - len(head) - len(tail) - 300)
    if shown < len(active):
        body += (
            f"\n_…and {len(active) - shown} more finding{'s' if len(active) - shown != 1 else ''} not shown "
            "here (size limit); the SARIF, JSON or console output lists all of them._\n"
        )
    return head + body + tail


def _headline(report: Report) -> str:
    s = summarize(report)
    blocking, unparsed = s["blocking"], s["unparsed_files"]
    if blocking:
        verdict = f":x: **tagaudit: {blocking} blocking finding{'s' if blocking != 1 else ''}**"
    else:
        verdict = ":white_check_mark: **tagaudit: no blocking findings**"
    f = s["findings"]
    counts = (
        f"{s['call_sites']} AI call site{'s' if s['call_sites'] != 1 else ''} in {report.files_scanned} "
        f"scanned file{'s' if report.files_scanned != 1 else ''}: {f['error']} error(s), "
        f"{f['warning']} warning(s), {f['info']} note(s), {f['suppressed']} suppressed."
    )
    lines = [MARKER, f"## {verdict}", "", counts]
    if unparsed:
        lines.append(
            f"\n:x: {unparsed} file{'s' if unparsed != 1 else ''} could not be scanned "
            f"([TAG901]({rule_url('TAG901')})); unscanned files block like untagged calls."
        )
    return "\n".join(lines) + "\n"


def _counts(report: Report) -> str:
    s = summarize(report)
    if not s["call_sites"]:
        return ""
    rows = [
        "",
        "| Provider | Call sites | Tagged | Untagged | Unverifiable | Exempt |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for provider, r in s["by_provider"].items():
        rows.append(
            f"| {md(provider)} | {r['call_sites']} | {r['tagged']} | {r['untagged']} | "
            f"{r['unverifiable']} | {r['exempt']} |"
        )
    rows.append(
        f"| **Total** | **{s['call_sites']}** | **{s['tagged']}** | **{s['untagged']}** | "
        f"**{s['unverifiable']}** | **{s['exempt']}** |"
    )
    return "\n".join(rows) + "\n"


def _findings(
    active: list[Finding], link_base: str | None, group_by: str, max_findings: int, budget: int
) -> tuple[str, int]:
    if not active:
        return "", 0
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in sorted(active, key=lambda f: {"error": 0, "warning": 1}.get(f.severity, 2)):
        groups[(f.owner or "(no owner)") if group_by == "owner" else f.path].append(f)
    owners = group_by == "file" and any(f.owner for f in active)  # an all-empty column is noise
    out = f"\n### Findings by {'owner' if group_by == 'owner' else 'file'}\n"
    shown = 0
    for key in sorted(groups):
        head = (
            f"\n#### {md(key)}\n\n| | Rule | Location | Message |{' Owner |' if owners else ''}\n"
            f"|---|---|---|---|{'---|' if owners else ''}\n"
        )
        rows = ""
        for f in groups[key]:
            row = _row(f, link_base, with_path=group_by == "owner", with_owner=owners)
            if shown >= max_findings or len(out) + len(head) + len(rows) + len(row) > budget:
                return out + (head + rows if rows else ""), shown
            rows += row
            shown += 1
        out += head + rows
    return out, shown


def _row(f: Finding, link_base: str | None, *, with_path: bool, with_owner: bool) -> str:
    rule = f"[{f.rule}]({rule_url(f.rule)}) {md(f.name)}"
    owner = f" {md(f.owner or '')} |" if with_owner else ""
    loc = _location(f, link_base, with_path=with_path)
    fix = f"<br>Fix: {md(f.fix.describe())}" if f.fix is not None else ""
    return f"| {_ICON.get(f.severity, '')} | {rule} | {loc} | {md(f.message)}{fix} |{owner}\n"


def _location(f: Finding, link_base: str | None, *, with_path: bool) -> str:
    pos = f"cell {f.cell}, line {f.line}" if f.cell is not None else f"line {f.line}"
    text = f"{f.path} {pos}" if with_path else pos
    if not link_base:
        return md(text)
    anchor = "" if f.cell is not None else f"#L{f.line}" + (f"-L{f.end_line}" if f.end_line > f.line else "")
    return f"[{md(text)}]({link_base.rstrip('/')}/{quote(f.path.encode('utf-8', 'surrogateescape'), safe='/')}{anchor})"


def _suppressed(report: Report, link_base: str | None) -> str:
    sups = [f for f in ordered(report.findings) if f.suppressed is not None]
    if not sups:
        return ""
    rows = [
        f"\n<details><summary>{len(sups)} suppressed finding{'s' if len(sups) != 1 else ''}</summary>\n",
        "| Rule | Location | Kind | Justification |",
        "|---|---|---|---|",
    ]
    for f in sups[:100]:
        sup = f.suppressed
        assert sup is not None
        rows.append(
            f"| [{f.rule}]({rule_url(f.rule)}) | {_location(f, link_base, with_path=True)} | "
            f"{md(suppression_label(sup))} | "
            f"{md(sup.justification or '(none)', 200)} |"
        )
    if len(sups) > 100:
        rows.append(f"\n_…and {len(sups) - 100} more._")
    return "\n".join(rows) + "\n\n</details>\n"
