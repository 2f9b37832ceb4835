"""The two-week audit inventory as a Markdown document (the default output of `tagaudit inventory`)."""

from __future__ import annotations

from auditor.billing.records import Spend
from auditor.inventory.records import Inventory
from auditor.inventory.render import fmt_money, fmt_pct
from auditor.report.escape import md_code as code
from auditor.report.escape import md_escape as _md


def _spend_table(title: str, rows: tuple[Spend, ...], currency: str | None) -> list[str]:
    out = [f"## {title}", "", "| | spend | allocated | untagged |", "|---|---:|---:|---:|"]
    out += [f"| {_md(s.name)} | {fmt_money(s.cost, currency)} | {fmt_money(s.allocated_cost, currency)} | "
            f"{fmt_money(s.untagged_cost, currency)} |" for s in rows]
    return out + [""]


def _headline(inv: Inventory) -> list[str]:
    s, cur = inv.summary, inv.summary.currency
    period = _md(f"{s.period[0]} to {s.period[1]}") if s.period else "unknown period"
    return [
        "# AI spend audit inventory", "",
        (f"Period {period} · {s.repos} repositor{'y' if s.repos == 1 else 'ies'}, {s.files_scanned} files scanned · "
        f"policy {code(inv.policy, in_table=False)}"), "",
        "| AI spend | allocated | untagged | coverage by spend | call sites | tagged call sites |",
        "|---:|---:|---:|---:|---:|---:|",
        (f"| {fmt_money(s.total_ai_cost, cur)} | {fmt_money(s.allocated_cost, cur)} | "
        f"{fmt_money(s.untagged_cost, cur)} | {fmt_pct(s.coverage_by_spend)} | {s.call_sites} | "
        f"{s.tagged_call_sites} ({fmt_pct(s.coverage_by_call_sites)}) |"), "",
    ]


def _pools(inv: Inventory) -> list[str]:
    cur = inv.summary.currency
    out = ["## Largest untagged spend pools", ""]
    if not inv.pools:
        return out + ["No untagged AI spend.", "", *_credits(inv)]
    out += ["| # | provider | account / resource | model | missing keys | cost | share | likely code |",
            "|---:|---|---|---|---|---:|---:|---|"]
    for n, p in enumerate(inv.pools, start=1):
        pool = p.pool
        where = pool.resource_name or pool.resource_id or pool.sub_account_id or "default"
        code_ = "<br>".join(f"{code(lk.call.where)} ({_md(lk.confidence)})" for lk in p.links[:3]) or "not found in code"
        out.append(f"| {n} | {_md(pool.provider)} | {_md(where)} | {_md(pool.model or '-')} | "
                   f"{_md(', '.join(pool.missing_keys))} | {fmt_money(pool.cost, cur)} | {fmt_pct(p.share)} | {code_} |")
    out += ["", *_credits(inv)]
    for n, p in enumerate(inv.pools, start=1):
        if not p.links:
            continue
        out.append(f"**Pool {n}**: " + "; ".join(
            f"{code(lk.call.where, in_table=False)} {_md(lk.call.operation)} \\[{_md(lk.call.status)}, "
            f"{_md(lk.confidence)}\\]: {_md(lk.reason)}"
            for lk in p.links[:5]))
        out.append("")
    return out


def _credits(inv: Inventory) -> list[str]:
    """Untagged credits and adjustments: one line, never ranked as pools (no tag would allocate them)."""
    a, cur = inv.allocation, inv.summary.currency
    if not a.credits:
        return []
    where = "; ".join(f"{_md(c.provider)} {_md(c.resource_name or c.resource_id or c.sub_account_id or 'default')} "
                      f"{fmt_money(c.cost, cur)}" for c in a.credits[:5]) + ("; ..." if len(a.credits) > 5 else "")
    pools, rows = a.untagged_cost - a.credits_cost, sum(c.rows for c in a.credits)
    line = (f"Credits and adjustments without the required tags: **{fmt_money(a.credits_cost, cur)}** "
            f"({rows} row{'' if rows == 1 else 's'}: {where}). Not spend pools; the untagged total "
            f"{fmt_money(a.untagged_cost, cur)} is {fmt_money(pools, cur)} of pools plus these.")
    return [line, ""]


def _integrations(inv: Inventory) -> list[str]:
    out = ["## AI integrations", "",
           "| repo | provider | SDK | call sites | tagged | untagged | unverifiable | exempt | coverage | models | owners |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|---|---|"]
    out += [f"| {_md(i.repo)} | {_md(i.provider)} | {_md(i.sdk)} | {i.call_sites} | {i.tagged} | {i.untagged} | "
            f"{i.unverifiable} | {i.exempt} | {fmt_pct(i.coverage)} | {_md(', '.join(i.models) or '-')} | "
            f"{_md(', '.join(i.owners) or '-')} |" for i in inv.integrations]
    return out + [""]


def _gaps(inv: Inventory) -> list[str]:
    out = ["## Tag values that never reach billing", ""]
    if not inv.tag_gaps:
        return out + ["Every tag value set in code appears in the billing data.", ""]
    out += ["| provider | tag | set as | why it is not on the bill | call sites |", "|---|---|---|---|---|"]
    out += [f"| {_md(g.provider)} | {code(f'{g.key}={g.value}')} | {_md(g.grade)} | {_md(g.reason)} | "
            f"{_md(', '.join(g.call_sites))} |" for g in inv.tag_gaps]
    return out + [""]


def _reconciliation(inv: Inventory) -> list[str]:
    rec, cur = inv.reconciliation, inv.summary.currency
    out = ["## Reconciliation", ""]
    if rec is None:
        return out + ["No invoices given (`--invoices FILE`), so billed cost was not checked against them.", ""]
    out += [f"Tolerance {fmt_pct(rec.tolerance)}.", "",
            "| invoice | invoiced | billed (FOCUS) | variance | |", "|---|---:|---:|---:|---|"]
    for c in rec.invoices:
        name = c.invoice.invoice_id or f"{c.invoice.period} {c.invoice.provider or ''}".strip()
        out.append(f"| {_md(name)} | {fmt_money(c.invoice.amount, c.invoice.currency)} | "
                   f"{fmt_money(c.billed, c.invoice.currency)} | {fmt_pct(c.variance)} | "
                   f"{'**over tolerance**' if c.flagged else 'ok'} |")
    flagged = [e for e in rec.estimates if e.flagged]
    out += ["", f"Token estimates against list cost: {len(rec.estimates)} checked, {len(flagged)} over tolerance."]
    out += [f"- {_md(e.provider)} {_md(e.model or '')} {_md(e.cost_source)}: estimate {fmt_money(e.estimate, cur)} vs list "
            f"{fmt_money(e.list_cost, cur)} ({fmt_pct(e.variance)})" for e in flagged[:10]]
    return out + [""]


def _billing(inv: Inventory) -> list[str]:
    b = inv.billing
    out = ["## Billing input", "",
           (f"{b['rows']} rows read, {b['valid_rows']} valid, {b['rejected_rows']} rejected (their cost is reported, "
           "never silently counted)."), ""]
    out += [f"- {code(f['path'], in_table=False)}: {_md(f['format'])}, FOCUS {_md(f['focus_version'])}, {f['rows']} rows, "
            f"{f['rejected_rows']} rejected" for f in b["files"]]
    out += [f"- rejected: {_md(r)}" for r in b["rejected"][:10]]
    return out + [""]


def render_inventory_markdown(inv: Inventory) -> str:
    cur = inv.summary.currency
    parts = (_headline(inv) + _pools(inv) + _spend_table("Spend by vendor", inv.allocation.spend_by_vendor, cur)
             + _spend_table("Spend by team", inv.allocation.spend_by_team, cur) + _integrations(inv) + _gaps(inv)
             + _reconciliation(inv) + _billing(inv))
    return "\n".join(parts).rstrip() + "\n"
