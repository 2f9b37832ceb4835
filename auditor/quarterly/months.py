"""The quarter's months from both sides (billing showback periods, code month-end snapshots), and by_team."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from auditor.finops.records import UNTAGGED, Chargeback, Showback
from auditor.quarterly.period import Quarter, month_end
from auditor.quarterly.records import OVERHEAD, QuarterMonth, TeamLine

SHARE = Decimal("0.0001")


def share(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if whole == 0 else (part / whole).quantize(SHARE)


def _code_side(month: str, snaps: Mapping[str, Any]) -> tuple[int | None, int | None, tuple[str, ...], list[str]]:
    """Sum of the repositories' snapshots of `month`; None when no repository has a commit by then."""
    calls = tagged = 0
    commits, notes, seen = [], [], False
    for repo, snap in snaps.items():
        if snap.note:
            notes.append(f"{repo}: {snap.note}")
        if snap.commit is None:
            continue
        seen = True
        calls += snap.call_sites
        tagged += snap.tagged_call_sites
        commits.append(f"{repo}@{snap.commit[:12]}")
    return (calls, tagged, tuple(commits), notes) if seen else (None, None, (), notes)


def quarter_months(q: Quarter, show: Showback, snapshots: Mapping[str, Sequence[Any]], as_of: dt.datetime
                   ) -> tuple[QuarterMonth, ...]:
    periods = {p.label: p for p in show.periods}
    out = []
    for i, month in enumerate(q.months):
        p = periods.get(month)
        notes = []
        if month_end(month) > as_of:
            begun = dt.datetime.fromisoformat(month + "-01").replace(tzinfo=dt.timezone.utc) <= as_of
            notes.append(f"{month} is not over (as of {as_of.date().isoformat()})" if begun
                         else f"{month} has not begun (as of {as_of.date().isoformat()})")
        if p is None or p.rows == 0:
            notes.append(f"no AI billing data for {month}: its spend is shown as 0, not measured")
        calls, tagged, commits, code_notes = _code_side(month, {r: s[i + 1] for r, s in snapshots.items()})
        if calls is None and not code_notes:
            code_notes.append("no repository given: call sites not measured")
        total = p.total if p else Decimal(0)
        allocated = p.allocated if p else Decimal(0)
        out.append(QuarterMonth(month, p.rows if p else 0, total, allocated, p.untagged if p else Decimal(0),
                                share(allocated, total) if p and p.rows else None, calls, tagged,
                                share(Decimal(tagged or 0), Decimal(calls)) if calls else None, commits,
                                tuple(notes + code_notes)))
    return tuple(out)


def by_team(cb: Chargeback, months: tuple[str, ...]) -> tuple[TeamLine, ...]:
    """Direct spend per team (and the untagged line) plus one shared-overhead line: they sum to the total."""
    direct: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    received: dict[str, Decimal] = defaultdict(Decimal)
    overhead: dict[str, Decimal] = defaultdict(Decimal)
    for m in cb.months:
        overhead[m.month] += m.overhead
        for ln in m.lines:
            if ln.status == "unsplit":
                continue
            status = "untagged" if ln.status == "unallocated" else ln.status
            direct[(ln.team, status)][m.month] += ln.direct
            received[ln.team] += ln.overhead
    lines = [TeamLine(team, status, sum(per.values(), Decimal(0)), tuple((mo, per.get(mo, Decimal(0))) for mo in months),
                      received[team] if status == "charged" else Decimal(0))
             for (team, status), per in direct.items()]
    if any(overhead.values()) or cb.overhead:
        lines.append(TeamLine(OVERHEAD, "overhead", sum(overhead.values(), Decimal(0)),
                              tuple((mo, overhead.get(mo, Decimal(0))) for mo in months), Decimal(0)))
    order = {"charged": 0, "showback": 1, "overhead": 2, "untagged": 3}
    return tuple(sorted(lines, key=lambda t: (t.team == UNTAGGED, order[t.status], -t.cost, t.team)))
