"""Report renderers: `tagaudit report showback|chargeback --format` name -> renderer, one signature per report.
The CLI's choices (--format and --output) are these dicts' keys: a new format is one entry here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.finops.records import Showback

ShowbackRenderer = Callable[["Showback"], str]


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
