"""Showback as JSON (versioned contract, money as exact decimal strings), Markdown and CSV (one row per
dimension x line x period: the long format spreadsheets pivot)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from auditor import __version__
from auditor.finops.records import Breakdown, Line, Showback
from auditor.inventory.render import fmt_money, fmt_pct, money, ratio
from auditor.report.escape import md_escape as _md

SHOWBACK_VERSION = 1


def _line(line: Line) -> dict[str, Any]:
    return {"name": line.name, "total": money(line.total), "rows": line.rows,
            "periods": [{"period": p.period, "cost": money(p.cost), "change": money(p.change),
                         "change_ratio": ratio(p.change_ratio)} for p in line.periods]}


def showback_json(show: Showback) -> dict[str, Any]:
    return {
        "version": SHOWBACK_VERSION, "tool": f"tagaudit {__version__}", "policy": show.policy,
        "currency": show.currency, "period": show.period_kind, "total_ai_cost": money(show.total),
        "allocated_cost": money(show.allocated), "untagged_cost": money(show.untagged), "rows": show.rows,
        "periods": [{"period": p.label, "start": p.start.isoformat(), "end": p.end.isoformat(), "rows": p.rows,
                     "total_ai_cost": money(p.total), "allocated_cost": money(p.allocated),
                     "untagged_cost": money(p.untagged)} for p in show.periods],
        "breakdowns": {b.dimension: {"source": b.source, "lines": [_line(ln) for ln in b.lines]}
                       for b in show.breakdowns},
        "unit_costs": [{"feature": u.feature, "unit": u.unit, "quantity": money(u.quantity), "cost": money(u.cost),
                        "cost_per_unit": money(u.cost_per_unit), "rows": u.rows} for u in show.unit_costs],
        "notes": list(show.notes),
    }


def render_showback_json(show: Showback) -> str:
    return json.dumps(showback_json(show), indent=2) + "\n"


def _change(line: Line) -> str:
    last = line.periods[-1] if line.periods else None
    if last is None or last.change is None:
        return "-"
    sign = "+" if last.change > 0 else ""
    pct = f" ({sign}{fmt_pct(last.change_ratio)})" if last.change_ratio is not None else ""
    return f"{sign}{last.change:,.2f}{pct}"


def _table(b: Breakdown, show: Showback) -> list[str]:
    labels = [p.label for p in show.periods]
    out = [f"## By {b.dimension.replace('_', ' ')}", "", f"_{_md(b.source)}_", "",
           "| | " + " | ".join(labels) + " | total | share | change vs previous |",
           "|---|" + "---:|" * (len(labels) + 3)]
    for ln in b.lines:
        share = fmt_pct(ln.total / show.total) if show.total else "-"
        cells = " | ".join(f"{p.cost:,.2f}" for p in ln.periods)
        out.append(f"| {_md(ln.name)} | {cells} | {fmt_money(ln.total, show.currency)} | {share} | {_change(ln)} |")
    return out + [""]


def _unit_costs(show: Showback) -> list[str]:
    if not show.unit_costs:
        return ["## Cost per unit by feature", "", "No usage rows carry ConsumedQuantity with a unit.", ""]
    out = ["## Cost per unit by feature", "", "| feature | unit | quantity | cost | cost per unit | per 1M |",
           "|---|---|---:|---:|---:|---:|"]
    for u in show.unit_costs:
        per = "-" if u.cost_per_unit is None else f"{u.cost_per_unit:.8f}"
        per_m = "-" if u.cost_per_unit is None else f"{u.cost_per_unit * 1_000_000:,.4f}"
        out.append(f"| {_md(u.feature)} | {_md(u.unit)} | {u.quantity:,.0f} | {fmt_money(u.cost, show.currency)} "
                   f"| {per} | {per_m} |")
    return out + [""]


def render_showback_markdown(show: Showback) -> str:
    cur = show.currency
    out = [f"# AI spend showback by {show.period_kind}", "",
           (f"Policy `{_md(show.policy)}`. AI spend {fmt_money(show.total, cur)}: allocated "
           f"{fmt_money(show.allocated, cur)}, untagged {fmt_money(show.untagged, cur)} (every required key "
           "must resolve for spend to count as allocated). Every table sums to the AI total."), "",
           "| period | AI spend | allocated | untagged | rows |", "|---|---:|---:|---:|---:|"]
    out += [f"| {p.label} | {fmt_money(p.total, cur)} | {fmt_money(p.allocated, cur)} | "
            f"{fmt_money(p.untagged, cur)} | {p.rows} |" for p in show.periods]
    out.append("")
    for b in show.breakdowns if show.periods else ():
        out += _table(b, show)
    out += _unit_costs(show) if show.periods else []
    if show.notes:
        out += ["## Notes", ""] + [f"- {_md(n)}" for n in show.notes] + [""]
    return "\n".join(out)


CSV_FIELDS = ("dimension", "name", "period", "cost", "change", "change_ratio", "currency")


def render_showback_csv(show: Showback) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for b in show.breakdowns:
        for ln in b.lines:
            for p in ln.periods:
                writer.writerow([b.dimension, ln.name, p.period, money(p.cost), money(p.change) or "",
                                 ratio(p.change_ratio) or "", show.currency or ""])
    return buf.getvalue()
