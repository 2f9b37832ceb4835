"""Which files to scan: git-aware, never inside virtualenvs, site-packages, node_modules or build output."""

from __future__ import annotations

import errno
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

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


def _pruned(parts: tuple[str, ...]) -> bool:
    return any(p in PRUNE_DIRS or p.endswith(".egg-info") for p in parts)


def _ls(directory: Path, *args: str) -> list[str] | None:
    try:
        proc = subprocess.run(["git", "-C", str(directory), "ls-files", "-z", *args, "--", "."],
                              capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return [p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


def _git_files(directory: Path) -> list[str] | None:
    """Files git would consider (tracked + untracked, minus ignored and deleted), or None outside a work tree."""
    listed = _ls(directory, "--cached", "--others", "--exclude-standard", "--deduplicate")
    if listed is None:
        return None
    deleted = set(_ls(directory, "--deleted") or ())
    return [p for p in listed if p not in deleted] if deleted else listed


def _walk(directory: Path) -> list[str]:
    """Files below `directory` honouring .gitignore files, for trees that are not git work trees."""
    import pathspec

    out: list[str] = []
    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
    for current, dirs, files in os.walk(directory, followlinks=False):
        here = Path(current)
        rel_dir = here.relative_to(directory).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        ignore = here / ".gitignore"
        if ignore.is_file():
            try:
                lines = ignore.read_text(encoding="utf-8", errors="replace").splitlines()
                specs.append((rel_dir, pathspec.GitIgnoreSpec.from_lines(lines)))
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
            if d in PRUNE_DIRS or d.endswith(".egg-info") or (here / d / "pyvenv.cfg").exists() or ignored(rel, True):
                continue
            keep.append(d)
        dirs[:] = keep
        for f in sorted(files):
            if f.endswith(SUFFIXES):
                rel = f"{rel_dir}/{f}" if rel_dir else f
                if not ignored(rel, False):
                    out.append(rel)
    return out


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
    root = root.absolute()
    found: dict[str, Target] = {}
    for raw in paths:
        path = raw.absolute()
        _check_exists(path)
        if path.is_dir():
            listed = _git_files(path)
            names = [n for n in listed if n.endswith(SUFFIXES)] if listed is not None else _walk(path)
            # String joins, not pathlib: a monorepo lists tens of thousands of files.
            base, prefix = str(path), _rel(path, root)
            prefix = "" if prefix == "." else prefix + "/"
            for name in names:
                if "/" in name and _pruned(tuple(name.split("/")[:-1])):
                    continue
                rel = prefix + name
                if rel not in found:
                    found[rel] = Target(rel, f"{base}/{name}")
        elif path.suffix in SUFFIXES:
            rel = _rel(path, root)
            found.setdefault(rel, Target(rel, str(path)))
    return [found[k] for k in sorted(found)]
