"""Showback and chargeback records: frozen, slotted, money as Decimal (DECIMAL(38, 10) in DuckDB)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

UNTAGGED = "(untagged)"  # the line for spend whose key does not resolve: always present, never merged


@dataclass(frozen=True, slots=True)
class PeriodInfo:
    """One period of the report: `label` is YYYY-MM or YYYY-Www (ISO week); `rows` 0 means no AI billing data."""

    label: str
    start: datetime
    end: datetime
    rows: int
    total: Decimal
    allocated: Decimal
    untagged: Decimal


@dataclass(frozen=True, slots=True)
class PeriodCost:
    """A line's cost in one period; `change` is against the previous period (None for the first)."""

    period: str
    cost: Decimal
    change: Decimal | None
    change_ratio: Decimal | None  # change / previous cost; None when there is no previous or it is 0


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    total: Decimal
    rows: int
    periods: tuple[PeriodCost, ...]


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Spend by one dimension. `source` says what the names are (a policy key, or a billing field);
    the lines sum to the report's total exactly."""

    dimension: str
    source: str
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class UnitCost:
    """Cost per consumed unit for one feature: `quantity` in `unit` (ConsumedUnit normalised: "1000 Tokens"
    counts 1000 tokens per unit); `cost` is the BilledCost of the rows that carry that quantity."""

    feature: str
    unit: str
    quantity: Decimal
    cost: Decimal
    cost_per_unit: Decimal | None
    rows: int


@dataclass(frozen=True, slots=True)
class Showback:
    currency: str | None
    period_kind: str  # month | week
    policy: str
    total: Decimal
    allocated: Decimal
    untagged: Decimal
    rows: int
    periods: tuple[PeriodInfo, ...]
    breakdowns: tuple[Breakdown, ...]
    unit_costs: tuple[UnitCost, ...]
    notes: tuple[str, ...]

    def breakdown(self, dimension: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.dimension == dimension)


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One team's month. `status`: charged (production spend charged back), showback (listed, never charged:
    experimental/R&D), unallocated (no team tag: nobody is charged) or unsplit (overhead that had nobody to
    split over). Only charged lines receive overhead."""

    month: str
    team: str
    status: str
    direct: Decimal
    overhead: Decimal
    total: Decimal
    rules: str


@dataclass(frozen=True, slots=True)
class MonthStatement:
    month: str
    total: Decimal
    charged: Decimal
    overhead: Decimal
    showback: Decimal
    unallocated: Decimal
    ready: bool
    reasons: tuple[str, ...]
    lines: tuple[StatementLine, ...]


@dataclass(frozen=True, slots=True)
class AllocatedRow:
    """A FOCUS 1.3 row: an origin charge group passed through, or one team's split of a shared one
    (AllocatedMethodId set). The rows of one `origin_id` sum to its `origin_cost` exactly."""

    origin_id: int
    month: str
    start: datetime
    end: datetime
    provider: str
    sub_account_id: str | None
    resource_id: str | None
    model: str
    cost_source: str
    status: str
    team: str
    billed_cost: Decimal
    origin_cost: Decimal
    method_id: str | None
    method_details: str | None
    allocated_tags: str | None


@dataclass(frozen=True, slots=True)
class Chargeback:
    currency: str | None
    policy: str
    split: str
    rules: tuple[str, ...]  # every rule used, in words: printed in every output
    total: Decimal
    overhead: Decimal
    overhead_share: Decimal | None
    tolerance: Decimal
    months: tuple[MonthStatement, ...]
    rows: tuple[AllocatedRow, ...]

    @property
    def ready(self) -> bool:
        return bool(self.months) and all(m.ready for m in self.months)
