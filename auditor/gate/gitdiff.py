"""What changed since the merge base of REF and HEAD, read from git objects (the work tree is untouched)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from scanners.errors import TagauditError

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)
FETCH_HINT = ("fetch the full history: actions/checkout with `fetch-depth: 0`, GitLab `GIT_DEPTH: 0`, "
              "or `git fetch --unshallow`")


@dataclass(frozen=True)
class DiffBase:
    repo_root: Path
    ref: str
    base: str
    changed: dict[str, str | None] = field(default_factory=dict)  # repo path -> path at base (None: added)
    lines: dict[str, frozenset[int]] = field(default_factory=dict)  # repo path -> added or changed lines
    whole: frozenset[str] = frozenset()  # untracked files: every line counts as changed

    def touches(self, repo_path: str, first: int, last: int) -> bool:
        if repo_path in self.whole:
            return True
        lines = self.lines.get(repo_path, frozenset())
        return any(first <= n <= last for n in lines)


def _git(root: Path, *args: str) -> bytes:
    proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False, timeout=300)
    if proc.returncode != 0:
        raise _GitFailure(proc.stderr.decode("utf-8", "replace").strip())
    return proc.stdout


class _GitFailure(Exception):
    pass


def _repo(start: Path) -> tuple[Path, object]:
    import git

    try:
        repo = git.Repo(start, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise TagauditError("--diff-base needs a git work tree", where=str(start),
                            hint="run tagaudit inside the repository, or drop --diff-base") from exc
    if repo.working_tree_dir is None:
        raise TagauditError("--diff-base needs a work tree, not a bare repository", where=str(start))
    return Path(repo.working_tree_dir), repo


def resolve_base(start: Path, ref: str) -> DiffBase:
    """The merge base of REF and HEAD, with the files and lines changed since then."""
    import git

    root, repo = _repo(start)
    shallow = (root / ".git" / "shallow").exists() or _is_shallow(root)
    try:
        target = repo.rev_parse(ref)  # type: ignore[attr-defined]
    except (git.BadName, ValueError, git.BadObject) as exc:
        hint = FETCH_HINT if shallow else f"check the name; for a remote branch run `git fetch origin {ref}`"
        raise TagauditError(f"unknown git ref {ref!r}", where=str(root), hint=hint) from exc
    try:
        bases = repo.merge_base(target, "HEAD")  # type: ignore[attr-defined]
    except git.GitCommandError as exc:
        bases = []
        if "HEAD" in str(exc) and "unknown revision" in str(exc):
            raise TagauditError("the repository has no commits yet", where=str(root),
                                hint="commit once, or drop --diff-base") from exc
    if not bases:
        if shallow:
            raise TagauditError(f"this is a shallow clone and the merge base of {ref} and HEAD is not in it",
                                where=str(root), hint=FETCH_HINT)
        raise TagauditError(f"{ref} and HEAD have no common history", where=str(root),
                            hint="pick a base branch that HEAD was created from")
    base = bases[0].hexsha
    changed, untracked = _changed_files(root, base)
    return DiffBase(root, ref, base, changed, _changed_lines(root, base), frozenset(untracked))


def _is_shallow(root: Path) -> bool:
    try:
        return _git(root, "rev-parse", "--is-shallow-repository").strip() == b"true"
    except _GitFailure:
        return False


def _changed_files(root: Path, base: str) -> tuple[dict[str, str | None], list[str]]:
    out: dict[str, str | None] = {}
    raw = _git(root, "diff", "--name-status", "-z", "-M", base, "--").split(b"\0")
    i = 0
    while i < len(raw) - 1:
        status = raw[i].decode()
        if status.startswith(("R", "C")):
            old, new = raw[i + 1].decode(), raw[i + 2].decode()
            out[new] = old if status.startswith("R") else None
            i += 3
            continue
        path = raw[i + 1].decode()
        if status != "D":
            out[path] = None if status == "A" else path
        i += 2
    untracked = [p.decode() for p in _git(root, "ls-files", "-z", "--others", "--exclude-standard").split(b"\0") if p]
    for path in untracked:
        out[path] = None
    return out, untracked


def _changed_lines(root: Path, base: str) -> dict[str, frozenset[int]]:
    """Lines added or modified on the new side; a pure deletion marks the line it happened at."""
    lines: dict[str, set[int]] = {}
    current: str | None = None
    for chunk in _git(root, "diff", "-U0", "--no-color", "--no-ext-diff", "-M", base, "--").split(b"\n"):
        if chunk.startswith(b"+++ "):
            name = chunk[4:].decode("utf-8", "replace")
            current = name[2:] if name.startswith("b/") else None
            continue
        m = _HUNK.match(chunk)
        if m and current is not None:
            start, count = int(m.group(1)), int(m.group(2) or 1)
            lines.setdefault(current, set()).update(range(start, start + count) if count else {max(start, 1)})
    return {p: frozenset(v) for p, v in lines.items()}


def read_blobs(root: Path, commit: str, paths: list[str]) -> dict[str, bytes]:
    """File contents at `commit` (missing paths are left out), through one `git cat-file --batch`."""
    if not paths:
        return {}
    request = b"".join(f"{commit}:{p}\n".encode() for p in paths)
    proc = subprocess.run(["git", "-C", str(root), "cat-file", "--batch"], input=request, capture_output=True,
                          check=False, timeout=300)
    out: dict[str, bytes] = {}
    data, pos = proc.stdout, 0
    for path in paths:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] != b"blob":
            continue  # "<name> missing"
        size = int(header[2])
        out[path] = data[pos:pos + size]
        pos += size + 1
    return out
