"""The quarterly report as JSON: versioned contract (docs/quarterly-report.md), money as exact decimal strings."""

from __future__ import annotations

import json
from typing import Any

from auditor import __version__
from auditor.finops.records import Breakdown
from auditor.inventory.render import money, ratio
from auditor.quarterly.records import Quarterly

QUARTERLY_VERSION = 1


def _breakdown(b: Breakdown) -> list[dict[str, Any]]:
    return [{"name": ln.name, "cost": money(ln.total),
             "months": {p.period: {"cost": money(p.cost), "change": money(p.change),
                                   "change_ratio": ratio(p.change_ratio)} for p in ln.periods}} for ln in b.lines]


def _months(q: Quarterly) -> list[dict[str, Any]]:
    return [{"month": m.month, "billing_rows": m.billing_rows, "total_ai_cost": money(m.total_ai_cost),
             "allocated_cost": money(m.allocated_cost), "untagged_cost": money(m.untagged_cost),
             "coverage_by_spend": ratio(m.coverage_by_spend), "call_sites": m.call_sites,
             "tagged_call_sites": m.tagged_call_sites, "coverage_by_call_sites": ratio(m.coverage_by_call_sites),
             "commits": list(m.commits), "notes": list(m.notes)} for m in q.months]


def _procurement(q: Quarterly) -> dict[str, Any]:
    p = q.procurement
    return {"concentration": [{"team": t, "share": ratio(s)} for t, s in p.concentration],
            "concentration_text": p.concentration_text,
            "model_mix": {m: [{"model": n, "share": ratio(s)} for n, s in rows] for m, rows in p.model_mix},
            "model_shift": [{"model": n, "change": ratio(s)} for n, s in p.model_shift],
            "peak_daily_cost": money(p.peak_daily), "peak_day": p.peak_day, "average_daily_cost": money(p.average_daily),
            "peak_to_average": ratio(p.peak_to_average), "committed_cost": money(p.committed_cost),
            "on_demand_cost": money(p.on_demand_cost)}


def _pools(q: Quarterly) -> list[dict[str, Any]]:
    return [{"provider": r.pool.provider, "sub_account_id": r.pool.sub_account_id, "resource_id": r.pool.resource_id,
             "model": r.pool.model, "missing_keys": list(r.pool.missing_keys), "cost": money(r.pool.cost),
             "share": ratio(r.share),
             "call_sites": [{"where": ln.call.where, "owner": ln.call.owner, "confidence": ln.confidence,
                             "reason": ln.reason} for ln in r.links]} for r in q.pools]


def _previous(q: Quarterly) -> dict[str, Any] | None:
    p = q.previous
    if p is None:
        return None
    return {"quarter": p.quarter, "recorded_at": p.recorded_at, "total_ai_cost": money(p.total_ai_cost),
            "allocated_cost": money(p.allocated_cost), "untagged_cost": money(p.untagged_cost),
            "coverage_by_spend": ratio(p.coverage_by_spend), "call_sites": p.call_sites,
            "tagged_call_sites": p.tagged_call_sites}


def quarterly_dict(q: Quarterly) -> dict[str, Any]:
    return {
        "version": QUARTERLY_VERSION, "tool": f"tagaudit {__version__}", "quarter": q.quarter, "as_of": q.as_of,
        "complete": q.complete, "currency": q.currency, "policy": q.policy, "repos": list(q.repos),
        "total_ai_cost": money(q.total_ai_cost), "allocated_cost": money(q.allocated_cost),
        "untagged_cost": money(q.untagged_cost), "coverage_by_spend": ratio(q.coverage_by_spend),
        "ready": q.ready, "months": _months(q),
        "by_team": [{"team": t.team, "status": t.status, "cost": money(t.cost),
                     "months": {m: money(c) for m, c in t.months}, "overhead_received": money(t.overhead_received)}
                    for t in q.by_team],
        "spend": {b.dimension: _breakdown(b) for b in q.breakdowns},
        "changes": [{"dimension": c.dimension, "name": c.name, "before": money(c.before), "after": money(c.after),
                     "change": money(c.change), "basis": c.basis} for c in q.changes],
        "untagged_pools": _pools(q),
        "integrations_changed": [{"repo": s.repo, "change": s.kind, "between": s.between, "path": s.path,
                                  "provider": s.provider, "operation": s.operation, "scope": s.scope}
                                 for s in q.site_changes],
        "governance_debt": [{"repo": d.repo, "kind": d.kind, "owner": d.owner, "path": d.path, "rule": d.rule,
                             "expires": d.expires, "state": d.state, "reason": d.reason} for d in q.debt],
        "readiness": [{"criterion": c.name, "measured": c.measured, "target": c.target, "met": c.met,
                       "detail": c.detail} for c in q.criteria],
        "showback_months": q.showback_months,
        "overhead": {"cost": money(q.chargeback.overhead), "share": ratio(q.chargeback.overhead_share),
                     "rules": list(q.chargeback.rules)},
        "procurement": _procurement(q),
        "actions": [{"owner": a.owner, "what": a.what, "where": list(a.where), "spend_at_stake": money(a.spend_at_stake)}
                    for a in q.actions],
        "previous_quarter": _previous(q), "notes": list(q.notes),
    }


def render_quarterly_json(q: Quarterly) -> str:
    return json.dumps(quarterly_dict(q), indent=2) + "\n"
