"""Plain data passed between pipeline stages: frozen, slotted, picklable and comparable."""

from __future__ import annotations

from dataclasses import dataclass, field

# Where an allocation tag lands, strongest first (sdk-tagging.md §1, §9.1). TRACE never counts.
GRADES = ("BILL", "SCOPE", "GW", "LOG", "OBJ", "TRACE")
GRADE_RANK = {grade: len(GRADES) - i for i, grade in enumerate(GRADES)}
GRADE_RANK["TRACE"] = 0

SEVERITIES = ("error", "warning", "info")
TAG_STATES = ("present", "dynamic", "missing", "unverifiable")
CALL_STATUSES = ("tagged", "untagged", "unverifiable", "exempt")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One thing in code that may carry an allocation tag, before the policy interprets it.

    `key` is the tag key as written (a mapping key, a gateway header suffix, a tag-list prefix);
    scope evidence has no key but a `scope_kind`/`scope_id` (or `env`) that the policy's scope
    map turns into tags; `state="unverifiable"` evidence stands for a whole mapping that is dynamic.
    """

    via: str
    grade: str
    key: str | None = None
    value: str | None = None
    state: str = "present"
    scope_kind: str | None = None
    scope_id: str | None = None
    env: str | None = None
    level: str = "call"
    mode: str | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    """An SDK misuse the scanner saw at a call site (a rule id from the rules module)."""

    rule: str
    message: str


@dataclass(frozen=True, slots=True)
class CallSite:
    """A cost-incurring AI SDK call (or a reference to one handed to a wrapper)."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    provider: str
    sdk: str
    operation: str
    model: str | None
    scope: str
    occurrence: int
    statement_line: int
    evidence: tuple[Evidence, ...] = ()
    issues: tuple[Issue, ...] = ()
    endpoint: str | None = None
    mode: str | None = None
    kind: str = "call"
    cell: int | None = None
    client_line: int | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    """A `# tagaudit:` comment: a suppression (`ignore[...]`) or a tag annotation."""

    line: int
    text: str
    standalone: bool
    cell: int | None = None
    anchor: int | None = None  # standalone comments: the next line of code below them


@dataclass(frozen=True, slots=True)
class ScanError:
    """Why a candidate file produced no call sites: it could not be read, decoded or parsed."""

    kind: str
    message: str
    line: int = 1
    column: int = 1
    cell: int | None = None


@dataclass(frozen=True, slots=True)
class FileScan:
    """Everything the scanner learned from one file; the unit of caching."""

    path: str
    call_sites: tuple[CallSite, ...] = ()
    comments: tuple[Comment, ...] = ()
    error: ScanError | None = None


@dataclass(frozen=True, slots=True)
class TagStatus:
    """A required policy key at one call site, after aliases, scope map and grades."""

    key: str
    state: str
    grade: str | None = None
    value: str | None = None
    via: str | None = None
    problem: str | None = None  # "too_weak" (below the minimum grade) | "not_allowed" (value)
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Suppression:
    """An inline `ignore[...]` (or, later, a baseline entry) that silences a finding."""

    kind: str
    justification: str
    line: int = 0
    owner: str | None = None
    expires: str | None = None


@dataclass(frozen=True, slots=True)
class AuditedCall:
    """A call site with its policy verdict."""

    site: CallSite
    status: str
    tags: tuple[TagStatus, ...]
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    name: str
    severity: str
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


@dataclass(frozen=True, slots=True)
class FileError:
    """A file that could not be scanned (also reported as a TAG901 finding)."""

    path: str
    kind: str
    message: str
    line: int = 1


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
