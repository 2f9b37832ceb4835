"""The inventory as one self-contained HTML page (Jinja2 template, matplotlib charts inline as SVG)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from auditor import __version__
from auditor.inventory import charts
from auditor.inventory.records import Inventory
from auditor.inventory.render import fmt_money, fmt_pct

TEMPLATES = Path(__file__).parent / "templates"


def render_inventory_html(inv: Inventory) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    currency = inv.summary.currency

    def money(value: Decimal | None) -> str:
        return fmt_money(value, currency)

    graphs = {"vendor": charts.vendor_chart(inv), "team": charts.team_chart(inv), "share": charts.share_chart(inv),
              "pools": charts.pools_chart(inv)}
    return env.get_template("inventory.html.j2").render(
        inv=inv, s=inv.summary, rec=inv.reconciliation, policy=inv.policy, charts=graphs, money=money,
        pct=fmt_pct, version=__version__)
