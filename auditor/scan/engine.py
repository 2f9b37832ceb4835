"""The scan pipeline: discover -> prefilter -> parse -> evaluate -> findings. Never raises per file."""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from auditor.policy import Action, Policy, Settings, SeverityOverride
from auditor.records import AuditedCall, FileError, Finding, Report, Suppression
from auditor.rules import RULES
from auditor.scan.discover import apply_policy, discover_files
from auditor.scan.evaluate import evaluate_call, fingerprint
from auditor.scan.repo import Scanned, Uses, may_pass_clients
from auditor.scan.suppress import parse_suppressions
from scanners.catalog import load_catalog
from scanners.python.link import all_repo_imports, repo_imports
from scanners.python.summary import Summary, only_known
from scanners.records import FileScan, ScanError

if TYPE_CHECKING:  # the cache module loads only when a cache is used
    from auditor.scan.cache import Fact

    Learnt = tuple[str, Fact]  # a file's content digest and its phase-1 fact

_T = TypeVar("_T")
_PARALLEL_MIN_FILES = 400
_ACTIONS: dict[Action, SeverityOverride] = {"error": "error", "warn": "warning", "ignore": "off"}


@dataclass(frozen=True, slots=True)
class ScanJob:
    rel: str
    path: str
    max_bytes: int
    cache_dir: str | None = None
    policy_digest: str = ""


# Regular files only, never a terminal; O_NONBLOCK so that a FIFO swapped in after discovery cannot hang the open.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
_CHUNK = 1 << 20
# A file over the policy's limits.max_file_bytes is never parsed; it is read on, in chunks, only to tell
# whether it mentions an SDK (then TAG901), and never past this ceiling (past it: TAG901 unread).
READ_CEILING = 64 * 1024 * 1024


def scan_file(job: ScanJob) -> FileScan | None:
    """Read, prefilter and scan one file (or take it from the cache). None when it cannot hold an SDK call."""
    read = read_job(job)
    return read if not isinstance(read, bytes) else scan_data(job, read)


def summarise_file(job: ScanJob) -> Scanned | None:
    """Phase 1: scan a file that imports an SDK and summarise it; list the imports of any other. None: neither
    holds anything for whole-repo resolution (no SDK, no import of a module of the repository)."""
    return _phase1(job, None)[0]


_UNKNOWN = object()
# Phase-1 facts of earlier runs by content digest (auditor.scan.cache), set by _scan_repo around phase 1 and
# inherited by forked workers; a worker started otherwise sees None and works the facts out itself.
_FACTS: dict[str, Fact] | None = None


def _phase1(job: ScanJob, facts: dict[str, Fact] | None) -> tuple[Scanned | None, Learnt | None]:
    """summarise_file, and with `facts` (known facts by content digest) this file's fact to record. A known fact
    stands in for the prefilter and the import scan; a file it says may import an SDK is scanned as ever."""
    read = read_job(job)
    if not isinstance(read, bytes):
        return (Scanned(job.rel, read, None) if read is not None else None), None
    digest = None
    if facts is not None:
        from auditor.scan.cache import content_digest

        digest = content_digest(read, job.rel)
    known: object = facts.get(digest, _UNKNOWN) if facts is not None and digest is not None else _UNKNOWN
    fact: Fact
    if known is _UNKNOWN:
        fact = None if prefilter(job.rel, read) else \
            (all_repo_imports(read, load_catalog()), may_pass_clients(read)) if job.rel.endswith(".py") else ((), False)
    else:
        fact = known  # type: ignore[assignment]  # a value of `facts`
    learnt = (digest, fact) if digest is not None else None
    if fact is not None:
        from scanners.python import link

        imports, helper = only_known(fact[0], link.REPO_NAMES), fact[1]
        return (Scanned(job.rel, None, Summary((), imports), helper) if imports or helper else None), learnt
    scan = scan_linked(job, read)[0]
    imports = repo_imports(read, load_catalog()) if job.rel.endswith(".py") and scan.error is None else ()
    return Scanned(job.rel, scan, Summary((), imports)), learnt


def read_job(job: ScanJob) -> bytes | FileScan | None:
    """The file's bytes, or what to report instead (unreadable, not regular, oversized), or None (nothing)."""
    try:
        fd = os.open(job.path, _OPEN_FLAGS)
    except OSError as exc:
        return _unreadable(job.rel, exc)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return FileScan(job.rel, error=ScanError("read", "not a regular file; it was not read"))
        data = _read_upto(fd, job.max_bytes + 1)
        if len(data) > job.max_bytes:
            return _oversized(job, fd, data, info.st_size)
    except OSError as exc:
        return _unreadable(job.rel, exc)
    finally:
        os.close(fd)
    return data


def _unreadable(rel: str, exc: OSError) -> FileScan:
    return FileScan(rel, error=ScanError("read", f"cannot read file ({exc.strerror or type(exc).__name__})"))


def _read_upto(fd: int, limit: int) -> bytes:
    parts: list[bytes] = []
    left = limit
    while left > 0:
        part = os.read(fd, min(left, _CHUNK))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _size_error(job: ScanJob, size: int) -> FileScan:
    return FileScan(job.rel, error=ScanError(
        "size", f"file is {size:,} bytes, over the {job.max_bytes:,}-byte limit; raise limits.max_file_bytes "
                "in the policy or exclude the file"))


def _oversized(job: ScanJob, fd: int, head: bytes, size: int) -> FileScan | None:
    """A file too big to parse: TAG901 if it may mention an SDK, None if it provably does not."""
    tokens = load_catalog().tokens
    overlap = max(len(t) for t in tokens) * 4  # a token may straddle two chunks (4: UTF-32)
    seen, window = len(head), head
    while True:
        if prefilter(job.rel, window, tokens_only=True):
            return _size_error(job, max(size, seen))
        if seen >= READ_CEILING:
            return FileScan(job.rel, error=ScanError(
                "size", f"file is over {READ_CEILING:,} bytes; it was not read to its end, let alone parsed; "
                        "exclude the file in the policy"))
        part = os.read(fd, _CHUNK)
        if not part:
            return None
        seen += len(part)
        window = window[-overlap:] + part


def prefilter(rel: str, data: bytes, *, tokens_only: bool = False) -> bool:
    """False only when the file provably cannot import an AI SDK, so it needs no parse.

    Conservative on purpose. Kept: a file that names an SDK module within an import statement in any
    position (after `;` or `:`, indented, continued with a backslash, `import os, openai`), or names it
    anywhere when it uses `__import__`, `importlib` or `sys.modules`. Both are judged on the bytes as
    the interpreter reads them too: after a BOM or coding cookie, identifiers NFKC-normalised, notebook
    JSON unescaped. With `tokens_only`, naming an SDK anywhere is enough.
    """
    tokens = load_catalog().tokens
    if tokens_only or rel.endswith(".ipynb"):
        if any(tok in data for tok in tokens) and (tokens_only or _imports_sdk(_code_of(rel, data), tokens)):
            return True
        view = _interpreted(rel, data)
        if view is None or not any(tok in view for tok in tokens):
            return False
        return tokens_only or _imports_sdk(view, tokens)
    if sdk_import_in(data, tokens):
        return True
    view = _interpreted(rel, data)
    return view is not None and sdk_import_in(view, tokens)


def _imports_sdk(text: bytes | None, tokens: tuple[bytes, ...]) -> bool:
    if text is None:  # a notebook that is not JSON: the scan reports it (TAG901), fail closed
        return True
    return _DYNAMIC_IMPORT.search(text) is not None or _import_statement_re(tokens).search(text) is not None


_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")  # `\w` of a bytes regex
# The rest of a logical line after an import keyword, as _import_statement_re lets it run (greedy: its farthest reach).
_STATEMENT_REST = re.compile(rb"(?:[^\n\r#;\\]|\\(?:\r\n|\r|\n)?)*")


def sdk_import_in(text: bytes, tokens: tuple[bytes, ...]) -> bool:
    """`any(tok in text) and _imports_sdk(text, tokens)`, the same answer for every input, in a fifth of the time.

    The regexes walk every byte and the 37 substring tests are 37 passes over the file; this is two `find` loops
    over the keywords. A token can only match `_import_statement_re` inside the rest of the logical line after a
    word `import` or `from` (tokens hold no newline, `#`, `;` or backslash), so only those spans are searched,
    unless the file names a dynamic import (`__import__`, `import_module`, `importlib`, `sys.modules`; the first
    three contain `import` and are seen by the same loop): then any mention of a token counts, as before.
    """
    find, rest, size, word = text.find, _STATEMENT_REST.match, len(text), _WORD_BYTES
    spans: list[bytes] = []
    dynamic = False
    covered = -1  # end of the last span taken: a keyword inside it adds nothing (its span ends at the same place)
    for keyword in (b"import", b"from"):
        at = find(keyword)
        while at != -1:
            after = at + len(keyword)
            if keyword == b"import" and not dynamic:
                dynamic = text.startswith((b"lib", b"_module"), after) or (
                    text.startswith(b"__", after) and text[max(0, at - 2):at] == b"__")
            if after > covered and (at == 0 or text[at - 1] not in word) and (after == size or text[after] not in word):
                line = rest(text, after)  # always a match (it may be empty)
                covered = line.end() if line is not None else after
                spans.append(text[after:covered])
            at = find(keyword, after)
        covered = -1
    if dynamic or b"sys.modules" in text:
        return any(tok in text for tok in tokens)
    joined = b"\n".join(spans)  # no token holds a newline: joining makes no match that the spans lack
    return any(tok in joined for tok in tokens)


# Imports that name their module in a string, maybe built elsewhere in the file: any mention counts.
_DYNAMIC_IMPORT = re.compile(rb"__import__|import_module|importlib|sys\.modules")


@lru_cache(maxsize=4)
def _import_statement_re(tokens: tuple[bytes, ...]) -> re.Pattern[bytes]:
    """`import ... NAME` or `from ... NAME` within one logical line: only a newline (not escaped by a
    backslash), `;` or a comment ends an import statement, and module names contain none of them."""
    names = b"|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
    return re.compile(rb"\b(?:import|from)\b(?:[^\n\r#;\\]|\\(?:\r\n|\r|\n)?)*?(?:" + names + rb")")


def _code_of(rel: str, data: bytes) -> bytes | None:
    """The text to look for import statements in: the file, or a notebook's cell sources joined."""
    if not rel.endswith(".ipynb"):
        return data
    import json

    try:
        return "\n".join(_cell_sources(json.loads(data))).encode("utf-8", "surrogatepass")
    except (ValueError, RecursionError):
        return None


def _cell_sources(nb: object) -> list[str]:
    """Every cell's source, nbformat 4 (`cells`) or 3 (`worksheets[].cells[].input`), whatever the cell type."""
    if not isinstance(nb, dict):
        return [_text(nb)]
    holders = [nb] + [w for w in nb.get("worksheets", ()) if isinstance(w, dict)] \
        if isinstance(nb.get("worksheets"), list) else [nb]
    out = []
    for holder in holders:
        cells = holder.get("cells", [])
        for cell in cells if isinstance(cells, list) else [cells]:
            src = cell.get("source", cell.get("input", "")) if isinstance(cell, dict) else cell
            out.append("".join(map(_text, src)) if isinstance(src, list) else _text(src))
    return out


def _text(value: object) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _interpreted(rel: str, data: bytes) -> bytes | None:
    """The file as the interpreter (or Jupyter) reads it, when that can differ from its raw bytes; else None."""
    wide = b"\0" in data[:4] or data.startswith(_WIDE_BOMS)
    # A PEP 263 cookie lives on line 1 or 2 (the search over the whole file is the cheap way to rule it out).
    cookie = b"coding" in data and b"coding" in data[:data.find(b"\n", data.find(b"\n") + 1) + 1 or len(data)]
    if not (wide or cookie or (rel.endswith(".ipynb") and b"\\u" in data)):
        if data.isascii():
            return None
        # UTF-8 as it stands: only NFKC-folded identifiers can add an SDK name the bytes lack.
        return _folded_identifiers(data)
    text: str | None = None
    if rel.endswith(".ipynb"):
        import json

        try:
            text = json.dumps(json.loads(data), ensure_ascii=False)
        except (ValueError, RecursionError):
            text = None
    if text is None:
        text = _decode_any(data)
    view = text.encode("utf-8", "surrogatepass")
    folded = _folded_identifiers(view)
    view += b"\n" + folded if folded is not None else b""
    # UTF-16/32 without a BOM (or NULs around ASCII): the words are there between the NULs.
    return view + b"\n" + data.replace(b"\0", b"") if wide else view


_NON_ASCII = re.compile(rb"[\x80-\xff]+")
_ASCII_BYTES = bytes(range(128))
_ASCII_WORD_CHAR = re.compile(r"[A-Za-z0-9_]")


def _folded_identifiers(data: bytes) -> bytes | None:
    """UTF-8 `data` NFKC-normalised, as the interpreter normalises identifiers (`ｏｐｅｎａｉ`, `ºpenai`
    are `openai`), or None when that cannot bring out an SDK name. Only the non-ASCII runs and a few
    bytes around them are normalised first: cheap on text full of accents or fullwidth punctuation."""
    import unicodedata

    # Cheap first: unless some non-ASCII character folds to an ASCII letter, digit or underscore
    # (fullwidth forms, ligatures, ª º, math letters ...), folding cannot spell an SDK name.
    alone = unicodedata.normalize("NFKC", data.translate(None, _ASCII_BYTES).decode("utf-8", "ignore"))
    if _ASCII_WORD_CHAR.search(alone) is None:
        return None
    tokens = load_catalog().tokens
    reach = max(len(t) for t in tokens)
    around = b"\n".join(data[max(0, m.start() - reach):m.end() + reach] for m in _NON_ASCII.finditer(data))
    folded = unicodedata.normalize("NFKC", around.decode("utf-8", "replace")).encode("utf-8", "surrogatepass")
    if not any(t in folded for t in tokens):
        return None
    return unicodedata.normalize("NFKC", data.decode("utf-8", "replace")).encode("utf-8", "surrogatepass")


def _decode_any(data: bytes) -> str:
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, "replace")
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding, "replace")
    except (SyntaxError, LookupError, ValueError):
        return data.decode("utf-8", "replace")


def scan_data(job: ScanJob, data: bytes) -> FileScan | None:
    """Prefilter and scan file contents (from disk or from a git blob)."""
    if not prefilter(job.rel, data):
        return None
    return scan_linked(job, data)[0]


def scan_linked(job: ScanJob, data: bytes, *, link: object = None, digest: str = "", summarise: bool = False,
                ) -> tuple[FileScan, Summary | None, Uses]:
    """Scan contents that passed the prefilter (or take them from the cache); with `summarise`, summarise the
    module too. With `link` (a repo.py hook) other modules' facts are in view; `digest` names them in the
    cache key, so that an edit to a module re-checks the modules that use what it exports."""
    catalog = load_catalog()
    if len(data) > job.max_bytes:
        return _size_error(job, len(data)), None, ()
    cache = key = None
    if job.cache_dir is not None:
        from auditor.scan.cache import ResultCache, entry_key, tool_key

        cache = ResultCache(Path(job.cache_dir))
        key = entry_key(data, job.policy_digest, tool_key(catalog.digest) + (":" + digest if digest else ""))
        hit = cache.get_entry(key, job.rel)
        if hit is not None and (not summarise or hit[1] is not None or not job.rel.endswith(".py")
                                or hit[0].error is not None):
            return hit
    result, summary, used = _scan_bytes(job.rel, data, link, summarise)
    uses = _resolve_uses(link, used)
    # Internal errors are not cached: the next version may fix them.
    if cache is not None and key is not None and (result.error is None or result.error.kind != "internal"):
        cache.put(key, result, summary, uses)
    return result, summary, uses


def _resolve_uses(link: object, used: set[tuple[int, int]]) -> Uses:
    origins = getattr(link, "origins", None)
    if not used or not isinstance(origins, dict):
        return ()
    return tuple(sorted(origins[o] for o in used if o in origins))


def _scan_bytes(rel: str, data: bytes, link: object = None, summarise: bool = False,
                ) -> tuple[FileScan, Summary | None, set[tuple[int, int]]]:
    from scanners.python import scan_module

    catalog = load_catalog()
    try:
        scan, analysis = scan_module(rel, data, catalog, link=link,  # type: ignore[arg-type]
                                     imports=repo_imports(data, catalog) if summarise and rel.endswith(".py")
                                     else None)
        return scan, analysis.summary if analysis else None, analysis.used if analysis else set()
    except RecursionError:
        return FileScan(rel, error=ScanError("syntax", "expressions nest too deeply to analyse")), None, set()
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run; it fails closed instead
        return FileScan(rel, error=ScanError("internal", f"tagaudit could not analyse this file "
                                                         f"({type(exc).__name__}: {exc}); please report it")), None, set()


def _scan_chunk(jobs: list[ScanJob]) -> list[FileScan]:
    return [fs for fs in map(scan_file, jobs) if fs is not None]


def _summarise_chunk(jobs: list[ScanJob], repo_names: frozenset[str] | None = None, learn: bool = False,
                     ) -> list[tuple[Scanned | None, Learnt | None]]:
    # Set here, in the worker, not inherited: a spawn or forkserver worker starts without the parent's globals.
    from scanners.python import link

    facts = (_FACTS if _FACTS is not None else {}) if learn else None
    saved, link.REPO_NAMES = link.REPO_NAMES, repo_names
    try:
        return [got for got in (_phase1(job, facts) for job in jobs) if got[0] is not None or got[1] is not None]
    finally:
        link.REPO_NAMES = saved


def scan_jobs(jobs: Sequence[ScanJob], workers: int | None = None) -> list[FileScan]:
    """Scan serially for small runs (the pre-commit case), in a process pool for large ones."""
    return _run_pool(_scan_chunk, jobs, workers)


def summarise_jobs(jobs: Sequence[ScanJob], workers: int | None = None, repo_names: frozenset[str] | None = None,
                   start_method: str | None = None) -> list[Scanned]:
    """Phase 1 of whole-repo resolution over every file, in a process pool for large runs. `repo_names`: the
    path components of the repository's modules (imports naming none of them are dropped); None keeps all."""
    return summarise_learning(jobs, workers, repo_names, start_method)[0]


def summarise_learning(jobs: Sequence[ScanJob], workers: int | None = None, repo_names: frozenset[str] | None = None,
                       start_method: str | None = None, facts: dict[str, Fact] | None = None,
                       ) -> tuple[list[Scanned], dict[str, Fact] | None]:
    """summarise_jobs using the phase-1 `facts` of earlier runs (when given) and returning this run's: every file's
    fact by content digest (None when no facts were given).

    When the facts cover most files (a warm run), this process reads and hashes every file first: a file with a
    known fact and no SDK import is done then, without a worker; only the rest (changed files, and those that
    import an SDK, whose scans come from the result cache) go to `_run_pool`, which starts workers only for many.
    """
    global _FACTS
    records: list[Scanned] = []
    learnt: dict[str, Fact] = {}
    if facts is not None and len(facts) * 2 >= len(jobs):
        jobs = _known_first(jobs, facts, repo_names, records, learnt)
    saved, _FACTS = _FACTS, facts
    try:
        got = _run_pool(partial(_summarise_chunk, repo_names=repo_names, learn=facts is not None), jobs, workers,
                        start_method)
    finally:
        _FACTS = saved
    records += [scanned for scanned, _ in got if scanned is not None]
    learnt.update(found for _, found in got if found is not None)
    return records, (learnt if facts is not None else None)


def _known_first(jobs: Sequence[ScanJob], facts: dict[str, Fact], repo_names: frozenset[str] | None,
                 records: list[Scanned], learnt: dict[str, Fact]) -> list[ScanJob]:
    """Settle the files whose known fact says they import no SDK; the jobs left to run."""
    from auditor.scan.cache import content_digest

    rest = []
    for job in jobs:
        read = read_job(job)
        digest = content_digest(read, job.rel) if isinstance(read, bytes) else ""
        fact = facts.get(digest) if digest else None
        if fact is None:  # unknown, or it may import an SDK: its job runs
            rest.append(job)
            continue
        learnt[digest] = fact
        imports = only_known(fact[0], repo_names)
        if imports or fact[1]:
            records.append(Scanned(job.rel, None, Summary((), imports), fact[1]))
    return rest


def _run_pool(chunk_fn: Callable[[list[ScanJob]], list[_T]], jobs: Sequence[ScanJob],
              workers: int | None, start_method: str | None = None) -> list[_T]:
    if workers is None:
        workers = min(os.cpu_count() or 1, 8) if len(jobs) >= _PARALLEL_MIN_FILES else 1
    if workers <= 1 or len(jobs) < 2:
        return chunk_fn(list(jobs))
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    load_catalog()  # loaded once, inherited by forked workers
    if start_method is None and "fork" in multiprocessing.get_all_start_methods():
        start_method = "fork"
    ctx = multiprocessing.get_context(start_method) if start_method is not None else None
    size = max(16, len(jobs) // (workers * 8))
    chunks = [list(jobs[i:i + size]) for i in range(0, len(jobs), size)]
    out: list[_T] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        for part in pool.map(chunk_fn, chunks):
            out += part
    return out


_FACTS_MIN_FILES = 64  # fewer files (the pre-commit run): reading the facts would cost more than it saves


def _summarise_repo(jobs: list[ScanJob], workers: int | None, names: frozenset[str] | None, cache_dir: Path | None,
                    whole: bool) -> list[Scanned]:
    """Phase 1, with the phase-1 facts of earlier runs where the run is large enough to gain from them. A whole-repo
    run keeps the facts of the files it saw (so deleted files' facts go); a partial one adds to what was kept."""
    if cache_dir is None or len(jobs) < _FACTS_MIN_FILES:
        return summarise_jobs(jobs, workers, names)
    from auditor.scan.cache import load_facts, save_facts, tool_key

    tool = tool_key(load_catalog().digest)
    old = load_facts(cache_dir, tool)
    records, learnt = summarise_learning(jobs, workers, names, facts=old if old is not None else {})
    new = learnt or {}
    if not whole and old is not None:
        new = {**old, **new}
    if new != old:
        save_facts(cache_dir, tool, new)
    return records


def _scan_repo(paths: list[Path], root: Path, jobs: list[ScanJob], cache_dir: Path | None,
               workers: int | None) -> list[FileScan]:
    """Both phases: summarise (and scan) every file, then link the repository and rescan where that matters.

    A run over the root directory lists every module and saves that as the repo index; any other run (the
    pre-commit one) reads its imports from the index, or from disk where the index is missing or stale.
    """
    from auditor.scan import repo
    from scanners.python import link

    whole = any(p.is_dir() and p.absolute() == root.absolute() for p in paths)
    known: list[str] | dict[str, list[str]] = [j.rel for j in jobs]
    index = repo.load_index(cache_dir) if not whole else None
    if not whole and index is None and cache_dir is not None:
        # Missing, forged or unreadable: list the root again and keep that. (Without a cache there is no
        # index: imports are looked for in the given files' parent directories only.)
        index = repo.RepoIndex(link.group_paths(t.rel for t in discover_files([root], root).targets))
        repo.save_index(cache_dir, index)
    if index is not None:  # a partial run: the index's modules (link_records adds the given files)
        known = index.modules
    names = link.repo_names(known) if whole else None  # a few files: keep every import
    records = _summarise_repo(jobs, workers, names, cache_dir, whole)
    template = jobs[0] if jobs else ScanJob("", "", 0)
    by_rel = {j.rel: j for j in jobs}

    def read(rel: str) -> bytes | None:
        job = by_rel.get(rel)
        if job is None and not repo.inside_root(root, rel):
            return None
        got = read_job(job or ScanJob(rel, str(root / rel), template.max_bytes))
        return got if isinstance(got, bytes) else None

    def scan(rel: str, data: bytes, hook: object, digest: str, summarise: bool) -> tuple[FileScan, Summary | None, Uses]:
        job = by_rel.get(rel) or replace(template, rel=rel, path=str(root / rel))
        return scan_linked(job, data, link=hook, digest=digest, summarise=summarise)

    scans, cross = repo.link_records(records, known, read, prefilter, scan, probe_root=None if whole else root)
    if whole:
        repo.save_index(cache_dir, repo.index_of([j.rel for j in jobs], cross, read))
    elif index is not None and index.uses:
        scans = repo.drop_used_constructions(scans, repo.indexed_uses(index, scans, read))
    return scans


def severity_for(rule_id: str, policy: Policy, settings: Settings) -> SeverityOverride:
    if rule_id in policy.severity:
        return policy.severity[rule_id]
    rule = RULES[rule_id]
    sev: SeverityOverride = rule.severity
    if rule.category == "unverifiable":
        sev = _ACTIONS[settings.unverifiable]
    if settings.mode == "showback" and sev == "error" and not rule.fail_closed:
        sev = "warning"
    return sev


def make_finding(rule_id: str, message: str | tuple[str, str], policy: Policy, settings: Settings, *, path: str,
             line: int = 1, column: int = 1, ident: Iterable[object] = (), call: AuditedCall | None = None,
             cell: int | None = None) -> Finding | None:
    sev = severity_for(rule_id, policy, settings)
    if sev == "off":
        return None
    extra: tuple[object, ...] = ()
    if isinstance(message, tuple):
        extra, message = (message[0],), message[1]
    if call is not None:
        s = call.site
        return Finding(rule_id, RULES[rule_id].name, sev, s.path, s.line, s.column, message,
                       fingerprint(rule_id, s.path, s.scope, s.operation, s.occurrence, *extra), s.end_line,
                       s.end_column, s.scope, s.operation, s.cell, s.statement_line, sev == "error")
    return Finding(rule_id, RULES[rule_id].name, sev, path, line, column, message,
                   fingerprint(rule_id, path, *ident), line, column, "<module>", None, cell, line, sev == "error")


def audit_file(fs: FileScan, policy: Policy, today: dt.date | None = None) -> tuple[list[AuditedCall], list[Finding]]:
    settings = policy.settings_for(fs.path)
    findings: list[Finding | None] = []
    if fs.error is not None:
        e = fs.error
        findings.append(make_finding("TAG901", f"{e.message}", policy, settings, path=fs.path, line=e.line,
                                 column=e.column, ident=(e.kind,), cell=e.cell))
    calls = [evaluate_call(site, policy, settings) for site in fs.call_sites]
    for call in calls:
        if call.status == "exempt":
            continue
        for rule in RULES.values():
            if rule.check is None:
                continue
            for message in rule.check(call):
                findings.append(make_finding(rule.id, message, policy, settings, path=fs.path, call=call))
    result = [f for f in findings if f is not None]
    result = _apply_suppressions(fs, result, policy, settings, today or dt.date.today())
    return calls, result


def _apply_suppressions(fs: FileScan, findings: list[Finding], policy: Policy, settings: Settings,
                        today: dt.date) -> list[Finding]:
    if not fs.comments:
        return findings
    sups, problems = parse_suppressions(fs.comments, set(RULES))
    out: list[Finding] = []
    extra: list[Finding | None] = []
    expired = [s for s in sups if s.expires is not None and s.expires < today]
    active = [s for s in sups if s not in expired]
    used: set[int] = set()
    for f in findings:
        match = next((s for s in active if s.covers(f.rule, f.statement_line or f.line, max(f.end_line, f.line),
                                                     f.cell)), None)
        if match is not None:
            used.add(id(match))
        if match is None or not RULES[f.rule].suppressible:
            out.append(f)
            continue
        if f.rule in policy.forbid_inline:
            out.append(f)
            extra.append(make_finding("TAG904", f"{f.rule} may not be suppressed inline under this policy; tag the call or "
                                            "record it in the baseline", policy, settings, path=fs.path,
                                  line=match.line, ident=(f.fingerprint,), cell=match.cell))
            continue
        sup = Suppression("inSource", match.reason or "", match.line, match.owner,
                          match.expires.isoformat() if match.expires else None)
        out.append(replace(f, suppressed=sup, blocking=False))
    for p in problems:
        extra.append(make_finding(p.rule, p.message, policy, settings, path=fs.path, line=p.line,
                                  ident=(p.message,), cell=p.cell))
    for s in expired:
        extra.append(make_finding("TAG906", f"suppression of {', '.join(s.rules)} expired on {s.expires} "
                                            f"(reason: {s.reason}); it no longer applies", policy, settings,
                                  path=fs.path, line=s.line, ident=(",".join(s.rules), s.reason), cell=s.cell))
    for s in active:
        if id(s) not in used:
            extra.append(make_finding("TAG905", f"suppression of {', '.join(s.rules)} matches no finding; delete it",
                                      policy, settings, path=fs.path, line=s.line,
                                      ident=(",".join(s.rules), s.reason), cell=s.cell))
    return out + [f for f in extra if f is not None]


def run_scan(paths: list[Path], root: Path, policy: Policy, *, workers: int | None = None,
             cache_dir: Path | None = None, today: dt.date | None = None) -> Report:
    found = discover_files(paths, root)
    targets, exclusions = apply_policy(found, policy)
    notes = tuple(f"{s.rel}: not scanned: {s.reason}" for s in found.skipped
                  if policy.settings_for(s.rel).mode != "exclude")
    if cache_dir is not None:
        from auditor.scan.cache import prepare_cache_dir

        prepare_cache_dir(cache_dir)
    cache = str(cache_dir) if cache_dir is not None else None
    jobs = [ScanJob(t.rel, t.path, policy.max_file_bytes, cache, policy.digest) for t in targets]
    scans = sorted(_scan_repo(paths, root, jobs, cache_dir, workers), key=lambda fs: fs.path)
    calls: list[AuditedCall] = []
    findings: list[Finding] = []
    errors: list[FileError] = []
    for fs in scans:
        c, f = audit_file(fs, policy, today)
        calls += c
        findings += f
        if fs.error is not None:
            errors.append(FileError(fs.path, fs.error.kind, fs.error.message, fs.error.line))
    findings.sort(key=lambda f: (f.path, f.line, f.column, f.rule))
    return Report(str(root), len(targets), tuple(calls), tuple(findings), tuple(errors), policy.source,
                  tuple(t.rel for t in targets), notes, exclusions)
