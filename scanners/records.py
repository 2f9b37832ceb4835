"""What the scanners produce: plain data, frozen, slotted, picklable and comparable; imports nothing."""

from __future__ import annotations

from dataclasses import dataclass

# Where an allocation tag lands, strongest first (sdk-tagging.md §1, §9.1). TRACE never counts.
GRADES = ("BILL", "SCOPE", "GW", "LOG", "OBJ", "TRACE")
GRADE_RANK = {grade: len(GRADES) - i for i, grade in enumerate(GRADES)}
GRADE_RANK["TRACE"] = 0


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
    """An SDK misuse the scanner saw at a call site, named by the catalog check that saw it."""

    check: str
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
