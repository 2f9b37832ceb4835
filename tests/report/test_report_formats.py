"""The format registry and the generated rules page."""

from __future__ import annotations

import re

from auditor.records import Report
from auditor.report.registry import REPORTERS, RenderOptions
from auditor.report.rulesdoc import DOCS_URL, render_rules_markdown, rule_url
from auditor.rules import RULES


def test_every_format_renders_text(report: Report) -> None:
    assert set(REPORTERS) == {"console", "json", "sarif", "gitlab", "junit", "github", "markdown"}
    for name, render in REPORTERS.items():
        text = render(report, RenderOptions())
        assert isinstance(text, str) and text.endswith("\n"), name


def test_rules_page_has_an_anchor_for_every_rule_link() -> None:
    page = render_rules_markdown()
    headings = re.findall(r"^## (TAG\d{3})$", page, re.MULTILINE)
    assert headings == list(RULES)
    assert rule_url("TAG001") == f"{DOCS_URL}#tag001"
    assert not re.search(r"^## What it does", page, re.MULTILINE), (
        "rule doc sections are demoted below the rule heading"
    )
