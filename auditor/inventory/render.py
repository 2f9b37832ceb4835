"""Inventory as JSON (a versioned contract; money as exact decimal strings) and as Markdown."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from auditor import __version__
from auditor.billing.records import Spend, SpendPool
from auditor.inventory.records import Inventory, PoolReport

# 2: untagged credits and adjustments moved out of "pools" into "credits" (summary.untagged_credits_cost);
# see docs/inventory-json.md.
JSON_VERSION = 2


def money(value: Decimal | None) -> str | None:
    """Exact, no exponent, no float: Decimal('12.5000000000') -> '12.5'."""
    if value is None:
        return None
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def ratio(value: Decimal | None) -> str | None:
    """Shares, coverages and variances, to six places (money stays exact; ratios need not)."""
    return None if value is None else f"{value.quantize(Decimal('0.000001')).normalize():f}"


def _spend(rows: tuple[Spend, ...]) -> list[dict[str, Any]]:
    return [{"name": s.name, "cost": money(s.cost), "allocated_cost": money(s.allocated_cost),
             "untagged_cost": money(s.untagged_cost), "rows": s.rows} for s in rows]


def _pool(p: PoolReport) -> dict[str, Any]:
    pool = p.pool
    return {
        "provider": pool.provider, "sub_account_id": pool.sub_account_id, "resource_id": pool.resource_id,
        "resource_name": pool.resource_name, "model": pool.model, "missing_keys": list(pool.missing_keys),
        "cost": money(pool.cost), "share": ratio(p.share), "rows": pool.rows,
        "cost_sources": {src: money(amount) for src, amount in pool.cost_sources},
        "call_sites": [{"repo": lk.call.repo, "path": lk.call.path, "line": lk.call.line, "cell": lk.call.cell,
                        "operation": lk.call.operation, "model": lk.call.model, "status": lk.call.status,
                        "owner": lk.call.owner, "confidence": lk.confidence, "reason": lk.reason,
                        "fingerprint": lk.call.fingerprint} for lk in p.links],
    }


def _credit(line: SpendPool) -> dict[str, Any]:
    return {"provider": line.provider, "sub_account_id": line.sub_account_id, "resource_id": line.resource_id,
            "resource_name": line.resource_name, "model": line.model, "missing_keys": list(line.missing_keys),
            "cost": money(line.cost), "rows": line.rows,
            "cost_sources": {src: money(amount) for src, amount in line.cost_sources}}


def _reconciliation(rec: Any) -> dict[str, Any] | None:
    if rec is None:
        return None
    return {
        "tolerance": ratio(rec.tolerance), "flagged": rec.flagged,
        "invoices": [{"invoice_id": c.invoice.invoice_id, "period": c.invoice.period, "provider": c.invoice.provider,
                      "currency": c.invoice.currency, "invoiced": money(c.invoice.amount), "billed": money(c.billed),
                      "variance": ratio(c.variance), "flagged": c.flagged} for c in rec.invoices],
        "unmatched": [{"invoice_id": g.invoice_id, "period": g.period, "provider": g.provider, "currency": g.currency,
                       "billed": money(g.billed)} for g in rec.unmatched],
        "estimates": [{"provider": e.provider, "model": e.model, "cost_source": e.cost_source,
                       "estimate": money(e.estimate), "list_cost": money(e.list_cost), "variance": ratio(e.variance),
                       "flagged": e.flagged, "basis": e.basis} for e in rec.estimates],
    }


def inventory_dict(inv: Inventory) -> dict[str, Any]:
    s = inv.summary
    return {
        "version": JSON_VERSION,
        "tool": {"name": "tagaudit", "version": __version__},
        "policy": inv.policy,
        "summary": {
            "total_ai_cost": money(s.total_ai_cost), "allocated_cost": money(s.allocated_cost),
            "untagged_cost": money(s.untagged_cost),
            "untagged_credits_cost": money(inv.allocation.credits_cost),
            "coverage_by_spend": ratio(s.coverage_by_spend),
            "coverage_by_call_sites": ratio(s.coverage_by_call_sites), "currency": s.currency,
            "period": {"start": s.period[0], "end": s.period[1]} if s.period else None,
            "call_sites": s.call_sites, "tagged_call_sites": s.tagged_call_sites, "repos": s.repos,
            "files_scanned": s.files_scanned,
        },
        "pools": [_pool(p) for p in inv.pools],
        "credits": [_credit(c) for c in inv.allocation.credits],
        "spend_by_vendor": _spend(inv.allocation.spend_by_vendor),
        "spend_by_team": _spend(inv.allocation.spend_by_team),
        "integrations": [{"repo": i.repo, "provider": i.provider, "sdk": i.sdk, "call_sites": i.call_sites,
                          "tagged": i.tagged, "untagged": i.untagged, "unverifiable": i.unverifiable,
                          "exempt": i.exempt, "coverage": ratio(i.coverage), "models": list(i.models),
                          "owners": list(i.owners)} for i in inv.integrations],
        "tag_gaps": [{"provider": g.provider, "key": g.key, "value": g.value, "grade": g.grade,
                      "call_sites": list(g.call_sites), "reason": g.reason} for g in inv.tag_gaps],
        "reconciliation": _reconciliation(inv.reconciliation),
        "billing": json.loads(json.dumps(inv.billing, default=money)),
    }


def render_inventory_json(inv: Inventory) -> str:
    return json.dumps(inventory_dict(inv), indent=2) + "\n"


def fmt_money(value: Decimal | None, currency: str | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.2f} {currency or ''}".strip()


def fmt_pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")
