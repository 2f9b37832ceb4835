"""Billing records: what ingestion, allocation and reconciliation hand to the rest of tagaudit.

All money is `Decimal` (DuckDB `DECIMAL(38, 10)` on the SQL side); times are naive UTC `datetime`s.
Records are frozen and slotted. `BillingData` is the one exception to "plain data": it carries the
DuckDB connection that owns the views it names, so it is neither picklable nor comparable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import duckdb

Period = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Rejection:
    """One problem that made a data row unreadable; the row's cost is not counted anywhere else.

    `row` is the 1-based data row (the header is not a row). `cost` is the row's BilledCost when that
    cell was itself readable, else None; `currency` likewise.
    """

    file: str
    row: int
    column: str | None
    reason: str
    hint: str
    cost: Decimal | None = None
    currency: str | None = None

    def __str__(self) -> str:
        col = f" {self.column}:" if self.column else ""
        return f"{self.file}:{self.row}:{col} {self.reason}; {self.hint}"


@dataclass(frozen=True, slots=True)
class Note:
    """A FOCUS conformance problem that tagaudit reads through (rows stay valid), or a file-level fact.

    `count` rows are affected; `row` is the first affected data row when known; `example` a value seen.
    """

    file: str
    column: str | None
    reason: str
    hint: str
    count: int = 0
    row: int | None = None
    example: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}:" if self.row else f"{self.file}:"
        col = f" {self.column}:" if self.column else ""
        times = f" ({self.count} rows)" if self.count > 1 else ""
        seen = f", e.g. {self.example!r}" if self.example is not None else ""
        return f"{where}{col} {self.reason}{times}{seen}; {self.hint}"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One input file as read: its format, detected FOCUS version and row counts."""

    path: str
    format: str  # csv | parquet
    focus_version: str  # "1.0" | "1.1" | "1.2" (by the columns present)
    rows: int
    rejected_rows: int


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency with the number of rows behind it."""

    currency: str
    amount: Decimal
    rows: int


class RemoteRows(Protocol):
    """The valid rows of an engine table (auditor.billing.engines), where they live: `into` runs a DuckDB
    aggregate over `BillingData.view` on the engine and stores what comes back in `table`."""

    def into(self, con: duckdb.DuckDBPyConnection, table: str, select: str) -> None: ...


@dataclass(frozen=True, slots=True)
class BillingData:
    """Loaded billing input: valid FOCUS 1.2 rows live in DuckDB, problems live here.

    `view` (auditor.billing.tables.VALID_ROWS) names a lazy view of every valid row (FOCUS 1.2 columns,
    the tool's `x_` columns and `x_SourceFile`); `rollup` (tables.ROLLUP) names a view of the same rows
    grouped by every dimension tagaudit uses (`validate.DIMS`; sums `BilledCost` and `Rows`, with
    `FirstCharge`/`LastCharge`). Both exclude rejected rows and, when `currency` is set, rows in other
    currencies (counted in `excluded`). tables.py lists every column.
    """

    con: duckdb.DuckDBPyConnection  # imported for type checking only: importing records never imports duckdb
    view: str
    rollup: str
    files: tuple[SourceFile, ...]
    rows: int
    valid_rows: int
    rejected_rows: int
    rejected: tuple[Rejection, ...]
    rejected_cost: tuple[Money, ...]
    unreadable_cost_rows: int
    unlisted_rows: int
    currencies: tuple[Money, ...]
    excluded: tuple[Money, ...]
    period: Period | None
    notes: tuple[Note, ...]
    currency: str | None = None
    remote: RemoteRows | None = None  # set for an engine table: queries over `view` run there (db.aggregate)


@dataclass(frozen=True, slots=True)
class SpendPool:
    """AI spend that shares provider, sub-account, resource, model and missing keys.

    `provider` is tagaudit's id (openai, anthropic, aws_bedrock, azure_openai, google_vertex, other);
    `provider_name` its display name. Allocated spend uses the same record with `missing_keys == ()`. `cost_sources` splits `cost` by what was bought
    (input, output, cache-read, cache-write, with /batch or /priority, credit, ...); it sums to `cost`.
    `tags` are the keys that did resolve (key, value), as seen in any row of the pool.
    """

    provider: str
    provider_name: str | None
    sub_account_id: str | None
    resource_id: str | None
    model: str | None
    missing_keys: tuple[str, ...]
    cost_sources: tuple[tuple[str, Decimal], ...]
    cost: Decimal
    rows: int
    tags: tuple[tuple[str, str], ...] = ()
    resource_name: str | None = None
    sub_account_name: str | None = None


@dataclass(frozen=True, slots=True)
class Spend:
    """One line of a spend breakdown (by vendor, by team): total, and how much of it is allocated."""

    name: str
    cost: Decimal
    allocated_cost: Decimal
    untagged_cost: Decimal
    rows: int


@dataclass(frozen=True, slots=True)
class Seen:
    """An identifier billing knows about, for matching pools to code (kind as in the scope map,
    plus `model`, `azure_resource` and `tag:<key>`)."""

    kind: str
    value: str
    provider: str
    cost: Decimal
    untagged_cost: Decimal
    rows: int


@dataclass(frozen=True, slots=True)
class Allocation:
    """AI spend split into allocated spend and untagged pools, in one currency.

    Invariant: `allocated_cost + untagged_cost == total_ai_cost`; `pools` (untagged spend, ranked by cost)
    and `credits` (untagged credit and adjustment lines: FOCUS ChargeCategory Credit or Adjustment, not spend
    that needs a tag, so never ranked as a pool) together sum to `untagged_cost`, `credits` to `credits_cost`;
    `allocated` sums to `allocated_cost` (a tagged credit stays with its team), and each breakdown
    (`spend_by_vendor`, `spend_by_team`) sums to `total_ai_cost`.
    """

    currency: str | None
    period: Period | None
    required_keys: tuple[str, ...]
    team_key: str
    total_ai_cost: Decimal
    allocated_cost: Decimal
    untagged_cost: Decimal
    ai_rows: int
    pools: tuple[SpendPool, ...]
    allocated: tuple[SpendPool, ...]
    spend_by_vendor: tuple[Spend, ...]
    spend_by_team: tuple[Spend, ...]
    seen: tuple[Seen, ...]
    credits: tuple[SpendPool, ...] = ()
    credits_cost: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Invoice:
    """An invoice total the user supplied: by invoice id, or by billing period (and provider)."""

    amount: Decimal
    currency: str
    invoice_id: str | None = None
    period: str | None = None  # "YYYY-MM"
    provider: str | None = None  # matches FOCUS ProviderName, case-insensitive
    source: str = ""


@dataclass(frozen=True, slots=True)
class InvoiceCheck:
    """Billed cost against one invoice. `variance` is (billed - invoiced) / invoiced."""

    invoice: Invoice
    billed: Decimal
    rows: int
    variance: Decimal | None
    flagged: bool


@dataclass(frozen=True, slots=True)
class BilledGroup:
    """Billed cost that no supplied invoice covers (by invoice id, or period and provider)."""

    invoice_id: str | None
    period: str | None
    provider: str | None
    currency: str
    billed: Decimal
    rows: int


@dataclass(frozen=True, slots=True)
class EstimateCheck:
    """Token-based estimate against list cost for one provider x model x cost source.

    `basis` is "unit-price" (PricingQuantity x ListUnitPrice from the data) or "price-table"
    (ConsumedQuantity x the packaged price list).
    """

    provider: str
    model: str | None
    cost_source: str
    tokens: Decimal
    estimate: Decimal
    list_cost: Decimal
    variance: Decimal | None
    flagged: bool
    basis: str


@dataclass(frozen=True, slots=True)
class Reconciliation:
    tolerance: Decimal
    currency: str | None
    invoices: tuple[InvoiceCheck, ...]
    unmatched: tuple[BilledGroup, ...]
    estimates: tuple[EstimateCheck, ...]

    @property
    def flagged(self) -> bool:
        return any(c.flagged for c in self.invoices) or any(e.flagged for e in self.estimates)
