"""Billing benchmark: ingest -> pools on synthetic FOCUS 1.2 Parquet against a bare DuckDB GROUP BY.

    python bench/billing_bench.py [--rows 10000000] [--runs 5]

Generates the data once with DuckDB SQL (bench/billing_synth.py; kept in bench/.work/, gitignored),
then runs, interleaved and each in a fresh process (so peak RSS is per run):
  bare      SELECT ServiceName, SubAccountId, ResourceId, Tags, sum(BilledCost::DECIMAL(38,10)) ... GROUP BY
            (the baseline issue 10 sets: tagaudit must stay within 2x of it)
  bare-6    SELECT the 6 pool dimensions, sum(BilledCost) ... GROUP BY
  bare-same the same GROUP BY over every raw column tagaudit's rollup groups by
  tagaudit  load_billing([file]) + pool_spend(data, default policy)   (validation, classification,
            tag resolution, pools, breakdowns)
and prints median wall times, the median of the per-run paired ratios (tagaudit / bare of the same round,
robust on a busy machine) and peak RSS. The machine is noisy: read medians.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = ROOT / "bench" / ".work"
POOL_DIMS = "ProviderName, SubAccountId, ResourceId, SkuMeter, Tags, BillingCurrency"
BARE = "SELECT ServiceName, SubAccountId, ResourceId, Tags, sum(BilledCost::DECIMAL(38,10)) AS cost FROM {src} GROUP BY ALL"


def child(kind: str, path: Path) -> dict[str, float]:
    """One measured run (in its own process)."""
    from auditor.billing import load_billing, pool_spend
    from auditor.billing.ingest.load import connect
    from auditor.billing.ingest.validate import DIMS
    from auditor.policy import DEFAULT_POLICY, load_policy

    con = connect()
    src = f"read_parquet('{path}')"
    # The policy is loaded before the clock starts: it is not ingest -> pools and does not grow with the
    # rows (with PYTHONDONTWRITEBYTECODE set, its first load compiles scanner modules: 0.1-0.2 s).
    policy_start = time.perf_counter()
    policy = load_policy(DEFAULT_POLICY, trusted=True)
    policy_seconds = time.perf_counter() - policy_start
    start = time.perf_counter()
    if kind == "bare":
        groups = len(con.execute(BARE.format(src=src)).fetchall())
    elif kind == "bare-6":
        groups = len(con.execute(f"SELECT {POOL_DIMS}, sum(BilledCost), count(*) FROM {src} GROUP BY ALL").fetchall())
    elif kind == "bare-same":
        have = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
        dims = ", ".join(f'"{d}"' for d in DIMS if d in have)
        groups = len(con.execute(f"SELECT {dims}, sum(BilledCost), count(*) FROM {src} GROUP BY ALL").fetchall())
    else:
        data = load_billing([path])
        result = pool_spend(data, policy)
        groups = len(result.pools) + len(result.allocated)
        assert result.allocated_cost + result.untagged_cost == result.total_ai_cost
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "policy_seconds": policy_seconds, "groups": groups, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def generate(rows: int) -> Path:
    from auditor.billing.ingest.load import connect
    from bench import billing_synth as synth

    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"focus_{rows}.parquet"
    if not path.exists():
        start = time.perf_counter()
        con = connect()
        con.execute("SET memory_limit = '3GB'")
        synth.write_focus(con, path, rows)
        print(f"generated {rows:,} rows -> {path} ({path.stat().st_size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - start:.1f}s", flush=True)
    return path


def run(kind: str, path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(path)], check=True, capture_output=True,
                         text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    path = generate(args.rows)
    kinds = ("bare", "bare-6", "bare-same", "tagaudit")
    results: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
    for i in range(args.runs):
        for kind in kinds:
            results[kind].append(run(kind, path))
        print(f"run {i + 1}: " + ", ".join(f"{k} {results[k][-1]['seconds']:.2f}s" for k in kinds), flush=True)
    median = {k: statistics.median(r["seconds"] for r in results[k]) for k in kinds}
    for kind in kinds:
        rss = max(r["peak_rss_mb"] for r in results[kind])
        print(f"{kind:10s} median {median[kind]:6.2f}s  peak RSS {rss:6.0f} MB  groups {int(results[kind][0]['groups'])}")
    for base in ("bare", "bare-6", "bare-same"):
        paired = [t["seconds"] / b["seconds"] for t, b in zip(results["tagaudit"], results[base], strict=True)]
        print(f"ratio tagaudit / {base:9s} = {median['tagaudit'] / median[base]:.2f}x (medians), "
              f"{statistics.median(paired):.2f}x (median of paired runs: "
              f"{', '.join(f'{r:.2f}' for r in paired)})")


if __name__ == "__main__":
    main()
