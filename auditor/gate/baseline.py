"""The baseline: recorded debt, one entry per finding with a reason, an owner and an expiry.

The file is sorted, has one entry per line and no line numbers or timestamps, so it merges cleanly.
Entries match findings by their line-independent fingerprint.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from auditor.records import Finding, Suppression
from policies import POLICY_DIR
from scanners.errors import TagauditError
from scanners.files import read_regular, write_atomic

BASELINE_NAME = ".tagaudit-baseline.json"
SCHEMA_PATH = POLICY_DIR / "baseline.schema.json"
FORMAT_VERSION = 1
_FIELDS = ("path", "scope", "operation", "rule", "fingerprint", "reason", "owner", "expires")
_REQUIRED = ("path", "rule", "fingerprint", "reason", "expires")


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    path: str
    scope: str
    operation: str | None
    rule: str
    fingerprint: str
    reason: str
    owner: str | None
    expires: dt.date
    line: int = 0  # where it sits in the baseline file, for messages only

    def key(self) -> tuple[str, str, str, str, str]:
        return self.path, self.scope, self.operation or "", self.rule, self.fingerprint


@dataclass(frozen=True)
class Baseline:
    path: Path
    entries: tuple[BaselineEntry, ...]

    def by_fingerprint(self) -> dict[str, BaselineEntry]:
        return {e.fingerprint: e for e in self.entries}


def _fail(path: Path, line: int, what: str) -> TagauditError:
    return TagauditError(what, where=f"{path}:{line}",
                         hint="fix the entry, or recreate the file with `tagaudit baseline create --force`")


def _entry(raw: object, path: Path, line: int) -> BaselineEntry:
    if not isinstance(raw, dict):
        raise _fail(path, line, "a baseline entry must be a JSON object")
    missing = [k for k in _REQUIRED if not raw.get(k)]
    if missing:
        raise _fail(path, line, f"entry lacks {', '.join(missing)}")
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise _fail(path, line, f"unknown field {', '.join(unknown)}")
    try:
        expires = dt.date.fromisoformat(str(raw["expires"]))
    except ValueError as exc:
        raise _fail(path, line, f"expires={raw['expires']!r} is not a date (YYYY-MM-DD)") from exc
    if not re.fullmatch(r"TAG\d{3}", str(raw["rule"])):
        raise _fail(path, line, f"rule={raw['rule']!r} is not a rule id")
    return BaselineEntry(str(raw["path"]), str(raw.get("scope") or "<module>"), raw.get("operation"),
                         str(raw["rule"]), str(raw["fingerprint"]), str(raw["reason"]),
                         raw.get("owner") or None, expires, line)


def _parse(text: str, path: Path) -> object:
    hint = "resolve merge markers or recreate it with `tagaudit baseline create --force`"
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TagauditError(f"baseline is not valid JSON ({exc.msg}, column {exc.colno})",
                            where=f"{path}:{exc.lineno}", hint=hint) from exc
    except RecursionError as exc:
        raise TagauditError("baseline nests too deeply to read (a baseline is a flat list of entries)",
                            where=f"{path}:1", hint=hint) from exc
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise TagauditError(f"baseline is not valid JSON ({exc})", where=f"{path}:1", hint=hint) from exc


def _check_schema(data: object, path: Path, lines: list[int]) -> None:
    """policies/baseline.schema.json: the types of every field, not only their presence."""
    from auditor.schema import first_violation

    found = first_violation(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")), data)
    if found is None:
        return
    where, message = found
    line = 1
    if len(where) >= 2 and where[0] == "entries" and isinstance(where[1], int):
        line = lines[where[1]] if where[1] < len(lines) else 1
    field = ".".join(str(p) for p in where[2:]) or ".".join(str(p) for p in where) or "baseline"
    raise _fail(path, line, f"{field}: {message if len(message) <= 120 else message[:117] + '...'}")


_MAX_BASELINE_BYTES = 64 * 1024 * 1024  # ~200k entries: far past any real baseline, far below a flood


def load_baseline(path: Path, root: Path | None = None) -> Baseline:
    """The baseline at `path`; with `root` (a baseline the repository brings), no link may leave it."""
    try:
        raw = read_regular(path, _MAX_BASELINE_BYTES, root=root)
        if len(raw) > _MAX_BASELINE_BYTES:
            raise TagauditError(f"the baseline is over {_MAX_BASELINE_BYTES:,} bytes", where=str(path),
                                hint="prune it with `tagaudit baseline update`")
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise TagauditError(f"cannot read baseline ({reason})", where=str(path)) from exc
    data = _parse(text, path)
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION or not isinstance(data.get("entries"), list):
        raise _fail(path, 1, f"expected {{\"version\": {FORMAT_VERSION}, \"entries\": [...]}}")
    lines = _entry_lines(text)
    entries = [_entry(raw, path, lines[i] if i < len(lines) else 1) for i, raw in enumerate(data["entries"])]
    _check_schema(data, path, lines)  # after the checks above, whose messages are more specific
    seen: dict[str, int] = {}
    for e in entries:
        if e.fingerprint in seen:
            raise _fail(path, e.line, f"fingerprint {e.fingerprint} is listed twice (also line {seen[e.fingerprint]})")
        seen[e.fingerprint] = e.line
    return Baseline(path, tuple(entries))


def _entry_lines(text: str) -> list[int]:
    """1-based line where each entry of the `entries` array starts, whatever the formatting."""
    decoder = json.JSONDecoder()
    key = re.search(r'"entries"\s*:\s*\[', text)
    if key is None:
        return []
    pos, out = key.end(), []
    while pos < len(text):
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            break
        out.append(text.count("\n", 0, pos) + 1)
        try:
            _, pos = decoder.raw_decode(text, pos)
        except ValueError:
            break
    return out


def render_baseline(entries: list[BaselineEntry]) -> str:
    rows = []
    for e in sorted(entries, key=BaselineEntry.key):
        row = {"path": e.path, "scope": e.scope, "operation": e.operation, "rule": e.rule,
               "fingerprint": e.fingerprint, "reason": e.reason, "owner": e.owner, "expires": e.expires.isoformat()}
        rows.append("    " + json.dumps(row, ensure_ascii=False))
    body = ",\n".join(rows)
    return f'{{\n  "version": {FORMAT_VERSION},\n  "entries": [\n{body}\n  ]\n}}\n' if rows else \
        f'{{\n  "version": {FORMAT_VERSION},\n  "entries": []\n}}\n'


def write_baseline(path: Path, entries: list[BaselineEntry]) -> None:
    write_atomic(path, render_baseline(entries), mode=0o644)  # committed to the repository, read by everyone


def entry_for(f: Finding, reason: str, owner: str | None, expires: dt.date) -> BaselineEntry:
    return BaselineEntry(f.path, f.scope, f.operation, f.rule, f.fingerprint, reason, owner or f.owner, expires)


def baselinable(f: Finding) -> bool:
    """Open findings about code: not suppressed, not about files or suppressions themselves."""
    from auditor.rules import RULES

    return f.suppressed is None and RULES[f.rule].suppressible and f.severity in ("error", "warning")


def apply_baseline(findings: list[Finding], baseline: Baseline, today: dt.date
                   ) -> tuple[list[Finding], list[BaselineEntry], list[BaselineEntry]]:
    """Suppress baselined findings. Returns (findings, expired entries that matched, entries that matched)."""
    entries = baseline.by_fingerprint()
    out: list[Finding] = []
    expired: list[BaselineEntry] = []
    used: list[BaselineEntry] = []
    for f in findings:
        entry = entries.get(f.fingerprint) if f.suppressed is None else None
        if entry is None:
            out.append(f)
            continue
        used.append(entry)
        if entry.expires < today:
            expired.append(entry)
            out.append(f)
            continue
        sup = Suppression("baseline", entry.reason, entry.line, entry.owner, entry.expires.isoformat())
        out.append(replace(f, suppressed=sup, blocking=False))
    return out, expired, used
