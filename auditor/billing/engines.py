"""Billing where the data lives: the one scan (typed, checked rollup) runs on a remote engine, aggregates come back.

    parse_target(spec) -> (engine, table)        "spark:catalog.db.focus" -> ("spark", "catalog.db.focus")
    billing_specs(engine, billing) -> [spec]     --engine and --billing together (spark:parquet:PATH for a file)
    rollup_for(src, dialect) -> str              the DuckDB rollup SQL of `src`, transpiled by sqlglot
    load_remote(engine, table, *, currency=None) -> (BillingData, bytes brought back)
    check_tables(engine, targets, *, currency=None) -> CheckReport   (`billing check --engine spark`)

The rollup SQL is written once, in DuckDB's dialect (ingest.typed / ingest.validate, unchanged); sqlglot
transpiles it to the engine's dialect at run time. Only the rollup comes back (one row per distinct
dimension tuple and problem bits): classification, allocation and pools then run in local DuckDB on it,
so every later query is the same code as for files. The aggregates the reports and reconciliation make
over the valid rows (`BillingData.view`, through db.aggregate) are transpiled the same way and run on the
engine too (SparkRows); again only their result comes back. Spark is run for real (PySpark local mode in
the tests); other dialects are generated and parsed only.
"""

from __future__ import annotations

import atexit
import itertools
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.billing import tables
from auditor.billing.db import fetch_dicts
from auditor.billing.ingest import focus, validate
from auditor.billing.ingest.problems import engine_quirk_notes
from auditor.billing.ingest.sources import Source, map_columns
from auditor.billing.ingest.typed import ROUNDS_SQL, typed_sql
from auditor.billing.records import BillingData, Money, Note, SourceFile
from scanners.errors import TagauditError

if TYPE_CHECKING:
    import duckdb

    from auditor.billing.check import CheckReport

ENGINES = ("duckdb", "spark")
# Spark runs for real; every dialect's rollup, read back into DuckDB, computes DuckDB's own rows
# (tests/billing/test_billing_engines.py). `transpile` refuses what sqlglot cannot write in a dialect.
DIALECTS = ("spark", "databricks", "bigquery", "snowflake", "trino", "athena")
SOURCE_VIEW = "x_tagaudit_source"
# DuckDB macros of ingest.typed that a typed table's rollup calls, as portable SQL ({v}: the argument).
# No engine but DuckDB has infinite timestamps, so the typed timestamp check is the cast alone.
_MACROS = {
    "focus_typed_ts": "TRY_CAST({v} AS TIMESTAMP)",
    "focus_dec": "TRY_CAST(TRIM({v}) AS DECIMAL(38, 10))",
    "focus_rounds": ROUNDS_SQL,  # a DOUBLE (or wide DECIMAL) BilledCost's rounding note, read from its text
}
_SPARK_TYPES = {"string": "VARCHAR", "double": "DOUBLE", "float": "FLOAT", "timestamp": "TIMESTAMP",
                "timestamp_ntz": "TIMESTAMP", "date": "DATE", "bigint": "BIGINT", "int": "INTEGER",
                "smallint": "SMALLINT", "tinyint": "TINYINT", "boolean": "BOOLEAN"}


def parse_target(spec: str) -> tuple[str, str] | None:
    """("spark", "db.table") for "spark:db.table"; None for a file path."""
    engine, sep, table = spec.partition(":")
    if not sep or engine not in ENGINES[1:] or not table:
        return None
    return engine, table


def billing_specs(engine: str | None, billing: list[str]) -> list[str]:
    """The --billing inputs of a command run with `--engine engine` (None: not given). An ENGINE:TABLE input
    picks its engine; with `--engine spark`, a file path is a Parquet path that engine reads
    (spark:parquet:PATH). An engine reads one table per run."""
    named = {t[0] for t in map(parse_target, billing) if t is not None}
    if named and len(billing) > 1:
        raise TagauditError(f"an engine table is read on its own, not with {len(billing) - 1} other billing input(s)",
                            hint="pass one --billing ENGINE:TABLE (a view can union several tables)")
    if named:
        if engine not in (None, *named):
            raise TagauditError(f"--engine {engine} does not read {billing[0]}",
                                hint=f"drop --engine, or pass --engine {next(iter(named))}")
        return billing
    if engine in (None, "duckdb"):
        return billing
    if len(billing) != 1:
        raise TagauditError(f"--engine {engine} reads one table or Parquet path at a time (got {len(billing)})",
                            hint="pass one folder of Parquet files, or a table")
    return [f"{engine}:parquet:{billing[0]}"]


def refuse_invoice_table(invoices: str | None) -> None:
    """Invoices are a small file read here (YAML or CSV) with any engine; an engine table is refused."""
    if invoices is not None and parse_target(invoices) is not None:
        raise TagauditError("--invoices reads a YAML or CSV file of invoice totals, not an engine table",
                            where=invoices, hint="export the invoice totals to a file (a few rows per month); "
                                                 "the billing table itself can stay on the engine")


def _duck_type(spark_type: str) -> str:
    if spark_type.startswith("decimal"):
        return spark_type.upper().replace(",", ", ")
    if spark_type.startswith(("map", "struct", "array")):
        return "MAP(VARCHAR, VARCHAR)" if spark_type.startswith("map") else spark_type.upper()
    return _SPARK_TYPES.get(spark_type, spark_type.upper())


def table_source(where: str, dtypes: list[tuple[str, str]]) -> Source:
    """A Source for an engine table from its (column, engine type) list; same checks as a file's."""
    types = tuple((c, _duck_type(t)) for c, t in dtypes)
    header = tuple(c for c, _ in types)
    mapping, notes = map_columns(where, header)
    if any(name == "ContractApplied" for name, _ in mapping):  # its JSON parsing is DuckDB's own so far
        mapping = tuple(m for m in mapping if m[0] != "ContractApplied")
        notes = (*notes, Note(where, "ContractApplied", "not read on a remote engine yet: committed AI spend "
                                                        "is counted as spend, not shown apart", ""))
    typed = dict(types)
    wrong = [p for name, col in mapping if (p := focus.type_problem(name, typed[col]))]
    # Text money and dates are parsed by DuckDB macros with no portable form yet: refused by name, up front.
    wrong += [f"column {name} has type VARCHAR; on an engine FOCUS money and dates are read typed"
              for name, col in mapping if typed[col] == "VARCHAR" and focus.column_type(name) in ("decimal", "datetime")]
    if wrong:
        raise TagauditError("; ".join(wrong), where=where,
                            hint="store money as DECIMAL(38, 10) (or DOUBLE) and dates as TIMESTAMP or DATE, "
                                 "or cast them in a view and pass the view")
    # "parquet": a typed source, read through ingest.sources.read_sql, whose call rollup_for replaces.
    return Source(0, where, "parquet", header, types, mapping, focus.detect_version({d for d, _ in mapping}), notes)


def _inline(node: Any, names: dict[str, str]) -> Any:
    import sqlglot
    from sqlglot import exp

    if isinstance(node, exp.Anonymous) and str(node.name).lower() in _MACROS:
        arg = node.expressions[0].sql(dialect="duckdb")
        return sqlglot.parse_one(_MACROS[str(node.name).lower()].format(v=arg), read="duckdb")
    if isinstance(node, exp.Anonymous) and str(node.name).lower().startswith("focus_"):
        raise TagauditError(f"{node.name}() has no portable form yet",
                            hint="text-typed money/dates on a remote engine: cast them in a view first")
    if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.UBIGINT:
        return exp.DataType.build("BIGINT")  # x_Check: 0 off DuckDB (the exact rollup has no hash to check)
    if isinstance(node, exp.ReadParquet) or (isinstance(node, exp.Anonymous) and node.name == "read_parquet"):
        return exp.to_table(names.get(SOURCE_VIEW, SOURCE_VIEW))
    if isinstance(node, exp.Table) and not node.db and node.name in names:
        return exp.to_table(names[node.name])
    return node


def transpile(sql: str, dialect: str, names: dict[str, str] | None = None) -> str:
    """DuckDB SQL of tagaudit in `dialect`: its macros inlined, read_parquet(...) and the local tables named
    in `names` (local name -> the engine's view) replaced by the engine's views."""
    import sqlglot
    from sqlglot.errors import ErrorLevel, UnsupportedError

    mapping = names or {}
    tree = sqlglot.parse_one(sql, read="duckdb").transform(lambda node: _inline(node, mapping))
    try:  # never SQL that parses but computes something else: sqlglot's "unsupported" warnings are errors here
        return str(tree.sql(dialect=dialect, unsupported_level=ErrorLevel.RAISE))
    except UnsupportedError as exc:
        raise TagauditError(f"the billing queries cannot be written for {dialect}: {exc}",
                            hint="run on an engine tagaudit supports (--engine duckdb or spark)") from exc


def rollup_for(src: Source, dialect: str) -> str:
    """The exact (column-grouped) rollup of `src` in `dialect`; DuckDB's own path stays untouched."""
    return transpile(validate.rollup_sql(src, rejects=False, exact=True), dialect)


def spark_session(scratch: Path | None = None) -> Any:
    """The active SparkSession (a cluster's, or the tests' own), else a local one whose warehouse and Derby
    home live in `scratch` (default: a temporary directory removed at exit), never in the working directory:
    tagaudit only reads tables, so a local session has nothing to keep there."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if scratch is None:
        scratch = Path(tempfile.mkdtemp(prefix="tagaudit-spark-"))
        atexit.register(shutil.rmtree, scratch, True)
    session = (SparkSession.builder.master("local[2]").appName("tagaudit")
               .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.decimalOperations.allowPrecisionLoss", "false")  # DuckDB's decimal products
               .config("spark.sql.warehouse.dir", str(scratch / "spark-warehouse"))
               .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={scratch / 'derby'}")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session


_LOADS = itertools.count()


def _engine_error(exc: Exception, where: str) -> TagauditError:
    """A Spark failure (a missing table, a column that cannot be read, no permission) as tagaudit's error."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return TagauditError(f"cannot read the table ({first})", where=where,
                         hint="check the table name, its columns and that this session may read it")


def _spark() -> tuple[Any, tuple[type[Exception], ...]]:
    """The session and the exceptions Spark raises for bad input (analysis, execution, the JVM's own)."""
    try:
        import sqlglot  # noqa: F401
        from py4j.protocol import Py4JError  # type: ignore[import-untyped]
        from pyspark.errors import PySparkException
    except ImportError as exc:
        raise TagauditError(f"--engine spark needs {exc.name}", hint="pip install 'tagaudit[spark]'") from exc
    try:
        spark = spark_session()
    except (PySparkException, Py4JError) as exc:  # e.g. no Java runtime: the gateway never starts
        raise TagauditError(f"cannot start Spark ({str(exc).splitlines()[0]})",
                            hint="install a Java 17+ runtime (Debian: openjdk-17-jre-headless)") from exc
    return spark, (PySparkException, Py4JError)


class SparkRows:
    """The valid rows of a Spark table, as a Spark view: `into` runs a DuckDB aggregate over them there
    (transpiled by sqlglot) and stores the result locally with the types DuckDB gives the same query."""

    def __init__(self, spark: Any, errors: tuple[type[Exception], ...], where: str, names: dict[str, str]) -> None:
        self.spark, self.errors, self.where, self.names = spark, errors, where, names
        self.sent = 0  # bytes brought back, every query together
        self.queries: list[str] = []  # the DuckDB SQL of each query run there (the rollup's, the rows view's, ...)
        self.results: dict[str, Any] = {}  # select -> its Arrow result: the same aggregate is one scan, not two

    def arrow(self, sql: str) -> Any:
        self.queries.append(sql)
        try:
            return self.spark.sql(transpile(sql, "spark", self.names)).toArrow()
        except self.errors as exc:
            raise _engine_error(exc, self.where) from exc

    def into(self, con: duckdb.DuckDBPyConnection, table: str, select: str) -> None:
        # Locally, `select` reads an empty view of the typed columns: the table gets DuckDB's types.
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {select}")
        types = [str(r["column_type"]) for r in fetch_dicts(con, f"DESCRIBE {table}")]
        if select not in self.results:  # e.g. the quarterly report reconciles twice (variance, chargeback)
            self.results[select] = self.arrow(select)
            self.sent += int(self.results[select].nbytes)
        result = self.results[select]
        if result.num_columns != len(types):
            raise TagauditError(f"the engine returned {result.num_columns} columns, not {len(types)}",
                                where=self.where)
        result = result.rename_columns([f"c{i}" for i in range(len(types))])
        cols = []
        for i, (field, kind) in enumerate(zip(result.schema, types, strict=True)):
            value = f"timezone('UTC', c{i})" if getattr(field.type, "tz", None) else f"c{i}"  # Spark's TIMESTAMP
            cols.append(f"CAST({value} AS {kind})")
        con.register("x_remote_result", result)
        try:
            con.execute(f"INSERT INTO {table} SELECT {', '.join(cols)} FROM x_remote_result")
        finally:
            con.unregister("x_remote_result")


def _spark_load(table: str) -> tuple[Source, SparkRows, Any]:
    """Describe the table, run the rollup there, and define (there) the view of its valid rows."""
    spark, errors = _spark()
    where = f"spark:{table}"
    n = next(_LOADS)
    names = {SOURCE_VIEW: f"{SOURCE_VIEW}_{n}", tables.VALID_ROWS: f"x_tagaudit_rows_{n}",
             tables.BAD_TAGS: f"x_tagaudit_bad_tags_{n}", tables.BAD_CURRENCIES: f"x_tagaudit_bad_currencies_{n}"}
    try:
        df = spark.read.parquet(table[len("parquet:"):]) if table.startswith("parquet:") else spark.table(table)
        src = table_source(where, [(c, t) for c, t in df.dtypes])
        df.createOrReplaceTempView(names[SOURCE_VIEW])
    except errors as exc:
        raise _engine_error(exc, where) from exc
    rows = SparkRows(spark, errors, where, names)
    rollup = rows.arrow(validate.rollup_sql(src, rejects=False, exact=True))
    rows.sent += int(rollup.nbytes)
    return src, rows, rollup


def _define_rows(con: duckdb.DuckDBPyConnection, src: Source, rows: SparkRows, keep: str) -> None:
    """The valid rows: on Spark a view (the bad Tags and currencies found here sent along), here an empty
    view of the same typed columns, which only gives DuckDB the types of each query's result."""
    for local, column in ((tables.BAD_TAGS, "Tags"), (tables.BAD_CURRENCIES, "currency")):
        values = [(r["v"],) for r in fetch_dicts(con, f"SELECT {column} AS v FROM {local}")]
        rows.spark.createDataFrame(values, f"{column} string").createOrReplaceTempView(rows.names[local])
    view = f"SELECT * FROM ({typed_sql(src)}) WHERE {keep}"
    rows.queries.append(view)
    rows.spark.sql(f"CREATE OR REPLACE TEMP VIEW {rows.names[tables.VALID_ROWS]} AS "
                   + transpile(view, "spark", rows.names))
    kinds = {"decimal": focus.DECIMAL_SQL, "datetime": "TIMESTAMP"}
    cols = [f"NULL::{kinds.get(focus.column_type(c), 'VARCHAR')} AS {focus.quote_ident(c)}" for c in focus.ALL_COLUMNS]
    con.execute(f"CREATE OR REPLACE TEMP VIEW {tables.VALID_ROWS} AS SELECT {', '.join(cols)}, "
                f"NULL::VARCHAR AS x_ContractCommitmentId, NULL::{focus.DECIMAL_SQL} AS x_ContractAppliedCost, "
                "NULL::VARCHAR AS x_SourceFile WHERE false")


def load_remote(engine: str, table: str, *, currency: str | None = None) -> tuple[BillingData, int]:
    """The billing data of an engine table: the rollup runs there, the rest here; later aggregates over
    `view` (reports, reconciliation) run there too (`BillingData.remote`). Returns the bytes that came back
    so far (the Arrow size of the rollup: aggregates only)."""
    from auditor.billing.ingest.load import connect

    if engine != "spark":
        raise TagauditError(f"engine {engine!r} is generated-only", hint="run it with --engine spark or duckdb")
    src, rows, result = _spark_load(table)
    con = connect()
    con.register("x_remote_rollup", result)
    _store(con)
    con.unregister("x_remote_rollup")
    data = _billing(con, src, currency, rows)
    return data, rows.sent


def _store(con: duckdb.DuckDBPyConnection) -> None:
    """RAW_ROLLUP with DuckDB's column types (money DECIMAL(38, 10)), then the per-value checks."""
    names = [r["column_name"] for r in fetch_dicts(con, "DESCRIBE SELECT * FROM x_remote_rollup")]
    dims = [f"CAST({focus.quote_ident(d)} AS VARCHAR) AS {focus.quote_ident(d)}" if d in names
            else f"NULL::VARCHAR AS {focus.quote_ident(d)}" for d in (*validate.DIMS, *validate.DISPLAY)]
    money = focus.DECIMAL_SQL
    applied = "ContractAppliedCost" if "ContractAppliedCost" in names else "NULL"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {tables.RAW_ROLLUP} AS
        SELECT 0 AS x_Src, CAST(x_Mask AS INTEGER) AS x_Mask, CAST(x_Quirks AS BIGINT) AS x_Quirks,
               CAST(x_Values AS BIGINT) AS x_Values, 0::TINYINT AS x_Replaced, {", ".join(dims)},
               CAST(BilledCost AS {money}) AS BilledCost, CAST({applied} AS {money}) AS ContractAppliedCost,
               CAST(Rows AS BIGINT) AS Rows, CAST(CostRows AS BIGINT) AS CostRows,
               CAST(FirstCharge AS TIMESTAMP) AS FirstCharge, CAST(LastCharge AS TIMESTAMP) AS LastCharge,
               0::UBIGINT AS x_Check FROM x_remote_rollup""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {tables.BAD_TAGS} AS "
                f"{validate.TAGS_PROBLEMS.format(src=tables.RAW_ROLLUP)}")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {tables.BAD_CURRENCIES} AS
        SELECT DISTINCT BillingCurrency AS currency FROM {tables.RAW_ROLLUP}
        WHERE BillingCurrency IS NOT NULL AND NOT regexp_matches(BillingCurrency, '^[A-Z]{{3}}$')""")


def _billing(con: duckdb.DuckDBPyConnection, src: Source, currency: str | None, remote: SparkRows) -> BillingData:
    """BillingData over the stored rollup. Rejected rows are counted (and their cost, when readable),
    never dropped; listing them one by one needs a second query on the engine (not done yet)."""
    ok = validate.row_ok_sql()
    keep = ok if currency is None else f"{ok} AND BillingCurrency = {focus.quote_str(currency)}"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {tables.ROLLUP} AS SELECT * FROM {tables.RAW_ROLLUP} WHERE {keep}")
    _define_rows(con, src, remote, keep)
    rows = fetch_dicts(con, f"""
        SELECT BillingCurrency AS currency, coalesce({ok}, false) AS ok, coalesce({keep}, false) AS kept,
               sum(Rows) AS n, sum(BilledCost)::VARCHAR AS cost, count(*) FILTER (WHERE CostRows < Rows) AS nocost,
               min(FirstCharge) AS first, max(LastCharge) AS last
        FROM {tables.RAW_ROLLUP} GROUP BY ALL ORDER BY 1""")
    total = sum(int(r["n"]) for r in rows)
    valid = sum(int(r["n"]) for r in rows if r["ok"])
    money = tuple(Money(str(r["currency"]), Decimal(r["cost"] or 0), int(r["n"])) for r in rows if r["ok"])
    rejected_cost = tuple(Money(str(r["currency"]), Decimal(r["cost"]), int(r["n"]))
                          for r in rows if not r["ok"] and r["cost"] is not None and r["currency"] is not None)
    kept = [r for r in rows if r["kept"] and r["first"] is not None]
    period = (min(r["first"] for r in kept), max(r["last"] for r in kept)) if kept else None
    return BillingData(
        con=con, view=tables.VALID_ROWS, rollup=tables.ROLLUP,
        files=(SourceFile(src.path, "table", src.version, total, total - valid),), rows=total,
        valid_rows=valid, rejected_rows=total - valid, rejected=(), rejected_cost=rejected_cost,
        unreadable_cost_rows=0, unlisted_rows=total - valid, currencies=money,
        excluded=tuple(m for m in money if currency and m.currency != currency), period=period,
        notes=(*src.notes, *engine_quirk_notes(con, src, ok)), currency=currency, remote=remote)


def check_tables(engine: str, targets: list[str], *, currency: str | None = None) -> CheckReport:
    """`billing check --engine ENGINE`: one table (or a Parquet path the engine reads) checked like a file;
    an unreadable one is unusable (exit 2), as a file is."""
    from auditor.billing.allocate import classify
    from auditor.billing.check import CheckReport, _ai_spend, _committed

    if len(targets) != 1:
        return CheckReport((f"--engine {engine} checks one table at a time (got {len(targets)})",), None, (), ())
    spec = parse_target(targets[0])
    table = spec[1] if spec else f"parquet:{targets[0]}"
    try:
        data, _ = load_remote(engine, table, currency=currency)
    except TagauditError as exc:
        return CheckReport((str(exc),), None, (), ())
    not_generative = tuple((str(r["currency"]), str(r["service"]), int(r["rows"]), Decimal(r["cost"]))
                           for r in classify.unrecognised_ai_category(data.con, data.rollup))
    return CheckReport((), data, _ai_spend(data), not_generative, _committed(data))
