"""Reconciliation: billed cost against invoices, and token-based estimates against list cost.

    load_invoices(path: Path) -> list[Invoice]          YAML (`invoices:` list) or CSV, amounts exact
    reconcile(data: BillingData, invoices: list[Invoice], policy: Policy) -> Reconciliation

Invoice side (billing-formats.md §7): Σ BilledCost per InvoiceId; rows without an InvoiceId match an
invoice given by billing period ("YYYY-MM" of BillingPeriodStart) and, optionally, provider
(ProviderName). Estimate side: per provider x model x cost source, tokens x the packaged list price
(prices.yaml; batch at the batch factor, other tiers at the standard price as a lower bound) or else
PricingQuantity x ListUnitPrice from the data, against ListCost. Anything off by more than
`policy.tolerance` (default 5%) is flagged; a zero reference with a non-zero actual is always flagged.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from auditor.billing import tables
from auditor.billing.allocate import classify
from auditor.billing.db import aggregate, fetch_dicts, fetch_row
from auditor.billing.ingest import validate
from auditor.billing.ingest.focus import DECIMAL_SQL
from auditor.billing.ingest.focus import quote_ident as qi
from auditor.billing.records import (
    BilledGroup,
    BillingData,
    EstimateCheck,
    Invoice,
    InvoiceCheck,
    Reconciliation,
)
from auditor.policy import Policy
from scanners import yamlload
from scanners.errors import TagauditError

if TYPE_CHECKING:
    import duckdb

PRICES_PATH = Path(__file__).with_name("prices.yaml")
_FIELDS = ("invoice_id", "period", "provider", "amount", "currency")


def _invoice(raw: dict[str, Any], where: str) -> Invoice:
    unknown = set(raw) - set(_FIELDS)
    if unknown:
        raise TagauditError(f"unknown invoice field(s) {', '.join(sorted(unknown))}", where=where,
                            hint=f"use {', '.join(_FIELDS)}")
    try:
        amount = Decimal(str(raw.get("amount", "")).strip())
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise TagauditError(f"amount {raw.get('amount')!r} is not a number", where=where, hint="write e.g. 1234.56")
    if abs(amount) >= Decimal("1e28"):  # the billed side is DECIMAL(38, 10): 28 integer digits at most
        raise TagauditError(f"amount {raw.get('amount')!r} does not fit DECIMAL(38, 10)", where=where,
                            hint="no real invoice is this large; check the amount")
    currency = str(raw.get("currency") or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise TagauditError(f"currency {raw.get('currency')!r} is not an ISO 4217 code", where=where, hint="e.g. USD")
    invoice_id, period = raw.get("invoice_id") or None, raw.get("period") or None
    if (invoice_id is None) == (period is None):
        raise TagauditError("give exactly one of invoice_id or period", where=where, hint="period is YYYY-MM")
    if period is not None and (len(str(period)) != 7 or str(period)[4] != "-"):
        raise TagauditError(f"period {period!r} is not YYYY-MM", where=where, hint="e.g. 2026-10")
    return Invoice(amount, currency, invoice_id, period, raw.get("provider") or None, where)


def load_invoices(path: Path) -> list[Invoice]:
    """Invoices from YAML (every scalar read as text, so amounts stay exact) or CSV with a header."""
    if not path.is_file():
        raise TagauditError("invoice file not found", where=str(path), hint="check the path")
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [_invoice({k: v for k, v in row.items() if v not in (None, "")}, f"{path}:{i}")
                    for i, row in enumerate(csv.DictReader(fh), start=2)]
    data, root = yamlload.load_file(path, yamlload.INVOICES, what="invoices", as_text=True)
    items = data.get("invoices") if isinstance(data, dict) else None
    if not isinstance(items, list) or not isinstance(root, yaml.MappingNode):
        raise TagauditError("expected a top-level `invoices:` list", where=f"{path}:1",
                            hint="see examples/billing/invoices.yaml")
    seq = next(v for k, v in root.value if k.value == "invoices")
    lines = [n.start_mark.line + 1 for n in seq.value]
    return [_invoice(item if isinstance(item, dict) else {"amount": item}, f"{path}:{line}")
            for item, line in zip(items, lines, strict=True)]


def _variance(actual: Decimal, reference: Decimal) -> Decimal | None:
    return None if reference == 0 else (actual - reference) / reference


def _flag(actual: Decimal, reference: Decimal, variance: Decimal | None, tolerance: Decimal) -> bool:
    return actual != reference if variance is None else abs(variance) > tolerance


def _check_invoices(con: duckdb.DuckDBPyConnection, table: str, invoices: list[Invoice], tol: Decimal) -> list[InvoiceCheck]:
    out = []
    for inv in invoices:
        if inv.invoice_id is not None:
            where, args = "InvoiceId = ? AND BillingCurrency = ?", [str(inv.invoice_id), inv.currency]
        else:
            where = "InvoiceId IS NULL AND strftime(BillingPeriodStart, '%Y-%m') = ? AND BillingCurrency = ?"
            args = [str(inv.period), inv.currency]
            if inv.provider:
                where += " AND lower(ProviderName) = lower(?)"
                args.append(inv.provider)
        got = fetch_row(con, f"SELECT coalesce(sum(BilledCost), 0) AS billed, coalesce(sum(Rows), 0) AS n "
                             f"FROM {table} WHERE {where}", args)
        billed = Decimal(got["billed"])
        var = _variance(billed, inv.amount)
        out.append(InvoiceCheck(inv, billed, int(got["n"]), var, _flag(billed, inv.amount, var, tol)))
    return out


def _unmatched(con: duckdb.DuckDBPyConnection, table: str, invoices: list[Invoice]) -> list[BilledGroup]:
    rows = fetch_dicts(con, f"""
        SELECT InvoiceId, CASE WHEN InvoiceId IS NULL THEN strftime(BillingPeriodStart, '%Y-%m') END AS period,
               CASE WHEN InvoiceId IS NULL THEN ProviderName END AS provider, BillingCurrency,
               sum(BilledCost) AS billed, sum(Rows) AS n
        FROM {table} GROUP BY ALL ORDER BY 1 NULLS LAST, 2, 3, 4""")

    def covered(inv_id: Any, period: Any, provider: Any, currency: Any) -> bool:
        return any(i.currency == currency and (
            (inv_id is not None and i.invoice_id == inv_id) or
            (inv_id is None and i.period == period and (i.provider is None or
                                                        i.provider.lower() == str(provider).lower())))
            for i in invoices)

    return [BilledGroup(r["InvoiceId"], r["period"], r["provider"], r["BillingCurrency"], Decimal(r["billed"]),
                        int(r["n"]))
            for r in rows if not covered(r["InvoiceId"], r["period"], r["provider"], r["BillingCurrency"])]


@lru_cache(maxsize=1)
def price_rows() -> tuple[tuple[str, str, str, Decimal], ...]:
    data = yamlload.load_packaged(PRICES_PATH, as_text=True)
    return tuple((provider, model, source, Decimal(price)) for provider, models in data["models"].items()
                 for model, prices in models.items() for source, price in prices.items())


def _estimates(con: duckdb.DuckDBPyConnection, data: BillingData, tol: Decimal) -> list[EstimateCheck]:
    dims = ", ".join(qi(d) for d in validate.DIMS)
    aggregate(data, tables.RECON_ROLLUP, f"""
        SELECT {dims}, ConsumedUnit, sum(ListCost) AS ListCost, sum(ConsumedQuantity) AS ConsumedQuantity,
               sum(CAST(PricingQuantity * ListUnitPrice AS {DECIMAL_SQL})) AS UnitPriceCost
        FROM {data.view} GROUP BY ALL""")
    classify.create_ai_table(con, tables.RECON_ROLLUP, tables.RECON_AI,
                             ("ConsumedUnit", "ListCost", "ConsumedQuantity", "UnitPriceCost"))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {tables.RECON_PRICES} (provider VARCHAR, model VARCHAR, "
                f"source VARCHAR, price {DECIMAL_SQL})")
    con.executemany(f"INSERT INTO {tables.RECON_PRICES} VALUES (?, ?, ?, ?)", list(price_rows()))
    factor = Decimal(yamlload.load_packaged(PRICES_PATH, as_text=True)["batch_factor"])
    rows = fetch_dicts(con, f"""
        WITH g AS (
            SELECT x_Provider, x_ModelName, x_CostSource, sum(ListCost) AS list_cost,
                   sum(ConsumedQuantity) FILTER (WHERE lower(ConsumedUnit) IN ('tokens', 'token')) AS tokens,
                   sum(UnitPriceCost) AS unit_cost
            FROM {tables.RECON_AI} WHERE x_CostSource NOT IN ('credit', 'tax', 'adjustment', 'purchase')
            GROUP BY ALL),
        priced AS (
            SELECT g.*, arg_max(p.price, length(p.model)) AS price
            FROM g LEFT JOIN {tables.RECON_PRICES} p ON p.provider = g.x_Provider AND starts_with(g.x_ModelName, p.model)
                 AND p.source = split_part(g.x_CostSource, '/', 1)
            GROUP BY ALL)
        SELECT x_Provider, x_ModelName, x_CostSource, list_cost, tokens, unit_cost, price FROM priced
        ORDER BY 1, 2 NULLS FIRST, 3""")
    out = []
    for r in rows:
        provider, model, source = r["x_Provider"], r["x_ModelName"], r["x_CostSource"]
        list_cost, tokens, unit_cost, price = r["list_cost"], r["tokens"], r["unit_cost"], r["price"]
        if price is not None and tokens is not None:
            est = Decimal(tokens) * Decimal(price) / Decimal(1_000_000) * (factor if source.endswith("/batch") else 1)
            basis = "price-table"
        elif unit_cost is not None:
            est, basis = Decimal(unit_cost), "unit-price"
        else:
            continue
        listed = Decimal(list_cost or 0)
        var = _variance(est, listed)
        out.append(EstimateCheck(provider, model, source, Decimal(tokens or 0), est, listed, var,
                                 _flag(est, listed, var, tol), basis))
    return out


def reconcile(data: BillingData, invoices: list[Invoice], policy: Policy) -> Reconciliation:
    tol = Decimal(str(policy.tolerance))
    con = data.con
    aggregate(data, tables.RECON_BILLED, f"""
                    SELECT InvoiceId, BillingPeriodStart, ProviderName, BillingCurrency, sum(BilledCost) AS BilledCost,
                           count(*) AS Rows
                    FROM {data.view} GROUP BY ALL""")
    return Reconciliation(tol, data.currency, tuple(_check_invoices(con, tables.RECON_BILLED, invoices, tol)),
                          tuple(_unmatched(con, tables.RECON_BILLED, invoices)), tuple(_estimates(con, data, tol)))
