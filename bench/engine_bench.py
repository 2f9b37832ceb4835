"""Engine benchmark: the same synthetic FOCUS Parquet through DuckDB (here) and Spark local (where the data lives).

    python bench/engine_bench.py [--rows 1000000] [--runs 3]

Generates the data with bench/billing_synth.py (bench/.work/, gitignored; shared with billing_bench.py).
Each engine runs in a process of its own, `runs` times: load (the typed, checked rollup) + pool_spend, then
apart a monthly showback (`report showback`: one more aggregate over the rows, run where they live).
Spark's session start (the JVM, ~10 s) is timed apart. "bytes back" is the Arrow size of the rollup the
engine returns to the client: aggregates only, one row per distinct dimension tuple, whatever the row count;
"bytes back with showback" adds the showback's aggregate.
Prints medians; the machine is shared, so read them with the load average printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(engine: str, path: Path, runs: int) -> dict[str, object]:
    from auditor.billing.allocate.pools import pool_spend
    from auditor.billing.ingest.load import load_billing
    from auditor.policy import DEFAULT_POLICY, load_policy

    policy = load_policy(DEFAULT_POLICY, trusted=True)
    from auditor.billing import engines

    start_s = 0.0
    if engine == "spark":
        t = time.perf_counter()
        engines.spark_session()
        start_s = time.perf_counter() - t
    from auditor.finops.showback import build_showback

    times, show_times, sent, with_show, total, shown = [], [], 0, 0, "", ""
    for _ in range(runs):
        t = time.perf_counter()
        if engine == "spark":
            data, sent = engines.load_remote("spark", f"parquet:{path}")
        else:
            data = load_billing([path])
            sent = int(data.con.execute(f"SELECT * FROM {data.rollup}").to_arrow_table().nbytes)
        result = pool_spend(data, policy)
        times.append(time.perf_counter() - t)
        total = f"{result.total_ai_cost}/{result.untagged_cost}/{len(result.pools)}"
        t = time.perf_counter()
        show = build_showback(data, policy, "month")
        show_times.append(time.perf_counter() - t)
        shown = f"{show.total}/{show.untagged}/{len(show.periods)}"
        with_show = int(data.remote.sent) if isinstance(data.remote, engines.SparkRows) else 0
        data.con.close()
    return {"median_s": statistics.median(times), "runs": times, "start_s": start_s, "bytes_back": sent,
            "showback_median_s": statistics.median(show_times), "bytes_back_with_showback": with_show,
            "ai_total/untagged/pools": total, "showback ai_total/untagged/periods": shown}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "PATH"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]), args.runs)))
        return
    from bench.billing_bench import generate

    path = generate(args.rows)
    print(f"{args.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB Parquet; load {os.getloadavg()[0]:.1f}")
    results = {}
    for engine in ("duckdb", "spark"):
        out = subprocess.run([sys.executable, __file__, "--child", engine, str(path), "--runs", str(args.runs)],
                             check=True, capture_output=True, text=True)
        results[engine] = json.loads(out.stdout.strip().splitlines()[-1])
        print(engine, json.dumps(results[engine]), f"load {os.getloadavg()[0]:.1f}", flush=True)
    same = all(results["duckdb"][k] == results["spark"][k]
               for k in ("ai_total/untagged/pools", "showback ai_total/untagged/periods"))
    print(f"same AI total, untagged total, pool count and showback: {same}; spark/duckdb time "
          f"{results['spark']['median_s'] / results['duckdb']['median_s']:.1f}x (load + pools), "
          f"{results['spark']['showback_median_s'] / results['duckdb']['showback_median_s']:.1f}x (showback)")


if __name__ == "__main__":
    main()
