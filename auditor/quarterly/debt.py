"""Governance debt: inline suppressions and baseline entries, by owner, with their expiry state."""

from __future__ import annotations

import datetime as dt

from auditor.gate.baseline import BASELINE_NAME, load_baseline
from auditor.inventory.build import ScannedRepo
from auditor.quarterly.records import DebtEntry

NO_OWNER = "(no owner)"


def _state(expires: str | None, today: dt.date, horizon: dt.date) -> str:
    if expires is None:
        return "active"
    try:
        day = dt.date.fromisoformat(expires)
    except ValueError:
        return "active"
    if day < today:
        return "expired"
    return "expiring" if day < horizon else "active"


def governance_debt(repos: list[ScannedRepo], today: dt.date, horizon: dt.date) -> tuple[DebtEntry, ...]:
    """Every suppression of every repository; `expiring` means it lapses before `horizon` (the end of next
    quarter), `expired` that it already has."""
    out = []
    for repo in repos:
        for f in repo.report.findings:
            sup = f.suppressed
            if sup is not None and sup.kind == "inSource":
                out.append(DebtEntry(repo.name, "inline", sup.owner or f.owner or NO_OWNER, f"{f.path}:{f.line}",
                                     f.rule, sup.expires, _state(sup.expires, today, horizon), sup.justification))
        path = repo.root / BASELINE_NAME
        if path.is_file():
            for e in load_baseline(path, repo.root).entries:
                expires = e.expires.isoformat()
                out.append(DebtEntry(repo.name, "baseline", e.owner or NO_OWNER, e.path, e.rule, expires,
                                     _state(expires, today, horizon), e.reason))
    order = {"expired": 0, "expiring": 1, "active": 2}
    return tuple(sorted(out, key=lambda d: (d.owner, order[d.state], d.expires or "", d.path, d.rule)))
