"""Content-hash result cache: (file bytes, policy, tool version) -> FileScan, one JSON file per entry.

JSON rather than pickle because a cache restored in CI is input, not code. Entries are written to a
temporary file and renamed into place, so concurrent pre-commit runs never read half an entry.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from auditor import __version__
from scanners.files import write_atomic
from scanners.records import CallSite, Comment, Evidence, FileScan, Issue, ScanError

CACHE_FORMAT = 2  # 2: Issue names the detector (check), not a rule id
DEFAULT_DIR = ".tagaudit-cache"


def tool_key(catalog_digest: str) -> str:
    return f"{CACHE_FORMAT}:{__version__}:{catalog_digest}"


def entry_key(data: bytes, policy_digest: str, tool: str) -> str:
    h = hashlib.blake2b(data, digest_size=20)
    h.update(b"\0" + policy_digest.encode() + b"\0" + tool.encode())
    return h.hexdigest()


def _to_json(fs: FileScan) -> dict[str, Any]:
    return {
        "path": fs.path,
        "sites": [
            {**{k: getattr(s, k) for k in s.__dataclass_fields__ if k not in ("evidence", "issues")},
             "evidence": [[getattr(e, k) for k in Evidence.__dataclass_fields__] for e in s.evidence],
             "issues": [[i.check, i.message] for i in s.issues]}
            for s in fs.call_sites
        ],
        "comments": [[getattr(c, k) for k in Comment.__dataclass_fields__] for c in fs.comments],
        "error": None if fs.error is None else [getattr(fs.error, k) for k in ScanError.__dataclass_fields__],
    }


def _from_json(raw: dict[str, Any], path: str) -> FileScan:
    sites = []
    for s in raw["sites"]:
        fields = {k: v for k, v in s.items() if k not in ("evidence", "issues")}
        fields["path"] = path
        sites.append(CallSite(**fields, evidence=tuple(Evidence(*e) for e in s["evidence"]),
                              issues=tuple(Issue(*i) for i in s["issues"])))
    error = ScanError(*raw["error"]) if raw["error"] is not None else None
    return FileScan(path, tuple(sites), tuple(Comment(*c) for c in raw["comments"]), error)


class ResultCache:
    def __init__(self, directory: Path) -> None:
        self.dir = directory / f"v{CACHE_FORMAT}"

    def _file(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, key: str, path: str) -> FileScan | None:
        try:
            with open(self._file(key), encoding="utf-8") as fh:
                return _from_json(json.load(fh), path)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or damaged: rescan

    def put(self, key: str, scan: FileScan) -> None:
        target = self._file(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, json.dumps(_to_json(scan), separators=(",", ":")))
        except OSError:
            pass  # a read-only or full cache directory only costs speed


def prepare_cache_dir(directory: Path) -> None:
    """Create the directory with a .gitignore so the cache is never committed."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        ignore = directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by tagaudit\n*\n")
    except OSError:
        pass


def cache_dir_for(root: Path, cache_dir: Path | None, no_cache: bool) -> Path | None:
    """The result cache for a scan of ROOT: CACHE_DIR if given, else ROOT/.tagaudit-cache; None to skip it."""
    if no_cache:
        return None
    return cache_dir if cache_dir is not None else root / DEFAULT_DIR
