"""Recall and precision of `tagaudit scan` on real applications, against labels made by reading their code.

    python bench/realapps/score.py [--tagaudit PATH] [--app NAME ...] [--json out.json] [--refetch]

Each `labels/<app>.json` names a distribution pinned on PyPI (`dist`), every billable AI request site in it
(`sites`: path and line of the call expression's first line, what it is, why) and optional decoys. Only paths and
line numbers are stored here: the code itself is fetched with `pip download --no-deps` into ~/.cache/tagaudit-realapps
($TAGAUDIT_REALAPPS; outside the checkout, where it would be git-ignored and so skipped) and unpacked there; it is never imported or run, only scanned.

Scoring, per app: a label is found when tagaudit reports a call site (any kind) in the same file whose line range
contains the label's line; each report matches at most one label. A report at a label's `also` line (an accepted
alternative, such as a LangChain constructor whose request runs inside a framework) is neither a hit nor a false
positive. Every other report is a false positive. The script prints a table and every miss and false positive; it
never fails (exit 0), the lead reads the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Outside any git checkout: inside this repo the apps would be git-ignored files, which a scan skips.
WORK = Path(os.environ.get("TAGAUDIT_REALAPPS", Path.home() / ".cache" / "tagaudit-realapps"))


@dataclass
class Label:
    path: str
    line: int
    what: str
    also: set[tuple[str, int]] = field(default_factory=set)


@dataclass
class Report:
    path: str
    line: int
    end_line: int
    text: str


@dataclass
class Score:
    app: str
    labels: int
    found: int
    reported: int
    false_positives: list[Report]
    misses: list[Label]

    @property
    def recall(self) -> float:
        return self.found / self.labels if self.labels else 1.0

    @property
    def precision(self) -> float:
        counted = self.found + len(self.false_positives)
        return self.found / counted if counted else 1.0


def _location(text: str, default_path: str) -> tuple[str, int]:
    path, _, line = text.rpartition(":")
    return (path or default_path), int(line)


def load_labels(path: Path) -> tuple[dict[str, object], list[Label]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    labels = [Label(path=s["path"], line=int(s["line"]), what=f"{s.get('sdk', '?')} {s.get('op', '?')}",
                    also={_location(str(a), s["path"]) for a in s.get("also", [])})
              for s in data["sites"]]
    return data, labels


def fetch(app: str, dist: str, refetch: bool) -> Path:
    """Download the pinned wheel (or sdist) and unpack it under bench/.work/realapps/apps/<app>."""
    root = WORK / "apps" / app
    stamp = root / ".dist"
    if not refetch and stamp.is_file() and stamp.read_text() == dist:
        return root
    dl = WORK / "dl" / app
    shutil.rmtree(dl, ignore_errors=True)
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", dist, "-d", str(dl)], check=True)
    (archive,) = sorted(dl.iterdir())
    if archive.suffix != ".whl":
        raise SystemExit(f"{app}: {archive.name} is not a wheel; the labels' paths are relative to a wheel root")
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(root)
    for info in root.glob("*.dist-info"):
        shutil.rmtree(info)
    stamp.write_text(dist)
    return root


def scan(tagaudit: str, root: Path) -> list[Report]:
    proc = subprocess.run([tagaudit, "scan", str(root), "--format", "json", "--no-cache", "--no-owners",
                           "--exit-zero"], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"tagaudit failed on {root} (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    out = json.loads(proc.stdout)
    return [Report(path=s["path"], line=s["line"], end_line=s["end_line"],
                   text=f"{s['provider']} {s['sdk']} {s['operation']} ({s['kind']})")
            for s in out["call_sites"]]


def score(app: str, labels: list[Label], reports: list[Report]) -> Score:
    pending = sorted(reports, key=lambda r: (r.path, r.line, r.end_line))
    misses: list[Label] = []
    found = 0
    used: set[int] = set()
    for label in sorted(labels, key=lambda lb: (lb.path, lb.line)):
        exact = [i for i, r in enumerate(pending) if i not in used and r.path == label.path and r.line == label.line]
        spans = [i for i, r in enumerate(pending)
                 if i not in used and r.path == label.path and r.line <= label.line <= r.end_line]
        hit = (exact or spans or [None])[0]
        if hit is None:
            misses.append(label)
        else:
            used.add(hit)
            found += 1
    neutral = {loc for lb in labels for loc in lb.also}
    false_positives = [r for i, r in enumerate(pending)
                       if i not in used and (r.path, r.line) not in neutral]
    return Score(app, len(labels), found, len(reports), false_positives, misses)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tagaudit", default=str(Path(sys.executable).with_name("tagaudit")))
    ap.add_argument("--app", action="append", help="score only these apps (repeatable)")
    ap.add_argument("--json", type=Path, help="write per-app scores, misses and false positives here")
    ap.add_argument("--refetch", action="store_true", help="download and unpack the apps again")
    ap.add_argument("--quiet", action="store_true", help="table only, no miss / false-positive lists")
    args = ap.parse_args(argv)
    scores: list[Score] = []
    for path in sorted((HERE / "labels").glob("*.json")):
        data, labels = load_labels(path)
        app = str(data["app"])
        if args.app and app not in args.app:
            continue
        root = fetch(app, str(data["dist"]), args.refetch)
        scores.append(score(app, labels, scan(args.tagaudit, root)))
    print_table(scores, quiet=args.quiet)
    if args.json:
        args.json.write_text(json.dumps([{
            "app": s.app, "labels": s.labels, "found": s.found, "reported": s.reported,
            "recall": round(s.recall, 4), "precision": round(s.precision, 4),
            "misses": [f"{m.path}:{m.line} {m.what}" for m in s.misses],
            "false_positives": [f"{r.path}:{r.line} {r.text}" for r in s.false_positives],
        } for s in scores], indent=2) + "\n")
    return 0


def print_table(scores: list[Score], *, quiet: bool) -> None:
    print(f"{'app':<18} {'labels':>6} {'found':>6} {'FP':>4} {'recall':>7} {'precision':>9}")
    for s in scores:
        print(f"{s.app:<18} {s.labels:>6} {s.found:>6} {len(s.false_positives):>4} {s.recall:>7.3f} {s.precision:>9.3f}")
    labels = sum(s.labels for s in scores)
    found = sum(s.found for s in scores)
    fps = sum(len(s.false_positives) for s in scores)
    recall = found / labels if labels else 1.0
    precision = found / (found + fps) if found + fps else 1.0
    print(f"{'ALL':<18} {labels:>6} {found:>6} {fps:>4} {recall:>7.3f} {precision:>9.3f}"
          f"   (targets: recall >= 0.95, precision >= 0.97)")
    if quiet:
        return
    for s in scores:
        for m in s.misses:
            print(f"MISS {s.app}: {m.path}:{m.line} {m.what}")
        for r in s.false_positives:
            print(f"FP   {s.app}: {r.path}:{r.line} {r.text}")


if __name__ == "__main__":
    raise SystemExit(main())
