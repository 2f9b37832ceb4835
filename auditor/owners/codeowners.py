"""CODEOWNERS in GitHub and GitLab syntax: find the file, parse it strictly, say who owns a path."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from scanners.errors import TagauditError
from scanners.files import read_regular

# GitHub reads the first of .github/, the root and docs/; GitLab the first of the root, docs/ and .gitlab/.
LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")

# @user, @org/team, GitLab @group/sub/group and @@role, or an email address.
_OWNER = re.compile(r"^(?:@@?[A-Za-z0-9_][\w.\-]*(?:/[\w.\-]+)*|[^@\s]+@[^@\s]+\.[^@\s]+)$")
_SECTION = re.compile(r"^(\^)?\[([^\]]*)\](?:\[(\d+)\])?(?:\s+(.*))?$")


class CodeOwnersError(TagauditError):
    """Invalid CODEOWNERS lines, every one of them; the CLI maps it to exit code 2 like a bad policy."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True, slots=True)
class OwnerRule:
    pattern: str
    owners: tuple[str, ...]
    line: int
    regex: re.Pattern[str]
    section: str = ""  # "" is the unnamed section before any GitLab [Section] header
    optional: bool = False
    exclude: bool = False  # GitLab `!pattern`: no owner from this section


@dataclass(frozen=True, slots=True)
class CodeOwners:
    source: str | None  # repo-relative path of the CODEOWNERS file in use, None when there is none
    rules: tuple[OwnerRule, ...] = ()
    problems: tuple[str, ...] = ()  # invalid lines that were skipped (only with strict=False)
    _memo: dict[str, tuple[OwnerRule, ...]] = field(default_factory=dict, compare=False, repr=False)

    def owner_of(self, path: str) -> str | None:
        """Owners of a repo-relative POSIX path as one string (`@org/team alice@example.com`), or None."""
        owners = [o for rule in self.rules_for(path) for o in rule.owners]
        return " ".join(dict.fromkeys(owners)) or None

    def rules_for(self, path: str) -> tuple[OwnerRule, ...]:
        """The deciding rule of each section, required sections before optional ones.

        Within a section the last matching line wins (GitHub and GitLab agree); a line without owners
        therefore leaves the path unowned. GitLab sections are independent, so a path can have owners
        from several; optional (`^[...]`) sections count only when no required section owns the path.
        """
        if path not in self._memo:
            last: dict[str, OwnerRule] = {}
            excluded: set[str] = set()
            for rule in self.rules:
                if rule.regex.match(path):
                    if rule.exclude:
                        excluded.add(rule.section)
                    else:
                        last[rule.section] = rule
            chosen = [r for s, r in last.items() if s not in excluded and r.owners]
            required = tuple(r for r in chosen if not r.optional)
            self._memo[path] = required or tuple(r for r in chosen if r.optional)
        return self._memo[path]


_MAX_BYTES = 3 * 1024 * 1024  # GitHub ignores a CODEOWNERS file over 3 MB


def load_codeowners(root: Path, *, strict: bool = True) -> CodeOwners:
    """The first CODEOWNERS file found under `root` (the repository top level), parsed.

    Invalid lines raise CodeOwnersError listing each as `<file>:<line>: <what>; <how to fix>` (exit 2):
    a half-read CODEOWNERS would attribute findings to the wrong team without anyone noticing. With
    `strict=False` they are skipped and returned in `problems` for the caller to print as warnings.
    """
    for rel in LOCATIONS:
        path = root / rel
        if path.is_file():
            try:  # the repository's own file: a link out of it would let it name any owner it likes
                raw = read_regular(path, _MAX_BYTES, root=root)
            except OSError as exc:
                problem = f"{rel}: cannot use it: {exc.strerror or exc}; make it a regular file in the repository"
                if strict:
                    raise CodeOwnersError([problem]) from exc
                return CodeOwners(None, problems=(problem,))
            owners = parse_codeowners(raw[:_MAX_BYTES].decode("utf-8", errors="replace"), rel)
            if owners.problems and strict:
                raise CodeOwnersError(list(owners.problems))
            return owners
    return CodeOwners(None)


def parse_codeowners(text: str, source: str = "CODEOWNERS") -> CodeOwners:
    rules: list[OwnerRule] = []
    defaults: tuple[str, ...]
    section_defaults: dict[str, tuple[str, ...]] = {}
    problems: list[str] = []
    section, optional, defaults = "", False, ()
    for number, raw in enumerate(text.splitlines(), start=1):
        tokens = _tokens(raw)
        if not tokens:
            continue
        where = f"{source}:{number}"
        if tokens[0].startswith(("[", "^[")):
            header = _section(raw.strip(), where, problems)
            if header is None:
                continue
            section, optional, declared = header
            # Same-name sections are combined, so a repeat without default owners keeps the earlier ones.
            defaults = section_defaults[section] = declared or section_defaults.get(section, ())
            continue
        pattern, owners = tokens[0], tuple(tokens[1:])
        exclude = pattern.startswith("!")
        problem = _check_line(pattern[1:] if exclude else pattern, owners, exclude, where)
        if problem:
            problems.append(problem)
            continue
        try:
            regex = pattern_regex(pattern[1:] if exclude else pattern)
        except ValueError as e:  # pathspec's GitIgnorePatternError is one
            problems.append(f"{where}: invalid pattern {pattern!r} ({e}); use *, ** and ? as in .gitignore")
            continue
        # In a GitLab section a line without owners takes the section's default owners; in the unnamed
        # section (all of a GitHub file) it means "no owner".
        owners = () if exclude else owners or defaults
        rules.append(OwnerRule(pattern, owners, number, regex, section, optional, exclude))
    return CodeOwners(source, tuple(rules), tuple(problems))


def _tokens(line: str) -> list[str]:
    """Whitespace-separated fields; `\\ ` and `\\#` escape, and `#` at a field start begins a comment."""
    fields = re.findall(r"(?:\\.|[^\s\\])+", line)
    for i, f in enumerate(fields):
        if f.startswith("#"):
            return fields[:i]
    return fields


def _section(line: str, where: str, problems: list[str]) -> tuple[str, bool, tuple[str, ...]] | None:
    m = _SECTION.match(line)
    if m is None:
        problems.append(
            f"{where}: malformed section header {line!r} (unbalanced '[' or ']'); write "
            "[Section name] or ^[Optional section], optionally [Name][2], then any default owners"
        )
        return None
    name = m.group(2).strip()
    defaults = tuple((m.group(4) or "").split("#", 1)[0].split())
    if not name:
        problems.append(f"{where}: section header has an empty name; write [Section name]")
        return None
    bad = [o for o in defaults if not _OWNER.match(o)]
    if bad:
        problems.append(
            f"{where}: default owner {bad[0]!r} of section [{name}] is not @user, @org/team or an "
            f"email; write it as @{bad[0].lstrip('@')} or user@example.com"
        )
        return None
    # GitLab section names are case-insensitive and sections with the same name are combined.
    return name.lower(), m.group(1) == "^", defaults


def _check_line(pattern: str, owners: tuple[str, ...], exclude: bool, where: str) -> str | None:
    if not pattern or "***" in pattern:
        return f"{where}: invalid pattern {pattern!r}; use *, ** and ? as in .gitignore"
    if exclude and owners:
        return f"{where}: exclusion !{pattern} lists owners; an exclusion only removes owners, drop them"
    for owner in owners:
        if not _OWNER.match(owner):
            return (
                f"{where}: owner {owner!r} is not @user, @org/team or an email; write it as "
                f"@{owner.lstrip('@')} or user@example.com"
            )
    return None


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A CODEOWNERS pattern as a regex over repo-relative paths: pathspec's gitignore translation.

    GitHub documents CODEOWNERS as gitignore rules with exceptions, and pathspec already implements the
    rules (a leading or inner `/` anchors at the root, otherwise a name matches at any depth; a trailing
    `/` means everything below; `*` stays within a segment and `**` spans segments; `\\` escapes, so
    `\\#` and `\\ ` are literal; a pattern naming a directory owns everything below it). The exceptions
    are handled here, not by a second translator: `[` and `]` are literal (CODEOWNERS has no character
    ranges), `!` never reaches this function (GitLab exclusions are stripped by the parser; GitHub has
    none), and a final lone `*` after a `/` matches files only (`docs/*` owns `docs/a.md`, not
    `docs/sub/b.md`), where gitignore would also match the directory `docs/sub`.
    """
    import pathspec

    compiled = pathspec.GitIgnoreSpec.from_lines([_literal_brackets(pattern)]).patterns[0]
    if compiled.include is None or not isinstance(compiled.regex, re.Pattern):
        raise ValueError(f"pattern {pattern!r} matches nothing")
    if pattern.endswith("/*"):
        # The file-only reading of the final `*`: pathspec's regex (1.x: `...(?:/|$)`) must match the whole
        # path, not a prefix ending in a directory separator.
        return re.compile(f"(?:{compiled.regex.pattern})\\Z")
    return compiled.regex


def _literal_brackets(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(pattern[i:i + 2])
            i += 2
            continue
        out.append("\\" + pattern[i] if pattern[i] in "[]" else pattern[i])
        i += 1
    return "".join(out)
