"""Quarterly summaries in the score history store (table `quarters` beside `scores`), so a report compares
with the quarter before it. Money is exact decimal text, like the scores."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.inventory.score import connect_store
from auditor.quarterly.records import Previous, Quarterly
from scanners.errors import TagauditError

_TABLE = ("CREATE TABLE IF NOT EXISTS quarters (id INTEGER PRIMARY KEY, quarter TEXT NOT NULL, "
          "recorded_at TEXT NOT NULL, summary TEXT NOT NULL, tool_version TEXT)")
_DIMENSIONS = ("team", "feature", "vendor", "model")


def _money(v: Decimal | None) -> str | None:
    return None if v is None else f"{v:f}"


def summary_of(q: Quarterly) -> dict[str, Any]:
    last = q.months[-1] if q.months else None
    totals = [[b.dimension, ln.name, _money(ln.total)] for b in q.breakdowns if b.dimension in _DIMENSIONS
              for ln in b.lines]
    return {"total_ai_cost": _money(q.total_ai_cost), "allocated_cost": _money(q.allocated_cost),
            "untagged_cost": _money(q.untagged_cost), "coverage_by_spend": _money(q.coverage_by_spend),
            "call_sites": last.call_sites if last else None,
            "tagged_call_sites": last.tagged_call_sites if last else None,
            "months": [m.month for m in q.months if m.billing_rows], "totals": totals}


def _count(v: Any) -> int | None:
    if v is not None and type(v) is not int:
        raise TypeError(f"{v!r} is not a count")
    return v


def _previous(quarter: str, recorded_at: str, raw: Any) -> Previous:
    def dec(v: Any) -> Decimal | None:
        return None if v is None else Decimal(str(v))

    totals = tuple((str(d), str(n), Decimal(str(c))) for d, n, c in raw["totals"])
    ints = [_count(raw[k]) for k in ("call_sites", "tagged_call_sites")]
    return Previous(quarter, recorded_at, Decimal(str(raw["total_ai_cost"])), Decimal(str(raw["allocated_cost"])),
                    Decimal(str(raw["untagged_cost"])), dec(raw["coverage_by_spend"]), ints[0], ints[1], totals,
                    tuple(str(m) for m in raw["months"]))


def read_quarters(path: Path) -> list[Previous]:
    """Every recorded quarter, oldest record first; a damaged row is an error naming it."""
    if not path.exists():
        return []
    con = connect_store(path)
    try:
        con.execute(_TABLE)
        rows = con.execute("SELECT id, quarter, recorded_at, summary FROM quarters ORDER BY id").fetchall()
    except sqlite3.DatabaseError as exc:
        raise TagauditError(f"cannot read the history store ({exc})", where=str(path),
                            hint="move the file aside; a new store is created on the next run") from exc
    finally:
        con.close()
    out = []
    for row_id, quarter, recorded_at, summary in rows:
        try:
            out.append(_previous(str(quarter), str(recorded_at), json.loads(summary)))
        except (ValueError, TypeError, KeyError, ArithmeticError, RecursionError) as exc:
            raise TagauditError(f"history row {row_id} of table quarters is damaged ({exc!r})", where=str(path),
                                hint=f"delete it (sqlite3 {path} 'DELETE FROM quarters WHERE id = {row_id}')") from exc
    return out


def record_quarter(path: Path, q: Quarterly, recorded_at: str) -> None:
    con = connect_store(path)
    try:
        with con:
            con.execute(_TABLE)
            con.execute("INSERT INTO quarters (quarter, recorded_at, summary, tool_version) VALUES (?, ?, ?, ?)",
                        (q.quarter, recorded_at, json.dumps(summary_of(q), sort_keys=True), __version__))
    except sqlite3.DatabaseError as exc:
        raise TagauditError(f"cannot record the quarter ({exc})", where=str(path),
                            hint="check the file's permissions and free space, or pass --no-record") from exc
    finally:
        con.close()


def latest(quarters: list[Previous], quarter: str) -> Previous | None:
    """The last record of `quarter`."""
    return next((p for p in reversed(quarters) if p.quarter == quarter), None)
