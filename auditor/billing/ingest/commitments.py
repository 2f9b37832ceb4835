"""The FOCUS 1.3 Contract Commitment dataset: detect it among billing files, check its rows, load it for the
ContractApplied join.

FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, specification/datasets/contract_commitment/dataset.md (introduced
1.3): a supporting dataset "that describes the terms of contracts agreed between a service provider and a
customer", joined to Cost and Usage through ContractCommitmentId ("a property within a JSON object array
provided in Contract Applied"). Its columns (COLUMNS) and the rules checked per row, from columns/*.md:
ContractCommitmentId and ContractId, ContractCommitmentCategory ("Spend" or "Usage"), ContractCommitmentType,
and the four period bounds "MUST NOT be null"; ContractCommitmentCost and ContractCommitmentQuantity are
decimals and "ContractCommitmentCost MUST NOT be null when ContractCommitmentQuantity is null"; the periods
are inclusive start / exclusive end bounds; ContractCommitmentId is "a unique identifier".

Commitment files are small (one row per contract term), so rows are read and checked in Python with exact
Decimals; a row that breaks a rule is rejected with file:row: column: what; how to fix (counted, listed,
never dropped silently); valid rows go to tables.COMMITMENTS.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from auditor.billing import tables
from auditor.billing.db import fetch_dicts
from auditor.billing.ingest.focus import DECIMAL_SQL, quote_ident, quote_str
from auditor.billing.ingest.sources import COMMITMENT_DATASET, Source
from auditor.billing.records import Note, Rejection, SourceFile

if TYPE_CHECKING:
    import duckdb

DATASET = COMMITMENT_DATASET
COLUMNS = (
    "BillingCurrency", "ContractCommitmentCategory", "ContractCommitmentCost", "ContractCommitmentDescription",
    "ContractCommitmentId", "ContractCommitmentPeriodEnd", "ContractCommitmentPeriodStart",
    "ContractCommitmentQuantity", "ContractCommitmentType", "ContractCommitmentUnit", "ContractId",
    "ContractPeriodEnd", "ContractPeriodStart",
)
REQUIRED = ("ContractCommitmentId", "ContractId", "ContractCommitmentCategory", "ContractCommitmentType",
            "ContractCommitmentPeriodStart", "ContractCommitmentPeriodEnd", "ContractPeriodStart", "ContractPeriodEnd")
DECIMALS = ("ContractCommitmentCost", "ContractCommitmentQuantity")
DATES = ("ContractCommitmentPeriodStart", "ContractCommitmentPeriodEnd", "ContractPeriodStart", "ContractPeriodEnd")
CATEGORIES = ("Spend", "Usage")
_MAX = Decimal("1e28")  # DECIMAL(38, 10) keeps 28 integer digits


@dataclass(frozen=True, slots=True)
class Loaded:
    files: tuple[SourceFile, ...]
    rejected: tuple[Rejection, ...]
    notes: tuple[Note, ...]
    valid: int


def _rows(con: duckdb.DuckDBPyConnection, src: Source) -> list[tuple[int, dict[str, Any] | str]]:
    """(data row, {column: text}) per row; a CSV row with the wrong number of cells gives its problem instead."""
    if src.format == "parquet":
        cols = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR) AS {quote_ident(c)}" for c in src.header)
        found = fetch_dicts(con, f"SELECT {cols} FROM read_parquet({quote_str(src.path)})")
        return list(enumerate(found, start=1))
    opener: Any = gzip.open if src.path.lower().endswith(".gz") else open
    with opener(src.path, "rb") as fh:
        text = fh.read().decode("utf-8-sig", errors="replace")
    out: list[tuple[int, dict[str, Any] | str]] = []
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    try:
        for i, cells in enumerate(reader, start=1):
            if len(cells) != len(src.header):
                out.append((i, f"the row has {len(cells)} cells; the header has {len(src.header)}"))
            else:
                out.append((i, {c: (v if v != "" else None) for c, v in zip(src.header, cells, strict=True)}))
    except csv.Error as exc:
        out.append((len(out) + 1, f"the CSV cannot be parsed from here on ({exc})"))
    return out


def _date(value: str) -> datetime | None:
    try:
        ts = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts.astimezone(timezone.utc).replace(tzinfo=None) if ts.tzinfo else ts


def _decimal(value: str) -> Decimal | None:
    try:
        out = Decimal(value.strip())
    except (InvalidOperation, ValueError):
        return None
    return out if out.is_finite() and abs(out) < _MAX else None


def check_row(raw: dict[str, Any], seen: set[str]) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """The typed row and its problems as (column, what, how to fix)."""
    row: dict[str, Any] = {c: raw.get(c) for c in COLUMNS}
    problems = [(c, f"{c} is empty", "FOCUS requires a value here (contract_commitment columns); fix the export")
                for c in REQUIRED if row[c] is None]
    for c in DECIMALS:
        if row[c] is not None:
            value = _decimal(str(row[c]))
            if value is None:
                problems.append((c, f"{row[c]!r} is not a decimal number", "write plain numbers like 12.34"))
            row[c] = value
    for c in DATES:
        if row[c] is not None:
            when = _date(str(row[c]))
            if when is None:
                problems.append((c, f"{row[c]!r} is not a date/time", "use ISO 8601 UTC like 2026-10-01T00:00:00Z"))
            row[c] = when
    if row["ContractCommitmentCategory"] is not None and row["ContractCommitmentCategory"] not in CATEGORIES:
        problems.append(("ContractCommitmentCategory", (f"{row['ContractCommitmentCategory']!r} is not an allowed "
                         "value"), "use Spend or Usage"))
    if row["ContractCommitmentCost"] is None and row["ContractCommitmentQuantity"] is None and \
            not any(c in ("ContractCommitmentCost", "ContractCommitmentQuantity") for c, _, _ in problems):
        problems.append(("ContractCommitmentCost", ("ContractCommitmentCost is empty and so is "
                         "ContractCommitmentQuantity"), "a commitment states its cost, its quantity, or both"))
    for start, end in (("ContractCommitmentPeriodStart", "ContractCommitmentPeriodEnd"),
                       ("ContractPeriodStart", "ContractPeriodEnd")):
        if isinstance(row[start], datetime) and isinstance(row[end], datetime) and row[end] <= row[start]:
            problems.append((end, f"{end} {row[end]:%Y-%m-%dT%H:%M:%SZ} is not after {start}",
                             "the end bound is exclusive and after the start"))
    ident = row["ContractCommitmentId"]
    if ident is not None and ident in seen:
        problems.append(("ContractCommitmentId", f"{ident!r} appears on an earlier row",
                         "ContractCommitmentId is unique; remove the repeated row"))
    return row, problems


def load(con: duckdb.DuckDBPyConnection, sources: list[Source], max_listed: int) -> Loaded:
    """Check every row of the commitment `sources` and put the valid ones in tables.COMMITMENTS."""
    files, rejected, notes, valid = [], [], [], []
    seen: set[str] = set()
    for src in sources:
        bad = 0
        rows = _rows(con, src)
        for data_row, raw in rows:
            problems: list[tuple[str | None, str, str]] = [(None, raw, "export the file again")] \
                if isinstance(raw, str) else []
            row: dict[str, Any] = {}
            if not isinstance(raw, str):
                row, found = check_row(raw, seen)
                problems += found
            if problems:
                bad += 1
                if bad <= max_listed:
                    rejected += [Rejection(src.path, data_row, col, what, hint) for col, what, hint in problems]
                continue
            seen.add(str(row["ContractCommitmentId"]))
            valid.append({**row, "x_SourceFile": src.path})
        files.append(SourceFile(src.path, src.format, "1.3", len(rows), bad))
        notes.append(Note(src.path, None, f"FOCUS 1.3 Contract Commitment dataset: {len(rows) - bad} contract "
                          "commitment(s) read", "joined to cost rows by ContractApplied ContractCommitmentID",
                          len(rows) - bad))
        missing = [c for c in COLUMNS if c not in src.header and c not in REQUIRED]
        if missing:
            notes.append(Note(src.path, ", ".join(missing), "Contract Commitment column(s) missing; read as NULL",
                              "the dataset includes every column (contract_commitment/dataset.md)"))
    _store(con, valid)
    return Loaded(tuple(files), tuple(rejected), tuple(notes), len(valid))


def _store(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    kinds = {c: DECIMAL_SQL if c in DECIMALS else "TIMESTAMP" if c in DATES else "VARCHAR"
             for c in (*COLUMNS, "x_SourceFile")}
    con.execute(f"CREATE OR REPLACE TEMP TABLE {tables.COMMITMENTS} ("
                + ", ".join(f"{quote_ident(c)} {t}" for c, t in kinds.items()) + ")")
    if rows:
        marks = ", ".join("?" for _ in kinds)
        con.executemany(f"INSERT INTO {tables.COMMITMENTS} VALUES ({marks})",
                        [[r[c] if not isinstance(r[c], Decimal) else str(r[c]) for c in kinds] for r in rows])


def committed_spend(con: duckdb.DuckDBPyConnection, ai_table: str) -> list[dict[str, Any]]:
    """Per contract commitment of the dataset: its terms and the AI spend applied to it (ContractApplied on the
    rows of `ai_table`, which has x_ContractCommitmentId, BilledCost, ContractAppliedCost, Rows). Rows that
    name several commitments count under each one's id list; the applied cost is theirs as given."""
    return fetch_dicts(con, f"""
        WITH ai AS (SELECT unnest(string_split(x_ContractCommitmentId, ',')) AS id, BilledCost, ContractAppliedCost,
                           Rows FROM {ai_table} WHERE x_ContractCommitmentId IS NOT NULL),
             spent AS (SELECT id, sum(BilledCost) AS billed, coalesce(sum(ContractAppliedCost), 0) AS applied,
                              sum(Rows) AS n FROM ai GROUP BY id)
        SELECT c.ContractCommitmentId AS id, c.ContractId AS contract, c.ContractCommitmentCategory AS category,
               c.ContractCommitmentType AS type, c.ContractCommitmentCost AS cost,
               c.ContractCommitmentQuantity AS quantity, c.ContractCommitmentUnit AS unit,
               c.BillingCurrency AS currency, c.ContractCommitmentPeriodStart AS period_start,
               c.ContractCommitmentPeriodEnd AS period_end, coalesce(s.billed, 0) AS billed,
               coalesce(s.applied, 0) AS applied, coalesce(s.n, 0) AS rows
        FROM {tables.COMMITMENTS} c LEFT JOIN spent s ON s.id = c.ContractCommitmentId
        ORDER BY c.ContractCommitmentId""")


def unknown_ids(con: duckdb.DuckDBPyConnection, ai_table: str) -> list[str]:
    """Commitment ids AI rows apply that the loaded Contract Commitment dataset does not list."""
    rows = fetch_dicts(con, f"""
        SELECT DISTINCT id FROM (SELECT unnest(string_split(x_ContractCommitmentId, ',')) AS id FROM {ai_table}
                                 WHERE x_ContractCommitmentId IS NOT NULL)
        WHERE id NOT IN (SELECT ContractCommitmentId FROM {tables.COMMITMENTS}) ORDER BY 1""")
    return [str(r["id"]) for r in rows]


def _plain(value: Any) -> str:
    return f"{Decimal(value).normalize():f}"


def summary_lines(found: tuple[dict[str, Any], ...], committed: tuple[tuple[str, str, Decimal, Decimal, int], ...],
                  ai_spend: tuple[Any, ...]) -> list[str]:
    """`billing check` lines: each contract commitment of the dataset with the AI spend applied to it, then the
    on-demand AI spend (AI spend under no commitment), when any AI spend is committed or a commitment is loaded."""
    lines = []
    for c in found:
        terms = " + ".join(t for t in (
            f"{_plain(c['cost'])} {c['currency'] or ''}".rstrip() if c["cost"] is not None else "",
            f"{_plain(c['quantity'])} {c['unit'] or ''}".rstrip() if c["quantity"] is not None else "") if t)
        lines.append(f"contract commitment {c['id']} (contract {c['contract']}, {c['category']}, {c['type']}, "
                     f"{c['period_start']:%Y-%m-%d}..{c['period_end']:%Y-%m-%d}): committed {terms}; "
                     f"AI spend under it {_plain(c['billed'])} ({c['rows']} rows, applied {_plain(c['applied'])})")
    if committed or found:
        for m in ai_spend:
            under = sum((b for cur, _, b, _, _ in committed if cur == m.currency), Decimal(0))
            rows = sum(n for cur, _, _, _, n in committed if cur == m.currency)
            lines.append(f"AI spend on-demand (no contract commitment): {_plain(m.amount - under)} {m.currency} "
                         f"({m.rows - rows} rows); committed {_plain(under)} {m.currency} ({rows} rows)")
    return lines
