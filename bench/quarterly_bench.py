"""Quarterly report benchmark: a quarter of synthetic FOCUS 1.2 rows (Parquet) against a bare DuckDB GROUP BY.

    python bench/quarterly_bench.py [--rows 10000000] [--runs 3]

Data: bench/billing_synth.py's rows (cached in bench/.work/), each moved into July, August or September 2026
by a hash of the row. Each run is its own process, interleaved: `bare` is SELECT month, Tags->>'team',
sum(BilledCost::DECIMAL(38,10)) GROUP BY 1, 2 over the Parquet; `quarterly` is the report's billing side
(load_billing, pools and inventory join, showback, measures, chargeback) and build_quarterly + the JSON
renderer. The code side (month-end git snapshots) is bench/history_bench.py's. Target: quarterly <= 3x bare.
Prints median wall times and the median paired ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = ROOT / "bench" / ".work"
BARE = ("SELECT date_trunc('month', ChargePeriodStart::TIMESTAMP) AS m, json_extract_string(Tags, '$.team') AS team, "
        "sum(BilledCost::DECIMAL(38,10)) AS cost FROM read_parquet(?) GROUP BY 1, 2")
KINDS = ("bare", "quarterly")
_SHIFT = "INTERVAL (CAST(BilledCost * 1000 AS BIGINT) % 3) MONTH"


def generate(rows: int) -> Path:
    from auditor.billing.ingest.focus import quote_str
    from auditor.billing.ingest.load import connect
    from bench import billing_synth as synth

    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"quarter_{rows}.parquet"
    if not path.exists():
        con = connect()
        con.execute("SET memory_limit = '3GB'")
        moved = ", ".join(f"{c} + {_SHIFT} AS {c}" for c in
                          ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"))
        sql = f"SELECT * REPLACE ({moved}) FROM ({synth.focus_sql(rows, start='2026-07-01')})"
        con.execute(f"COPY ({sql}) TO {quote_str(str(path))} (FORMAT parquet)")
    return path


def child(kind: str, path: Path) -> float:
    from auditor.billing.ingest.load import connect
    from auditor.policy import DEFAULT_POLICY, load_policy
    from auditor.quarterly.build import QuarterInputs, build_quarterly
    from auditor.quarterly.period import parse_quarter
    from auditor.quarterly.pipeline import QuarterlyRun, billing_side
    from auditor.quarterly.render_json import render_quarterly_json

    policy = load_policy(DEFAULT_POLICY, trusted=True)
    q = parse_quarter("2026-Q3")
    start = time.perf_counter()
    if kind == "bare":
        connect().execute(BARE, [str(path)]).fetchall()
    else:
        b = billing_side(QuarterlyRun([], [path], None, None, q, WORK / "unused.sqlite", False), [], policy,
                         lambda _: None)
        report = build_quarterly(QuarterInputs(q, dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc), b["show"],
                                               b["chargeback"], b["inventory"], b["measures"], {}, (), None,
                                               frozenset(), None, False, Decimal("0.05")))
        render_quarterly_json(report)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", nargs=2)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    from bench.report_bench import interleave, print_ratios

    path = generate(args.rows)
    print_ratios(interleave(__file__, KINDS, path, args.runs))

if __name__ == "__main__":
    main()
