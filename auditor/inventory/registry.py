"""INVENTORY_RENDERERS: `tagaudit inventory --format` name -> renderer, all with one signature. The CLI's
choices (for --format and --output) are this dict's keys: a new inventory format is one entry here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.inventory.records import Inventory

InventoryRenderer = Callable[["Inventory"], str]


# Each renderer module is imported on first use (the HTML one needs jinja2 from the audit extra).
def _markdown(inv: Inventory) -> str:
    from auditor.inventory.render_md import render_inventory_markdown

    return render_inventory_markdown(inv)


def _json(inv: Inventory) -> str:
    from auditor.inventory.render import render_inventory_json

    return render_inventory_json(inv)


def _html(inv: Inventory) -> str:
    from auditor.inventory.render_html import render_inventory_html

    return render_inventory_html(inv)


INVENTORY_RENDERERS: dict[str, InventoryRenderer] = {
    "markdown": _markdown,
    "json": _json,
    "html": _html,
}
