"""Quarterly charts as inline SVG, drawn with the inventory's matplotlib helpers (deterministic output)."""

from __future__ import annotations

from auditor.inventory import charts as base
from auditor.quarterly.records import Quarterly

_PALETTE = ("#1565c0", "#2e7d32", "#6a1b9a", "#00838f", "#c62828", "#5d4037", "#9e9d24", "#455a64")


def months_chart(q: Quarterly) -> str:
    labels = [m.month for m in q.months]
    return base._bars(labels, [m.allocated_cost for m in q.months], [m.untagged_cost for m in q.months],
                      q.currency or "", "AI spend by month: allocated and untagged")


def coverage_chart(q: Quarterly) -> str:
    fig, ax = base._figure(2.6)
    x = list(range(len(q.months)))
    spend = [float(m.coverage_by_spend * 100) if m.coverage_by_spend is not None else float("nan") for m in q.months]
    calls = [float(m.coverage_by_call_sites * 100) if m.coverage_by_call_sites is not None else float("nan")
             for m in q.months]
    ax.plot(x, spend, marker="o", color=base.ALLOCATED, label="by spend (billing)")
    ax.plot(x, calls, marker="s", color="#1565c0", label="tagged call sites (code)")
    if q.previous is not None and q.previous.coverage_by_spend is not None:
        ax.axhline(float(q.previous.coverage_by_spend * 100), color="#9e9e9e", linestyle="--",
                   label=f"{q.previous.quarter} by spend")
    ax.axhline(90, color=base.UNTAGGED, linestyle=":", label="90% target")
    ax.set_xticks(x, [m.month for m in q.months])
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.set_title("Tagging coverage at each month", loc="left")
    ax.legend(loc="lower left", frameon=False, fontsize=7)
    return base._svg(fig)


def teams_chart(q: Quarterly) -> str:
    fig, ax = base._figure(0.42 * max(len(q.by_team), 1) + 1.4)
    teams = list(q.by_team)[::-1]
    y = list(range(len(teams)))
    left = [0.0] * len(teams)
    for i, (month, _) in enumerate(teams[0].months if teams else ()):
        values = [base._f(dict(t.months)[month]) for t in teams]
        ax.barh(y, values, left=left, color=_PALETTE[i % len(_PALETTE)], label=month)
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks(y, [f"{t.team} ({t.status})" for t in teams])
    ax.set_xlabel(q.currency or "")
    ax.set_title("Spend by team per month (untagged and shared overhead on their own lines)", loc="left")
    ax.legend(loc="lower right", frameon=False)
    return base._svg(fig)


def all_charts(q: Quarterly) -> dict[str, str]:
    return {"months": months_chart(q), "coverage": coverage_chart(q), "teams": teams_chart(q)}
