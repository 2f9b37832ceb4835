"""What the scanners produce: plain data, frozen, slotted, picklable and comparable; imports only typing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

# Where an allocation tag lands, strongest first (sdk-tagging.md §1, §9.1). TRACE never counts.
Grade = Literal["BILL", "SCOPE", "GW", "LOG", "OBJ", "TRACE"]
# present: a literal value; dynamic: a computed value; unverifiable: a whole mapping that is dynamic;
# implicit: a scope the SDK reads from the environment when the argument is not passed.
EvidenceState = Literal["present", "dynamic", "unverifiable", "implicit"]
Level = Literal["call", "client", "annotation"]  # where the evidence was written
SiteKind = Literal["call", "reference", "construction"]
ScanErrorKind = Literal["read", "decode", "syntax", "notebook", "size", "internal"]

GRADES: tuple[Grade, ...] = get_args(Grade)
GRADE_RANK: dict[Grade, int] = {grade: len(GRADES) - i for i, grade in enumerate(GRADES)}
GRADE_RANK["TRACE"] = 0


@dataclass(frozen=True, slots=True)
class Evidence:
    """One thing in code that may carry an allocation tag, before the policy interprets it.

    `key` is the tag key as written (a mapping key, a gateway header suffix, a tag-list prefix);
    scope evidence has no key but a `scope_kind`/`scope_id` (or `env`) that the policy's scope
    map turns into tags; `state="unverifiable"` evidence stands for a whole mapping that is dynamic.
    """

    via: str
    grade: Grade
    key: str | None = None
    value: str | None = None
    state: EvidenceState = "present"
    scope_kind: str | None = None
    scope_id: str | None = None
    env: str | None = None
    level: Level = "call"
    mode: str | None = None  # a client mode the catalog names (vertex, bedrock, ...): open-ended


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
    mode: str | None = None  # the catalog's client mode, or `unknown:ENV` when an environment variable picks it
    kind: SiteKind = "call"
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

    kind: ScanErrorKind
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
