"""Records of the two-week audit inventory: code call sites joined with billing pools."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from auditor.billing.records import Allocation, SpendPool


@dataclass(frozen=True, slots=True)
class CallRef:
    """A call site as the inventory sees it: where, which provider, which scope ids and tag values."""

    repo: str
    path: str
    line: int
    cell: int | None
    provider: str
    sdk: str
    operation: str
    model: str | None
    status: str
    owner: str | None
    scopes: tuple[tuple[str, str], ...]  # (scope kind, identifier) as written or as declared in assume_env
    tags: tuple[tuple[str, str, str], ...]  # (key, literal value, grade)
    fingerprint: str

    @property
    def where(self) -> str:
        cell = f" cell {self.cell}," if self.cell is not None else ""
        return f"{self.repo}:{self.path}:{cell}{self.line}" if self.repo else f"{self.path}:{cell}{self.line}"


@dataclass(frozen=True, slots=True)
class PoolLink:
    call: CallRef
    confidence: str  # high | medium | low
    reason: str


@dataclass(frozen=True, slots=True)
class PoolReport:
    pool: SpendPool
    share: Decimal  # of all AI spend
    links: tuple[PoolLink, ...]


@dataclass(frozen=True, slots=True)
class Integration:
    """One repository's use of one provider through one SDK."""

    repo: str
    provider: str
    sdk: str
    call_sites: int
    tagged: int
    untagged: int
    unverifiable: int
    exempt: int
    models: tuple[str, ...]
    owners: tuple[str, ...]
    calls: tuple[CallRef, ...]

    @property
    def coverage(self) -> Decimal | None:
        billable = self.call_sites - self.exempt
        return (Decimal(self.tagged) / Decimal(billable)).quantize(Decimal("0.0001")) if billable else None


@dataclass(frozen=True, slots=True)
class TagGap:
    """A tag value set in code that never appears in the provider's billing data."""

    provider: str
    key: str
    value: str
    grade: str
    call_sites: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Summary:
    total_ai_cost: Decimal
    allocated_cost: Decimal
    untagged_cost: Decimal
    coverage_by_spend: Decimal | None
    coverage_by_call_sites: Decimal | None
    currency: str | None
    period: tuple[str, str] | None
    call_sites: int
    tagged_call_sites: int
    repos: int
    files_scanned: int


@dataclass(frozen=True)
class Inventory:
    summary: Summary
    allocation: Allocation
    pools: tuple[PoolReport, ...]
    integrations: tuple[Integration, ...]
    tag_gaps: tuple[TagGap, ...]
    reconciliation: Any  # auditor.billing.records.Reconciliation | None
    billing: dict[str, Any]  # input quality: files, rows, rejected rows and cost, notes
    policy: str
