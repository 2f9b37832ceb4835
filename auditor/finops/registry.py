"""Report renderers: `tagaudit report showback|chargeback --format` name -> renderer, one signature per report.
The CLI's choices (--format and --output) are these dicts' keys: a new format is one entry here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.finops.records import Chargeback, Showback

ShowbackRenderer = Callable[["Showback"], str]
ChargebackRenderer = Callable[["Chargeback"], str]


# Imported on first use: the renderers need the billing side, the CLI module must not.
def _json(show: Showback) -> str:
    from auditor.finops.render_showback import render_showback_json

    return render_showback_json(show)


def _markdown(show: Showback) -> str:
    from auditor.finops.render_showback import render_showback_markdown

    return render_showback_markdown(show)


def _csv(show: Showback) -> str:
    from auditor.finops.render_showback import render_showback_csv

    return render_showback_csv(show)


SHOWBACK_RENDERERS: dict[str, ShowbackRenderer] = {
    "markdown": _markdown,
    "json": _json,
    "csv": _csv,
}


def _cb_markdown(cb: Chargeback) -> str:
    from auditor.finops.render_chargeback import render_chargeback_markdown

    return render_chargeback_markdown(cb)


def _cb_json(cb: Chargeback) -> str:
    from auditor.finops.render_chargeback import render_chargeback_json

    return render_chargeback_json(cb)


def _cb_csv(cb: Chargeback) -> str:
    from auditor.finops.render_chargeback import render_chargeback_csv

    return render_chargeback_csv(cb)


def _cb_focus(cb: Chargeback) -> str:
    from auditor.finops.render_chargeback import render_chargeback_focus

    return render_chargeback_focus(cb)


# csv is the statement (team x month); focus is FOCUS 1.3 allocated rows as CSV.
CHARGEBACK_RENDERERS: dict[str, ChargebackRenderer] = {
    "markdown": _cb_markdown,
    "json": _cb_json,
    "csv": _cb_csv,
    "focus": _cb_focus,
}


if TYPE_CHECKING:
    from auditor.quarterly.records import Quarterly

QuarterlyRenderer = Callable[["Quarterly"], str]


def _q_json(q: Quarterly) -> str:
    from auditor.quarterly.render_json import render_quarterly_json

    return render_quarterly_json(q)


def _q_markdown(q: Quarterly) -> str:
    from auditor.quarterly.render_md import render_quarterly_markdown

    return render_quarterly_markdown(q)


def _q_html(q: Quarterly) -> str:
    from auditor.quarterly.render_html import render_quarterly_html

    return render_quarterly_html(q)


QUARTERLY_RENDERERS: dict[str, QuarterlyRenderer] = {
    "markdown": _q_markdown,
    "json": _q_json,
    "html": _q_html,
}
# Written with --output only (binary): printed by headless Chromium from the html.
QUARTERLY_FILE_FORMATS = ("pdf",)
