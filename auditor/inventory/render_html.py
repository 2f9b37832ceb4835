"""The inventory as one self-contained HTML page (Jinja2 template, matplotlib charts inline as SVG)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.inventory import charts
from auditor.inventory.records import Inventory
from auditor.inventory.render import fmt_money, fmt_pct
from auditor.report.escape import plain

TEMPLATES = Path(__file__).parent / "templates"


def _inert(value: Any) -> Any:
    """Every value printed by the template: autoescaped (HTML), and here control characters and lone
    surrogates made visible or replaced. Markup (the charts, marked `| safe`) is ours and passes as is."""
    from markupsafe import Markup

    if isinstance(value, str) and not isinstance(value, Markup):
        return plain(value)
    return value


def render_inventory_html(inv: Inventory) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined, finalize=_inert)
    currency = inv.summary.currency

    def money(value: Decimal | None) -> str:
        return fmt_money(value, currency)

    graphs = {"vendor": charts.vendor_chart(inv), "team": charts.team_chart(inv), "share": charts.share_chart(inv),
              "pools": charts.pools_chart(inv)}
    return env.get_template("inventory.html.j2").render(
        inv=inv, s=inv.summary, rec=inv.reconciliation, policy=inv.policy, charts=graphs, money=money,
        pct=fmt_pct, version=__version__)
