"""All git access tagaudit has, through GitPython, hardened so the scanned repository's own config runs no code.

Nothing else in tagaudit builds a git command line or starts a git process (tests/test_git_module.py checks
it). GitPython is imported lazily, inside the functions that run git: `import git` costs ~85 ms, and a
one-file pre-commit scan never needs it.

What GitPython itself does, and why it is safe here:

- `import git` runs `git version` once (its "refresh"), in the current directory with the caller's
  environment. `version` is a builtin that sets up no repository, so it reads no repo config, starts no
  pager and runs no hook. When git is missing the import raises ImportError (GIT_PYTHON_REFRESH unset
  means "raise"); `run` answers 127 as it always did.
- The executable is `git` looked up on PATH, or GIT_PYTHON_GIT_EXECUTABLE: both come from the caller's
  environment, never from the scanned repository (GitPython >= 3.1.41 no longer searches the current
  directory on Windows).
- `Git(working_dir).execute` never reads repo config; it copies os.environ, adds LC_ALL=C and the env we
  pass. Since it cannot remove variables, the dangerous ones are blanked instead (see `_BLANK_ENV`).
- We never use `Repo`, so GitPython's own config parser never looks at the repository.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from git.cmd import Git

# The scanned repository is untrusted: its .git/config and .gitattributes could run programs (fsmonitor
# hooks, clean/process filters, textconv, external diffs, gpg, pagers) or reshape the output we parse
# (prefixes, colour, hunk merging, ignored blame revisions). Command-line config outranks the repo's.
_OVERRIDES = (
    ("core.fsmonitor", "false"),
    ("core.pager", "cat"),
    ("core.quotePath", "true"),
    ("core.hooksPath", os.devnull),
    ("diff.external", ""),
    ("diff.noprefix", "false"),
    ("diff.mnemonicPrefix", "false"),
    ("diff.relative", "false"),
    ("diff.interHunkContext", "0"),
    ("color.ui", "false"),
    ("color.diff", "false"),
    ("log.showSignature", "false"),
    ("gpg.program", "false"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
)
_FILTER_KEYS = (("clean", ""), ("smudge", ""), ("process", ""), ("required", "false"))
# GitPython starts every process from a copy of os.environ, so these are set empty (git reads an empty
# value as unset/off) rather than removed: an inherited GIT_EXTERNAL_DIFF or GIT_PAGER must not run.
_BLANK_ENV = ("GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS", "GIT_TRACE", "GIT_ASKPASS", "SSH_ASKPASS")
_NOT_FOUND = 127
_NOT_A_REPO = 128

# Options that fix the shape of a diff whatever the repository's config says.
DIFF_OPTIONS = ("--no-color", "--no-ext-diff", "--no-textconv", "-M", "--inter-hunk-context=0")
_OID = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


class GitError(Exception):
    """A git command failed; the message is git's stderr."""


@functools.lru_cache(maxsize=1)
def _git_class() -> type[Git] | None:
    """GitPython's `Git`, imported on first use; None when GitPython cannot find a git executable."""
    try:
        from git.cmd import Git
    except ImportError:
        return None
    return Git


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _BLANK_ENV}
    env.update(dict.fromkeys(_BLANK_ENV, ""))
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", GIT_LITERAL_PATHSPECS="1", GIT_NO_REPLACE_OBJECTS="1",
               GIT_PAGER="cat", PAGER="cat", LC_ALL="C")
    return env


def _execute(cwd: Path, command: list[str], env: dict[str, str], stdin: bytes | None, timeout: float
             ) -> tuple[int, bytes, bytes]:
    Git = _git_class()
    if Git is None:
        return _NOT_FOUND, b"", b"git: no git executable found (GitPython could not run `git version`)"
    from git.exc import GitCommandNotFound

    g = Git(os.fspath(cwd))
    with tempfile.TemporaryFile() if stdin is not None else contextlib.nullcontext() as istream:
        if istream is not None:
            istream.write(stdin or b"")
            istream.seek(0)
        try:
            code, out, err = g.execute([str(g.GIT_PYTHON_GIT_EXECUTABLE), "--no-pager", *command], istream=istream,
                                       env=env, with_extended_output=True, with_exceptions=False, as_process=False,
                                       stdout_as_string=False, strip_newline_in_stdout=False,
                                       kill_after_timeout=timeout)
        except (GitCommandNotFound, OSError) as exc:
            return _NOT_FOUND, b"", str(exc).encode()
    err_bytes = err.encode("utf-8", "replace") if isinstance(err, str) else bytes(err)
    if code is None or code < 0:  # killed by the timeout watchdog (or a signal)
        return _NOT_FOUND, b"", err_bytes or b"git: killed"
    return code, out if isinstance(out, bytes) else bytes(out or b""), err_bytes


@functools.lru_cache(maxsize=64)
def _filter_drivers(cwd: str) -> tuple[str, ...]:
    """Names of the clean/smudge filter drivers configured for the repository at `cwd`."""
    if not maybe_repository(Path(cwd)):
        return ()
    env = _base_env()
    env.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="core.fsmonitor", GIT_CONFIG_VALUE_0="false")
    code, out, _ = _execute(Path(cwd), ["config", "-z", "--list"], env, None, 60)
    if code != 0:
        return ()
    names = set()
    for item in out.split(b"\0"):
        key = item.partition(b"\n")[0].decode("utf-8", "surrogateescape")
        section, _, rest = key.partition(".")
        name, _, var = rest.rpartition(".")
        if section.lower() == "filter" and name and var.lower() in {k for k, _ in _FILTER_KEYS}:
            names.add(name)
    return tuple(sorted(names))


def git_env(cwd: Path) -> dict[str, str]:
    """The environment for a git process in `cwd`: the overrides as GIT_CONFIG_* (after any the caller set),
    pathspecs read literally, no prompts, no optional index writes."""
    env = _base_env()
    pairs = [*_OVERRIDES, *((f"filter.{name}.{key}", value) for name in _filter_drivers(str(cwd))
                            for key, value in _FILTER_KEYS)]
    try:
        start = int(env.get("GIT_CONFIG_COUNT", "0"))
    except ValueError:
        start = 0
    for i, (key, value) in enumerate(pairs, start):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    env["GIT_CONFIG_COUNT"] = str(start + len(pairs))
    return env


_REPO_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR")


def maybe_repository(cwd: Path) -> bool:
    """False when git could not find a repository from `cwd` (no `.git` and no bare repository in it or any
    parent, no GIT_DIR): then there is no need to load GitPython or start git to learn that. True says
    only "ask git" (git's ceiling directories and filesystem boundaries are not modelled)."""
    if any(os.environ.get(name) for name in _REPO_ENV):
        return True
    here = os.path.abspath(cwd)
    while True:
        if os.path.lexists(os.path.join(here, ".git")) or (
                os.path.isfile(os.path.join(here, "HEAD")) and os.path.isdir(os.path.join(here, "objects"))
                and os.path.isdir(os.path.join(here, "refs"))):
            return True
        parent = os.path.dirname(here)
        if parent == here:
            return False
        here = parent


def nearest_dot_git(cwd: Path) -> Path | None:
    """The nearest directory at or above `cwd` holding a `.git`, without starting git; None when there is none
    or a GIT_DIR-style variable decides instead. A cached top level is trusted only while it is this one."""
    if any(os.environ.get(name) for name in _REPO_ENV):
        return None
    here = os.path.abspath(cwd)
    while not os.path.lexists(os.path.join(here, ".git")):
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent
    return Path(here)


def run(args: Sequence[str], cwd: Path, *, stdin: bytes | None = None, timeout: float = 300
        ) -> tuple[int, bytes, bytes]:
    """(exit code, stdout, stderr) of the hardened `git ARGS` in `cwd`; (127, b"", why) when git cannot run
    or is killed after `timeout` seconds. Output is bytes, untouched (no newline stripped).

    Every command tagaudit runs needs a repository: outside one the answer is git's own exit code 128,
    without loading GitPython (a one-file scan outside git stays fast).
    """
    if not maybe_repository(cwd):
        return _NOT_A_REPO, b"", b"fatal: not a git repository (or any of the parent directories): .git"
    return _execute(cwd, list(args), git_env(cwd), stdin, timeout)


def _checked(cwd: Path, *args: str, timeout: float = 300) -> bytes:
    code, out, err = run(args, cwd, timeout=timeout)
    if code != 0:
        raise GitError(err.decode("utf-8", "replace").strip())
    return out


def ls_files(directory: Path, *options: str) -> list[str] | None:
    """`git ls-files -z OPTIONS -- .` in `directory`: paths relative to it, or None outside a work tree."""
    code, out, _ = run(["ls-files", "-z", *options, "--", "."], directory, timeout=120)
    if code != 0:
        return None
    return [decode_path(p) for p in out.split(b"\0") if p]


def diff(root: Path, base: str, *options: str) -> bytes:
    """`git diff` of the work tree against `base`, with DIFF_OPTIONS fixing the output shape; GitError on failure."""
    return _checked(root, "diff", *DIFF_OPTIONS, *options, "--end-of-options", base, "--")


def blob_ids(root: Path, commit: str, paths: Sequence[str]) -> dict[str, str]:
    """path -> blob id at `commit`, from NUL-separated `ls-tree` (never `<rev>:<path>`, which a newline breaks).

    Paths are relative to the repository top (`--full-tree`); missing paths are left out. GitError on failure.
    """
    wanted, out = set(paths), {}
    for start in range(0, len(paths), 500):
        listing = _checked(root, "ls-tree", "-r", "-z", "--full-tree", "--end-of-options", commit, "--",
                           *paths[start:start + 500])
        for entry in listing.split(b"\0"):
            meta, _, name = entry.partition(b"\t")
            parts, path = meta.split(), decode_path(name)
            if len(parts) == 3 and parts[1] == b"blob" and path in wanted:
                out[path] = parts[2].decode()
    return out


def read_objects(root: Path, oids: Iterable[str]) -> dict[str, bytes]:
    """Blob contents by object id, through GitPython's persistent `git cat-file --batch` (one process).

    Only full hex object ids are accepted (no `rev:path` names). GitError when git cannot run or an
    object is missing or not a blob.
    """
    unique = sorted(set(oids))
    if not unique:
        return {}
    bad = [oid for oid in unique if not _OID.match(oid)]
    if bad:
        raise GitError(f"not an object id: {bad[0]!r}")
    Git = _git_class()
    if Git is None:
        raise GitError("no git executable found")
    from git.exc import GitCommandNotFound

    g = Git(os.fspath(root))
    g.update_environment(**git_env(root))
    g.set_persistent_git_options(no_pager=True)
    blobs: dict[str, bytes] = {}
    try:
        for oid in unique:
            try:
                _, raw_kind, _, data = g.get_object_data(oid)
            except ValueError as exc:  # `<oid> missing`
                raise GitError(f"git cat-file gave no blob for {oid}") from exc
            kind: object = raw_kind  # annotated str, but GitPython hands back the header's bytes
            kind = kind.decode("ascii", "replace") if isinstance(kind, bytes) else str(kind)
            if kind != "blob":
                raise GitError(f"git cat-file gave a {kind}, not a blob, for {oid}")
            blobs[oid] = data
    except (GitCommandNotFound, OSError) as exc:
        raise GitError(str(exc)) from exc
    finally:
        g.clear_cache()  # ends the cat-file process
    return blobs


def blobs_at(root: Path, commit: str, paths: Sequence[str]) -> dict[str, bytes]:
    """File contents at `commit` (paths relative to the repository top; missing ones left out). GitError on failure."""
    if not paths:
        return {}
    ids = blob_ids(root, commit, paths)
    data = read_objects(root, ids.values())
    return {path: data[oid] for path, oid in ids.items()}


def blame(root: Path, path: str, ranges: Sequence[str], rev: str | None = None, *, timeout: float = 120
          ) -> tuple[int, bytes]:
    """(exit code, `git blame --porcelain` output) for `path` at `rev` (the work tree when None).

    `ranges` are `-L` values (`"3,7"`). The repo's blame.ignoreRevsFile would hand lines to other authors;
    the empty name clears that list.
    """
    code, out, _ = run(blame_args(path, ranges, rev), root, timeout=timeout)
    return code, out


def blame_args(path: str, ranges: Sequence[str], rev: str | None = None) -> list[str]:
    """The hardened `git blame` arguments `blame` runs (for callers that inject a runner)."""
    return ["blame", "--porcelain", *(a for r in ranges for a in ("-L", r)), "--no-textconv", "--ignore-revs-file=",
            *([rev] if rev else []), "--", path]


def decode_path(raw: bytes) -> str:
    """A path from git output as the str the rest of tagaudit uses (undecodable bytes survive a round trip)."""
    return raw.decode("utf-8", "surrogateescape")


_ESCAPES = {ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12, ord("r"): 13,
            ord('"'): 34, ord("\\"): 92}


def unquote_c(raw: bytes) -> bytes:
    """git's C-style quoted name (`"caf\\303\\251 \\"x\\".py"`) as raw bytes; unquoted input is returned as is."""
    if not (len(raw) >= 2 and raw.startswith(b'"') and raw.endswith(b'"')):
        return raw
    out = bytearray()
    body, i = raw[1:-1], 0
    while i < len(body):
        c = body[i]
        if c != 0x5C or i + 1 == len(body):
            out.append(c)
            i += 1
        elif body[i + 1] in _ESCAPES:
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        elif len(digits := body[i + 1:i + 4]) == 3 and all(0x30 <= d <= 0x37 for d in digits):
            out.append(int(digits, 8) & 0xFF)
            i += 4
        else:
            out.append(c)
            i += 1
    return bytes(out)


def shallow_state(root: Path) -> bool | None:
    """True in a shallow clone, False in a full one, None when `root` is in no git repository."""
    code, out, _ = run(["rev-parse", "--is-shallow-repository"], root, timeout=60)
    return None if code != 0 else out.strip() == b"true"


def first_parent_commits(root: Path, rev: str = "HEAD") -> list[tuple[str, int]]:
    """(commit id, committer time as Unix seconds) along `rev`'s first-parent chain, newest first.

    GitError when `rev` names no commit (an empty repository) or git fails.
    """
    out = _checked(root, "rev-list", "--first-parent", "--timestamp", "--end-of-options", rev, "--")
    commits = []
    for line in out.split(b"\n"):
        stamp, _, oid = line.strip().partition(b" ")
        if stamp and oid:
            commits.append((oid.decode(), int(stamp)))
    return commits


def tree_files(root: Path, commit: str) -> list[tuple[str, str, int]]:
    """(path relative to `root`, blob id, size) of every regular file at `commit` below `root`, read from the
    object store (nothing checked out); symlinks and submodules are left out. GitError on failure."""
    if not _OID.match(commit):
        raise GitError(f"not an object id: {commit!r}")
    out = _checked(root, "ls-tree", "-r", "-z", "-l", "--end-of-options", commit)
    files = []
    for entry in out.split(b"\0"):
        meta, _, name = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) == 4 and parts[1] == b"blob" and parts[0] in (b"100644", b"100755"):
            files.append((decode_path(name), parts[2].decode(), int(parts[3])))
    return files
