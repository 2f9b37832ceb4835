"""Scan benchmark: tagaudit against a read-the-tree floor and Semgrep, on one synthetic monorepo, in one run.

    python bench/scan_bench.py [--files 30000] [--ai-share 0.03] [--runs 5] [--no-semgrep] [--keep] [--json out.json]

Every contender runs as a fresh subprocess (interpreter start-up included), the contenders are interleaved
round by round (the order rotates each round), and the table shows medians with the min-max spread: the
machine is small (2 cores) and noisy, so single timings mean little. Targets are ratios measured in this
same run, never absolute numbers from elsewhere. The script does not fail on a MISS; it reports.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import synth

WORK = HERE / ".work"
RULES = HERE / "semgrep-rules.yml"
SEMGREP_VENV = WORK / "semgrep-venv"
SEMGREP_FALLBACK = "semgrep==1.170.1"  # newest semgrep may pin a certifi the index does not have (peers.md §5)
SEMGREP_ENV = {"SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"}

# The floor: list the files (same source and prunes as tagaudit), read each, run one regex. Run with the same
# interpreter as tagaudit, in a fresh process, so start-up is part of the floor as it is part of tagaudit.
FLOOR_CODE = r'''
import os, re, subprocess, sys
PRUNE = set({prune!r})
root = sys.argv[1]
rx = re.compile(rb"\b(openai|anthropic|bedrock|genai|litellm)\b")
TOKENS = (b"openai", b"anthropic", b"bedrock", b"genai", b"litellm")
substr = len(sys.argv) > 2 and sys.argv[2] == "substr"
def pruned(parts):
    return any(p in PRUNE or p.endswith(".egg-info") for p in parts)
names = None
if os.path.exists(os.path.join(root, ".git")):
    proc = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard",
                           "--deduplicate", "--", "."], capture_output=True)
    if proc.returncode == 0:
        names = [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0")
                 if n.endswith(".py") and not pruned(n.split("/")[:-1])]
if names is None:  # not a work tree: walk, honouring the prunes and the root .gitignore's directory lines
    ignored = set()
    gi = os.path.join(root, ".gitignore")
    if os.path.exists(gi):
        ignored = {{l.strip().strip("/") for l in open(gi) if l.strip().endswith("/")}}
    names = []
    for cur, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in PRUNE and d not in ignored and not d.endswith(".egg-info")
                   and not os.path.exists(os.path.join(cur, d, "pyvenv.cfg"))]
        rel = os.path.relpath(cur, root)
        names += [f if rel == "." else rel + "/" + f for f in files if f.endswith(".py")]
hits = nbytes = 0
for n in names:
    with open(os.path.join(root, n), "rb") as fh:
        data = fh.read()
    nbytes += len(data)
    if (any(t in data for t in TOKENS) if substr else rx.search(data)):
        hits += 1
print(len(names), hits, nbytes)
'''


def prune_dirs(python: str) -> list[str]:
    """The scanner's own prune list (read with tagaudit's interpreter), so the floor skips what tagaudit skips."""
    proc = subprocess.run([python, "-c", "from auditor.scan.discover import PRUNE_DIRS as P; print(' '.join(sorted(P)))"],
                          capture_output=True, text=True, check=False)
    if proc.returncode == 0 and proc.stdout.strip():
        return proc.stdout.split()
    return sorted({".git", ".hg", ".svn", "node_modules", "__pycache__", "site-packages", "dist-packages",
                       ".venv", "venv", ".tox", ".nox", ".eggs", "build", "dist", "__pypackages__"})


# ---------------------------------------------------------------------------------------------------------------
# running things


@dataclass
class Contender:
    key: str
    label: str
    run: Callable[[int], float]  # round -> seconds (one sample), or raise
    rounds: int  # how many rounds it takes part in
    samples: list[float] = field(default_factory=list)
    by_round: dict[int, float] = field(default_factory=dict)  # round -> that round's (median) time
    note: str = ""


def timed(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
          ok: tuple[int, ...] = (0, 1)) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    dt = time.perf_counter() - t0
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd[:6])}... exited {proc.returncode}: {proc.stderr.decode()[-800:]}")
    return dt


def capture(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
            ok: tuple[int, ...] = (0, 1)) -> tuple[str, float]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
    dt = time.perf_counter() - t0
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd[:6])}... exited {proc.returncode}: {proc.stderr.decode()[-800:]}")
    return proc.stdout.decode(), dt


def peak_rss(cmd: list[str], cwd: Path) -> dict[str, float | None]:
    """Peak RSS of a run: the largest single process (wait4/`time -v`) and the sum over the process tree
    (sampled from /proc every 20 ms, so it can miss short spikes)."""
    out: dict[str, float | None] = {"max_single_mb": None, "tree_sum_mb": None}
    wrapper = ["/usr/bin/time", "-v"] if os.access("/usr/bin/time", os.X_OK) else []
    proc = subprocess.Popen(wrapper + cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_kb(proc.pid))
            done.wait(0.02)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _, err = proc.communicate()
    done.set()
    th.join()
    m = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", err)
    if m:
        out["max_single_mb"] = int(m.group(1)) / 1024
    else:
        import resource

        out["max_single_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    out["tree_sum_mb"] = peak[0] / 1024 if peak[0] else None
    return out


def tree_rss_kb(root: int) -> int:
    children: dict[int, list[int]] = defaultdict(list)
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            children[int(fields[1])].append(int(entry))
            rss[int(entry)] = int(fields[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


# ---------------------------------------------------------------------------------------------------------------
# tagaudit and semgrep discovery


def find_tagaudit(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit).resolve()
    beside = Path(sys.executable).parent / "tagaudit"
    if beside.exists():
        return beside
    found = shutil.which("tagaudit")
    if found:
        return Path(found)
    repo_venv = HERE.parent / ".venv" / "bin" / "tagaudit"
    if repo_venv.exists():
        return repo_venv
    sys.exit("scan_bench: no tagaudit found; pass --tagaudit PATH or run with the venv's python")


def interpreter_for(tagaudit: Path) -> str:
    """The interpreter tagaudit runs under (its shebang), so the floor pays the same start-up."""
    try:
        first = tagaudit.read_bytes().split(b"\n", 1)[0]
        if first.startswith(b"#!"):
            exe = first[2:].decode().strip().split()[0]
            if os.access(exe, os.X_OK):
                return exe
    except OSError:
        pass
    return sys.executable


def cache_options(tagaudit: Path) -> dict[str, bool]:
    help_text, _ = capture([str(tagaudit), "scan", "--help"], ok=(0,))
    return {"cache_dir": "--cache-dir" in help_text, "no_cache": "--no-cache" in help_text}


def ensure_semgrep(log: Callable[[str], None]) -> tuple[Path | None, str]:
    exe = SEMGREP_VENV / "bin" / "semgrep"
    env = {**os.environ, **SEMGREP_ENV}
    if not exe.exists():
        log(f"installing semgrep into {SEMGREP_VENV} (first run only)...")
        subprocess.run([sys.executable, "-m", "venv", str(SEMGREP_VENV)], check=True)
        pip = [str(SEMGREP_VENV / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        for spec in ("semgrep", SEMGREP_FALLBACK):
            if subprocess.run(pip + [spec], check=False).returncode == 0 and exe.exists():
                break
            log(f"pip install {spec} failed; trying the next candidate")
        if not exe.exists():
            return None, "semgrep could not be installed"
    out, _ = capture([str(exe), "--version", "--disable-version-check"], env=env, ok=(0,))
    return exe, out.strip()


# ---------------------------------------------------------------------------------------------------------------
# ground truth


def sanity_tagaudit(report: dict, manifest: dict) -> dict:
    """Found vs expected call sites per style (matched by path and line), decoys and pruned paths reported."""
    found_lines: dict[str, dict[int, dict]] = defaultdict(dict)
    for c in report.get("call_sites", []):
        found_lines[c["path"]][c["line"]] = c
    per_style: dict[str, Counter] = defaultdict(Counter)
    status_x: Counter = Counter()
    matched: set[tuple[str, int]] = set()
    for path, sites in manifest["sites"].items():
        for s in sites:
            c = found_lines.get(path, {}).get(s["line"])
            per_style[s["style"]]["expected"] += 1
            if c is not None:
                per_style[s["style"]]["found"] += 1
                matched.add((path, s["line"]))
                status_x[(s["tagging"], c["status"])] += 1
                if s.get("expect") is not None and s["expect"] != c["status"]:
                    per_style[s["style"]]["status_differs"] += 1
    decoy_hits = Counter()
    for path, decoys in manifest["decoys"].items():
        for d in decoys:
            if d["line"] in found_lines.get(path, {}):
                decoy_hits[d["kind"]] += 1
    pruned = set(manifest["pruned"])
    pruned_hits = sum(1 for c in report.get("call_sites", []) if c["path"] in pruned)
    extra = Counter(c["kind"] for c in report.get("call_sites", []) if (c["path"], c["line"]) not in matched)
    expected = sum(v["expected"] for v in per_style.values())
    found = sum(v["found"] for v in per_style.values())
    return {"expected": expected, "found": found, "per_style": {k: dict(v) for k, v in sorted(per_style.items())},
            "status_crosstab": {f"{a}->{b}": n for (a, b), n in sorted(status_x.items())},
            "decoys_reported": dict(decoy_hits), "pruned_reported": pruned_hits,
            "other_reported": dict(extra), "files_scanned": report.get("files_scanned"),
            "findings": len(report.get("findings", []))}


def sanity_semgrep(report: dict, manifest: dict, tree: Path) -> dict:
    """Semgrep's results against the expected *untagged* call sites (what its rules try to find)."""
    untagged = {(p, s["line"]) for p, sites in manifest["sites"].items() for s in sites if s["tagging"] == "untagged"}
    style_of = {(p, s["line"]): s["style"] for p, sites in manifest["sites"].items() for s in sites}
    all_sites = set(style_of)
    decoys = {(p, d["line"]) for p, ds in manifest["decoys"].items() for d in ds}
    hits = set()
    for r in report.get("results", []):
        p = Path(r["path"])
        rel = (p.relative_to(tree) if p.is_absolute() else p).as_posix()
        hits.add((rel, r["start"]["line"]))
    per_style: dict[str, Counter] = defaultdict(Counter)
    for key in untagged:
        per_style[style_of[key]]["untagged"] += 1
        if key in hits:
            per_style[style_of[key]]["found"] += 1
    return {"results": len(report.get("results", [])), "untagged_expected": len(untagged),
            "untagged_found": len(hits & untagged), "tagged_or_dynamic_flagged": len(hits & (all_sites - untagged)),
            "decoys_flagged": len(hits & decoys), "other": len(hits - all_sites - decoys),
            "errors": len(report.get("errors", [])), "scanned": len(report.get("paths", {}).get("scanned", [])),
            "per_style": {k: dict(v) for k, v in sorted(per_style.items())}}


# ---------------------------------------------------------------------------------------------------------------


def stats(samples: list[float]) -> dict[str, float] | None:
    if not samples:
        return None
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=30_000)
    ap.add_argument("--ai-share", type=float, default=0.03)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=5, help="rounds of interleaved runs (default 5)")
    ap.add_argument("--semgrep-runs", type=int, default=None, help="rounds Semgrep takes part in (default: min(runs, 3))")
    ap.add_argument("--no-semgrep", action="store_true")
    ap.add_argument("--keep", action="store_true", help="reuse an existing tree built with the same parameters")
    ap.add_argument("--no-git", action="store_true", help="scan a plain directory (discovery by walking)")
    ap.add_argument("--tree", type=Path, help="where the synthetic tree lives (default bench/.work/monorepo)")
    ap.add_argument("--tagaudit", help="tagaudit executable (default: next to this python, else on PATH)")
    ap.add_argument("--single-files", type=int, default=5, help="different files per round for the single-file case")
    ap.add_argument("--json", type=Path, help="write machine-readable results here")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    # An installed wheel ships .pyc files; an editable install under PYTHONDONTWRITEBYTECODE=1 recompiles
    # tagaudit's modules on every start. Give every subprocess a bytecode cache outside the source tree.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(WORK / "pycache"))
    tree = (args.tree or WORK / ("monorepo" if not args.no_git else "monorepo-nogit")).resolve()
    manifest = synth.ensure_tree(tree, args.files, args.ai_share, args.seed, not args.no_git, args.keep, log=log)
    tagaudit = find_tagaudit(args.tagaudit)
    python = interpreter_for(tagaudit)
    version, _ = capture([str(tagaudit), "--version"], ok=(0,))
    cache = cache_options(tagaudit)
    log(f"tagaudit: {tagaudit} ({version.strip()}); interpreter {python}; cache options: {cache}")

    semgrep: Path | None = None
    semgrep_version = ""
    if not args.no_semgrep:
        semgrep, semgrep_version = ensure_semgrep(log)
        if semgrep is None:
            log(f"skipping semgrep: {semgrep_version}")
        else:
            log(f"semgrep {semgrep_version}")

    ta = [str(tagaudit), "scan"]
    cold_cache_dir = WORK / "cache-cold"
    warm_cache_dir = WORK / "cache-warm"

    def cold_flags() -> list[str]:
        if cache["cache_dir"]:
            shutil.rmtree(cold_cache_dir, ignore_errors=True)
            return ["--cache-dir", str(cold_cache_dir)]
        return ["--no-cache"] if cache["no_cache"] else []

    def warm_flags() -> list[str]:
        if cache["cache_dir"]:
            return ["--cache-dir", str(warm_cache_dir)]
        return []  # with only --no-cache, the default cache location is the warm one

    small_flags = ["--no-cache"] if cache["no_cache"] else []
    warm_label = ("tagaudit warm (cached)" if cache["cache_dir"] or cache["no_cache"]
                  else "warm (cache not implemented yet)")

    # Pre-commit style inputs: different files each round, relative to the tree (pre-commit passes them so).
    ai_files = manifest["ai_files"]
    plain = manifest["plain_files"]
    step = max(1, len(ai_files) // (args.runs * args.single_files + 1))
    single_pool = ai_files[::step]
    floor_cmd = [python, "-c", FLOOR_CODE.format(prune=prune_dirs(python)), str(tree)]
    semgrep_env = {**os.environ, **SEMGREP_ENV}
    semgrep_cmd = [str(semgrep), "scan", "--config", str(RULES), "--metrics=off", "--disable-version-check",
                   "--json", "-j", "2", str(tree)] if semgrep else []

    # -- untimed warm-up: fills the page cache for everybody and captures outputs for the sanity check -----------
    log("warm-up (untimed): floor, tagaudit" + (", semgrep" if semgrep else "") + "...")
    floor_out, _ = capture(floor_cmd, ok=(0,))
    n_listed, n_hits, n_bytes = (int(x) for x in floor_out.split())
    report_text, _ = capture(ta + [str(tree), "--format", "json"] + cold_flags(), cwd=tree)
    report = json.loads(report_text)
    if cache["cache_dir"] or cache["no_cache"]:
        capture(ta + [str(tree), "--format", "json"] + warm_flags(), cwd=tree)  # primes the warm cache
    ta_sanity = sanity_tagaudit(report, manifest)
    sg_sanity = None
    if semgrep:
        sg_text, _ = capture(semgrep_cmd, env=semgrep_env, ok=(0, 1))
        sg_sanity = sanity_semgrep(json.loads(sg_text), manifest, tree)

    # -- contenders ----------------------------------------------------------------------------------------------
    def run_single(r: int, flags: list[str] | None = None) -> list[float]:
        out = []
        for k in range(args.single_files):
            f = single_pool[(r * args.single_files + k) % len(single_pool)]
            out.append(timed(ta + [f, "--format", "json"] + (small_flags if flags is None else flags), cwd=tree))
        return out

    # The pre-commit case with the repo index a whole-tree run left in the warm cache (issue 9).
    index_flags = warm_flags() if cache["cache_dir"] else []

    def run_five(r: int) -> float:
        picks = [ai_files[(r * 7 + 3) % len(ai_files)], ai_files[(r * 11 + 5) % len(ai_files)],
                 plain[(r * 3) % len(plain)], plain[(r * 3 + 1) % len(plain)], plain[(r * 3 + 2) % len(plain)]]
        return timed(ta + picks + ["--format", "json"] + small_flags, cwd=tree)

    contenders = [
        Contender("floor", "floor: list + read + regex", lambda r: timed(floor_cmd, ok=(0,)), args.runs),
        Contender("floor_substr", "(info) floor with substring `in`, no regex", lambda r: timed(floor_cmd + ["substr"], ok=(0,)),
                  args.runs),
        Contender("cold", "tagaudit cold (auto jobs)",
                  lambda r: timed(ta + [str(tree), "--format", "json"] + cold_flags(), cwd=tree), args.runs),
        Contender("cold_j1", "tagaudit cold --jobs 1",
                  lambda r: timed(ta + [str(tree), "--format", "json", "--jobs", "1"] + cold_flags(), cwd=tree),
                  args.runs),
        Contender("warm", warm_label,
                  lambda r: timed(ta + [str(tree), "--format", "json"] + warm_flags(), cwd=tree), args.runs,
                  note="" if cache["cache_dir"] or cache["no_cache"] else "same command as cold, run again"),
        Contender("single", f"single file ({args.single_files} files/round)", lambda r: 0.0, args.runs),
        Contender("single_idx", "single file, repo index present", lambda r: 0.0,
                  args.runs if cache["cache_dir"] else 0),
        Contender("five", "5-file pre-commit run", run_five, args.runs),
    ]
    if semgrep:
        sg_rounds = args.semgrep_runs if args.semgrep_runs is not None else min(args.runs, 3)
        contenders.append(Contender("semgrep", f"semgrep {semgrep_version} (-j 2)",
                                    lambda r: timed(semgrep_cmd, env=semgrep_env, ok=(0, 1)), sg_rounds))

    for r in range(args.runs):
        order = contenders[r % len(contenders):] + contenders[:r % len(contenders)]
        line = []
        for c in order:
            if r >= c.rounds:
                continue
            if c.key in ("single", "single_idx"):
                got = run_single(r, index_flags if c.key == "single_idx" else None)
                c.samples += got
                c.by_round[r] = statistics.median(got)
                line.append(f"{c.key} {statistics.median(got):.2f}")
                continue
            t = c.run(r)
            c.samples.append(t)
            c.by_round[r] = t
            line.append(f"{c.key} {t:.2f}")
        log(f"round {r + 1}/{args.runs}: " + ", ".join(line))

    log("peak RSS run (untimed)...")
    rss = peak_rss(ta + [str(tree), "--format", "json"] + cold_flags(), tree)

    # -- report --------------------------------------------------------------------------------------------------
    st = {c.key: stats(c.samples) for c in contenders}
    by_key = {c.key: c for c in contenders}

    def paired(a: str, b: str) -> float | None:
        """Median over rounds of a/b measured in the same round: robust to load that drifts between rounds."""
        ra, rb = by_key[a].by_round, by_key[b].by_round
        ratios = [ra[r] / rb[r] for r in ra if r in rb and rb[r] > 0]
        return statistics.median(ratios) if ratios else None

    floor_m = st["floor"]["median"]  # type: ignore[index]
    cold_m = st["cold"]["median"]  # type: ignore[index]
    f = manifest["files"]
    print(f"\n# tagaudit scan benchmark — {_dt.datetime.now().isoformat(timespec='minutes')}")
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; tagaudit {version.strip().split()[-1]}")
    print(f"tree: {tree} ({'git' if not args.no_git else 'plain dir'}), {f['python']:,} .py files "
          f"({f['tests']} under tests/, excluded by the default policy) + {f['pruned']} under pruned dirs, "
          f"{f['lines']:,} lines, {f['bytes'] / 1e6:.0f} MB; floor listed {n_listed:,} files, "
          f"{n_hits:,} regex hits, {n_bytes / 1e6:.0f} MB read")
    print(f"env: PYTHONPYCACHEPREFIX={os.environ.get('PYTHONPYCACHEPREFIX')} (bytecode cached, as from a wheel); "
          f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"rounds: {args.runs} interleaved (order rotates); single-file median over {st['single']['n']} runs "  # type: ignore[index]
          f"on {min(len(single_pool), args.runs * args.single_files)} different AI files\n")
    print(f"| {'contender':<44} | {'median s':>8} | {'min–max s':>13} | {'n':>2} | {'× floor':>7} | "
          f"{'× tagaudit':>10} | {'paired × floor':>14} |")
    print(f"|{'-' * 46}|{'-' * 10}|{'-' * 15}|{'-' * 4}|{'-' * 9}|{'-' * 12}|{'-' * 16}|")
    for c in contenders:
        s = st[c.key]
        if s is None:
            continue
        pf = paired(c.key, "floor")
        print(f"| {c.label:<44} | {s['median']:>8.3f} | {s['min']:>6.3f}–{s['max']:<6.3f} | {s['n']:>2} | "
              f"{s['median'] / floor_m:>7.2f} | {s['median'] / cold_m:>10.2f} | {'—' if pf is None else f'{pf:.2f}':>14} |")
    print("(× floor and × tagaudit divide medians; 'paired × floor' is the median of same-round ratios)")
    if any(c.note for c in contenders):
        for c in contenders:
            if c.note:
                print(f"  {c.label}: {c.note}")

    single_m = st["single"]["median"]  # type: ignore[index]
    five_m = st["five"]["median"]  # type: ignore[index]
    warm_m = st["warm"]["median"]  # type: ignore[index]
    cached = cache["cache_dir"] or cache["no_cache"]
    cold_x = paired("cold", "floor") or cold_m / floor_m
    warm_x = paired("warm", "floor") or warm_m / floor_m
    targets = [
        ("cold tagaudit ≤ 3× floor (issue 2)", cold_x <= 3.0, (f"{cold_x:.2f}× floor (paired; ratio of medians "
                                                               f"{cold_m / floor_m:.2f}×)")),
        ("single file < 0.4 s (issue 2)", single_m < 0.4, f"{single_m:.3f} s"),
    ]
    if st.get("single_idx"):
        idx_m = st["single_idx"]["median"]  # type: ignore[index]
        targets.append(("single file with the repo index < 0.15 s (issue 9)", idx_m < 0.15, f"{idx_m:.3f} s"))
    if st.get("semgrep"):
        sg_x = paired("semgrep", "cold") or st["semgrep"]["median"] / cold_m  # type: ignore[index]
        targets.append(("cold ≥ 10× faster than Semgrep", sg_x >= 10.0, f"Semgrep / tagaudit = {sg_x:.2f}× (paired)"))
    targets.append(("warm ≤ 1.5× floor", warm_x <= 1.5,
                    f"{warm_x:.2f}× floor (paired)" + ("" if cached else " (no cache yet: a second cold run)")))
    targets.append(("5-file pre-commit < 0.3 s (issue 3)", five_m < 0.3, f"{five_m:.3f} s"))
    print("\nTargets:")
    verdicts = []
    for name, ok, shown in targets:
        verdicts.append({"target": name, "measured": shown, "pass": ok})
        print(f"  {'PASS' if ok else 'MISS'}  {name}: {shown}")
    print(f"\nPeak RSS, tagaudit cold scan: largest process {rss['max_single_mb']:.0f} MB; "
          f"whole process tree (sampled) {rss['tree_sum_mb'] or 0:.0f} MB")

    t = ta_sanity
    print(f"\nGround truth (tagaudit): found {t['found']} of {t['expected']} expected call sites; "
          f"files scanned {t['files_scanned']}; findings {t['findings']}; "
          f"decoys reported {sum(t['decoys_reported'].values())} {t['decoys_reported'] or ''}; "
          f"pruned-dir sites reported {t['pruned_reported']}; other sites reported {t['other_reported']}")
    print(f"  {'style':<22} {'found':>5} / {'expected':<8} status≠expected")
    for style, v in t["per_style"].items():
        print(f"  {style:<22} {v.get('found', 0):>5} / {v['expected']:<8} {v.get('status_differs', 0)}")
    print(f"  tagging -> tagaudit status (found sites): {t['status_crosstab']}")
    if sg_sanity:
        s = sg_sanity
        print(f"\nGround truth (Semgrep rules, bench/semgrep-rules.yml): {s['untagged_found']} of "
              f"{s['untagged_expected']} expected untagged calls flagged; {s['results']} results in all; "
              f"{s['tagged_or_dynamic_flagged']} tagged/dynamic calls flagged; {s['decoys_flagged']} decoys flagged; "
              f"{s['other']} other; {s['errors']} errors; {s['scanned']} files scanned")
        print("  per style (untagged found/expected): " + ", ".join(
            f"{k} {v.get('found', 0)}/{v['untagged']}" for k, v in s["per_style"].items()))

    if args.json:
        data = {
            "date": _dt.datetime.now().isoformat(timespec="seconds"), "machine": platform.node(),
            "cpus": os.cpu_count(), "python": platform.python_version(), "tagaudit": version.strip(),
            "semgrep": semgrep_version or None, "tree": {**f, "git": not args.no_git, "params": manifest["params"]},
            "cache_options": cache, "results": {c.key: {"label": c.label, **(st[c.key] or {}),
                                                         "paired_x_floor": paired(c.key, "floor"),
                                                         "samples": c.samples} for c in contenders},
            "targets": verdicts, "rss": rss, "ground_truth": {"tagaudit": ta_sanity, "semgrep": sg_sanity},
        }
        args.json.write_text(json.dumps(data, indent=1))
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
