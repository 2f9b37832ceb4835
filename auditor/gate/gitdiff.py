"""What changed since the merge base of REF and HEAD, read from git objects (the work tree is untouched)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from auditor import gitcmd
from auditor.gitcmd import decode_path, unquote_c
from scanners.errors import TagauditError

_HUNK = re.compile(rb"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
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
    code, out, err = gitcmd.run(args, root)
    if code != 0:
        raise _GitFailure(err.decode("utf-8", "replace").strip())
    return out


_GitFailure = gitcmd.GitError


def _repo_root(start: Path) -> Path:
    try:
        out = _git(start, "rev-parse", "--show-toplevel")
    except _GitFailure as exc:
        try:
            bare = _git(start, "rev-parse", "--is-bare-repository").strip() == b"true"
        except _GitFailure:
            bare = False
        if bare:
            raise TagauditError("--diff-base needs a work tree, not a bare repository", where=str(start)) from exc
        raise TagauditError("--diff-base needs a git work tree", where=str(start),
                            hint="run tagaudit inside the repository, or drop --diff-base") from exc
    return Path(os.fsdecode(out[:-1] if out.endswith(b"\n") else out))


def resolve_base(start: Path, ref: str) -> DiffBase:
    """The merge base of REF and HEAD, with the files and lines changed since then."""
    root = _repo_root(start)
    shallow = (root / ".git" / "shallow").exists() or _is_shallow(root)
    try:
        target = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").strip()
    except _GitFailure as exc:
        hint = FETCH_HINT if shallow else f"check the name; for a remote branch run `git fetch origin {ref}`"
        raise TagauditError(f"unknown git ref {ref!r}", where=str(root), hint=hint) from exc
    try:
        _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except _GitFailure as exc:
        raise TagauditError("the repository has no commits yet", where=str(root),
                            hint="commit once, or drop --diff-base") from exc
    try:
        bases = _git(root, "merge-base", target.decode(), "HEAD").split()
    except _GitFailure:
        bases = []
    if not bases:
        if shallow:
            raise TagauditError(f"this is a shallow clone and the merge base of {ref} and HEAD is not in it",
                                where=str(root), hint=FETCH_HINT)
        raise TagauditError(f"{ref} and HEAD have no common history", where=str(root),
                            hint="pick a base branch that HEAD was created from")
    base = bases[0].decode()
    try:
        changed, untracked = _changed_files(root, base)
        lines = _changed_lines(root, base)
    except _GitFailure as exc:
        raise TagauditError(f"git could not diff against {ref}: {exc}", where=str(root)) from exc
    return DiffBase(root, ref, base, changed, lines, frozenset(untracked))


def _is_shallow(root: Path) -> bool:
    try:
        return _git(root, "rev-parse", "--is-shallow-repository").strip() == b"true"
    except _GitFailure:
        return False


def _changed_files(root: Path, base: str) -> tuple[dict[str, str | None], list[str]]:
    out: dict[str, str | None] = {}
    raw = gitcmd.diff(root, base, "--name-status", "-z").split(b"\0")
    i = 0
    while i < len(raw) - 1:
        status = raw[i].decode("ascii", "replace")
        if status.startswith(("R", "C")):
            old, new = decode_path(raw[i + 1]), decode_path(raw[i + 2])
            out[new] = old if status.startswith("R") else None
            i += 3
            continue
        path = decode_path(raw[i + 1])
        if status != "D":
            out[path] = None if status == "A" else path
        i += 2
    listed = gitcmd.ls_files(root, "--others", "--exclude-standard")
    if listed is None:
        raise _GitFailure("git ls-files failed")
    untracked = listed
    for path in untracked:
        out[path] = None
    return out, untracked


def _new_name(header: bytes) -> str | None:
    """The new-side path of a `+++ ` line: `b/<name>` or C-quoted, with a tab after names with spaces."""
    name = header[4:]
    if name.endswith(b"\t"):  # a raw tab in a name is always quoted, so this one is git's separator
        name = name[:-1]
    name = unquote_c(name)
    return decode_path(name[2:]) if name.startswith(b"b/") else None


def _changed_lines(root: Path, base: str) -> dict[str, frozenset[int]]:
    """Lines added or modified on the new side; a pure deletion marks the line it happened at.

    Hunk bodies are skipped by their line counts, so an added line that reads `++ b/x.py` is content,
    not a file header.
    """
    # --text: a `*.py -diff` attribute (the branch under review can commit one) would hide every hunk
    patch = gitcmd.diff(root, base, "-U0", "--text", "--src-prefix=a/", "--dst-prefix=b/").split(b"\n")
    lines: dict[str, set[int]] = {}
    current: str | None = None
    i = 0
    while i < len(patch):
        chunk = patch[i]
        i += 1
        if chunk.startswith(b"diff "):
            current = None
        elif chunk.startswith(b"+++ "):
            current = _new_name(chunk)
        elif (m := _HUNK.match(chunk)) is not None:
            old_count = 1 if m.group(1) is None else int(m.group(1))
            start, count = int(m.group(2)), 1 if m.group(3) is None else int(m.group(3))
            body = old_count + count
            while body > 0 and i < len(patch):
                body -= 0 if patch[i].startswith(b"\\") else 1  # "\ No newline at end of file"
                i += 1
            if current is not None:
                lines.setdefault(current, set()).update(range(start, start + count) if count else {max(start, 1)})
    return {p: frozenset(v) for p, v in lines.items()}


def read_blobs(root: Path, commit: str, paths: list[str]) -> dict[str, bytes]:
    """File contents at `commit` (missing paths are left out), through one `git cat-file --batch` of blob ids."""
    try:
        return gitcmd.blobs_at(root, commit, paths)
    except gitcmd.GitError as exc:
        raise TagauditError(f"git could not read files at {commit[:12]}: {exc}", where=str(root)) from exc
