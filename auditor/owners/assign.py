"""Owner attribution: CODEOWNERS first, else the author of the finding's line from git blame."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from auditor.owners.blame import (
    UNCOMMITTED,
    BlameCache,
    Runner,
    blame_lines,
    cached_lines,
    head_blobs,
    last_author,
    run_git,
)
from auditor.owners.codeowners import CodeOwners, load_codeowners
from auditor.records import Finding, Report

OWNER_SOURCE = "owner_source"  # key in Finding.extra saying where the owner came from


def repo_root_of(path: Path, *, runner: Runner = run_git, cache: BlameCache | None = None) -> Path:
    """The git top level containing `path` (where CODEOWNERS lives), or `path` itself outside git. With a
    cache, a top level found before is reused without starting git (a warm one-file scan loads no GitPython)."""
    known = cache.toplevel(path) if cache is not None else None
    if known is not None:
        return known
    code, out = runner(["rev-parse", "--show-toplevel"], path)
    top = os.fsdecode(out[:-1] if out.endswith(b"\n") else out)  # a directory name may end in a space
    if code != 0 or not top:
        return path
    if cache is not None:
        cache.put_toplevel(path, Path(top))
    return Path(top)


def assign_owners(
    report: Report,
    repo_root: Path,
    *,
    codeowners: CodeOwners | None = None,
    blame: bool = True,
    cache: BlameCache | None = None,
    runner: Runner = run_git,
    strict: bool = True,
) -> Report:
    """A new Report whose findings carry `owner` and, in `extra`, `owner_source`.

    The owner is the CODEOWNERS owners of the file (space-separated, as written there), else the git
    author of the finding's line (`@login` for GitHub noreply addresses, else the email), else None:
    files outside git, untracked files and lines not yet committed (`owner_source=uncommitted`) have no
    owner and never fail the run. An invalid CODEOWNERS raises CodeOwnersError (exit 2) unless
    `strict=False`. Findings that already name an owner keep it.
    """
    owners = codeowners if codeowners is not None else load_codeowners(repo_root, strict=strict)
    prefix = _prefix(report.root, repo_root)
    found: dict[int, tuple[str | None, str]] = {}
    pending: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(report.findings):
        if f.owner is not None:
            continue
        path = prefix + f.path
        owner = owners.owner_of(path)
        if owner is not None:
            lines = ",".join(str(rule.line) for rule in owners.rules_for(path))
            found[i] = (owner, f"codeowners:{owners.source}:{lines}")
        elif blame:
            pending[path].append(i)
    if pending:
        found.update(_from_git(report.findings, pending, repo_root, cache or BlameCache(), runner))
    findings = tuple(_with_owner(f, *found[i]) if i in found else f for i, f in enumerate(report.findings))
    return replace(report, findings=findings)


def _from_git(
    findings: tuple[Finding, ...],
    pending: dict[str, list[int]],
    root: Path,
    cache: BlameCache,
    runner: Runner,
) -> dict[int, tuple[str | None, str]]:
    """One git process per file at most: blame of the findings' lines, or the last author for notebooks.

    Files are blamed concurrently: each is a separate git process, so threads overlap their waits (a
    full scan of a repository without CODEOWNERS blames hundreds of files on a cold cache).
    """
    # Blob ids at HEAD only for the files the cache cannot answer: a warm run starts no git at all.
    heads = head_blobs(root, [p for p, indexes in pending.items() if not p.endswith(".ipynb")
                              and not cached_lines(root, p, (findings[i].line for i in indexes), cache)],
                       runner=runner)

    def one(item: tuple[str, list[int]]) -> dict[int, tuple[str | None, str]]:
        path, indexes = item
        if path.endswith(".ipynb"):  # finding lines are cell lines (even TAG901's), not lines of the JSON
            who = last_author(root, path, cache=cache, runner=runner)
            return {i: (who, "git-log") for i in indexes if who is not None}
        authors = blame_lines(root, path, (findings[i].line for i in indexes), cache=cache, runner=runner,
                              head_blob=heads.get(path))
        result: dict[int, tuple[str | None, str]] = {}
        for i in indexes:
            who = authors.get(findings[i].line)
            if who == UNCOMMITTED:
                result[i] = (None, "uncommitted")
            elif who is not None:
                result[i] = (who, "git-blame")
        return result

    items = sorted(pending.items())
    out: dict[int, tuple[str | None, str]] = {}
    if len(items) <= 2:
        for item in items:
            out.update(one(item))
    else:
        from concurrent.futures import (
            ThreadPoolExecutor,  # blame only: a hook run that shows no owner skips it
        )

        with ThreadPoolExecutor(max_workers=min(8, 2 * (os.cpu_count() or 1), len(items))) as pool:
            for part in pool.map(one, items):
                out.update(part)
    cache.save()
    return out


def _with_owner(f: Finding, owner: str | None, source: str) -> Finding:
    extra = tuple((k, v) for k, v in f.extra if k != OWNER_SOURCE) + ((OWNER_SOURCE, source),)
    return replace(f, owner=owner, extra=extra)


def _prefix(report_root: str, repo_root: Path) -> str:
    """Report paths are relative to the scan root; CODEOWNERS and git want them relative to the repo."""
    try:
        rel = Path(report_root).resolve().relative_to(repo_root.resolve())
    except (ValueError, OSError):
        return ""
    return "" if rel == Path() else rel.as_posix() + "/"
