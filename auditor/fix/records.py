"""What `tagaudit fix` decides and does: plain data, frozen, slotted, picklable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from scanners.records import Grade, Level

# fixed: an edit writes the tags; hinted: no safe edit, the hint says what to add where;
# left: nothing to write (no value in the policy, or no carrier strong enough).
Outcome = Literal["fixed", "hinted", "left"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
# How a carrier holds tags: a dict of key -> value, a list of "key:value" strings, one JSON string,
# or request headers (per gateway: one header per key, or one header holding JSON or a tag list).
Shape = Literal["mapping", "tag_list", "json_mapping", "headers"]


@dataclass(frozen=True, slots=True)
class Carrier:
    """One place a call (or its client's constructor) can carry tags, and what to write there."""

    arg: str
    path: tuple[str, ...]
    shape: Shape
    grade: Grade
    level: Level
    entries: tuple[tuple[str, str], ...]  # (key as written, value): `team`, `Helicone-Property-Team`, `x-...`

    @property
    def label(self) -> str:
        return ".".join((self.arg, *self.path))


@dataclass(frozen=True, slots=True)
class Target:
    """Where an edit goes: the call's (or constructor's) line and its closing position (1-based chars)."""

    line: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Proposal:
    """The fix for one call: carriers to try, strongest first, each with the entries it would add."""

    path: str
    line: int
    operation: str
    family: str
    target: Target
    carriers: tuple[Carrier, ...]
    keys: tuple[str, ...]  # canonical keys the carriers write
    unvalued: tuple[str, ...]  # required keys the policy gives no value for: never invented
    client: Target | None = None  # the client's constructor, when one client-level edit can serve
    client_carrier: Carrier | None = None
    note: str | None = None  # why there is nothing to write here, when it is not the grade


@dataclass(frozen=True, slots=True)
class FixHint:
    """What a finding's fix is: the exact argument to add (or the edit made) and the line it goes on."""

    outcome: Outcome
    line: int
    argument: str | None = None  # `config={"labels": {"team": "search"}}`
    carrier: str | None = None  # `config.labels`
    reason: str | None = None  # why no edit, or what stays missing
    keys: tuple[str, ...] = ()  # canonical keys the fix writes (or would write)

    def describe(self) -> str:
        what = f"add `{self.argument}` on line {self.line}" if self.argument else ""
        if self.outcome == "fixed":
            text = f"`tagaudit fix` writes `{self.argument}` on line {self.line}"
        else:
            text = what
        if self.reason:
            text = f"{text} ({self.reason})" if text else self.reason
        return text


@dataclass(frozen=True, slots=True)
class CallFix:
    """The outcome for one flagged call."""

    path: str
    line: int
    operation: str
    family: str
    hint: FixHint


@dataclass(frozen=True, slots=True)
class FileResult:
    """One file's fix: its new text (None when nothing changed), each call's outcome, or why it failed."""

    path: str
    new_text: str | None
    calls: tuple[CallFix, ...]
    error: str | None = None
