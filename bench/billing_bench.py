"""Billing benchmark: ingest -> pools on synthetic FOCUS 1.2 Parquet against a bare DuckDB GROUP BY.

    python bench/billing_bench.py [--rows 10000000] [--runs 5] [--base DIR]

Generates the data once with DuckDB SQL (bench/billing_synth.py; kept in bench/.work/, gitignored),
then runs, interleaved and each in a fresh process (so peak RSS is per run):
  bare      SELECT ServiceName, SubAccountId, ResourceId, Tags, sum(BilledCost::DECIMAL(38,10)) ... GROUP BY
            (the baseline issue 10 sets: tagaudit must stay within 2x of it)
  bare-6    SELECT the 6 pool dimensions, sum(BilledCost) ... GROUP BY
  bare-same the same GROUP BY over every raw column tagaudit's rollup groups by
  tagaudit  load_billing([file]) + pool_spend(data, default policy)   (validation, classification,
            tag resolution, pools, breakdowns)
  base      with --base DIR (e.g. `git archive main | tar -x -C DIR`): the same as tagaudit, with the
            tagaudit code in DIR, for before/after ratios paired in the same rounds
and prints median wall times, the median of the per-run paired ratios (tagaudit / bare of the same round,
robust on a busy machine), the fastest run of each and peak RSS. The machine is noisy: read medians.

What the clock covers, the same for every contender: each run is a fresh interpreter; Python, DuckDB and
tagaudit are imported and the policy is loaded before the clock starts (none of it grows with the rows).
Inside the clock, every contender opens its own in-memory DuckDB connection (~10-20 ms: bare runs on a
plain `duckdb.connect()`, tagaudit on the one `load_billing` opens with its settings and macros), then
reads the Parquet file and brings its result into Python (bare: fetchall; tagaudit: the Allocation).
Peak RSS is the child's own high-water mark (VmHWM): ru_maxrss would carry over the parent's (a
process keeps its maxrss across exec, and the parent holds the synthesised data's memory).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if os.environ.get("TAGAUDIT_BENCH_BASE"):  # the `base` contender: import tagaudit from that tree instead
    sys.path.insert(0, os.environ["TAGAUDIT_BENCH_BASE"])
WORK = ROOT / "bench" / ".work"
POOL_DIMS = "ProviderName, SubAccountId, ResourceId, SkuMeter, Tags, BillingCurrency"
BARE = "SELECT ServiceName, SubAccountId, ResourceId, Tags, sum(BilledCost::DECIMAL(38,10)) AS cost FROM {src} GROUP BY ALL"


def child(kind: str, path: Path) -> dict[str, float]:
    """One measured run (in its own process)."""
    import duckdb

    from auditor.billing import load_billing, pool_spend
    from auditor.billing.ingest.validate import DIMS
    from auditor.policy import DEFAULT_POLICY, load_policy

    src = f"read_parquet('{path}')"
    # The policy is loaded before the clock starts: it is not ingest -> pools and does not grow with the
    # rows (with PYTHONDONTWRITEBYTECODE set, its first load compiles scanner modules: 0.1-0.2 s).
    policy_start = time.perf_counter()
    policy = load_policy(DEFAULT_POLICY, trusted=True)
    policy_seconds = time.perf_counter() - policy_start
    start = time.perf_counter()
    if kind != "tagaudit":
        con = duckdb.connect(":memory:")
    if kind == "bare":
        groups = len(con.execute(BARE.format(src=src)).fetchall())
    elif kind == "bare-6":
        groups = len(con.execute(f"SELECT {POOL_DIMS}, sum(BilledCost), count(*) FROM {src} GROUP BY ALL").fetchall())
    elif kind == "bare-same":
        have = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
        dims = ", ".join(f'"{d}"' for d in DIMS if d in have)
        groups = len(con.execute(f"SELECT {dims}, sum(BilledCost), count(*) FROM {src} GROUP BY ALL").fetchall())
    else:  # tagaudit, base
        data = load_billing([path])
        result = pool_spend(data, policy)
        groups = len(result.pools) + len(result.allocated)
        assert result.allocated_cost + result.untagged_cost == result.total_ai_cost
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "policy_seconds": policy_seconds, "groups": groups, "peak_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM, Linux), else ru_maxrss (which may include the parent's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def run(kind: str, path: Path, base: Path | None = None) -> dict[str, float]:
    env = {**os.environ, "TAGAUDIT_BENCH_BASE": str(base)} if kind == "base" and base else None
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(path)], check=True, capture_output=True,
                         text=True, env=env)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--base", type=Path, help="also time the tagaudit code in this directory (`base`)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    path = generate(args.rows)
    kinds = ("bare", "bare-6", "bare-same", "tagaudit", *(("base",) if args.base else ()))
    results: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
    for i in range(args.runs):
        for kind in kinds:
            results[kind].append(run(kind, path, args.base))
        print(f"run {i + 1}: " + ", ".join(f"{k} {results[k][-1]['seconds']:.2f}s" for k in kinds), flush=True)
    median = {k: statistics.median(r["seconds"] for r in results[k]) for k in kinds}
    for kind in kinds:
        rss = max(r["peak_rss_mb"] for r in results[kind])
        fastest = min(r["seconds"] for r in results[kind])  # on a shared machine, the least disturbed run
        print(f"{kind:10s} median {median[kind]:6.2f}s  fastest {fastest:6.2f}s  peak RSS {rss:6.0f} MB  "
              f"groups {int(results[kind][0]['groups'])}")
    for top, under in [(t, b) for t in ("tagaudit", "base") if t in kinds for b in ("bare", "bare-6", "bare-same")] + (
            [("tagaudit", "base")] if args.base else []):
        paired = [t["seconds"] / b["seconds"] for t, b in zip(results[top], results[under], strict=True)]
        print(f"ratio {top} / {under:9s} = {median[top] / median[under]:.2f}x (medians), "
              f"{statistics.median(paired):.2f}x (median of paired runs: "
              f"{', '.join(f'{r:.2f}' for r in paired)})")


if __name__ == "__main__":
    main()
