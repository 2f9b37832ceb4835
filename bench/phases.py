"""Where a tagaudit scan spends its time: the pipeline re-run phase by phase, in one process, with wall clocks.

    .venv/bin/python bench/phases.py [TREE]        (default TREE: bench/.work/monorepo)

A diagnostic for the lead, not a target: it calls tagaudit's internals (discover, the prefilter, ast.parse,
the module index, call-site resolution, rules, the JSON reporter) the way auditor/scan/engine.py does, so it has
to follow the engine when the engine changes. Start-up (imports) is measured in fresh interpreters.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPEAT = 3  # passes over the tree; each phase reports its fastest pass (least disturbed by other load)


def startup(python: str) -> dict[str, float]:
    """Fastest of 5 wall times of bare interpreter start-up and of importing tagaudit's scan path."""
    probes = {
        "python -c pass": "pass",
        "import auditor.cli.app (typer, click, pydantic...)": "import auditor.cli.app",
        "+ auditor.scan.engine, policy, scanners (scan path)": "import auditor.cli.app, auditor.scan.engine, auditor.policy",
        "+ load_catalog() (YAML)": "import auditor.cli.app, auditor.scan.engine; from scanners.catalog import load_catalog; "
                                   "load_catalog()",
    }
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as scan_bench.py: cached bytecode, like a wheel install
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(HERE / ".work" / "pycache"))
    out = {}
    for label, code in probes.items():
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([python, "-c", code], check=True)
            runs.append(time.perf_counter() - t0)
        out[label] = min(runs)  # start-up has a hard floor; the minimum is the least disturbed run
    return out


def run_once(tree: Path) -> tuple[dict[str, float], tuple]:
    from auditor.policy import discover_policy
    from auditor.records import Report
    from auditor.report.jsonout import render_json
    from auditor.scan.discover import discover
    from auditor.scan.engine import ScanJob, audit_file
    from scanners.catalog import load_catalog
    from scanners.python import decode_source
    from scanners.python.calls import find_call_sites
    from scanners.python.comments import extract_comments
    from scanners.python.index import index_module
    from scanners.records import FileScan

    t: dict[str, float] = {}

    def lap(name: str, t0: float) -> float:
        now = time.perf_counter()
        t[name] = t.get(name, 0.0) + now - t0
        return now

    t0 = time.perf_counter()
    pol = discover_policy(tree, None)
    catalog = load_catalog()
    t0 = lap("policy + catalog", t0)
    targets = [x for x in discover([tree], tree)]
    t0 = lap("discover (git ls-files + Path objects)", t0)
    targets = [x for x in targets if pol.settings_for(x.rel).mode != "exclude"]
    t0 = lap("policy path filter (settings_for per file)", t0)
    jobs = [ScanJob(x.rel, str(x.path), pol.max_file_bytes) for x in targets]
    blobs = []
    for job in jobs:
        with open(job.path, "rb") as fh:
            blobs.append((job, fh.read()))
    t0 = lap("read all files", t0)
    from auditor.scan.engine import prefilter

    cands = [(job, data) for job, data in blobs if prefilter(job.rel, data)]
    t0 = lap(f"prefilter (engine.prefilter, {len(catalog.tokens)} tokens)", t0)
    from auditor.scan.cache import content_digest

    for job, data in blobs:
        content_digest(data, job.rel)
    t0 = lap("content digests (what a warm run does instead)", t0)
    scans = []
    lines = no_sites = 0
    for job, data in cands:
        t0 = time.perf_counter()
        source = decode_source(data)
        t0 = lap("decode", t0)
        tree_ = ast.parse(source, filename=job.rel)
        t0 = lap("ast.parse", t0)
        comments = extract_comments(source)
        t0 = lap("comments", t0)
        index_module(tree_, catalog.names)
        t0 = lap("index_module (alone, for the split)", t0)
        sites = find_call_sites(tree_, source, job.rel, catalog, comments, lambda n: (None, n))
        t0 = lap("find_call_sites (index + resolve)", t0)
        scans.append(FileScan(job.rel, tuple(sites), tuple(comments)))
        no_sites += not sites
        lines += source.count("\n")
    t0 = time.perf_counter()
    scans = _link(tree, jobs, blobs, cands, scans, catalog, lap)
    t0 = time.perf_counter()
    calls, findings = [], []
    for fs in scans:
        c, f = audit_file(fs, pol)
        calls += c
        findings += f
    t0 = lap("evaluate + rules", t0)
    text = render_json(Report(str(tree), len(targets), tuple(calls), tuple(findings), (), pol.source))
    lap("render json", t0)

    return t, (jobs, blobs, cands, lines, calls, text, no_sites)


def _link(tree: Path, jobs: list, blobs: list, cands: list, scans: list, catalog: object, lap: object) -> list:
    """Whole-repo resolution as the engine runs it: import lists of every file, then the link stage."""
    from auditor.scan import repo
    from auditor.scan.engine import prefilter, read_job, scan_linked
    from scanners.python import link
    from scanners.python.summary import Summary

    t0 = time.perf_counter()
    link.REPO_NAMES = link.repo_names(job.rel for job in jobs)
    is_cand = {job.rel for job, _ in cands}
    by_scan = {fs.path: fs for fs in scans}
    records = []
    for job, data in blobs:
        imports = link.repo_imports(data, catalog)
        if job.rel in is_cand:
            records.append(repo.Scanned(job.rel, by_scan[job.rel], Summary((), imports)))
        elif imports or repo.may_pass_clients(data):
            records.append(repo.Scanned(job.rel, None, Summary((), imports), repo.may_pass_clients(data)))
    link.REPO_NAMES = None
    t0 = lap("import lists (every file, str.find)", t0)
    by_rel = {job.rel: job for job in jobs}

    def read(rel: str) -> bytes | None:
        got = read_job(by_rel[rel]) if rel in by_rel else None
        return got if isinstance(got, bytes) else None

    def scan(rel: str, data: bytes, hook: object, digest: str, summarise: bool) -> tuple:
        return scan_linked(by_rel[rel], data, link=hook, digest=digest, summarise=summarise)

    out, _ = repo.link_records(records, [job.rel for job in jobs], read, prefilter, scan)
    lap("link (imports resolved, linked rescans)", t0)
    return out


def main() -> int:
    tree = Path(sys.argv[1] if len(sys.argv) > 1 else HERE / ".work" / "monorepo").resolve()
    for label, secs in startup(sys.executable).items():
        print(f"start-up  {label:<50} {secs * 1000:8.0f} ms")

    best: dict[str, float] = {}
    for _ in range(REPEAT):
        t, info = run_once(tree)
        for k, v in t.items():
            best[k] = min(best.get(k, v), v)
    t = best
    jobs, blobs, cands, lines, calls, text, no_sites = info
    total_bytes = sum(len(d) for _, d in blobs)
    print(f"\ntree {tree}: {len(jobs)} files to scan, {total_bytes / 1e6:.0f} MB; {len(cands)} candidates after the "
          f"prefilter ({lines:,} lines), {no_sites} of them without any call site; {len(calls)} call sites; "
          f"{len(text) / 1e3:.0f} kB of JSON; each phase: fastest of {REPEAT} passes\n")
    index_alone = t.pop("index_module (alone, for the split)")
    total = sum(t.values())
    for name, secs in t.items():
        print(f"phase  {name:<50} {secs:7.2f} s  {100 * secs / total:5.1f} %")
    fcs = t["find_call_sites (index + resolve)"]
    print(f"       of which index_module ~{index_alone:.2f} s, resolve/classify ~{max(0.0, fcs - index_alone):.2f} s")
    print(f"phase  {'total (one process, excluding start-up)':<50} {total:7.2f} s")
    if "ast.parse" in t and lines:
        print(f"\nast.parse: {lines / t['ast.parse'] / 1e3:.0f} kLOC/s; find_call_sites: {lines / fcs / 1e3:.0f} kLOC/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
