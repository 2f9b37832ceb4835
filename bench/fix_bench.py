"""`tagaudit fix` vs `tagaudit scan` on one synthetic tree (issue 12 target: fix <= 2x scan).

    python bench/synth.py --files 2300 --no-git --out /tmp/fixhints/tree    # ~600 kLOC
    python bench/fix_bench.py /tmp/fixhints/tree [--runs 3]

Each round copies the tree (outside the timing), then times, as subprocesses with the cache off:
`scan` with a policy that gives no tag values (the plain scan), `scan` with one that does (the scan
plus its fix suggestions, stdlib ast only), and `fix` on the copy (scan, then libcst on the flagged
files). Prints medians and the ratios.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

KEYS = "keys: {team: {}, cost_center: {}, use_case: {}, environment: {}}\n"
VALUES = ('gateway: helicone\npaths:\n  - {match: ["**"], tags: {team: search, cost_center: cc-210, '
          "use_case: bench, environment: production}}\n")


def _run(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"tagaudit {' '.join(args)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return elapsed


def _round(tree: Path, work: Path) -> tuple[float, float, float]:
    copy = work / "copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(tree, copy, symlinks=True)
    (work / "plain.yaml").write_text("version: 1\n" + KEYS)
    (work / "values.yaml").write_text("version: 1\n" + KEYS + VALUES)
    common = ["--no-cache", "--root", str(copy)]
    plain = _run(["scan", str(copy), "--policy", str(work / "plain.yaml"), "-f", "json", "--no-owners", *common],
                 work)
    hinted = _run(["scan", str(copy), "--policy", str(work / "values.yaml"), "-f", "json", "--no-owners", *common],
                  work)
    fixed = _run(["fix", str(copy), "--policy", str(work / "values.yaml"), *common], work)
    return plain, hinted, fixed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tree", type=Path, help="a tree built by bench/synth.py")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/tmp/fixhints/bench"))
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    rounds = [_round(args.tree.resolve(), args.work) for _ in range(args.runs)]
    plain, hinted, fixed = (statistics.median(r[i] for r in rounds) for i in range(3))
    for name, i in (("scan (no tag values)", 0), ("scan + fix suggestions", 1), ("fix", 2)):
        print(f"{name:24} median {statistics.median(r[i] for r in rounds):6.2f} s  runs "
              + " ".join(f"{r[i]:.2f}" for r in rounds))
    print(f"fix / scan = {fixed / plain:.2f}x (target <= 2x); fix / scan with suggestions = {fixed / hinted:.2f}x; "
          f"suggestions cost {hinted / plain:.2f}x the plain scan")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
