"""The quarterly report as one self-contained, print-ready HTML page (Jinja2, inline CSS, matplotlib SVG)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from auditor import __version__
from auditor.finops.records import Line
from auditor.inventory.render import fmt_money, fmt_pct
from auditor.inventory.render_html import _inert
from auditor.quarterly.charts import all_charts
from auditor.quarterly.records import Quarterly

TEMPLATES = Path(__file__).parent / "templates"


def _num(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def render_quarterly_html(q: Quarterly) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined, finalize=_inert)

    def money(value: Decimal | None) -> str:
        return fmt_money(value, q.currency)

    def period_cost(line: Line, month: str) -> str:
        return next((_num(p.cost) for p in line.periods if p.period == month), "-")

    def shift(value: Decimal) -> str:
        return f"{'+' if value > 0 else ''}{value * 100:.1f} pt"

    return env.get_template("quarterly.html.j2").render(
        q=q, charts=all_charts(q), money=money, num=_num, pct=fmt_pct, period_cost=period_cost, shift=shift,
        version=__version__)
