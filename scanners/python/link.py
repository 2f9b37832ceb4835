"""Phase 2 of whole-repo resolution: resolve imports across the repository and link module summaries.

Modules are files: an import name is matched against the repository's paths by suffix (so `src/` layouts and
several package roots in a monorepo need no configuration), the nearest file to the importer winning a tie.
The linker is demand-driven: `exports(path)` takes the module's own summary and, when the module imports
something another module exports, summarises it again with those facts in view (a re-export, a factory
calling a factory). Cycles are cut (a module being linked exports nothing to itself); nothing is executed.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from scanners.catalog import Catalog
from scanners.python.summary import Summary, catalog_roots, scan_imports, value_json
from scanners.python.values import Linked, ModuleRef, Obj, Value

_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | {"__future__"}
_MAX_MODULES = 5000  # modules linked on demand in one run (a bound, not a limit real repos reach)
# Path components of the repository's modules: an import whose first name is none of them cannot be one.
# Set by the phase-1 chunk function in each worker (auditor.scan.engine._summarise_chunk); None means
# "unknown, keep every import".
REPO_NAMES: frozenset[str] | None = None
_SKIP: dict[int, tuple[Catalog, frozenset[str]]] = {}  # by id, holding the catalog so an id is never reused


def repo_imports(data: bytes, catalog: Catalog) -> tuple[str, ...]:
    """The import names in `data` that may name a module of the repository."""
    return scan_imports(data, _skipped(catalog), REPO_NAMES)


def all_repo_imports(data: bytes, catalog: Catalog) -> tuple[str, ...]:
    """repo_imports before REPO_NAMES filters it (summary.only_known filters it to the same tuple)."""
    return scan_imports(data, _skipped(catalog), None)


def _skipped(catalog: Catalog) -> frozenset[str]:
    got = _SKIP.get(id(catalog))
    if got is None or got[0] is not catalog:
        got = _SKIP[id(catalog)] = (catalog, _STDLIB | catalog_roots(catalog))
    return got[1]


def repo_names(paths: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for rel in paths:
        parts = module_parts(rel)
        if parts is not None:
            out.update(parts)
    return frozenset(out)


def module_parts(rel: str) -> tuple[str, ...] | None:
    """`a/b/c.py` -> (a, b, c); `a/b/__init__.py` -> (a, b); None for what cannot be imported."""
    if not rel.endswith(".py"):
        return None
    parts = tuple(rel[:-3].split("/"))
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return parts if parts and all(p.isidentifier() for p in parts[-1:]) else None


def last_name(rel: str) -> str:
    """The name a module file is imported by last: `a/b/c.py` -> c, `a/b/__init__.py` -> b."""
    head, _, name = rel.rpartition("/")
    return head.rpartition("/")[2] if name == "__init__.py" else name[:-3]


def group_paths(paths: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rel in paths:
        if rel.endswith(".py"):
            out.setdefault(last_name(rel), []).append(rel)
    return out


class RepoMap:
    """Import names -> files of the repository (paths grouped by last name, split into parts on first use)."""

    def __init__(self, paths: Iterable[str] | dict[str, list[str]], sdk_roots: frozenset[str] = frozenset()) -> None:
        self.sdk_roots = sdk_roots
        # Does this file exist? For a path list that may be stale or partial (the one-file run's index):
        # the files an import may name are then looked for on disk too.
        self.exists: Callable[[str], bool] | None = None
        self._probed: set[tuple[str, ...]] = set()
        self._raw = paths if isinstance(paths, dict) else group_paths(paths)
        self._entries: dict[str, list[tuple[str, tuple[str, ...]]]] = {}

    def entries(self, last: str) -> list[tuple[str, tuple[str, ...]]]:
        found = self._entries.get(last)
        if found is None:
            found = []
            group = self._raw.get(last, ())
            for rel in group if type(group) is list else ():
                parts = module_parts(rel) if type(rel) is str else None
                if parts is not None and (rel, parts) not in found:
                    found.append((rel, parts))
            self._entries[last] = found
        return found

    def add(self, rel: str) -> None:
        parts = module_parts(rel)
        if parts is not None and (rel, parts) not in self.entries(parts[-1]):
            self._entries[parts[-1]].append((rel, parts))

    def _at(self, parts: tuple[str, ...]) -> list[str]:
        return [rel for rel, p in self.entries(parts[-1]) if p == parts] if parts else []

    def resolve(self, dotted: str, importer: str) -> tuple[str, tuple[str, ...]] | None:
        """The file an import name (as the module index binds it) lives in, and the names inside it."""
        if dotted.startswith("."):
            return self._relative(dotted, importer)
        names = tuple(dotted.split("."))
        if names[0] in _STDLIB or names[0] in self.sdk_roots:
            return None
        here = tuple(importer.split("/"))
        if self.exists is not None:
            for depth in range(len(here) - 1, -1, -1):
                self._probe(here[:depth] + names)
        for i in range(len(names), 0, -1):
            want = names[:i]
            found = [rel for rel, parts in self.entries(want[-1]) if parts[-i:] == want]
            if found:
                best = max(found, key=lambda rel: (_common(tuple(rel.split("/")), here), -len(rel), rel))
                return best, names[i:]
        return None

    def _relative(self, dotted: str, importer: str) -> tuple[str, tuple[str, ...]] | None:
        stripped = dotted.lstrip(".")
        dots = len(dotted) - len(stripped)
        names = tuple(stripped.split(".")) if stripped else ()
        # `from . import x` binds "..x" (level 1 + the joining dot); `from .m import x` binds ".m.x".
        level = dots - 1 if len(names) == 1 else dots
        base = tuple(importer.split("/")[:-1])
        if level - 1 > len(base):
            return None
        base = base[:len(base) - (level - 1)]
        if self.exists is not None:
            self._probe(base + names)
        for i in range(len(names), -1, -1):
            rels = self._at(base + names[:i])
            if rels:
                return rels[0], names[i:]
        return None

    def _probe(self, parts: tuple[str, ...]) -> None:
        """Add the files for `parts` and its prefixes (a module, or a package's __init__) that exist."""
        if parts in self._probed or self.exists is None:
            return
        self._probed.add(parts)
        for i in range(len(parts), 0, -1):
            stem = "/".join(parts[:i])
            for rel in (f"{stem}.py", f"{stem}/__init__.py"):
                if rel not in self._at(parts[:i]) and self.exists(rel):
                    self.add(rel)


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


# A module's imports (as a Summary without exports) and whether it imports an SDK; None if unreadable.
Load = Callable[[str], "tuple[Summary, bool] | None"]
Summarise = Callable[[str], Summary | None]  # the module's summary, with what its imports bring in view


@dataclass(slots=True)
class Linker:
    """Linked exports of the repository's modules, computed on demand (memoised, cycles cut)."""

    repo: RepoMap
    load: Load
    summarise: Summarise
    memo: dict[str, dict[str, Value]] = field(default_factory=dict)
    active: set[str] = field(default_factory=set)
    origins: dict[tuple[int, int], tuple[str, int, int]] = field(default_factory=dict)

    def exports(self, rel: str) -> dict[str, Value]:
        if rel in self.memo:
            return self.memo[rel]
        if rel in self.active or len(self.memo) > _MAX_MODULES:
            return {}
        self.active.add(rel)
        try:
            loaded = self.load(rel)
            summary: Summary | None = None
            # Only a module that imports an SDK, or imports what another module exports, can export anything:
            # the others are never parsed here.
            if loaded is not None and (loaded[1] or self.import_facts(rel, loaded[0].imports)):
                summary = self.summarise(rel)
            out: dict[str, Value] = {}
            for name, value in summary.exports if summary is not None else ():
                final = self._final(value, rel)
                if final is not None:
                    out[name] = final
        finally:
            self.active.discard(rel)
        self.memo[rel] = out
        return out

    def _final(self, value: Value, rel: str) -> Value | None:
        """An export as importers see it: aliases of other repository modules resolved."""
        if isinstance(value, ModuleRef) and value.qualname.split(".")[0] not in self.repo.sdk_roots:
            return self.lookup(value.qualname, rel)
        return self.mark(value, rel)

    def mark(self, value: Value, rel: str) -> Value:
        """Clients built in `rel` get an origin no other module has (negative, stable), so that an importer's
        use of one is told apart from its own constructions and can be traced back (`origins`)."""
        if isinstance(value, Obj) and value.origin[0] > 0:
            key = hashlib.blake2b(f"{rel}:{value.origin[0]}:{value.origin[1]}".encode(), digest_size=6).digest()
            origin = (-int.from_bytes(key, "big") - 1, 0)
            self.origins[origin] = (rel, *value.origin)
            return replace(value, origin=origin, client_line=None)
        if isinstance(value, Linked):
            returns = self.mark(value.returns, rel) if value.returns is not None else None
            return replace(value, returns=returns, attrs=tuple((k, self.mark(v, rel)) for k, v in value.attrs))
        return value

    def lookup(self, dotted: str, importer: str) -> Value | None:
        """What an import name seen in `importer` denotes, when another module exports something for it."""
        found = self.repo.resolve(dotted, importer)
        if found is None:
            return None
        rel, rest = found
        if not rest or rel == importer:
            return None
        value: Value | None = self.exports(rel).get(rest[0])
        for attr in rest[1:]:
            value = attribute(value, attr) if value is not None else None
        return value

    def import_facts(self, importer: str, imports: Iterable[str]) -> list[tuple[str, Value]]:
        """The facts a module's imports bring in: (import name, value), a whole module's exports included."""
        out: list[tuple[str, Value]] = []
        for dotted in imports:
            name = dotted.removesuffix(".*")
            found = self.repo.resolve(name, importer)
            if found is None or found[0] == importer:
                continue
            rel, rest = found
            if rest and not dotted.endswith(".*"):
                value = self.lookup(name, importer)
                if value is not None:
                    out.append((dotted, value))
            else:
                out += [(f"{name}.{k}", v) for k, v in sorted(self.exports(rel).items())]
        return out


def attribute(value: Value, attr: str) -> Value | None:
    if isinstance(value, ModuleRef):
        return ModuleRef(f"{value.qualname}.{attr}")
    if isinstance(value, Obj):
        return replace(value, path=value.path + (attr,))
    if isinstance(value, Linked) and value.kind != "func":
        return value.attr(attr)
    return None


def facts_digest(facts: list[tuple[str, Value]]) -> str:
    """A digest of the linked facts a module uses: part of its cache key, so an edit re-checks its importers."""
    body = json.dumps([[k, value_json(v)] for k, v in facts], separators=(",", ":"), default=str)
    return hashlib.blake2b(body.encode(), digest_size=16).hexdigest()
