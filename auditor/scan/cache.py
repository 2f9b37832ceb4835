"""Content-hash result cache: (file bytes, kind, policy, tool version) -> FileScan, one sealed JSON file per entry.

The cache directory usually lives in the repository, so CI may restore it and a pull request may commit
it: its contents are input from whoever wrote them. Every entry (and every policy marker and the blame
cache) is therefore sealed with an HMAC-SHA256 under a per-user secret kept outside the repository
($TAGAUDIT_CACHE_KEY as hex, else $XDG_CONFIG_HOME/tagaudit/cache.key, created 0600 on first use). An
entry whose MAC does not verify, or whose shape is not exactly what this version writes, is rescanned.
Without a usable key there is no cache at all: slower, never wrong. JSON rather than pickle because
even a sealed entry should not be able to run code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import stat
import tempfile
from functools import lru_cache
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from auditor import __version__
from scanners.python.summary import BadSummary, Summary
from scanners.python.summary import from_json as summary_from_json
from scanners.python.summary import to_json as summary_to_json
from scanners.records import CallSite, Comment, Evidence, FileScan, Issue, ScanError

Use = tuple[str, int, int]  # a client another module built (its path, line, column), used by this one

CACHE_FORMAT = 3  # 2: Issue names the detector (check), not a rule id; 3: module summaries and linked uses
DEFAULT_DIR = ".tagaudit-cache"
KEY_ENV = "TAGAUDIT_CACHE_KEY"
MAGIC = b"tagaudit-mac:"
_KEY_BYTES = 32
_MAX_ENTRY_BYTES = 32 * 1024 * 1024
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def tool_key(catalog_digest: str) -> str:
    return f"{CACHE_FORMAT}:{__version__}:{catalog_digest}"


def entry_key(data: bytes, policy_digest: str, tool: str) -> str:
    h = hashlib.blake2b(data, digest_size=20)
    h.update(b"\0" + policy_digest.encode() + b"\0" + tool.encode())
    return h.hexdigest()


def key_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "tagaudit" / "cache.key"


def cache_secret() -> bytes | None:
    """The per-user sealing key, or None (then nothing is read from or written to any cache)."""
    env = os.environ.get(KEY_ENV)
    if env is not None:
        try:
            secret = bytes.fromhex(env)
        except ValueError:
            return None
        return secret if len(secret) >= 16 else None
    return _load_or_create_key(str(key_path()))


@lru_cache(maxsize=8)
def _load_or_create_key(path: str) -> bytes | None:
    secret = read_private(Path(path), _KEY_BYTES + 1, private=True)
    if secret is not None:
        return secret if len(secret) == _KEY_BYTES else None
    if os.path.lexists(path):
        return None  # there but unusable (a directory, a symlink, someone else's, readable by others)
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".cache.key-")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(_KEY_BYTES))
            os.link(tmp, path)  # never replaces a key another process created meanwhile
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    except OSError:
        return None
    secret = read_private(Path(path), _KEY_BYTES + 1, private=True)
    return secret if secret is not None and len(secret) == _KEY_BYTES else None


def read_private(path: Path, limit: int, *, private: bool = False) -> bytes | None:
    """A regular file's bytes (at most `limit`), not through a symlink and never blocking on a FIFO.

    `private`: only a file of ours that nobody else can read or write (for the key itself).
    """
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        if private and (st.st_mode & 0o077 or st.st_uid != getattr(os, "getuid", lambda: st.st_uid)()):
            return None
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(limit + 1)[:limit]
    except OSError:
        return None
    finally:
        os.close(fd)


def seal(context: str, body: bytes, secret: bytes | None = None) -> bytes | None:
    """`body` with a MAC binding it to `context` (what it is for), or None without a key."""
    secret = secret if secret is not None else cache_secret()
    if secret is None:
        return None
    mac = hmac.new(secret, context.encode() + b"\0" + body, hashlib.sha256).hexdigest()
    return MAGIC + mac.encode() + b"\n" + body


def unseal(context: str, blob: bytes | None) -> bytes | None:
    """The body of a sealed blob if its MAC verifies for `context` under our key, else None."""
    secret = cache_secret()
    if blob is None or secret is None or not blob.startswith(MAGIC):
        return None
    head, sep, body = blob.partition(b"\n")
    expected = seal(context, body, secret)
    return body if sep and expected is not None and hmac.compare_digest(head + b"\n" + body, expected) else None


def safe_dir(root: Path, *parts: str, create: bool) -> Path | None:
    """root/parts, with no symlink anywhere from root down: a planted link must not redirect our writes."""
    current = root
    for part in ("", *parts):
        current = current / part if part else current
        try:
            if create:
                current.mkdir(parents=not part, exist_ok=True)
            if not stat.S_ISDIR(os.lstat(current).st_mode):
                return None
        except OSError:
            return None
    return current


def write_sealed(directory: Path, name: str, context: str, body: bytes) -> None:
    """Atomically write a sealed file (the rename replaces a planted symlink, never follows it)."""
    blob = seal(context, body)
    if blob is None:
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, directory / name)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # a read-only or full cache directory only costs speed


def remember_valid(cache_dir: Path | None, kind: str, digest: str, body: bytes = b"") -> None:
    """Record that the input with this digest passed validation (a sealed marker, not a bare file), with what
    it parsed to (`body`) when the caller keeps that too."""
    directory = safe_dir(cache_dir, kind, create=True) if cache_dir is not None else None
    if directory is not None:
        write_sealed(directory, f"{digest[:32]}.ok", f"{kind}-ok:{digest}", body)


def valid_body(cache_dir: Path | None, kind: str, digest: str, limit: int = 1024 * 1024) -> bytes | None:
    """The body of the sealed marker for this digest (b"" for a bare one), or None when there is no valid one."""
    directory = safe_dir(cache_dir, kind, create=False) if cache_dir is not None else None
    if directory is None:
        return None
    return unseal(f"{kind}-ok:{digest}", read_private(directory / f"{digest[:32]}.ok", limit))


def known_valid(cache_dir: Path | None, kind: str, digest: str) -> bool:
    return valid_body(cache_dir, kind, digest) is not None


def _to_json(fs: FileScan, summary: Summary | None = None, uses: tuple[Use, ...] = ()) -> dict[str, Any]:
    return {
        "summary": summary_to_json(summary) if summary is not None else None,
        "uses": [list(u) for u in uses],
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


class BadEntry(Exception):
    """An entry whose shape is not exactly what this version writes."""


_SCALARS = (str, int, bool, type(None))
_Check = tuple[tuple[type, ...], frozenset[str]]  # exact JSON types, or one of these strings (a Literal)


def _scalar_types(cls: type) -> dict[str, _Check]:
    """Field -> what a stored value may be, from the record's resolved type hints (a Literal field takes
    only its values); a field of any other type matches nothing."""
    hints = get_type_hints(cls)
    out: dict[str, _Check] = {}
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        parts = get_args(hint) if get_origin(hint) in (Union, UnionType) else (hint,)
        literals = [p for p in parts if get_origin(p) is Literal]
        scalars = tuple(p for p in parts if p in _SCALARS)
        if len(literals) + len(scalars) != len(parts):
            scalars, literals = (), []
        out[f.name] = scalars, frozenset(v for lit in literals for v in get_args(lit))
    return out


def _fits(value: object, check: _Check) -> bool:
    return type(value) in check[0] or (type(value) is str and value in check[1])


_SITE = {k: v for k, v in _scalar_types(CallSite).items() if k not in ("evidence", "issues")}
_ROWS = {Evidence: _scalar_types(Evidence), Issue: _scalar_types(Issue), Comment: _scalar_types(Comment),
         ScanError: _scalar_types(ScanError)}


def _row(cls: type, raw: object) -> Any:
    """A record stored as a positional list, every value of exactly its field's type."""
    types = _ROWS[cls]
    if type(raw) is not list or len(raw) != len(types):
        raise BadEntry(cls.__name__)
    for value, check in zip(raw, types.values()):
        if not _fits(value, check):
            raise BadEntry(cls.__name__)
    return cls(*raw)


def _rows(cls: type, raw: object) -> tuple[Any, ...]:
    if type(raw) is not list:
        raise BadEntry(cls.__name__)
    return tuple(_row(cls, r) for r in raw)


def _site(raw: object, path: str) -> CallSite:
    if type(raw) is not dict or set(raw) != {*_SITE, "evidence", "issues"}:
        raise BadEntry("call site")
    for name, check in _SITE.items():
        if not _fits(raw[name], check):
            raise BadEntry(name)
    fields = {k: raw[k] for k in _SITE}
    fields["path"] = path
    return CallSite(**fields, evidence=_rows(Evidence, raw["evidence"]), issues=_rows(Issue, raw["issues"]))


def _from_json(raw: object, path: str) -> tuple[FileScan, Summary | None, tuple[Use, ...]]:
    if type(raw) is not dict or set(raw) != {"path", "sites", "comments", "error", "summary", "uses"} \
            or type(raw["path"]) is not str or type(raw["sites"]) is not list or type(raw["uses"]) is not list:
        raise BadEntry("entry")
    error = None if raw["error"] is None else _row(ScanError, raw["error"])
    try:
        summary = summary_from_json(raw["summary"]) if raw["summary"] is not None else None
    except BadSummary as exc:
        raise BadEntry("summary") from exc
    uses = []
    for use in raw["uses"]:
        if type(use) is not list or len(use) != 3 or type(use[0]) is not str or type(use[1]) is not int \
                or type(use[2]) is not int:
            raise BadEntry("use")
        uses.append((use[0], use[1], use[2]))
    scan = FileScan(path, tuple(_site(s, path) for s in raw["sites"]), _rows(Comment, raw["comments"]), error)
    return scan, summary, tuple(uses)


def _kind(path: str) -> str:
    """Identical bytes scan differently as a notebook and as a module, so they never share an entry."""
    return "ipynb" if path.endswith(".ipynb") else "py"


def entry_context(key: str, kind: str) -> str:
    return f"result:{key}:{kind}"


class ResultCache:
    def __init__(self, directory: Path) -> None:
        self.root = directory
        self.dir = directory / f"v{CACHE_FORMAT}"

    def get(self, key: str, path: str) -> FileScan | None:
        entry = self.get_entry(key, path)
        return entry[0] if entry is not None else None

    def get_entry(self, key: str, path: str) -> tuple[FileScan, Summary | None, tuple[Use, ...]] | None:
        """The scan, the module summary (when stored) and the linked uses of an entry."""
        folder = safe_dir(self.root, self.dir.name, key[:2], create=False)
        if folder is None:
            return None
        kind = _kind(path)
        body = unseal(entry_context(key, kind), read_private(folder / f"{key}.{kind}.json", _MAX_ENTRY_BYTES))
        if body is None:
            return None  # missing, damaged, forged or sealed by someone else: rescan
        try:
            return _from_json(json.loads(body), path)
        except (ValueError, RecursionError, BadEntry):
            return None

    def put(self, key: str, scan: FileScan, summary: Summary | None = None, uses: tuple[Use, ...] = ()) -> None:
        folder = safe_dir(self.root, self.dir.name, key[:2], create=True)
        if folder is not None:
            kind = _kind(scan.path)
            body = json.dumps(_to_json(scan, summary, uses), separators=(",", ":")).encode()
            write_sealed(folder, f"{key}.{kind}.json", entry_context(key, kind), body)


# -- phase-1 facts: what the prefilter and the import scan found in a file, by content -----------------------
# A file without an SDK import: its import names that may be repository modules (before the run's module names
# filter them: that set changes as files come and go) and whether it may hand a client through. None: the file
# may import an SDK, so it is parsed (its results come from the result cache above).
Fact = tuple[tuple[str, ...], bool] | None
FACTS_NAME = "phase1-facts.json"
_FACTS_FORMAT = 1
_MAX_FACTS_BYTES = 64 * 1024 * 1024
_DIGEST_CHARS = 40


def content_digest(data: bytes, path: str) -> str:
    """What a fact is filed under: the file's bytes and kind (a notebook's bytes are read as a notebook)."""
    h = hashlib.sha256(_kind(path).encode() + b"\0")
    h.update(data)
    return h.hexdigest()[:_DIGEST_CHARS]


def facts_context(tool: str) -> str:
    """Facts hold for one tool version and catalog (`tool`) and one standard library (imports of it are dropped)."""
    import sys

    return f"phase1-facts:{_FACTS_FORMAT}:{tool}:py{sys.version_info[0]}.{sys.version_info[1]}"


def read_sealed_json(cache_dir: Path | None, name: str, context: str, max_bytes: int) -> Any:
    """The JSON sealed under `context` in the cache folder's `name`; None when it is missing, not ours, altered,
    too large or not JSON. The caller still checks its shape: a sealed body is ours, not necessarily current."""
    folder = safe_dir(cache_dir, create=False) if cache_dir is not None else None
    if folder is None:
        return None
    body = unseal(context, read_private(folder / name, max_bytes))
    if body is None:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def load_facts(cache_dir: Path | None, tool: str) -> dict[str, Fact] | None:
    """The sealed facts of earlier runs, if they are ours, for this tool, and exactly of the shape written; else None.

    A fact is used only for a file whose bytes hash to its digest, so a stale entry is never used, only unused.
    """
    raw = read_sealed_json(cache_dir, FACTS_NAME, facts_context(tool), _MAX_FACTS_BYTES)
    if type(raw) is not dict:
        return None
    out: dict[str, Fact] = {}
    for digest, fact in raw.items():
        if len(digest) != _DIGEST_CHARS:
            return None
        if fact == 0 and type(fact) is int:
            out[digest] = None
            continue
        if type(fact) is not list or len(fact) != 2 or type(fact[0]) is not list or type(fact[1]) is not bool \
                or any(type(name) is not str for name in fact[0]):
            return None
        out[digest] = (tuple(fact[0]), fact[1])
    return out


def save_facts(cache_dir: Path | None, tool: str, facts: dict[str, Fact]) -> None:
    folder = safe_dir(cache_dir, create=True) if cache_dir is not None else None
    if folder is not None:
        body = json.dumps({d: 0 if f is None else [list(f[0]), f[1]] for d, f in sorted(facts.items())},
                          separators=(",", ":"))
        write_sealed(folder, FACTS_NAME, facts_context(tool), body.encode())


def prepare_cache_dir(directory: Path) -> None:
    """Create the directory with a .gitignore so the cache is never committed."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if safe_dir(directory, create=False) is None:
            return  # a symlink: the ResultCache refuses it too
        fd = os.open(directory / ".gitignore", os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
        with os.fdopen(fd, "w") as fh:
            fh.write("# created by tagaudit\n*\n")
    except OSError:
        pass


def cache_dir_for(root: Path, cache_dir: Path | None, no_cache: bool) -> Path | None:
    """The result cache for a scan of ROOT: CACHE_DIR if given, else ROOT/.tagaudit-cache; None to skip it."""
    if no_cache:
        return None
    return cache_dir if cache_dir is not None else root / DEFAULT_DIR
