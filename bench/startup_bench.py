"""Start-up benchmark: `tagaudit scan FILE --format json` from a plain install (no extras), against two floors.

    python bench/startup_bench.py [--runs 20] [--mode installed|editable|both] [--rebuild] [--no-bytecode]

A one-file scan is what pre-commit runs on every commit, so its cost is almost all interpreter start-up and
imports. Three cases are judged: the examples sample (no git repository around it), and a temp git repository
with a committed untagged OpenAI call, scanned with the hook's console output (no owner shown, so no blame)
and with --format json (owners shown: blame, warm from the blame cache after the warm-up). Issue 9 adds a
repository whose client comes from another module: a whole-repo run saves the repo index first, then the
one-file run is timed with the file unchanged (cache hit) and with the file edited before every run (its
cache entry misses: the honest pre-commit case). The script builds (or reuses) a virtualenv per mode in bench/.work: `installed` is `pip install .`,
a wheel as a user gets it (pip compiles .pyc at install time); `editable` is `pip install -e .`, as a developer
runs it. Each round runs tagaudit and the floors (`python -c pass`, and `python -c "import ast, re, json"`,
the stdlib the scan cannot avoid) from the same interpreter, in rotating order, and the table shows medians
with the min-max spread. Targets: median < 0.15 s, and the installed site-packages <= 60 MB. It reports
PASS/MISS and never fails.

Children run without PYTHONDONTWRITEBYTECODE (a user's shell does not set it), after one untimed warm-up that
writes .pyc files and the result cache. --no-bytecode keeps the variable, so an editable tree without
__pycache__ is compiled on every run.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"
SAMPLE = REPO / "examples" / "app" / "support" / "bot.py"
POLICY = REPO / "examples" / "app" / "tagaudit.yaml"
TARGET_SECONDS = 0.15
TARGET_MB = 60


def source_digest(editable: bool) -> str:
    """What the venv was built from: the dependencies, and for a wheel also every packaged file."""
    h = hashlib.blake2b(digest_size=12)
    files = [REPO / "pyproject.toml"]
    if not editable:
        files += sorted(p for d in ("auditor", "scanners", "policies") for p in (REPO / d).rglob("*")
                        if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        h.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def build_venv(mode: str, rebuild: bool) -> Path:
    venv = WORK / f"plain-{mode}"
    stamp = venv / ".tagaudit-source"
    digest = source_digest(mode == "editable")
    if not rebuild and stamp.is_file() and stamp.read_text() == digest:
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    print(f"building {venv.relative_to(REPO)} (pip install {'-e ' if mode == 'editable' else ''}., no extras) ...",
          flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = ["-e", str(REPO)] if mode == "editable" else [str(REPO)]
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *install], check=True)
    stamp.write_text(digest)
    return venv


def site_packages(venv: Path) -> Path:
    (found,) = (venv / "lib").glob("python3*/site-packages")
    return found


def disk_mb(path: Path) -> float:
    """Like `du -sm`: allocated blocks, not apparent sizes."""
    return sum(p.lstat().st_blocks * 512 for p in path.rglob("*")) / 2**20


CPU: dict[str, list[float]] = {}  # name -> CPU seconds (user + system) of each timed run, children included


def timed(argv: list[str], cwd: Path, env: dict[str, str], name: str | None = None,
          prepare: Callable[[], None] | None = None) -> float:
    if prepare is not None:  # untimed: e.g. edit the file so that its cache entry misses
        prepare()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
    if name is not None:  # CPU time hardly depends on how busy the machine is; wall time does
        CPU.setdefault(name, []).append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return elapsed


# A committed untagged OpenAI call in a git repository: the scan has a finding, so owners (blame) are in play.
REPO_SAMPLE = ("from openai import OpenAI\n\nclient = OpenAI()\n"
               "client.chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': 'hi'}])\n")


# A second repository for the repo index (issue 9): app.py builds its client in another module, so the
# one-file run needs cross-module facts, read from the index a whole-repo run saved.
INDEXED_FILES = {
    "pkg/__init__.py": "",
    "pkg/clients.py": ("from openai import OpenAI\n\n\ndef make_client():\n"
                       "    return OpenAI(default_headers={'Helicone-Property-Team': 'search'})\n"),
    "pkg/app.py": ("from pkg.clients import make_client\n\nclient = make_client()\n"
                   "client.chat.completions.create(model='gpt-4o', messages=[])\n"
                   "client.embeddings.create(model='text-embedding-3-small', input='x')\n"),
}


def git_sample(work: Path, env: dict[str, str], name: str = "in-repo",
               files: dict[str, str] | None = None) -> Path:
    """A fresh temp git repository holding committed files (by default one file with a finding)."""
    repo = work / name
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    for rel, text in (files or {"app.py": REPO_SAMPLE}).items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    ident = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
             "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["-c", "commit.gpgsign=false", "commit", "-q", "-m", "x"]):
        subprocess.run(["git", *args], cwd=repo, env={**env, **ident}, check=True, capture_output=True)
    return repo


Case = tuple[list[str], Path, Callable[[], None] | None]  # argv, cwd, untimed step before each run


def editor(path: Path) -> Callable[[], None]:
    """Each call changes PATH's content (a new trailing comment), as a commit that edited the file does."""
    base, count = path.read_text(), [0]

    def edit() -> None:
        count[0] += 1
        path.write_text(f"{base}# edit {count[0]} {os.getpid()} {time.time_ns()}\n")
    return edit


def contenders(venv: Path, env: dict[str, str]) -> dict[str, Case]:
    """name -> (argv, cwd, prepare); the names starting with `tagaudit` are the cases judged against the target."""
    work = WORK / "startup"
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE, work / SAMPLE.name)
    shutil.copy(POLICY, work / POLICY.name)
    repo = git_sample(work, env)
    indexed = git_sample(work, env, "indexed", INDEXED_FILES)
    tagaudit, python = str(venv / "bin" / "tagaudit"), str(venv / "bin" / "python")
    # The whole-repo run that saves the repo index (module list and cross-module uses) in the default cache.
    subprocess.run([tagaudit, "scan", "."], cwd=indexed, env=env, check=False, capture_output=True)
    if not (indexed / ".tagaudit-cache" / "repo-index.json").is_file():
        raise SystemExit(f"no repo index after `tagaudit scan .` in {indexed}")
    app = ["pkg/app.py"]
    return {
        "tagaudit scan FILE --format json": ([tagaudit, "scan", SAMPLE.name, "--format", "json"], work, None),
        "tagaudit in-repo finding (console)": ([tagaudit, "scan", "app.py"], repo, None),
        "tagaudit in-repo finding --format json": ([tagaudit, "scan", "app.py", "--format", "json"], repo, None),
        "tagaudit index present (console)": ([tagaudit, "scan", *app], indexed, None),
        "tagaudit index present, file edited": ([tagaudit, "scan", *app], indexed, editor(indexed / app[0])),
        "python -c pass": ([python, "-c", "pass"], work, None),
        "python -c 'import ast, re, json'": ([python, "-c", "import ast, re, json"], work, None),
    }


def measure(venv: Path, runs: int, env: dict[str, str]) -> dict[str, list[float]]:
    cases = contenders(venv, env)
    for argv, cwd, prepare in cases.values():  # warm-up: .pyc files, the result and blame caches, page cache
        timed(argv, cwd, env, prepare=prepare)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    for i in range(runs):
        for name in names[i % len(names):] + names[:i % len(names)]:
            argv, cwd, prepare = cases[name]
            samples[name].append(timed(argv, cwd, env, name, prepare))
    return samples


def report(mode: str, venv: Path, samples: dict[str, list[float]]) -> None:
    print(f"\n{mode}: {venv.relative_to(REPO)} ({len(next(iter(samples.values())))} runs each)")
    floor = statistics.median(samples["python -c pass"])
    stdlib = statistics.median(samples["python -c 'import ast, re, json'"])
    for name, times in samples.items():
        med = statistics.median(times)
        verdict = ("PASS" if med < TARGET_SECONDS else "MISS") if name.startswith("tagaudit") else "floor"
        print(f"  {name:40} median {med:.3f} s  (min {min(times):.3f} - max {max(times):.3f})  "
              f"x{med / floor:.1f} of python -c pass, CPU median {statistics.median(CPU[name]):.3f} s  {verdict}")
    for name, times in samples.items():
        if name.startswith("tagaudit"):
            print(f"  {name}: {statistics.median(times) - stdlib:+.3f} s above the stdlib floor, "
                  f"target < {TARGET_SECONDS} s: {'PASS' if statistics.median(times) < TARGET_SECONDS else 'MISS'}")
    if mode == "installed":
        site = site_packages(venv)
        size = disk_mb(site)
        print(f"  site-packages {size:.0f} MB vs target <= {TARGET_MB} MB: {'PASS' if size <= TARGET_MB else 'MISS'}")
        parts = sorted(((disk_mb(p) if p.is_dir() else p.lstat().st_blocks * 512 / 2**20, p.name)
                        for p in site.iterdir()), reverse=True)
        print("  largest: " + ", ".join(f"{name} {mb:.0f}" for mb, name in parts[:6]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per contender (default 20, at least 15)")
    parser.add_argument("--mode", choices=("installed", "editable", "both"), default="both")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the virtualenvs even if up to date")
    parser.add_argument("--no-bytecode", action="store_true", help="keep PYTHONDONTWRITEBYTECODE for the children")
    args = parser.parse_args()
    if args.runs < 15:
        parser.error("--runs must be at least 15 (a median of fewer runs on a shared machine says little)")
    env = dict(os.environ)
    if not args.no_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["NO_COLOR"] = "1"
    print(f"python {sys.version.split()[0]}; PYTHONDONTWRITEBYTECODE {'set' if 'PYTHONDONTWRITEBYTECODE' in env else 'unset'}"
          f" for the children; sample {SAMPLE.relative_to(REPO)}")
    for mode in ("installed", "editable") if args.mode == "both" else (args.mode,):
        venv = build_venv(mode, args.rebuild)
        report(mode, venv, measure(venv, args.runs, env))


if __name__ == "__main__":
    main()
