"""Whole-repo resolution in the scan pipeline: link the phase-1 summaries, rescan the modules that use facts of
other modules, and keep the repo index the one-file (pre-commit) run needs.

A module's linked scan is cached under its bytes and a digest of the facts it imports, so editing helpers.py
re-checks helpers.py and its importers, nothing else. The repo index is the list of the repository's module
paths (sealed like the cache); summaries themselves live in the result cache, keyed by content. A missing,
forged or stale index only costs speed: files are read and summarised from disk (inside the scan root only),
and a module the index does not list is found by probing the importer's parent directories.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from scanners.catalog import load_catalog
from scanners.python.link import Linker, RepoMap, facts_digest, group_paths, repo_imports
from scanners.python.summary import Summary, catalog_roots
from scanners.python.values import Value
from scanners.records import FileScan

INDEX_NAME = "repo-index.json"
_INDEX_CONTEXT = "repo-index:1"
_MAX_INDEX_BYTES = 64 * 1024 * 1024

Uses = tuple[tuple[str, int, int], ...]
CrossUse = tuple[str, str, int]  # (user module, module that built the client, line of the construction)
ReadFn = Callable[[str], "bytes | None"]  # a module's bytes by path (inside the root), None if unreadable
SdkFn = Callable[[str, bytes], bool]  # the prefilter: may it import an SDK?
# rel, data, link, digest of the linked facts, summarise? -> the scan, the summary (if asked), the linked uses
ScanFn = Callable[[str, bytes, object, str, bool], "tuple[FileScan, Summary | None, Uses]"]


@dataclass(frozen=True, slots=True)
class Scanned:
    """Phase 1 of a file: its own scan (None when it imports no SDK, so was not parsed) and its summary
    (what it exports to other modules and what it imports; only the imports for a file not parsed)."""

    rel: str
    scan: FileScan | None
    summary: Summary | None
    helper: bool = False  # names no SDK but may hand a client through (a context manager): summarise on demand


def may_pass_clients(data: bytes) -> bool:
    """A module without an SDK that may still export a function handing back the client it is given."""
    return b"contextmanager" in data


@dataclass(slots=True)
class _Deep:
    scan: FileScan
    summary: Summary | None
    uses: tuple[tuple[str, int, int], ...]


@dataclass(slots=True)
class RepoLink:
    """The link stage of one run."""

    read: ReadFn
    is_sdk: SdkFn
    scan: ScanFn
    records: dict[str, Scanned]
    repo: RepoMap
    linker: Linker = field(init=False)
    deep: dict[str, _Deep] = field(default_factory=dict)
    disk: dict[str, tuple[Summary, bool] | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.linker = Linker(self.repo, self.load, self.summarise)

    # -- what the linker asks for ---------------------------------------------------------------------
    def load(self, rel: str) -> tuple[Summary, bool] | None:
        record = self.records.get(rel)
        if record is not None:
            return record.summary or Summary(), record.scan is not None or record.helper
        if rel not in self.disk:
            self.disk[rel] = self._from_disk(rel)
        return self.disk[rel]

    def _from_disk(self, rel: str) -> tuple[Summary, bool] | None:
        """A module this run was not given (the one-file run's imports): read inside the root, never beyond."""
        data = self.read(rel)
        if data is None:
            return None
        return Summary((), repo_imports(data, load_catalog())), self.is_sdk(rel, data) or may_pass_clients(data)

    def summarise(self, rel: str) -> Summary | None:
        deep = self._deep(rel)
        return deep.summary if deep is not None else None

    def _deep(self, rel: str) -> _Deep | None:
        """The module scanned with the facts it imports in view, and summarised (cached under their digest)."""
        if rel in self.deep:
            return self.deep[rel]
        data = self.read(rel)
        loaded = self.load(rel)
        if data is None or loaded is None:
            return None
        facts = self.linker.import_facts(rel, loaded[0].imports)
        scan, own, uses = self.scan(rel, data, _Hook(self.linker, rel), facts_digest(facts) if facts else "", True)
        self.deep[rel] = _Deep(scan, own, uses)
        return self.deep[rel]

    # -- the stage --------------------------------------------------------------------------------------
    def run(self) -> tuple[list[FileScan], list[CrossUse]]:
        out: list[FileScan] = []
        for rel, record in sorted(self.records.items()):
            facts: list[tuple[str, Value]] = []
            if record.summary is not None and (record.scan is None or record.scan.error is None):
                facts = self.linker.import_facts(rel, record.summary.imports)
            if not facts:
                if record.scan is not None:
                    out.append(record.scan)
                continue
            deep = self._deep(rel)
            if deep is not None:
                out.append(deep.scan)
            elif record.scan is not None:
                out.append(record.scan)
        cross = sorted({(user, path, line) for user, d in self.deep.items() for path, line, _ in d.uses})
        return drop_used_constructions(out, [(path, line) for _, path, line in cross]), cross


@dataclass(frozen=True, slots=True)
class _Hook:
    """The link as one importer sees it (import names are relative to its path)."""

    linker: Linker
    importer: str

    def __call__(self, dotted: str) -> Value | None:
        return self.linker.lookup(dotted, self.importer)

    @property
    def origins(self) -> dict[tuple[int, int], tuple[str, int, int]]:
        return self.linker.origins


def drop_used_constructions(scans: list[FileScan], uses: list[tuple[str, int]]) -> list[FileScan]:
    """A framework model built in one module and invoked in another is reported at the request, not twice."""
    if not uses:
        return scans
    by_path: dict[str, set[int]] = {}
    for path, line in uses:
        by_path.setdefault(path, set()).add(line)
    out = []
    for fs in scans:
        lines = by_path.get(fs.path)
        if lines:
            kept = tuple(s for s in fs.call_sites if not (s.kind == "construction" and s.client_line in lines))
            fs = replace(fs, call_sites=kept) if len(kept) != len(fs.call_sites) else fs
        out.append(fs)
    return out


def inside_root(root: Path, rel: str) -> bool:
    """Is root/rel a .py path whose real location is below the root (no `..`, no link out)?"""
    if not rel.endswith(".py") or rel.startswith("/") or ".." in rel.split("/"):
        return False
    real_root = os.path.realpath(root)
    return os.path.realpath(root / rel).startswith(real_root.rstrip(os.sep) + os.sep)


def link_records(records: list[Scanned], paths: Iterable[str] | dict[str, list[str]], read: ReadFn, is_sdk: SdkFn,
                 scan: ScanFn, probe_root: Path | None = None) -> tuple[list[FileScan], list[CrossUse]]:
    """Phase 2 over phase-1 records: linked rescans where a module uses another's facts, constructions
    another module invokes dropped; every other scan as it was. With `probe_root`, modules the path list
    lacks are looked for on disk."""
    repo = RepoMap(paths, catalog_roots(load_catalog()))
    for record in records:
        repo.add(record.rel)  # a given file the index does not list yet
    if probe_root is not None:
        root = probe_root
        repo.exists = lambda rel: inside_root(root, rel) and os.path.isfile(root / rel)
    return RepoLink(read, is_sdk, scan, {r.rel: r for r in records}, repo).run()


# -- the repo index -----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RepoIndex:
    """What a one-file run needs of the last whole-repo run: the module paths, and which constructions other
    modules invoke (each with the content hashes of both files, so an edit to either voids it)."""

    # link.group_paths: last name -> paths (RepoMap checks each group's shape when it first reads it)
    modules: dict[str, list[str]] = field(default_factory=dict)
    uses: tuple[tuple[str, str, int, str, str], ...] = ()  # target, its hash, line, user, its hash


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def index_of(paths: Iterable[str], cross: list[CrossUse], read: ReadFn) -> RepoIndex:
    uses = []
    for user, target, line in cross:
        a, b = read(target), read(user)
        if a is not None and b is not None:
            uses.append((target, content_hash(a), line, user, content_hash(b)))
    return RepoIndex(group_paths(sorted(set(paths))), tuple(uses))


def indexed_uses(index: RepoIndex, scans: list[FileScan], read: ReadFn) -> list[tuple[str, int]]:
    """Constructions in these scans that the index says another (unchanged) module invokes."""
    here = {fs.path for fs in scans if any(s.kind == "construction" for s in fs.call_sites)}
    hashes: dict[str, str | None] = {}

    def current(rel: str) -> str | None:
        if rel not in hashes:
            data = read(rel)
            hashes[rel] = content_hash(data) if data is not None else None
        return hashes[rel]
    return [(target, line) for target, t_hash, line, user, u_hash in index.uses
            if target in here and current(target) == t_hash and current(user) == u_hash]


def load_index(cache_dir: Path | None) -> RepoIndex | None:
    """The index of the last whole-repo run, if it is ours and intact (else None: never trusted unverified)."""
    from auditor.scan.cache import read_sealed_json

    raw = read_sealed_json(cache_dir, INDEX_NAME, _INDEX_CONTEXT, _MAX_INDEX_BYTES)
    if type(raw) is not dict or set(raw) != {"modules", "uses"} or type(raw["modules"]) is not dict \
            or type(raw["uses"]) is not list:
        return None
    uses = []
    for use in raw["uses"]:
        if type(use) is not list or len(use) != 5 or [type(x) for x in use] != [str, str, int, str, str]:
            return None
        uses.append((use[0], use[1], use[2], use[3], use[4]))
    return RepoIndex(raw["modules"], tuple(uses))


def save_index(cache_dir: Path | None, index: RepoIndex) -> None:
    from auditor.scan.cache import safe_dir, write_sealed

    folder = safe_dir(cache_dir, create=True) if cache_dir is not None else None
    if folder is not None:
        body = json.dumps({"modules": index.modules, "uses": [list(u) for u in index.uses]}, separators=(",", ":"))
        write_sealed(folder, INDEX_NAME, _INDEX_CONTEXT, body.encode())
