"""Readiness criteria, procurement evidence, changes since last quarter and the action list."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from auditor.finops.records import Breakdown
from auditor.inventory.records import PoolReport
from auditor.quarterly.measures import Measures
from auditor.quarterly.months import share
from auditor.quarterly.records import Action, Change, Criterion, DebtEntry, Previous, Procurement, TeamLine

COVERAGE_TARGET = Decimal("0.90")
SHOWBACK_MONTHS = 6
_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def pct(v: Decimal | None) -> str:
    return "-" if v is None else f"{v * 100:.1f}%"


def criteria(coverage: Decimal | None, variance: Decimal | None, invoices: bool, tolerance: Decimal,
             months: int, overhead: tuple[Decimal, Decimal | None, bool], lacking: Measures) -> tuple[Criterion, ...]:
    total_overhead, overhead_share, all_split = overhead
    var_detail = ("no invoices given (--invoices)" if not invoices else
                  "no invoice matched billed spend" if variance is None else "largest |variance| of any invoice")
    requests = f", {lacking.lacking_requests:,f} requests" if lacking.lacking_requests is not None else ""
    return (
        Criterion("coverage by spend", pct(coverage), f"≥ {pct(COVERAGE_TARGET)}",
                  None if coverage is None else coverage >= COVERAGE_TARGET, "allocated share of the quarter's AI spend"),
        Criterion("invoice variance", pct(variance), f"≤ {pct(tolerance)}",
                  None if variance is None else variance <= tolerance, var_detail),
        Criterion("months of showback history", str(months), f"≥ {SHOWBACK_MONTHS}", months >= SHOWBACK_MONTHS,
                  "months with AI billing data, this quarter and the history store"),
        Criterion("shared overhead", f"{pct(overhead_share)} ({total_overhead:,.2f})", "reported, all split",
                  all_split, "overhead split by the policy's rule" if all_split
                  else "some overhead had no charged team to split over"),
        Criterion("requests lacking team or feature tags", f"{lacking.lacking_rows:,} charge rows{requests}", "0",
                  lacking.lacking_rows == 0, f"{lacking.lacking_cost:,.2f} of usage spend"),
    )


def _concentration(teams: tuple[TeamLine, ...], total: Decimal) -> tuple[tuple[tuple[str, Decimal], ...], str]:
    named = sorted((t for t in teams if t.status in ("charged", "showback")), key=lambda t: -t.cost)
    shares = tuple((t.team, share(t.cost, total) or Decimal(0)) for t in named)
    if len(shares) < 2 or total <= 0:
        return shares, "fewer than two tagged teams: no concentration to report"
    top = shares[:2]
    carried = sum((s for _, s in top), Decimal(0))
    return shares, f"{_WORDS[2]} teams ({', '.join(n for n, _ in top)}) carry {pct(carried)} of AI spend"


def _mix(models: Breakdown | None, month_totals: dict[str, Decimal]
         ) -> tuple[tuple[tuple[str, tuple[tuple[str, Decimal], ...]], ...], tuple[tuple[str, Decimal], ...]]:
    if models is None:
        return (), ()
    mix = []
    for month, total in month_totals.items():
        row = [(ln.name, share(p.cost, total) or Decimal(0)) for ln in models.lines for p in ln.periods
               if p.period == month]
        mix.append((month, tuple(sorted(row, key=lambda r: -r[1]))))
    with_data = [m for m in mix if month_totals[m[0]] != 0]
    if len(with_data) < 2:
        return tuple(mix), ()
    first, last = dict(with_data[0][1]), dict(with_data[-1][1])
    shift = sorted(((n, last.get(n, Decimal(0)) - first.get(n, Decimal(0))) for n in first.keys() | last.keys()),
                   key=lambda r: (-abs(r[1]), r[0]))
    return tuple(mix), tuple(shift)


def procurement(teams: tuple[TeamLine, ...], total: Decimal, models: Breakdown | None,
                month_totals: dict[str, Decimal], m: Measures) -> Procurement:
    shares, text = _concentration(teams, total)
    mix, shift = _mix(models, month_totals)
    peak = max(m.daily, key=lambda d: d[1]) if m.daily else None
    average = (sum((c for _, c in m.daily), Decimal(0)) / len(m.daily)).quantize(Decimal("0.01")) if m.daily else None
    ratio = None if peak is None or not average else (peak[1] / average).quantize(Decimal("0.01"))
    return Procurement(shares, text, mix, shift, peak[1] if peak else None, average, peak[0] if peak else None,
                       ratio, m.committed_cost, m.on_demand_cost)


def changes(breakdowns: tuple[Breakdown, ...], previous: Previous | None, months: list[str]) -> tuple[Change, ...]:
    """The three largest changes (by absolute amount) by team, vendor and model."""
    out = []
    if previous is not None:
        before = {(d, n): c for d, n, c in previous.totals}
        basis = f"{previous.quarter} to this quarter"
        for b in breakdowns:
            if b.dimension in ("team", "vendor", "model"):
                now = {(b.dimension, ln.name): ln.total for ln in b.lines}
                for key in now.keys() | {k for k in before if k[0] == b.dimension}:
                    a, z = before.get(key, Decimal(0)), now.get(key, Decimal(0))
                    out.append(Change(key[0], key[1], a, z, z - a, basis))
    elif len(months) >= 2:
        basis = f"{months[0]} to {months[-1]} (no previous quarter recorded)"
        for b in breakdowns:
            if b.dimension in ("team", "vendor", "model"):
                for ln in b.lines:
                    per = {p.period: p.cost for p in ln.periods}
                    a, z = per.get(months[0], Decimal(0)), per.get(months[-1], Decimal(0))
                    out.append(Change(b.dimension, ln.name, a, z, z - a, basis))
    out.sort(key=lambda c: (-abs(c.change), c.dimension, c.name))
    return tuple(c for c in out if c.change != 0)[:3]


def actions(pools: tuple[PoolReport, ...], debt: tuple[DebtEntry, ...]) -> tuple[Action, ...]:
    """Per owner: what to tag, where, and the spend at stake (untagged pools via the code that feeds them)."""
    acc: dict[tuple[str, str], tuple[set[str], Decimal]] = {}
    for p in pools:
        if p.pool.cost <= 0:
            continue
        what = (f"tag {', '.join(p.pool.missing_keys)} on {p.pool.provider_name or p.pool.provider} "
                f"{p.pool.model or ''}".rstrip())
        links = [ln for ln in p.links if ln.confidence in ("high", "medium")] or list(p.links[:1])
        owners = defaultdict(set)
        for ln in links:
            owners[ln.call.owner or "(no owner)"].add(ln.call.where)
        if not owners:
            owners["(no owner)"].add("no call site found: tag the billing resource or add a scope_map entry")
        for owner, where in owners.items():
            seen, cost = acc.get((owner, what), (set(), Decimal(0)))
            acc[(owner, what)] = (seen | where, cost + p.pool.cost)  # each owner has the whole pool at stake
    out = [Action(o, w, tuple(sorted(where)), cost) for (o, w), (where, cost) in acc.items()]
    for d in debt:
        if d.state in ("expired", "expiring"):
            out.append(Action(d.owner, f"{'renew or fix' if d.state == 'expired' else 'review'} {d.kind} "
                                       f"suppression of {d.rule} ({d.state} {d.expires})", (f"{d.repo}:{d.path}",),
                              Decimal(0)))
    return tuple(sorted(out, key=lambda a: (a.owner, -a.spend_at_stake, a.what)))
