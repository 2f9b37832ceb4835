"""Several outputs from one run: `--output FORMAT=PATH` (PATH `-` is standard output)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from auditor.gate.run import GateResult
from auditor.report.registry import REPORTERS, RenderOptions
from scanners.errors import TagauditError


@dataclass(frozen=True, slots=True)
class OutputSpec:
    fmt: str
    path: str  # "-" for stdout


def parse_outputs(specs: list[str]) -> list[OutputSpec]:
    out = []
    for spec in specs:
        fmt, sep, path = spec.partition("=")
        if not sep or not path:
            raise TagauditError(f"--output {spec!r} is not FORMAT=PATH", hint=f"formats: {', '.join(REPORTERS)}")
        if fmt not in REPORTERS:
            raise TagauditError(f"unknown output format {fmt!r}", hint=f"use one of {', '.join(REPORTERS)}")
        out.append(OutputSpec(fmt, path))
    return out


def _render_options(result: GateResult, root: Path, group_by: str, show_calls: bool) -> RenderOptions:
    server, repo, sha = (os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    link = f"{server}/{repo}/blob/{sha}" if server and repo and sha else None
    return RenderOptions(source_root=root, changed_lines=result.changed_lines, link_base=link, group_by=group_by,
                         show_calls=show_calls)


def write_outputs(specs: list[OutputSpec], result: GateResult, root: Path, *, group_by: str = "file",
                  show_calls: bool = False) -> None:
    options = _render_options(result, root, group_by, show_calls)
    for spec in specs:
        text = REPORTERS[spec.fmt](result.report, options)
        if spec.path == "-":
            sys.stdout.write(text)
            continue
        target = Path(spec.path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise TagauditError(f"cannot write {spec.fmt} output ({exc.strerror})", where=str(target)) from exc
