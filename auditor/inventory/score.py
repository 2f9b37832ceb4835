"""Compliance score, chargeback-readiness verdict, and its history in SQLite (money as exact text)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.inventory.records import Inventory
from scanners.errors import TagauditError

SCHEMA_VERSION = 1
COVERAGE_TARGET = Decimal("0.90")
MIN_MONTHS = 3


@dataclass(frozen=True, slots=True)
class Score:
    recorded_at: str
    period_start: str | None
    period_end: str | None
    currency: str | None
    total_ai_cost: Decimal
    allocated_cost: Decimal
    untagged_cost: Decimal
    coverage_by_spend: Decimal | None
    coverage_by_call_sites: Decimal | None
    untagged_share: Decimal | None
    variance: Decimal | None
    months: int
    ready: bool
    reasons: tuple[str, ...]
    repos: tuple[str, ...]
    policy: str


def _months(start: str | None, end: str | None) -> set[str]:
    if not start or not end:
        return set()
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end) - dt.timedelta(days=1)
    months, cur = set(), first.replace(day=1)
    while cur <= last:
        months.add(cur.strftime("%Y-%m"))
        cur = (cur + dt.timedelta(days=32)).replace(day=1)
    return months


def compute_score(inv: Inventory, history: list[Score], tolerance: Decimal, now: dt.datetime) -> Score:
    s = inv.summary
    start, end = s.period if s.period else (None, None)
    share = (s.untagged_cost / s.total_ai_cost).quantize(Decimal("0.0001")) if s.total_ai_cost else None
    variances = [abs(c.variance) for c in (inv.reconciliation.invoices if inv.reconciliation else ())
                 if c.variance is not None]
    variance = max(variances) if variances else None
    months = _months(start, end)
    for past in history:
        months |= _months(past.period_start, past.period_end)
    reasons = []
    if s.coverage_by_spend is None or s.coverage_by_spend < COVERAGE_TARGET:
        reasons.append(f"coverage by spend {_pct(s.coverage_by_spend)} is below {_pct(COVERAGE_TARGET)}")
    if variance is None:
        reasons.append("no invoice reconciliation (pass --invoices)")
    elif variance > tolerance:
        reasons.append(f"invoice variance {_pct(variance)} is above {_pct(tolerance)}")
    if len(months) < MIN_MONTHS:
        reasons.append(f"{len(months)} month(s) of billing history, {MIN_MONTHS} needed")
    return Score(now.isoformat(timespec="seconds"), start, end, s.currency, s.total_ai_cost, s.allocated_cost,
                 s.untagged_cost, s.coverage_by_spend, s.coverage_by_call_sites, share, variance, len(months),
                 not reasons, tuple(reasons), tuple(sorted({i.repo for i in inv.integrations})), inv.policy)


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


_COLUMNS = ("recorded_at", "period_start", "period_end", "currency", "total_ai_cost", "allocated_cost",
            "untagged_cost", "coverage_by_spend", "coverage_by_call_sites", "untagged_share", "variance", "months",
            "ready", "reasons", "repos", "policy")
_MONEY = frozenset({"total_ai_cost", "allocated_cost", "untagged_cost", "coverage_by_spend",
                    "coverage_by_call_sites", "untagged_share", "variance"})


_HINT = "move the file aside; a new store is created on the next run"


def _connect(path: Path) -> sqlite3.Connection:
    """The store, created on first use; any other file, schema or version is an error naming the file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path)
    except (OSError, sqlite3.Error) as exc:
        raise TagauditError(f"cannot open the history store ({exc})", where=str(path), hint=_HINT) from exc
    try:
        _check_schema(con, path)
        return con
    except sqlite3.DatabaseError as exc:
        con.close()
        raise TagauditError(f"history store is not a usable SQLite database ({exc})", where=str(path),
                            hint=_HINT) from exc
    except TagauditError:
        con.close()
        raise


def _check_schema(con: sqlite3.Connection, path: Path) -> None:
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version not in (0, SCHEMA_VERSION):
        raise TagauditError(f"history store has schema version {version}, this tagaudit knows {SCHEMA_VERSION}",
                            where=str(path), hint="upgrade tagaudit or point --history-file elsewhere")
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version == 0 and tables - {"scores"}:  # never write into somebody else's database
        raise TagauditError(f"not a tagaudit history store (it has tables {', '.join(sorted(tables))})",
                            where=str(path), hint="point --history-file at another file")
    if "scores" in tables:
        columns = [r[1] for r in con.execute("PRAGMA table_info(scores)")]
        if columns != ["id", *_COLUMNS, "tool_version"]:
            raise TagauditError("history store's scores table has unexpected columns "
                                f"({', '.join(columns)})", where=str(path), hint=_HINT)
    else:
        con.execute(f"CREATE TABLE scores (id INTEGER PRIMARY KEY, {', '.join(_COLUMNS)}, tool_version)")
    if version == 0:
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        con.commit()


def _to_row(score: Score) -> tuple[Any, ...]:
    values = []
    for col in _COLUMNS:
        v = getattr(score, col)
        if col in _MONEY:
            v = None if v is None else f"{v:f}"
        elif col in ("reasons", "repos"):
            v = json.dumps(list(v))
        elif col == "ready":
            v = int(v)
        values.append(v)
    return tuple(values)


def _from_row(row: tuple[Any, ...]) -> Score:
    fields: dict[str, Any] = dict(zip(_COLUMNS, row))
    for col in _MONEY:
        fields[col] = Decimal(fields[col]) if fields[col] is not None else None
    fields["reasons"] = tuple(json.loads(fields["reasons"]))
    fields["repos"] = tuple(json.loads(fields["repos"]))
    fields["ready"] = bool(fields["ready"])
    for col in ("recorded_at", "policy", *(("currency",) if fields["currency"] is not None else ())):
        if not isinstance(fields[col], str):
            raise TypeError(f"{col} is not text")
    for col in ("period_start", "period_end"):
        if fields[col] is not None:
            dt.date.fromisoformat(fields[col])
    if not isinstance(fields["months"], int) or not all(isinstance(v, str) for v in fields["reasons"] + fields["repos"]):
        raise TypeError("months, reasons or repos has the wrong type")
    return Score(**fields)


def _read_row(row: tuple[Any, ...], path: Path) -> Score:
    try:
        return _from_row(row[1:])
    except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:  # Decimal, JSON and date errors
        raise TagauditError(f"history row {row[0]} is damaged ({exc})", where=str(path),
                            hint=f"delete that row (sqlite3 {path} 'DELETE FROM scores WHERE id = {row[0]}') "
                                 "or move the file aside") from exc


def read_history(path: Path) -> list[Score]:
    if not path.exists():
        return []
    con = _connect(path)
    try:
        rows = con.execute(f"SELECT id, {', '.join(_COLUMNS)} FROM scores ORDER BY id").fetchall()
    except sqlite3.DatabaseError as exc:
        raise TagauditError(f"cannot read the history store ({exc})", where=str(path), hint=_HINT) from exc
    finally:
        con.close()
    return [_read_row(r, path) for r in rows]


def append_history(path: Path, score: Score) -> None:
    con = _connect(path)
    try:
        with con:
            con.execute(f"INSERT INTO scores ({', '.join(_COLUMNS)}, tool_version) VALUES "
                        f"({', '.join('?' * (len(_COLUMNS) + 1))})", (*_to_row(score), __version__))
    except sqlite3.DatabaseError as exc:  # read-only, locked or full
        raise TagauditError(f"cannot record the score ({exc})", where=str(path),
                            hint="check the file's permissions and free space, or pass --no-record") from exc
    finally:
        con.close()


def render_score(score: Score) -> str:
    verdict = "READY for chargeback" if score.ready else "NOT READY for chargeback"
    lines = [f"{verdict} ({score.period_start} to {score.period_end}, {score.currency})",
             f"  coverage by spend       {_pct(score.coverage_by_spend)} (target {_pct(COVERAGE_TARGET)})",
             f"  coverage by call sites  {_pct(score.coverage_by_call_sites)}",
             (f"  untagged spend share    {_pct(score.untagged_share)} ({score.untagged_cost:,.2f} of "
             f"{score.total_ai_cost:,.2f})"),
             f"  reconciliation variance {_pct(score.variance)}",
             f"  months of history       {score.months} (need {MIN_MONTHS})"]
    lines += [f"  - {r}" for r in score.reasons]
    return "\n".join(lines) + "\n"


def render_history(scores: list[Score]) -> str:
    if not scores:
        return "no scores recorded yet; run `tagaudit score REPO --billing FILE`\n"
    out = [f"{'recorded':<20} {'period':<24} {'by spend':>9} {'by calls':>9} {'untagged':>9} {'variance':>9}  verdict"]
    prev: Score | None = None
    for s in scores:
        trend = ""
        if prev is not None and s.coverage_by_spend is not None and prev.coverage_by_spend is not None:
            delta = (s.coverage_by_spend - prev.coverage_by_spend) * 100
            trend = f" ({'+' if delta >= 0 else ''}{delta:.1f} pt)"
        out.append(f"{s.recorded_at:<20.20} {str(s.period_start) + '..' + str(s.period_end):<24} "
                   f"{_pct(s.coverage_by_spend):>9} {_pct(s.coverage_by_call_sites):>9} {_pct(s.untagged_share):>9} "
                   f"{_pct(s.variance):>9}  {'ready' if s.ready else 'not ready'}{trend}")
        prev = s
    return "\n".join(out) + "\n"


def connect_store(path: Path) -> sqlite3.Connection:
    """The history store (checked, created on first use), for other record kinds kept beside the scores."""
    return _connect(path)


def score_months(scores: list[Score]) -> set[str]:
    """Every month (YYYY-MM) a recorded score's billing period covers."""
    out: set[str] = set()
    for s in scores:
        out |= _months(s.period_start, s.period_end)
    return out
