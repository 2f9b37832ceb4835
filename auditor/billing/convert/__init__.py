"""Provider-native billing exports -> FOCUS 1.2 (or 1.3) files. One module per source; this module dispatches.

    convert_files(inputs, kind, output, *, account=None, focus_version="1.2") -> ConvertResult
    sniff(path) -> kind | None

Kinds: openai-costs, openai-usage, anthropic-cost, anthropic-usage, aws-cur, azure, gcp ("auto" sniffs
each input). Costs and usage of one vendor convert together (usage fills ConsumedQuantity). The output
(.parquet or .csv) has every FOCUS 1.2 mandatory column, the optional ones some row fills, and the
converters' x_ columns that some row fills; it is written by DuckDB's COPY. Converting never changes
money silently: an amount with more than 10 decimals (a float-shaped JSON number, a 13-place cent string)
is rounded once to DECIMAL(38, 10) and noted with both totals; each converter's Σ BilledCost must equal
the native total (after that one rounding), or the conversion fails. With `focus_version="1.3"` the same
rows are written as FOCUS 1.3 (`convert.focus13`: ServiceProviderName, HostProviderName, the conditional
1.3 columns some row fills) with a `<name>.focus-metadata.json` beside the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanners.errors import TagauditError

if TYPE_CHECKING:
    import duckdb

    from auditor.billing.records import Money

# Source kind -> the module of this package that converts it. Each such module has
# `convert(con, paths, table, *, account=...) -> common.Converted` and `EXTRA` (its x_ columns); kinds that share a
# module (a vendor's costs and usage) convert together. A new billing source is one module and one entry here.
# Values are module names, imported when a conversion runs: the CLI reads the keys (`--from` choices) at
# start-up, and this module imports nothing of billing at the top, so every `tagaudit` run does not pay for it.
CONVERTERS: dict[str, str] = {
    "openai-costs": "openai",
    "openai-usage": "openai",
    "anthropic-cost": "anthropic",
    "anthropic-usage": "anthropic",
    "aws-cur": "aws_cur",
    "azure": "azure",
    "gcp": "gcp",
}
KINDS = tuple(CONVERTERS)
FOCUS_VERSIONS = ("1.2", "1.3")


@dataclass(frozen=True, slots=True)
class ConvertResult:
    output: str
    rows: int
    native_total: tuple[Money, ...]
    focus_total: tuple[Money, ...]
    notes: tuple[str, ...]
    focus_version: str = "1.2"
    metadata: str | None = None  # the FOCUS metadata file written beside the output (1.3)


def sniff(path: Path) -> str | None:
    """Guess an input's kind from its header or its first JSON object; None when unsure. Raises
    TagauditError for an empty file or a Parquet file DuckDB cannot open."""
    from auditor.billing.db import describe_columns
    from auditor.billing.ingest import focus
    from auditor.billing.ingest.sources import file_format, read_header, sniff_columns, sniff_text

    fmt = file_format(path)
    if path.is_file() and path.stat().st_size == 0:
        raise TagauditError("the file is empty", where=str(path), hint="export it again")
    if fmt == "csv":
        return sniff_columns(set(read_header(path)))
    if fmt == "parquet":
        import duckdb

        try:
            columns = describe_columns(duckdb.connect(), f"read_parquet({focus.quote_str(str(path))})")
        except duckdb.Error as exc:
            raise TagauditError(f"not a readable Parquet file ({str(exc).splitlines()[0]})", where=str(path),
                                hint="export it again; a cut or corrupt download cannot be read") from exc
        return sniff_columns({name for name, _ in columns})
    text = sniff_text(path)
    if '"organization.costs.result"' in text:
        return "openai-costs"
    if '"organization.usage.' in text:
        return "openai-usage"
    if '"starting_at"' in text and '"amount"' in text:
        return "anthropic-cost"
    if '"starting_at"' in text and '"uncached_input_tokens"' in text:
        return "anthropic-usage"
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    try:
        obj = json.loads(first)
    except (json.JSONDecodeError, RecursionError):  # not one JSON object per line (or absurdly nested)
        return None
    return "gcp" if isinstance(obj, dict) and "billing_account_id" in obj else None


def _groups(inputs: list[Path], kind: str) -> dict[str, list[Path]]:
    groups: dict[str, list[Path]] = {}
    for path in inputs:
        if not path.is_file():
            raise TagauditError("no such file", where=str(path), hint="check the input path")
        found = kind if kind != "auto" else sniff(path)
        if found == "focus":
            raise TagauditError("already FOCUS (a Cost and Usage file with BilledCost, or a Contract Commitment file)",
                                where=str(path),
                                hint="use `tagaudit billing check` on it directly")
        if found is None:
            raise TagauditError("cannot tell which export this is", where=str(path),
                                hint=f"pass --from with one of {', '.join(KINDS)}")
        groups.setdefault(CONVERTERS[found], []).append(path)
    return groups


def write(con: duckdb.DuckDBPyConnection, sql: str, output: Path, kv: dict[str, str] | None = None) -> None:
    """COPY FOCUS rows to Parquet (with `kv` as key-value metadata) or CSV (ISO 8601 UTC times, plain decimals)."""
    from auditor.billing.ingest import focus

    target = focus.quote_str(str(output))
    if output.name.lower().endswith(".parquet"):
        meta = (", KV_METADATA {" + ", ".join(f"{focus.quote_ident(k)}: {focus.quote_str(v)}" for k, v in kv.items())
                + "}") if kv else ""
        con.execute(f"COPY ({sql}) TO {target} (FORMAT parquet{meta})")
    elif output.name.lower().endswith(".csv"):
        con.execute(f"COPY ({sql}) TO {target} (FORMAT csv, HEADER true, TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%SZ')")
    else:
        raise TagauditError("unknown output type", where=str(output), hint="name it .parquet or .csv")


def convert_files(inputs: list[Path], kind: str, output: Path, *, account: str | None = None,
                  focus_version: str = "1.2") -> ConvertResult:
    import importlib

    from auditor.billing import tables
    from auditor.billing.convert.common import table_totals
    from auditor.billing.db import fetch_scalar
    from auditor.billing.ingest.load import connect
    from auditor.billing.records import Money

    if kind != "auto" and kind not in KINDS:
        raise TagauditError(f"unknown source {kind!r}", hint=f"use one of auto, {', '.join(KINDS)}")
    if focus_version not in FOCUS_VERSIONS:
        raise TagauditError(f"cannot write FOCUS {focus_version}", hint=f"use one of {', '.join(FOCUS_VERSIONS)}")
    con = connect()
    parts: list[str] = []
    native: list[Money] = []
    notes: list[str] = []
    extra: list[str] = []
    for family, paths in _groups(inputs, kind).items():
        module = importlib.import_module(f"auditor.billing.convert.{family}")
        kwargs = {"account": account} if account else {}
        done = module.convert(con, paths, tables.converted_part(family), **kwargs)
        expected = done.native_total if done.rounded_total is None else done.rounded_total
        if _amounts(expected) and _amounts(table_totals(con, done.table)) != _amounts(expected):
            raise TagauditError(f"{family} conversion changed the total ({expected} -> "
                                f"{table_totals(con, done.table)})", hint="this is a tagaudit bug; please report it")
        parts.append(done.table)
        native.extend(done.native_total)
        notes.extend(done.notes)
        extra.extend(c for c in module.EXTRA if c not in extra)
    meta = _write_union(con, parts, extra, output, focus_version)
    rows = int(fetch_scalar(con, f"SELECT count(*) FROM {tables.CONVERTED}"))
    merged = tuple(Money(c, a, sum(m.rows for m in native if m.currency == c)) for c, a in _amounts(native).items())
    return ConvertResult(str(output), rows, merged, table_totals(con, tables.CONVERTED), tuple(notes), focus_version,
                         meta)


def _write_union(con: duckdb.DuckDBPyConnection, parts: list[str], extra: list[str], output: Path,
                 focus_version: str) -> str | None:
    """Union the converted parts into tables.CONVERTED in `focus_version`'s columns and write the output
    (and, for 1.3, its metadata file, whose path is returned)."""
    from auditor.billing import tables
    from auditor.billing.convert import focus13
    from auditor.billing.db import describe_columns
    from auditor.billing.ingest import focus

    union = " UNION ALL BY NAME ".join(f"SELECT * FROM {t}" for t in parts)
    if focus_version == "1.3":
        cols = focus13.columns(extra)
        present = {name for name, _ in describe_columns(con, f"({union})")}
        sql = f"SELECT {focus13.select_list(present, cols)} FROM ({union})"
    else:
        cols = [*focus.COLUMNS_1_2, *extra]
        sql = f"SELECT {', '.join(focus.quote_ident(c) for c in cols)} FROM ({union})"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {tables.CONVERTED} AS {sql}")
    kept = _filled(con, tables.CONVERTED, cols)
    kv = {"FocusVersion": focus_version} if focus_version == "1.3" else None
    write(con, f"SELECT {', '.join(focus.quote_ident(c) for c in kept)} FROM {tables.CONVERTED}", output, kv)
    meta = focus13.write_metadata(output, kept) if focus_version == "1.3" else None
    return None if meta is None else str(meta)


# FOCUS 1.2 columns that are Conditional or Recommended: a converter that does not fill one leaves it out of
# the file rather than writing an all-null column (the validator reads a present column as "supported").
# InvoiceId is not among them: FOCUS recommends the column be present (CostAndUsage-D-033-O), null or not.
OPTIONAL = (
    "AvailabilityZone", "BillingAccountType", "CapacityReservationId", "CapacityReservationStatus",
    "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus", "CommitmentDiscountType", "CommitmentDiscountUnit", "ConsumedQuantity",
    "ConsumedUnit", "ContractedUnitPrice", "ListUnitPrice", "PricingCategory", "PricingCurrency",
    "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice",
    "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType", "SkuId", "SkuMeter", "SkuPriceDetails",
    "SkuPriceId", "SubAccountId", "SubAccountName", "SubAccountType", "ChargeFrequency", "ServiceSubcategory", "Tags",
    # FOCUS 1.3 conditional columns (convert.focus13.CONDITIONAL): only when some row fills them.
    "AllocatedMethodDetails", "AllocatedMethodId", "AllocatedResourceId", "AllocatedResourceName", "AllocatedTags",
    "ContractApplied",
)


def _filled(con: duckdb.DuckDBPyConnection, table: str, cols: list[str]) -> list[str]:
    """`cols` less the optional FOCUS columns (and x_ columns) that are null on every row."""
    from auditor.billing.db import fetch_row
    from auditor.billing.ingest import focus

    optional = [c for c in cols if c in OPTIONAL or c.startswith("x_")]
    if not optional:
        return cols
    counts = fetch_row(con, "SELECT " + ", ".join(f"count({focus.quote_ident(c)}) AS {focus.quote_ident(c)}"
                                                  for c in optional) + f" FROM {table}")
    return [c for c in cols if c not in optional or counts[c]]


def _amounts(items: Any) -> dict[str, Any]:
    """Currency -> total, zero totals dropped (usage-only rows add currency but no money)."""
    from auditor.billing.convert.common import wide_add

    out: dict[str, Any] = {}
    for m in items:
        out[m.currency] = wide_add(out.get(m.currency, 0), m.amount)
    return {c: a for c, a in sorted(out.items()) if a != 0}
