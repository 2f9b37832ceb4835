"""Several outputs from one run: `--output FORMAT=PATH` (PATH `-` is standard output)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.gate.run import GateResult
from scanners.errors import TagauditError


@dataclass(frozen=True, slots=True)
class OutputSpec:
    fmt: str
    path: str  # "-" for stdout


def parse_outputs(specs: list[str]) -> list[OutputSpec]:
    from auditor.report import FORMATS

    out = []
    for spec in specs:
        fmt, sep, path = spec.partition("=")
        if not sep or not path:
            raise TagauditError(f"--output {spec!r} is not FORMAT=PATH", hint=f"formats: {', '.join(FORMATS)}")
        if fmt not in FORMATS:
            raise TagauditError(f"unknown output format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
        out.append(OutputSpec(fmt, path))
    return out


def _options(fmt: str, result: GateResult, root: Path, group_by: str, show_calls: bool) -> dict[str, Any]:
    if fmt == "sarif":
        return {"source_root": root}
    if fmt == "github":
        return {"changed_lines": result.changed_lines}
    if fmt == "markdown":
        server, repo, sha = (os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
        link = f"{server}/{repo}/blob/{sha}" if server and repo and sha else None
        return {"link_base": link, "group_by": group_by}
    if fmt == "console":
        return {"group_by": group_by, "show_calls": show_calls}
    return {}


def write_outputs(specs: list[OutputSpec], result: GateResult, root: Path, *, group_by: str = "file",
                  show_calls: bool = False) -> None:
    from auditor.report import FORMATS

    for spec in specs:
        text = FORMATS[spec.fmt](result.report, **_options(spec.fmt, result, root, group_by, show_calls))
        if spec.path == "-":
            sys.stdout.write(text)
            continue
        target = Path(spec.path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise TagauditError(f"cannot write {spec.fmt} output ({exc.strerror})", where=str(target)) from exc
