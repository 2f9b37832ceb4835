"""`build_quarterly`: the quarter's report from the showback, chargeback, inventory, measures and month-end
code snapshots. Pure: every input is already computed; the totals are checked to reconcile exactly."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from auditor.finops.records import Chargeback, Showback
from auditor.inventory.records import Inventory
from auditor.quarterly import assess
from auditor.quarterly.measures import Measures
from auditor.quarterly.months import by_team, quarter_months, share
from auditor.quarterly.period import Quarter
from auditor.quarterly.records import DebtEntry, Previous, Quarterly, SiteChange

TOP_POOLS = 10


@dataclass(frozen=True)
class QuarterInputs:
    quarter: Quarter
    as_of: dt.datetime
    show: Showback
    chargeback: Chargeback
    inventory: Inventory
    measures: Measures
    snapshots: Mapping[str, Sequence[Any]]  # repo -> MonthSnapshot for the month before the quarter + its 3 months
    debt: tuple[DebtEntry, ...]
    previous: Previous | None
    history_months: frozenset[str]
    variance: Decimal | None
    invoices_given: bool
    tolerance: Decimal
    extra_notes: tuple[str, ...] = ()


def site_changes(snapshots: Mapping[str, Sequence[Any]], months: Sequence[str]) -> tuple[SiteChange, ...]:
    from auditor.history.backfill import site_changes as diff

    out = []
    for repo, snaps in snapshots.items():
        for a, b in itertools.pairwise(snaps):
            if a.commit is None or b.commit is None:
                continue
            added, removed = diff(a, b)
            for kind, sites in (("added", added), ("removed", removed)):
                out += [SiteChange(repo, kind, f"{a.month}..{b.month}", s.path, s.provider, s.operation, s.scope)
                        for s in sites]
    return tuple(out)


def _notes(i: QuarterInputs, months: Sequence[Any]) -> list[str]:
    notes = list(dict.fromkeys(n for m in months for n in m.notes))
    if i.as_of < i.quarter.end:
        notes.insert(0, f"{i.quarter.label} is not over yet: figures are as of {i.as_of.date().isoformat()}")
    if i.previous is None:
        notes.append(f"no {i.quarter.previous().label} in the history store: changes compare the quarter's first "
                     "and last months")
    return notes + list(i.show.notes) + list(i.extra_notes)


def _check(q: Quarterly) -> None:
    """Exact totals: per month allocated + untagged = total; the by_team lines sum to the AI total."""
    wrong = [m.month for m in q.months if m.allocated_cost + m.untagged_cost != m.total_ai_cost]
    teams = sum((t.cost for t in q.by_team), Decimal(0))
    months = sum((m.total_ai_cost for m in q.months), Decimal(0))
    if wrong or teams != q.total_ai_cost or months != q.total_ai_cost:
        raise RuntimeError(f"quarterly report does not reconcile: months {wrong}, teams {teams}, "
                           f"months total {months}, AI total {q.total_ai_cost}")


def build_quarterly(i: QuarterInputs) -> Quarterly:
    q, show, cb = i.quarter, i.show, i.chargeback
    months = quarter_months(q, show, i.snapshots, i.as_of)
    teams = by_team(cb, q.months)
    with_data = [m.month for m in months if m.billing_rows]
    history = len(set(with_data) | i.history_months)
    criteria = assess.criteria(share(show.allocated, show.total) if show.total else None, i.variance,
                               i.invoices_given, i.tolerance, history,
                               (cb.overhead, cb.overhead_share, not any(ln.status == "unsplit" for m in cb.months
                                                                        for ln in m.lines)), i.measures)
    month_totals = {m.month: m.total_ai_cost for m in months}
    pools = tuple(p for p in i.inventory.pools if p.pool.cost > 0)[:TOP_POOLS]
    breakdowns = tuple(b for b in show.breakdowns if b.dimension in ("team", "feature", "vendor", "model"))
    report = Quarterly(
        q.label, i.as_of.date().isoformat(), i.as_of >= q.end, show.currency, show.policy, tuple(i.snapshots),
        show.total, show.allocated, show.untagged, share(show.allocated, show.total) if show.total else None,
        months, teams, breakdowns, pools, site_changes(i.snapshots, q.months), i.debt, criteria,
        all(c.met for c in criteria), assess.procurement(teams, show.total, show.breakdown("model"), month_totals,
                                                          i.measures),
        assess.actions(pools, i.debt), i.previous, assess.changes(breakdowns, i.previous, with_data), cb, history,
        tuple(_notes(i, months)))
    _check(report)
    return report
