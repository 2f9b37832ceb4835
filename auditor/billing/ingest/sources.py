"""Find billing files and describe how each maps onto FOCUS 1.2 (headers and schemas only, no rows)."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.billing import tables
from auditor.billing.db import describe_columns
from auditor.billing.ingest import focus
from auditor.billing.records import Note
from scanners.errors import TagauditError

if TYPE_CHECKING:
    import duckdb

SUFFIXES = (".csv", ".csv.gz", ".parquet")


@dataclass(frozen=True, slots=True)
class Source:
    """One readable file: its format, its columns and which file column feeds each FOCUS column."""

    index: int
    path: str
    format: str  # csv | parquet
    header: tuple[str, ...]
    types: tuple[tuple[str, str], ...]  # file column -> DuckDB type
    mapping: tuple[tuple[str, str], ...]  # FOCUS or x_ column -> file column
    version: str
    notes: tuple[Note, ...]
    dataset: str = "CostAndUsage"  # or COMMITMENT_DATASET (FOCUS 1.3 Contract Commitment; no mapping)

    def column(self, name: str) -> str | None:
        return next((src for dst, src in self.mapping if dst == name), None)

    def type_of(self, file_column: str) -> str:
        return next(t for c, t in self.types if c == file_column)


# FOCUS 1.3 Contract Commitment dataset (contract_commitment/dataset.md), read by ingest.commitments.
COMMITMENT_DATASET = "ContractCommitment"


def is_commitment_header(columns: set[str]) -> bool:
    """A Contract Commitment file: it has ContractCommitmentId and ContractId and no BilledCost."""
    lower = {c.lower() for c in columns}
    return {"contractcommitmentid", "contractid"} <= lower and "billedcost" not in lower


def file_format(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith(".parquet"):
        return "parquet"
    return None


# Each file costs a scan of its own in DuckDB (header, rejects table, plan): 3,000 small CSVs took 5.2 GB,
# while rows within a file stream. Real exports are one file or a few hundred parts; more are refused
# before any is read, with the way to combine them.
MAX_FILES = 500
_COMBINE = ("combine the parts into one file first (in DuckDB: COPY (SELECT * FROM read_csv('DIR/**/*.csv', "
            "union_by_name=true, all_varchar=true)) TO 'billing.parquet') and pass that file")


def too_many(where: str, count: int) -> TagauditError:
    return TagauditError(f"{count:,} billing files, over the limit of {MAX_FILES}", where=where, hint=_COMBINE)


def walk_billing(folder: Path, room: int, accept: Callable[[Path], object] = file_format,
                 skipped: list[Note] | None = None) -> list[Path]:
    """Billing files below `folder`, sorted; stops collecting (and refuses) past `room` files. FIFOs, sockets
    and devices are never opened (a FIFO would block the run); with `skipped`, one note there says how many."""
    found: list[Path] = []
    special: list[str] = []
    for p in folder.rglob("*"):
        if p.is_file():
            if accept(p):
                found.append(p)
                if len(found) > room:
                    raise too_many(str(folder), sum(1 for q in folder.rglob("*") if q.is_file() and accept(q)))
        elif p.exists() and not p.is_dir():
            special.append(p.relative_to(folder).as_posix())
    if special and skipped is not None:
        skipped.append(Note(str(folder), None, f"skipped {len(special)} non-regular file(s) (FIFO, socket or device)",
                            "only regular .csv, .csv.gz and .parquet files are read", example=min(special)))
    return sorted(found)


def expand_paths(paths: list[Path]) -> tuple[list[Path], list[Note]]:
    """Files as given; folders recursively (CSV, CSV.gz, Parquet), sorted; and notes on what folders held
    that is not a regular file. Missing paths, or more than MAX_FILES files in all, are an error."""
    out: list[Path] = []
    notes: list[Note] = []
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise TagauditError(f"no such file or folder: {', '.join(missing)}", hint="check the billing paths")
    for path in paths:
        if path.is_dir():
            found = walk_billing(path, MAX_FILES - len(out), skipped=notes)
            if not found:
                raise TagauditError("folder holds no .csv, .csv.gz or .parquet files", where=str(path),
                                    hint="point at the export folder or at the files")
            out.extend(found)
        else:
            out.append(path)
        if len(out) > MAX_FILES:
            shown = ", ".join(str(p) for p in paths[:3]) + (" ..." if len(paths) > 3 else "")
            raise too_many(shown, len(out))
    return out, notes


def read_header(path: Path) -> tuple[str, ...]:
    """The CSV header (first line, BOM stripped) as Python's csv module reads it; () for an empty file.
    Only the header line is decoded here: bytes further down are DuckDB's to read and report."""
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            first: bytes = fh.readline()
        text = first.decode("utf-8-sig")
        row = next(csv.reader(io.StringIO(text)), None)
    except (OSError, UnicodeDecodeError, csv.Error, EOFError) as exc:
        raise TagauditError(f"cannot read the CSV header ({exc})", where=f"{path}:1",
                            hint="export the file again as UTF-8 CSV") from exc
    return tuple(c.strip() for c in row) if row else ()


def csv_options(header: tuple[str, ...]) -> str:
    """DuckDB read_csv options: every column as VARCHAR, RFC 4180 quoting, no sniffing. A column with no
    name (a trailing comma in the header) gets a placeholder: DuckDB needs one, and nothing reads it."""
    cols = ", ".join(f"{focus.quote_str(c or f'x_unnamed_{i}')}: 'VARCHAR'" for i, c in enumerate(header, start=1))
    return (f"columns={{{cols}}}, auto_detect=false, header=true, delim=',', quote='\"', escape='\"', "
            "null_padding=false")


def describe(con: duckdb.DuckDBPyConnection, path: Path, index: int) -> Source:
    """Read a file's columns and map them; raises TagauditError when the file is unusable."""
    fmt = file_format(path)
    if fmt is None:
        raise TagauditError("unknown file type", where=str(path), hint="use .csv, .csv.gz or .parquet")
    if path.stat().st_size == 0:
        raise TagauditError("the file is empty", where=str(path), hint="export it again; a FOCUS file has a header")
    if fmt == "csv":
        header = read_header(path)
        if not any(header):
            raise TagauditError("no header row", where=f"{path}:1", hint="export it again with column names")
        _check_unique(path, header)
        types = tuple((c, "VARCHAR") for c in header)
    else:
        try:
            types = tuple(describe_columns(con, f"read_parquet({focus.quote_str(str(path))})"))
        except Exception as exc:  # DuckDB raises several exception types for bad Parquet
            raise TagauditError(f"not a readable Parquet file ({str(exc).splitlines()[0]})", where=str(path),
                                hint="export it again, or convert it with `tagaudit billing convert`") from exc
        header = tuple(c for c, _ in types)
    if is_commitment_header(set(header)):
        return Source(index, str(path), fmt, header, types, (), "1.3", (), COMMITMENT_DATASET)
    mapping, notes = map_columns(str(path), header)
    typed = dict(types)
    wrong = [p for name, col in mapping if (p := focus.type_problem(name, typed[col]))]
    if wrong:
        raise TagauditError("; ".join(wrong), where=str(path),
                            hint="write money as DECIMAL, DOUBLE or text and dates as TIMESTAMP, DATE or text")
    return Source(index, str(path), fmt, header, types, mapping, focus.detect_version({d for d, _ in mapping}),
                  notes)


def _check_unique(path: Path, header: tuple[str, ...]) -> None:
    """DuckDB (and FOCUS) column names are case-insensitive: two spellings of one name are one column."""
    seen: dict[str, int] = {}
    for i, name in enumerate(header, start=1):
        if not name:
            continue
        first = seen.setdefault(name.lower(), i)
        if first != i:
            shown = repr(name) if name == header[first - 1] else f"{header[first - 1]!r} / {name!r}"
            raise TagauditError(f"column {shown} appears twice in the header (columns {first} and {i})",
                                where=f"{path}:1", hint="rename or remove one of them; column names must be "
                                                        "unique, ignoring case")


def sniff_columns(columns: set[str]) -> str | None:
    """Which export a header looks like: "focus", a native kind `tagaudit billing convert` reads, or None."""
    lower = {c.lower() for c in columns}
    if "billedcost" in lower or is_commitment_header(columns):  # a FOCUS 1.3 Contract Commitment file
        return "focus"
    if lower & {"line_item_usage_type", "lineitem/usagetype", "line_item_unblended_cost", "lineitem/unblendedcost"}:
        return "aws-cur"
    if lower & {"costinbillingcurrency", "metercategory"}:
        return "azure"
    if {"billing_account_id", "cost"} <= lower or "service.description" in lower:
        return "gcp"
    return None


def map_columns(where: str, header: tuple[str, ...]) -> tuple[tuple[tuple[str, str], ...], tuple[Note, ...]]:
    """FOCUS/x_ column -> file column, plus notes; raises when a column tagaudit relies on is missing."""
    by_lower = {c.lower(): c for c in reversed(header)}
    mapping: dict[str, str] = {}
    notes: list[Note] = []
    for name in focus.ALL_COLUMNS:
        if name in header:
            mapping[name] = name
        elif name.lower() in by_lower:
            mapping[name] = by_lower[name.lower()]
            notes.append(Note(where, mapping[name], f"column name differs in case from FOCUS {name}",
                              "use the exact FOCUS column id"))
    for alias, name in focus.ALIASES.items():
        if name not in mapping and alias in header:
            mapping[name] = alias
            notes.append(Note(where, alias, f"read as {name} (older or newer FOCUS name)",
                              "fine for tagaudit; FOCUS 1.2 calls it " + name))
    missing_core = [c for c in focus.CORE if c not in mapping]
    if missing_core:
        native = sniff_columns(set(header))
        hint = (f"this looks like a native {native} export: `tagaudit billing convert --from {native}` it first"
                if native not in (None, "focus") else
                "export FOCUS 1.0-1.2 data, or convert a native export with `tagaudit billing convert`")
        raise TagauditError(f"missing mandatory column(s) {', '.join(missing_core)}", where=where, hint=hint)
    absent = [name for name in focus.MANDATORY if name not in mapping]
    if absent:
        notes.append(Note(where, ", ".join(absent), "mandatory FOCUS column(s) missing; read as NULL",
                          "add them to the export (tagaudit does not need them)"))
    used = set(mapping.values())
    strays = [c for c in header if c not in used and c and not c.startswith("x_")]
    if strays:
        notes.append(Note(where, ", ".join(strays[:8]) + (" ..." if len(strays) > 8 else ""),
                          "not a FOCUS column and not x_-prefixed; ignored",
                          "prefix custom columns with x_"))
    return tuple(mapping.items()), tuple(notes)


def read_sql(src: Source, *, rejects: bool = False, row_numbers: bool = False) -> str:
    """The table-function call that scans `src`. CSV rows that cannot be parsed are skipped by DuckDB
    and, with `rejects`, recorded in the table `tables.csv_rejects(index)` (the caller accounts for them)."""
    path = focus.quote_str(src.path)
    if src.format == "parquet":
        extra = ", file_row_number=true" if row_numbers else ""
        return f"read_parquet({path}{extra})"
    mode = (f"store_rejects=true, rejects_table='{tables.csv_rejects(src.index)}', "
            f"rejects_scan='{tables.csv_reject_scans(src.index)}'"
            if rejects else "ignore_errors=true")
    call = f"read_csv({path}, {csv_options(src.header)}, {mode})"
    return f"(SELECT row_number() OVER () - 1 AS file_row_number, * FROM {call})" if row_numbers else call


def sniff_text(path: Path, limit: int = 65536) -> str:
    """The first bytes of a (possibly gzipped) text file, for format sniffing."""
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        head: bytes = fh.read(limit)
    return io.TextIOWrapper(io.BytesIO(head), encoding="utf-8-sig", errors="replace").read()
