"""History backfill benchmark: 3 month ends of a 10k-commit repository, cold and warm cache, vs the 30 s target.

    python bench/history_bench.py [--commits 10000] [--files 500] [--runs 3]

The repository is built with `git fast-import` under /tmp/backfill-bench: ~500 modules, one in ten calling
an AI SDK, one file changed per commit, dates spread over 2025-12 .. 2026-11 (committer time). Each run is a
fresh interpreter; cold runs start from an empty cache. Medians are printed with the load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

WORK = Path("/tmp/backfill-bench")
START = 1764547200  # 2025-12-01T00:00:00Z
SPAN = 365 * 86400
CHILD = """
import datetime as dt, sys, time
from pathlib import Path
from auditor.history.backfill import month_end_snapshots
from auditor.policy import load_policy
from policies import DEFAULT_POLICY
t = time.perf_counter()
snaps = month_end_snapshots(Path(sys.argv[1]), ["2026-07", "2026-08", "2026-09"], policy=load_policy(DEFAULT_POLICY),
                            cache_dir=Path(sys.argv[2]), now=dt.datetime(2026, 12, 2, tzinfo=dt.UTC))
print(time.perf_counter() - t, [s.call_sites for s in snaps])
"""


def _module(i: int, version: int) -> bytes:
    if i % 10:
        return f"import os\n\ndef f{i}(x):\n    return x + {version}\n".encode()
    calls = "".join(f"def ask{k}():\n    return client.chat.completions.create(model='m', messages=[])\n\n"
                    for k in range(1 + version % 3))
    return f"import openai\nclient = openai.OpenAI()\n\n{calls}".encode()


def build(repo: Path, commits: int, files: int) -> None:
    if repo.exists():
        shutil.rmtree(repo)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    out: list[bytes] = []
    for n in range(commits):
        when = START + n * SPAN // commits
        changed = range(files) if n == 0 else [(n * 7919) % files]
        out.append(f"commit refs/heads/main\ncommitter B <b@x> {when} +0000\ndata 2\nc\n".encode())
        for i in changed:
            body = _module(i, n)
            out.append(f"M 100644 inline pkg{i % 20}/mod{i}.py\ndata {len(body)}\n".encode() + body + b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(out), check=True)


def timed(repo: Path, cache: Path) -> float:
    out = subprocess.run([sys.executable, "-c", CHILD, str(repo), str(cache)], check=True, capture_output=True,
                         text=True).stdout
    return float(out.split()[0])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=10_000)
    ap.add_argument("--files", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("TAGAUDIT_CACHE_KEY", "cd" * 32)
    repo = WORK / "repo"
    build(repo, args.commits, args.files)
    cold, warm = [], []
    for r in range(args.runs):
        cache = WORK / f"cache-{r}"
        shutil.rmtree(cache, ignore_errors=True)
        cold.append(timed(repo, cache))
        warm.append(timed(repo, cache))
    for name, xs in (("cold", cold), ("warm", warm)):
        med = statistics.median(xs)
        print(f"{name}: median {med:.2f} s (min {min(xs):.2f}, max {max(xs):.2f}) = {med / 30:.3f} of the 30 s target")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
