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


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    code, out, err = gitcmd.run(args, root, stdin=stdin)
    if code != 0:
        raise _GitFailure(err.decode("utf-8", "replace").strip())
    return out


class _GitFailure(Exception):
    pass


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


# Options that fix the shape of the output whatever the repository's config says.
_DIFF = ("diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", "--inter-hunk-context=0")


def _changed_files(root: Path, base: str) -> tuple[dict[str, str | None], list[str]]:
    out: dict[str, str | None] = {}
    raw = _git(root, *_DIFF, "--name-status", "-z", base, "--").split(b"\0")
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
    listed = _git(root, "ls-files", "-z", "--others", "--exclude-standard")
    untracked = [decode_path(p) for p in listed.split(b"\0") if p]
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
    patch = _git(root, *_DIFF, "-U0", "--text", "--src-prefix=a/", "--dst-prefix=b/", base, "--").split(b"\n")
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


def _blob_ids(root: Path, commit: str, paths: list[str]) -> dict[str, str]:
    """path -> blob id at `commit`, from NUL-separated `ls-tree` (never `<rev>:<path>`, which a newline breaks)."""
    wanted, out = set(paths), {}
    for start in range(0, len(paths), 500):
        listing = _git(root, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *paths[start:start + 500])
        for entry in listing.split(b"\0"):
            meta, _, name = entry.partition(b"\t")
            parts, path = meta.split(), decode_path(name)
            if len(parts) == 3 and parts[1] == b"blob" and path in wanted:
                out[path] = parts[2].decode()
    return out


def read_blobs(root: Path, commit: str, paths: list[str]) -> dict[str, bytes]:
    """File contents at `commit` (missing paths are left out), through one `git cat-file --batch` of blob ids."""
    if not paths:
        return {}
    try:
        ids = _blob_ids(root, commit, paths)
        unique = sorted(set(ids.values()))
        data = _git(root, "cat-file", "--batch", stdin=b"".join(f"{oid}\n".encode() for oid in unique))
    except _GitFailure as exc:
        raise TagauditError(f"git could not read files at {commit[:12]}: {exc}", where=str(root)) from exc
    blobs: dict[str, bytes] = {}
    pos = 0
    for oid in unique:
        end = data.find(b"\n", pos)
        header = data[pos:end].split() if end >= 0 else []
        if len(header) != 3 or header[1] != b"blob":
            raise TagauditError(f"git cat-file gave no blob for {oid}", where=str(root))
        size = int(header[2])
        blobs[oid] = data[end + 1:end + 1 + size]
        pos = end + 1 + size + 1
    return {path: blobs[oid] for path, oid in ids.items()}
