"""Which files to scan: git-aware, never inside virtualenvs, site-packages, node_modules or build output."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from auditor import gitcmd  # the one git module: the scanned repo's config must not run code
from auditor.globs import compile_globs
from auditor.policy import Policy
from auditor.records import Exclusion
from scanners.errors import TagauditError

SUFFIXES = (".py", ".ipynb")
PRUNE_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", "__pycache__", "site-packages", "dist-packages", ".venv", "venv",
    ".tox", ".nox", ".eggs", "build", "dist", "__pypackages__", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".ipynb_checkpoints", ".tagaudit-cache",
})


@dataclass(frozen=True, slots=True)
class Target:
    rel: str  # POSIX path relative to the scan root
    path: str  # path to open


@dataclass(frozen=True, slots=True)
class Skipped:
    """A path that was not opened, and why (reported as a note)."""

    rel: str
    reason: str


@dataclass(frozen=True, slots=True)
class Discovery:
    targets: tuple[Target, ...]
    skipped: tuple[Skipped, ...] = ()
    excluded: tuple[Exclusion, ...] = ()  # per directory rule, the source files it kept out


_VENV = "virtualenv (pyvenv.cfg)"
_COUNT_BUDGET = 200_000  # directory entries read to count pruned directories outside git, per run


def _prune_rule(parts: list[str] | tuple[str, ...]) -> str | None:
    """The directory rule that keeps a path with these parent directories out, if any."""
    for p in parts:
        if p in PRUNE_DIRS:
            return p + "/"
        if p.endswith(".egg-info"):
            return "*.egg-info/"
    return None


@dataclass(slots=True)
class _Kept:
    files: int = 0
    example: str = ""
    partial: bool = False


class _Tally:
    """Files kept out per directory rule: build/ may hold real source, and a scan must say it skipped it."""

    def __init__(self) -> None:
        self.rules: dict[str, _Kept] = {}
        self.budget = _COUNT_BUDGET

    def add(self, rule: str, example: str, count: int = 1, partial: bool = False) -> None:
        kept = self.rules.setdefault(rule, _Kept(example=example))
        kept.files += count
        kept.partial = kept.partial or partial

    def count_below(self, rule: str, full: str, rel: str) -> None:
        """Count the Python files and notebooks under a directory that is not entered (links not followed)."""
        count, example, partial = 0, "", False
        for current, dirs, files in os.walk(full, followlinks=False):
            self.budget -= len(dirs) + len(files)
            if self.budget < 0:
                partial = True  # a huge tree (node_modules outside git): say "at least"
                break
            dirs.sort()
            sources = sorted(f for f in files if f.endswith(SUFFIXES))
            if sources and not example:
                sub = os.path.relpath(current, full)
                parts = [p for p in (rel, "" if sub == "." else Path(sub).as_posix(), sources[0]) if p not in ("", ".")]
                example = "/".join(parts)
            count += len(sources)
        if count or partial:
            self.add(rule, example or rel + "/", count, partial)

    def exclusions(self, prefix: str = "") -> tuple[Exclusion, ...]:
        return tuple(Exclusion(rule, "gitignore" if rule == GITIGNORE else "directory", kept.files,
                               prefix + kept.example, partial=kept.partial)
                     for rule, kept in sorted(self.rules.items()))


GITIGNORE = ".gitignore"


def _count_unlisted(directory: Path, tally: _Tally) -> None:
    """A directory where git lists no source at all: count the files it holds (bounded walk, links not followed),
    so a scan of a git-ignored folder (a vendored app, an unpacked wheel) says why it found nothing instead of
    reporting a silent 0. Git lists untracked files too, so what it leaves out is ignored or in a nested repo."""
    tally.count_below(GITIGNORE, str(directory), ".")


def _git_files(directory: Path) -> list[str] | None:
    """Files git would consider (tracked + untracked, minus ignored and deleted), or None outside a work tree."""
    listed = gitcmd.ls_files(directory, "--cached", "--others", "--exclude-standard", "--deduplicate")
    if listed is None:
        return None
    deleted = set(gitcmd.ls_files(directory, "--deleted") or ())
    return [p for p in listed if p not in deleted] if deleted else listed


def _walk(directory: Path, skipped: list[Skipped], allowed: tuple[str, ...], tally: _Tally) -> list[str]:
    """Files below `directory` honouring .gitignore files, for trees that are not git work trees."""
    import pathspec

    out: list[str] = []
    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []

    def unlisted(exc: OSError) -> None:
        # os.walk would skip an unreadable directory silently; say so instead.
        where = _rel(Path(os.fsdecode(exc.filename)), directory) if exc.filename else "."
        skipped.append(Skipped(where, f"cannot list directory ({exc.strerror or type(exc).__name__})"))

    for current, dirs, files in os.walk(directory, followlinks=False, onerror=unlisted):
        here = Path(current)
        rel_dir = here.relative_to(directory).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        ignore = os.path.join(current, ".gitignore")
        if os.path.isfile(ignore):
            try:
                with open(ignore, encoding="utf-8", errors="replace") as fh:
                    specs.append((rel_dir, pathspec.GitIgnoreSpec.from_lines(fh.read().splitlines())))
            except OSError:
                pass
        active = [(base, spec) for base, spec in specs if not base or rel_dir == base or rel_dir.startswith(base + "/")]

        def ignored(rel: str, is_dir: bool, active: list[tuple[str, pathspec.GitIgnoreSpec]] = active) -> bool:
            for base, spec in active:
                sub = rel[len(base) + 1:] if base else rel
                if spec.match_file(sub + ("/" if is_dir else "")):
                    return True
            return False

        keep = []
        for d in sorted(dirs):
            rel = f"{rel_dir}/{d}" if rel_dir else d
            full = os.path.join(current, d)
            if ignored(rel, True):
                continue  # git would not list it either
            rule = _prune_rule((d,)) or (_VENV if os.path.exists(os.path.join(full, "pyvenv.cfg")) else None)
            if rule is not None:
                if not os.path.islink(full):
                    tally.count_below(rule, full, rel)
                continue
            if os.path.islink(full):
                # Never followed (os.walk does not); one that leaves the root is worth a word.
                if not _inside(os.path.realpath(full), allowed):
                    skipped.append(Skipped(rel, "symbolic link to a directory outside the scan root (not followed)"))
                continue
            keep.append(d)
        dirs[:] = keep
        for f in sorted(files):
            if f.endswith(SUFFIXES):
                rel = f"{rel_dir}/{f}" if rel_dir else f
                if not ignored(rel, False):
                    out.append(rel)
    return out


def _inside(real: str, allowed: tuple[str, ...]) -> bool:
    return any(real == base or real.startswith(base.rstrip(os.sep) + os.sep) for base in allowed)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory, not a file"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a regular file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a regular file"
    return "not a regular file"


def _refusal(path: str, allowed: tuple[str, ...], parent_real: str | None) -> str | None:
    """Why `path` must not be opened (a link out of the root, a loop, a FIFO, a device ...), or None.

    `parent_real` is the resolved directory the path lies in when the caller knows it is inside the root
    (then only a link in the last component needs resolving); None resolves the whole path.
    """
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"cannot read file ({exc.strerror or type(exc).__name__})"
    if stat.S_ISLNK(st.st_mode) or parent_real is None:
        if not _inside(os.path.realpath(path), allowed):
            return "symbolic link to a path outside the scan root (not followed)"
        try:
            st = os.stat(path)
        except OSError:
            return None  # a loop or a dangling link inside the root: the engine reports it (TAG901), fail closed
    if not stat.S_ISREG(st.st_mode):
        return _kind(st.st_mode)
    return None


class _RealDirs:
    """Resolved directories below a base, one lstat per directory: a listed file must not lie beyond a link."""

    def __init__(self, base: str, allowed: tuple[str, ...]) -> None:
        self.base = base
        self.allowed = allowed
        self.memo: dict[str, str | None] = {"": os.path.realpath(base)}

    def real(self, rel_dir: str) -> str | None:
        """The resolved directory, or None when it (or a parent) is a link out of the root or unreadable."""
        if rel_dir in self.memo:
            return self.memo[rel_dir]
        parent, _, name = rel_dir.rpartition("/")
        up = self.real(parent)
        found: str | None = None
        if up is not None:
            full = os.path.join(self.base, rel_dir)
            try:
                link = stat.S_ISLNK(os.lstat(full).st_mode)
                found = os.path.realpath(full, strict=True) if link else os.path.join(up, name)
            except OSError:
                found = None
            if found is not None and not _inside(found, self.allowed):
                found = None
        self.memo[rel_dir] = found
        return found


def _check_exists(path: Path) -> None:
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise TagauditError("symbolic link loop", where=str(path), hint="fix or remove the link") from exc
        raise TagauditError("no such file or directory", where=str(path), hint="check the path") from exc


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, root)).as_posix()



def discover(paths: list[Path], root: Path) -> list[Target]:
    """Targets for the given files and directories, relative to `root`, sorted and unique."""
    return list(discover_files(paths, root).targets)


def _names(path: Path, where: str, allowed: tuple[str, ...], tally: _Tally, skipped: list[Skipped]) -> list[str]:
    """Candidate files below a directory named on the command line: what git lists, else a walk."""
    listed = _git_files(path)
    if listed is not None:
        names = [n for n in listed if n.endswith(SUFFIXES)]
        if not names:
            _count_unlisted(path, tally)
        return names
    walked: list[Skipped] = []
    names = _walk(path, walked, allowed, tally)
    skipped += [Skipped(where if s.rel == "." else f"{'' if where == '.' else where + '/'}{s.rel}", s.reason)
                for s in walked]
    return names


def discover_files(paths: list[Path], root: Path) -> Discovery:
    """Targets for the given files and directories, relative to `root`, sorted and unique, and what was refused.

    Nothing outside the root is read through a link, and nothing but regular files is ever opened: a
    link out of the tree, a loop, a dangling link, a FIFO, a device or a socket becomes a `Skipped`
    entry (a note in the report), never a read.
    """
    root = root.absolute()
    root_real = os.path.realpath(root)
    found: dict[str, Target] = {}
    skipped: list[Skipped] = []
    excluded: tuple[Exclusion, ...] = ()
    for raw in paths:
        path = raw.absolute()
        _check_exists(path)
        if path.is_dir():
            where = _rel(path, root)
            if _inside(os.path.abspath(path), (os.path.abspath(root),)) and \
                    not _inside(os.path.realpath(path), (root_real,)):
                skipped.append(Skipped(where, "symbolic link to a directory outside the scan root (not followed)"))
                continue
            allowed = (root_real, os.path.realpath(path))
            # String joins, not pathlib: a monorepo lists tens of thousands of files.
            base, prefix = str(path), "" if where == "." else where + "/"
            tally = _Tally()
            names = _names(path, where, allowed, tally, skipped)
            dirs = _RealDirs(base, allowed)
            for name in names:
                parent = name.rpartition("/")[0]
                rule = _prune_rule(parent.split("/")) if parent else None
                if rule is not None:
                    tally.add(rule, name)
                    continue
                rel = prefix + name
                if rel in found:
                    continue
                real_dir = dirs.real(parent)
                why = _refusal(f"{base}/{name}", allowed, real_dir) if real_dir is not None else \
                    "lies beyond a symbolic link to a directory outside the scan root (not followed)"
                if why is not None:
                    skipped.append(Skipped(rel, why))
                    continue
                found[rel] = Target(rel, f"{base}/{name}")
            excluded += tally.exclusions(prefix)
        elif path.suffix in SUFFIXES:
            rel = _rel(path, root)
            if rel in found:
                continue
            # A path named on the command line (pre-commit passes the repo's own file names) gets the
            # same treatment when it lies in the root: a link in it may not lead out.
            lexical = _inside(os.path.abspath(path), (os.path.abspath(root),))
            why = _refusal(str(path), (root_real,) if lexical else ("/",), None)
            if why is not None:
                skipped.append(Skipped(rel, why))
                continue
            found[rel] = Target(rel, str(path))
    unique = {s.rel: s for s in skipped if s.rel not in found}
    return Discovery(tuple(found[k] for k in sorted(found)), tuple(unique[k] for k in sorted(unique)),
                     _merge(excluded))


def _merge(excluded: tuple[Exclusion, ...]) -> tuple[Exclusion, ...]:
    """One entry per rule over all the paths given (the first example kept)."""
    merged: dict[tuple[str, str], Exclusion] = {}
    for ex in excluded:
        seen = merged.get((ex.kind, ex.rule))
        merged[(ex.kind, ex.rule)] = ex if seen is None else replace(
            seen, files=seen.files + ex.files, partial=seen.partial or ex.partial)
    return tuple(merged[k] for k in sorted(merged))


def apply_policy(found: Discovery, policy: Policy) -> tuple[list[Target], tuple[Exclusion, ...]]:
    """The targets the policy scans, and every exclusion (directory rules, then the policy's path rules)."""
    kept: list[Target] = []
    hits: dict[int, list[str]] = {}
    matchers: list[Callable[[str], bool]] | None = None
    for t in found.targets:
        if policy.settings_for(t.rel).mode != "exclude":
            kept.append(t)
            continue
        if matchers is None:
            matchers = [compile_globs(rule.patterns) for rule in policy.paths]
        index = next((i for i, match in enumerate(matchers) if match(t.rel)), -1)
        hits.setdefault(index, []).append(t.rel)
    policy_rules = tuple(
        Exclusion(f"paths[{i}]" if i >= 0 else "mode: exclude", "policy", len(rels), rels[0],
                  policy.paths[i].patterns if i >= 0 else ())
        for i, rels in sorted(hits.items()))
    return kept, found.excluded + policy_rules
