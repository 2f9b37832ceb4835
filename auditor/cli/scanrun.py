"""`tagaudit scan` as a plain function, and the argv fast path the pre-commit hook takes.

The hook runs `tagaudit scan FILE...` on every commit, where building the typer/click application costs a
sizeable share of the run. `parse_scan_argv` reads exactly the argv shapes click would read the same way
(long options with `=` or a separate value, the short aliases with a separate value, flags, paths) and returns
None for anything else: `--help`, `--`, an unknown option, a bad choice, a value that looks like an option. Then
the typer application parses it, with click's messages and exit codes. Both paths call `run_scan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scanners.errors import EXIT_CLEAN, EXIT_FINDINGS, TagauditError

GROUP_BY = ("file", "owner")


@dataclass(slots=True)
class ScanArgs:
    paths: list[Path] | None = None
    policy: Path | None = None
    root: Path | None = None
    fmt: str = "console"
    output: list[str] = field(default_factory=list)
    diff_base: str | None = None
    changed_lines: bool = False
    baseline: Path | None = None
    no_baseline: bool = False
    owners: bool = True
    group_by: str = "file"
    show_calls: bool = False
    jobs: int | None = None
    cache_dir: Path | None = None
    no_cache: bool = False
    exit_zero: bool = False


_FLAGS = {"--show-calls": ("show_calls", True), "--no-baseline": ("no_baseline", True), "--owners": ("owners", True),
          "--no-owners": ("owners", False), "--changed-lines": ("changed_lines", True),
          "--no-cache": ("no_cache", True), "--exit-zero": ("exit_zero", True)}
_VALUED = {"--policy": "policy", "-p": "policy", "--root": "root", "--format": "fmt", "-f": "fmt",
           "--output": "output", "-o": "output", "--diff-base": "diff_base", "--baseline": "baseline",
           "--group-by": "group_by", "--jobs": "jobs", "-j": "jobs", "--cache-dir": "cache_dir"}
_PATHS = {"policy", "root", "baseline", "cache_dir"}


def parse_scan_argv(argv: list[str], formats: tuple[str, ...]) -> ScanArgs | None:
    """`argv` after `scan`, read as click reads it, or None when only click should read it."""
    args = ScanArgs()
    paths: list[Path] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        i += 1
        if not token.startswith("-"):
            paths.append(Path(token))
            continue
        if token in _FLAGS:
            name, value = _FLAGS[token]
            setattr(args, name, value)
            continue
        opt, eq, inline = token.partition("=")
        if opt not in _VALUED or (eq and not opt.startswith("--")):
            return None
        if not eq:
            if i >= len(argv):
                return None
            inline, i = argv[i], i + 1
        if not inline or inline.startswith("-") or not _set(args, _VALUED[opt], inline, formats):
            return None
    args.paths = paths or None
    return args


def _set(args: ScanArgs, name: str, value: str, formats: tuple[str, ...]) -> bool:
    if name == "fmt" and value not in formats or name == "group_by" and value not in GROUP_BY:
        return False
    if name == "jobs":
        if not (value.isascii() and value.isdigit()) or int(value) < 1:
            return False
        args.jobs = int(value)
    elif name == "output":
        args.output.append(value)
    else:
        setattr(args, name, Path(value) if name in _PATHS else value)
    return True


def run_scan(args: ScanArgs) -> int:
    """Scan, write the outputs, and return the exit code (1 for blocking findings unless --exit-zero)."""
    from dataclasses import replace

    from auditor.fix.hints import attach_fixes
    from auditor.gate.run import GateOptions, run_gate
    from auditor.policy import discover_policy
    from auditor.report.outputs import OutputSpec, parse_outputs, write_outputs
    from auditor.report.registry import shows_owners
    from auditor.scan.cache import cache_dir_for
    from auditor.scan.targets import resolve_targets

    targets, root = resolve_targets(args.paths, args.root)
    if args.changed_lines and args.diff_base is None:
        raise TagauditError("--changed-lines needs --diff-base REF")
    specs = parse_outputs(args.output) + [OutputSpec(args.fmt, "-")] * (args.fmt != "console")
    cache = cache_dir_for(root, args.cache_dir, args.no_cache)
    pol = discover_policy(root, args.policy, cache_dir=cache)
    shown = [s.fmt for s in specs] + ["console"] * (args.fmt == "console")
    opts = GateOptions(diff_base=args.diff_base, changed_lines=args.changed_lines, baseline=args.baseline,
                       use_baseline=not args.no_baseline, owners=args.owners, workers=args.jobs, cache_dir=cache,
                       blame=any(shows_owners(name, args.group_by) for name in shown))
    result = run_gate(targets, root, pol, opts)
    result = replace(result, report=attach_fixes(result.report, root, pol))
    write_outputs(specs, result, root, group_by=args.group_by, show_calls=args.show_calls)
    if args.fmt == "console":
        from auditor.report.console import render_console

        render_console(result.report, show_calls=args.show_calls, group_by=args.group_by)
    blocking = any(f.blocking for f in result.report.findings)
    return EXIT_FINDINGS if blocking and not args.exit_zero else EXIT_CLEAN
