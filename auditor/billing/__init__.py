"""Billing side of tagaudit: FOCUS ingestion (DuckDB), AI-spend allocation and untagged pools.

Public API (see each module's docstring):
    load_billing(paths, *, currency=None, max_listed=1000) -> BillingData      (auditor.billing.ingest.load)
    pool_spend(data, policy) -> Allocation                                    (auditor.billing.allocate.pools)
    reconcile(data, invoices, policy) -> Reconciliation                       (auditor.billing.allocate.reconciliation)
    load_invoices(path) -> list[Invoice]                                      (auditor.billing.allocate.reconciliation)
Records live in auditor.billing.records. DuckDB is imported only when a function runs, and these names
resolve lazily so `tagaudit` startup does not pay for billing. (The module is `reconciliation`, not
`reconcile`: a submodule named like the function would shadow it as a package attribute.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.billing.allocate.pools import pool_spend
    from auditor.billing.allocate.reconciliation import load_invoices, reconcile
    from auditor.billing.ingest.load import load_billing

_LAZY = {
    "load_billing": "auditor.billing.ingest.load",
    "pool_spend": "auditor.billing.allocate.pools",
    "reconcile": "auditor.billing.allocate.reconciliation",
    "load_invoices": "auditor.billing.allocate.reconciliation",
}

__all__ = ["load_billing", "load_invoices", "pool_spend", "reconcile"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
