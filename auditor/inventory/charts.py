"""Charts for the HTML report, drawn with matplotlib as inline SVG (deterministic: no dates, fixed ids)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from auditor.inventory.records import Inventory

ALLOCATED = "#2e7d32"
UNTAGGED = "#ef6c00"


def _figure(height: float) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "tagaudit", "svg.fonttype": "none", "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False})
    return plt.subplots(figsize=(7.0, height))


def _svg(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.tight_layout()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _f(value: Decimal) -> float:
    return float(value)  # for drawing only; every number printed in the report stays Decimal


def _bars(labels: list[str], allocated: list[Decimal], untagged: list[Decimal], currency: str, title: str) -> str:
    fig, ax = _figure(0.45 * len(labels) + 1.2)
    y = list(range(len(labels)))[::-1]
    ax.barh(y, [_f(v) for v in allocated], color=ALLOCATED, label="allocated")
    ax.barh(y, [_f(v) for v in untagged], left=[_f(v) for v in allocated], color=UNTAGGED, label="untagged")
    ax.set_yticks(y, labels)
    ax.set_xlabel(currency)
    ax.set_title(title, loc="left")
    ax.legend(loc="lower right", frameon=False)
    return _svg(fig)


def vendor_chart(inv: Inventory) -> str:
    rows = inv.allocation.spend_by_vendor
    return _bars([r.name for r in rows], [r.allocated_cost for r in rows], [r.untagged_cost for r in rows],
                 inv.summary.currency or "", "AI spend by vendor")


def team_chart(inv: Inventory) -> str:
    rows = inv.allocation.spend_by_team
    return _bars([r.name for r in rows], [r.allocated_cost for r in rows], [r.untagged_cost for r in rows],
                 inv.summary.currency or "", "AI spend by team")


def share_chart(inv: Inventory) -> str:
    s = inv.summary
    fig, ax = _figure(2.8)
    values = [max(_f(s.allocated_cost), 0.0), max(_f(s.untagged_cost), 0.0)]
    if sum(values) == 0:
        values = [1.0, 0.0]
    ax.pie(values, colors=[ALLOCATED, UNTAGGED], startangle=90, counterclock=False,
           wedgeprops={"width": 0.35}, labels=["allocated", "untagged"])
    share = (s.untagged_cost / s.total_ai_cost * 100) if s.total_ai_cost else Decimal(0)
    ax.text(0, 0, f"{share:.1f}%\nuntagged", ha="center", va="center", fontsize=12)
    ax.set_title("Untagged share of AI spend", loc="left")
    return _svg(fig)


def pools_chart(inv: Inventory, top: int = 10) -> str:
    pools = [p for p in inv.pools if p.pool.cost > 0][:top]
    if not pools:
        return ""
    labels = [" · ".join(x for x in (p.pool.provider, p.pool.resource_name or p.pool.sub_account_id or "default",
                                      p.pool.model or "") if x)[:60] for p in pools]
    fig, ax = _figure(0.42 * len(pools) + 1.2)
    y = list(range(len(pools)))[::-1]
    ax.barh(y, [_f(p.pool.cost) for p in pools], color=UNTAGGED)
    ax.set_yticks(y, labels)
    ax.set_xlabel(inv.summary.currency or "")
    ax.set_title("Largest untagged spend pools", loc="left")
    return _svg(fig)
