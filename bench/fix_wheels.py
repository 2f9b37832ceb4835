"""`tagaudit fix` over real SDK-using wheels: every edited file compiles, nothing unflagged changes, outcomes per family.

    pip download --no-deps --only-binary=:all: -d /tmp/fixhints/wheels instructor langchain-openai \\
        langchain-anthropic llama-index-llms-openai dspy pydantic-ai smolagents litellm
    python bench/fix_wheels.py /tmp/fixhints/wheels /tmp/fixhints/unpacked

The wheels are unpacked outside the repository (third-party code is never committed), each with a policy
that gives every path values for every key (and names a gateway, so header carriers are writable too).
Exit 1 when an edited file does not compile or a file without a flagged call changed.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import zipfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.fix.hints import attach_fixes
from auditor.fix.records import OUTCOMES
from auditor.fix.run import run_fix
from auditor.policy import Policy, load_policy
from auditor.scan.engine import run_scan

POLICY = """version: 1
keys: {team: {}, cost_center: {}, use_case: {}, environment: {}}
min_grade: GW
gateway: helicone
paths:
  - {match: ["**"], tags: {team: search, cost_center: cc-210, use_case: bench, environment: production}}
"""


def _hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _unpack(wheel: Path, work: Path) -> Path:
    root = work / wheel.name.split("-")[0]
    shutil.rmtree(root, ignore_errors=True)
    with zipfile.ZipFile(wheel) as z:
        z.extractall(root)
    (root / "tagaudit.yaml").write_text(POLICY)
    return root


def _suggestions(root: Path, policy: Policy, agree: Counter[str]) -> tuple[dict[tuple[str, int], str], list[str]]:
    """The scan's fix suggestions (stdlib ast), and whether each exact insertion leaves a file that compiles."""
    report = attach_fixes(run_scan([root], root, policy), root, policy)
    kinds: dict[tuple[str, int], str] = {}
    problems: list[str] = []
    for f in report.findings:
        if f.fix is None:
            continue
        kinds[(f.path, f.line)] = f.fix.kind
        if f.fix.edit is not None:
            lines = (root / f.path).read_text(encoding="utf-8").splitlines(keepends=True)
            e = f.fix.edit
            lines[e.line - 1] = lines[e.line - 1][:e.column - 1] + e.text + lines[e.line - 1][e.column - 1:]
            try:
                compile("".join(lines), f.path, "exec", dont_inherit=True)
                agree["exact insertions that compile"] += 1
            except SyntaxError as exc:
                problems.append(f"{root.name}/{f.path}:{f.line}: the SARIF insertion does not compile: {exc}")
    return kinds, problems


def check_wheel(wheel: Path, work: Path, counts: dict[str, Counter[str]], agree: Counter[str]) -> list[str]:
    """Fix one unpacked wheel in place; the problems found (empty when every check holds)."""
    root = _unpack(wheel, work)
    before = _hashes(root)
    policy = load_policy(root / "tagaudit.yaml")
    kinds, problems = _suggestions(root, policy, agree)
    result = run_fix([root], root, policy, select=frozenset({"TAG001", "TAG004"}), write=True)
    after = _hashes(root)
    flagged = {f.path for f in result.files}
    changed = {p for p in after if before.get(p) != after[p]} | (set(before) - set(after))
    problems += [f"{root.name}/{p}: changed but had no flagged call" for p in sorted(changed - flagged)]
    for rel in sorted(changed & flagged):
        try:
            compile((root / rel).read_bytes(), rel, "exec", dont_inherit=True)
        except SyntaxError as exc:
            problems.append(f"{root.name}/{rel}: does not compile after the fix: {exc}")
    problems += [f"{root.name}/{f.path}: {f.error}" for f in result.files if f.error]
    for f in result.files:
        for call in f.calls:
            counts.setdefault(call.family or "?", Counter())[call.hint.outcome] += 1
            said = kinds.get((call.path, call.line), "none")
            agree["scan said edit, fix fixed" if (said, call.hint.outcome) == ("edit", "fixed") else
                  f"scan said {said}, fix {call.hint.outcome}"] += 1
    print(f"{root.name}: {len(flagged)} flagged file(s), {len(changed)} changed, "
          f"{sum(len(f.calls) for f in result.files)} flagged call(s)", file=sys.stderr)
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("wheels", type=Path, help="folder of downloaded .whl files")
    ap.add_argument("work", type=Path, help="scratch folder to unpack into (outside the repository)")
    args = ap.parse_args(argv)
    counts: dict[str, Counter[str]] = {}
    problems: list[str] = []
    agree: Counter[str] = Counter()
    for wheel in sorted(args.wheels.glob("*.whl")):
        problems += check_wheel(wheel, args.work, counts, agree)
    print("| family | " + " | ".join(OUTCOMES) + " |\n|---|" + "---|" * len(OUTCOMES))
    for family, c in sorted(counts.items()):
        print(f"| {family} | " + " | ".join(str(c[o]) for o in OUTCOMES) + " |")
    total = Counter[str]()
    for c in counts.values():
        total.update(c)
    print("| **all** | " + " | ".join(str(total[o]) for o in OUTCOMES) + " |")
    for what, n in sorted(agree.items()):
        print(f"{what}: {n}")
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
