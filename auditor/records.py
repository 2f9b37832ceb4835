"""Plain data the application derives from scans (verdicts, findings, reports): frozen, slotted, picklable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from scanners.records import CallSite, Grade, ScanErrorKind

TagState = Literal["present", "dynamic", "missing", "unverifiable"]
TagProblem = Literal["too_weak", "not_allowed"]  # below the minimum grade | a value the policy does not allow
CallStatus = Literal["tagged", "untagged", "unverifiable", "exempt"]
Severity = Literal["error", "warning", "info"]
SuppressionKind = Literal["inSource", "baseline"]  # a `# tagaudit: ignore[...]` comment | a baseline entry
ExclusionKind = Literal["directory", "policy", "gitignore"]  # never entered | a policy path rule | ignored by git
CALL_STATUSES: tuple[CallStatus, ...] = get_args(CallStatus)
SEVERITIES: tuple[Severity, ...] = get_args(Severity)


@dataclass(frozen=True, slots=True)
class TagStatus:
    """A required policy key at one call site, after aliases, scope map and grades."""

    key: str
    state: TagState
    grade: Grade | None = None
    value: str | None = None
    via: str | None = None
    problem: TagProblem | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Suppression:
    """An inline `ignore[...]` or a baseline entry that silences a finding."""

    kind: SuppressionKind
    justification: str
    line: int = 0
    owner: str | None = None
    expires: str | None = None


@dataclass(frozen=True, slots=True)
class AuditedCall:
    """A call site with its policy verdict."""

    site: CallSite
    status: CallStatus
    tags: tuple[TagStatus, ...]
    fingerprint: str


@dataclass(frozen=True, slots=True)
class FixEdit:
    """An exact insertion into the file on disk: `text` goes before (line, column), 1-based code points."""

    line: int
    column: int
    text: str


@dataclass(frozen=True, slots=True)
class FixSuggestion:
    """What `tagaudit fix` would write for a finding (`edit`), or what to add by hand (`hint`), and where."""

    kind: Literal["edit", "hint"]
    line: int  # the call's line, or its client's construction site for a client-level carrier
    argument: str  # `config={"labels": {"team": "search"}}`
    carrier: str  # `config.labels`
    keys: tuple[str, ...] = ()  # canonical keys it writes
    reason: str | None = None  # why no safe edit exists, or which keys stay without a value
    edit: FixEdit | None = None  # present only where the insertion is exact without reformatting

    def describe(self) -> str:
        verb = "`tagaudit fix` adds" if self.kind == "edit" else "add"
        text = f"{verb} `{self.argument}` on line {self.line}"
        return f"{text} ({self.reason})" if self.reason else text


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    name: str
    severity: Severity
    path: str
    line: int
    column: int
    message: str
    fingerprint: str
    end_line: int = 0
    end_column: int = 0
    scope: str = "<module>"
    operation: str | None = None
    cell: int | None = None
    statement_line: int = 0
    blocking: bool = False
    suppressed: Suppression | None = None
    owner: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())
    fix: FixSuggestion | None = None


@dataclass(frozen=True, slots=True)
class FileError:
    """A file that could not be scanned (also reported as a TAG901 finding)."""

    path: str
    kind: ScanErrorKind
    message: str
    line: int = 1


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Files an exclusion rule kept out of the scan: a directory tagaudit never enters, or a policy path rule."""

    rule: str  # "build/", "*.egg-info/", "virtualenv (pyvenv.cfg)", "paths[0]", or ".gitignore"
    kind: ExclusionKind
    files: int  # Python files and notebooks it kept out (a lower bound when `partial`)
    example: str  # one of them, relative to the root
    patterns: tuple[str, ...] = ()  # a policy rule's globs
    partial: bool = False  # counting stopped early (a huge directory outside git)


@dataclass(frozen=True, slots=True)
class Report:
    root: str
    files_scanned: int
    calls: tuple[AuditedCall, ...]
    findings: tuple[Finding, ...]
    errors: tuple[FileError, ...] = ()
    policy: str = "default"
    paths: tuple[str, ...] = ()  # every file scanned (relative to root)
    notes: tuple[str, ...] = ()  # how the run was scoped (diff base, baseline), for humans
    exclusions: tuple[Exclusion, ...] = ()  # per exclusion rule, the files it kept out of the scan
