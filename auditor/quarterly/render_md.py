"""The quarterly report as Markdown, in the issue's order: summary, coverage, spend, pools and integrations,
governance debt, readiness, procurement evidence, actions."""

from __future__ import annotations

from decimal import Decimal

from auditor.finops.records import Breakdown
from auditor.inventory.render import fmt_pct
from auditor.quarterly.records import Quarterly
from auditor.report.escape import md_escape as _md


def _m(v: Decimal | None) -> str:
    return "-" if v is None else f"{v:,.2f}"


def _summary(q: Quarterly) -> list[str]:
    trend = " → ".join(fmt_pct(m.coverage_by_spend) for m in q.months)
    prev = q.previous
    vs = (f" ({prev.quarter}: {fmt_pct(prev.coverage_by_spend)}, {_m(prev.total_ai_cost)} {q.currency or ''})"
          if prev else " (no previous quarter recorded)")
    out = [f"# Quarterly AI spend audit: {q.quarter}", "", f"As of {q.as_of}; policy `{_md(q.policy)}`.", "",
           "## 1. Executive summary", "",
           (f"- AI spend: **{_m(q.total_ai_cost)} {q.currency or ''}**; allocated {fmt_pct(q.coverage_by_spend)}, "
           f"untagged {_m(q.untagged_cost)}"),
           f"- Coverage by spend by month: {trend}{vs}",
           f"- Chargeback readiness: **{'READY' if q.ready else 'NOT READY'}**"]
    out += [f"- Change: {c.dimension} `{_md(c.name)}` {_m(c.before)} → {_m(c.after)} "
            f"({'+' if c.change > 0 else ''}{_m(c.change)}; {c.basis})" for c in q.changes]
    if q.notes:
        out += ["", "Notes:", ""] + [f"- {_md(n)}" for n in q.notes]
    return out


def _coverage(q: Quarterly) -> list[str]:
    out = ["", "## 2. Coverage by month", "",
           "| month | AI spend | allocated | untagged | by spend | call sites | tagged | by call sites |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for m in q.months:
        out.append(f"| {m.month} | {_m(m.total_ai_cost)} | {_m(m.allocated_cost)} | {_m(m.untagged_cost)} | "
                   f"{fmt_pct(m.coverage_by_spend)} | {m.call_sites if m.call_sites is not None else '-'} | "
                   f"{m.tagged_call_sites if m.tagged_call_sites is not None else '-'} | "
                   f"{fmt_pct(m.coverage_by_call_sites)} |")
    return out


def _table(b: Breakdown, months: list[str]) -> list[str]:
    out = ["", f"### By {b.dimension}", "", "| | " + " | ".join(months) + " | quarter | MoM (last) |",
           "|---|" + "---:|" * (len(months) + 2)]
    for ln in b.lines:
        per = {p.period: p for p in ln.periods}
        last = per.get(months[-1])
        mom = "-" if last is None or last.change is None else f"{'+' if last.change > 0 else ''}{_m(last.change)}"
        out.append(f"| {_md(ln.name)} | " + " | ".join(_m(per[m].cost) if m in per else "-" for m in months)
                   + f" | {_m(ln.total)} | {mom} |")
    return out


def _spend(q: Quarterly) -> list[str]:
    months = [m.month for m in q.months]
    out = ["", "## 3. Spend by team, feature, vendor and model", "",
           "| team | status | " + " | ".join(months) + " | quarter | overhead received |",
           "|---|---|" + "---:|" * (len(months) + 2)]
    for t in q.by_team:
        out.append(f"| {_md(t.team)} | {t.status} | " + " | ".join(_m(c) for _, c in t.months)
                   + f" | {_m(t.cost)} | {_m(t.overhead_received)} |")
    for b in q.breakdowns:
        out += _table(b, months)
    return out


def _pools(q: Quarterly) -> list[str]:
    out = ["", "## 4. Largest untagged pools and integration changes", "",
           "| pool | missing | cost | code (owner) |", "|---|---|---:|---|"]
    for r in q.pools:
        code = "; ".join(f"`{_md(ln.call.where)}` ({_md(ln.call.owner or 'no owner')})" for ln in r.links[:3]) or "-"
        name = " · ".join(x for x in (r.pool.provider, r.pool.sub_account_id or r.pool.resource_id, r.pool.model) if x)
        out.append(f"| {_md(name)} | {', '.join(r.pool.missing_keys)} | {_m(r.pool.cost)} | {code} |")
    out += ["", f"Integrations added and removed between month ends: {len(q.site_changes)}", ""]
    out += [f"- {s.kind} {s.between}: `{_md(s.repo)}:{_md(s.path)}` {s.provider} {_md(s.operation)} in "
            f"`{_md(s.scope)}`" for s in q.site_changes] or ["- none"]
    return out


def _rest(q: Quarterly) -> list[str]:
    out = ["", "## 5. Governance debt", "", "| owner | state | kind | where | rule | expires |", "|---|---|---|---|---|---|"]
    out += [f"| {_md(d.owner)} | {d.state} | {d.kind} | `{_md(d.repo)}:{_md(d.path)}` | {d.rule} | {d.expires or '-'} |"
            for d in q.debt] or ["| - | none | | | | |"]
    out += ["", "## 6. Chargeback readiness", "", "| criterion | measured | target | met |", "|---|---|---|---|"]
    out += [f"| {c.name} | {_md(c.measured)} | {_md(c.target)} | {'-' if c.met is None else 'yes' if c.met else 'no'} |"
            for c in q.criteria]
    p = q.procurement
    out += ["", "## 7. Procurement evidence", "", f"- Concentration: {_md(p.concentration_text)}",
            (f"- Peak-to-average daily spend: {p.peak_to_average if p.peak_to_average is not None else '-'} "
            f"(peak {_m(p.peak_daily)} on {p.peak_day or '-'}, average {_m(p.average_daily)})"),
            f"- Committed {_m(p.committed_cost)} vs on-demand {_m(p.on_demand_cost)}",
            "- Model mix shift (first to last month): " + (", ".join(
                f"{_md(n)} {'+' if s > 0 else ''}{s * 100:.1f} pt" for n, s in p.model_shift[:5]) or "-")]
    out += ["", "## 8. Actions by owner", "", "| owner | what | where | spend at stake |", "|---|---|---|---:|"]
    out += [f"| {_md(a.owner)} | {_md(a.what)} | {'<br>'.join('`' + _md(w) + '`' for w in a.where[:3])} | "
            f"{_m(a.spend_at_stake)} |" for a in q.actions] or ["| - | nothing to do | | |"]
    out += ["", "Overhead rules:", ""] + [f"- {_md(r)}" for r in q.chargeback.rules]
    return out


def render_quarterly_markdown(q: Quarterly) -> str:
    return "\n".join(_summary(q) + _coverage(q) + _spend(q) + _pools(q) + _rest(q)) + "\n"
