"""Showback/chargeback benchmark on synthetic FOCUS 1.2 Parquet against a bare DuckDB GROUP BY month, team.

    python bench/report_bench.py [--rows 1000000] [--runs 3]

Data as in bench/billing_bench.py (bench/billing_synth.py, cached in bench/.work/). Each run is its own
process, interleaved: `bare` is SELECT month, Tags->>'team', sum(BilledCost::DECIMAL(38,10)) GROUP BY 1, 2;
`showback` is load_billing + build_showback (monthly, default policy); `chargeback` is load_billing +
build_chargeback. Prints median wall times and the median paired ratio against `bare`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BARE = ("SELECT date_trunc('month', ChargePeriodStart::TIMESTAMP) AS m, json_extract_string(Tags, '$.team') AS team, "
        "sum(BilledCost::DECIMAL(38,10)) AS cost FROM read_parquet(?) GROUP BY 1, 2")
KINDS = ("bare", "showback", "chargeback")


def child(kind: str, path: Path) -> float:
    from auditor.billing import load_billing
    from auditor.billing.ingest.load import connect
    from auditor.finops.chargeback import build_chargeback
    from auditor.finops.showback import build_showback
    from auditor.policy import DEFAULT_POLICY, load_policy

    start = time.perf_counter()
    if kind == "bare":
        connect().execute(BARE, [str(path)]).fetchall()
    else:
        data = load_billing([path])
        policy = load_policy(DEFAULT_POLICY, trusted=True)
        build_showback(data, policy) if kind == "showback" else build_chargeback(data, policy)
    return time.perf_counter() - start


def interleave(script: str, kinds: tuple[str, ...], path: Path, runs: int) -> dict[str, list[float]]:
    """Each kind timed by `script --child KIND PATH` in its own process, kinds interleaved round by round."""
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(runs):
        for kind in kinds:
            out = subprocess.run([sys.executable, script, "--child", kind, str(path)], check=True,
                                 capture_output=True, text=True)
            times[kind].append(json.loads(out.stdout))
    return times


def print_ratios(times: dict[str, list[float]]) -> None:
    """Median wall time per kind and the median paired ratio to `bare` (same round)."""
    for kind, samples in times.items():
        ratios = [t / b for t, b in zip(samples, times["bare"], strict=True)]
        print(f"{kind:10s} median {statistics.median(samples):6.2f}s  x{statistics.median(ratios):.2f} of bare "
              f"(runs: {', '.join(f'{t:.2f}' for t in samples)})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", nargs=2)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    from bench.billing_bench import generate

    path = generate(args.rows)
    print_ratios(interleave(__file__, KINDS, path, args.runs))

if __name__ == "__main__":
    main()
