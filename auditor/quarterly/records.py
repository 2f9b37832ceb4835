"""Quarterly report records: frozen, slotted, money as Decimal. Rendered by render_json/_md/_html."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from auditor.finops.records import Breakdown, Chargeback
from auditor.inventory.records import PoolReport

OVERHEAD = "(shared overhead)"  # by_team line: shared platform spend, whatever team it was split to


@dataclass(frozen=True, slots=True)
class QuarterMonth:
    """One month of the quarter from both sides. Billing: by ChargePeriodStart. Code: the tree at the last
    commit before the month's end (None when there is none: `notes` says why)."""

    month: str
    billing_rows: int
    total_ai_cost: Decimal
    allocated_cost: Decimal
    untagged_cost: Decimal
    coverage_by_spend: Decimal | None
    call_sites: int | None
    tagged_call_sites: int | None
    coverage_by_call_sites: Decimal | None
    commits: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TeamLine:
    """Spend of one team in the quarter. `status`: charged, showback (listed, never charged), untagged (no team
    tag) or overhead (the shared-overhead line). `cost` is the team's direct spend; overhead it receives is in
    `overhead_received`, already counted in the overhead line, so the `cost` of all lines sums to the total."""

    team: str
    status: str
    cost: Decimal
    months: tuple[tuple[str, Decimal], ...]
    overhead_received: Decimal


@dataclass(frozen=True, slots=True)
class Change:
    """A change since the previous quarter (or, without one, from the quarter's first to its last month)."""

    dimension: str
    name: str
    before: Decimal
    after: Decimal
    change: Decimal
    basis: str


@dataclass(frozen=True, slots=True)
class SiteChange:
    repo: str
    kind: str  # added | removed
    between: str  # "2026-07..2026-08"
    path: str
    provider: str
    operation: str
    scope: str


@dataclass(frozen=True, slots=True)
class DebtEntry:
    """A suppression (inline or baseline) with its owner and expiry: active, expiring next quarter, or expired."""

    repo: str
    kind: str  # baseline | inline
    owner: str
    path: str
    rule: str
    expires: str | None
    state: str  # active | expiring | expired
    reason: str


@dataclass(frozen=True, slots=True)
class Criterion:
    name: str
    measured: str
    target: str
    met: bool | None  # None: could not be measured (detail says why)
    detail: str


@dataclass(frozen=True, slots=True)
class Procurement:
    concentration: tuple[tuple[str, Decimal], ...]  # team -> share of the quarter's direct team spend, largest first
    concentration_text: str
    model_mix: tuple[tuple[str, tuple[tuple[str, Decimal], ...]], ...]  # month -> (model, share)
    model_shift: tuple[tuple[str, Decimal], ...]  # model -> share change first month -> last month
    peak_daily: Decimal | None
    average_daily: Decimal | None
    peak_day: str | None
    peak_to_average: Decimal | None
    committed_cost: Decimal
    on_demand_cost: Decimal


@dataclass(frozen=True, slots=True)
class Action:
    owner: str
    what: str
    where: tuple[str, ...]
    spend_at_stake: Decimal


@dataclass(frozen=True, slots=True)
class Previous:
    """The previous quarter as recorded in the history store."""

    quarter: str
    recorded_at: str
    total_ai_cost: Decimal
    allocated_cost: Decimal
    untagged_cost: Decimal
    coverage_by_spend: Decimal | None
    call_sites: int | None
    tagged_call_sites: int | None
    totals: tuple[tuple[str, str, Decimal], ...]  # (dimension, name, cost)
    months: tuple[str, ...]


@dataclass(frozen=True)
class Quarterly:
    quarter: str
    as_of: str
    complete: bool
    currency: str | None
    policy: str
    repos: tuple[str, ...]
    total_ai_cost: Decimal
    allocated_cost: Decimal
    untagged_cost: Decimal
    coverage_by_spend: Decimal | None
    months: tuple[QuarterMonth, ...]
    by_team: tuple[TeamLine, ...]
    breakdowns: tuple[Breakdown, ...]  # team, feature, vendor, model (showback's, per month)
    pools: tuple[PoolReport, ...]
    site_changes: tuple[SiteChange, ...]
    debt: tuple[DebtEntry, ...]
    criteria: tuple[Criterion, ...]
    ready: bool
    procurement: Procurement
    actions: tuple[Action, ...]
    previous: Previous | None
    changes: tuple[Change, ...]
    chargeback: Chargeback
    showback_months: int
    notes: tuple[str, ...]

    def breakdown(self, dimension: str) -> Breakdown | None:
        return next((b for b in self.breakdowns if b.dimension == dimension), None)
