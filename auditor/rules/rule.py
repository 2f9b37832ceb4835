"""The Rule record: everything about one rule, declared in one place, and what the engine reads from it."""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from auditor.records import AuditedCall, Severity

# A check yields a message, or (identity part, message) when one call can have several findings of it.
Messages = Iterator[str | tuple[str, str]]
CallCheck = Callable[[AuditedCall], Messages]

# What the engine and the reporters need to know about a rule, instead of its id:
#   tag          per call, from the graded tags            sdk          per call, from a scanner detector
#   unverifiable per call; the policy's `unverifiable:` setting decides its severity
#   file-error   a file that could not be scanned          suppression  about an inline suppression
#   baseline     about a baseline entry
Category = Literal["tag", "unverifiable", "sdk", "file-error", "suppression", "baseline"]
_FAMILY = {"tag": "tag-coverage", "unverifiable": "tag-coverage", "sdk": "sdk-misuse"}

DOCS_BEGIN = "# docs: begin"
DOCS_END = "# docs: end"


@dataclass(frozen=True, slots=True)
class Example:
    """A whole file run through the engine. The docs show the lines between `# docs: begin` and
    `# docs: end` (all of it without markers) as a code block, or `prose` instead when it is set."""

    source: str
    policy: str | None = None  # policy YAML; the default policy when None
    baseline: str | None = None  # .tagaudit-baseline.json contents
    prose: str | None = None

    def shown(self) -> str:
        if self.prose is not None:
            return self.prose
        lines = self.file().splitlines()
        marks = [line.strip() for line in lines]
        if DOCS_BEGIN in marks:
            lines, marks = lines[marks.index(DOCS_BEGIN) + 1:], marks[marks.index(DOCS_BEGIN) + 1:]
        if DOCS_END in marks:
            lines = lines[:marks.index(DOCS_END)]
        return "```python\n" + textwrap.dedent("\n".join(lines)).strip("\n") + "\n```"

    def file(self) -> str:
        """The source as written to disk (the docs markers are comments, so they stay)."""
        return textwrap.dedent(self.source).strip("\n") + "\n"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str  # kebab-case, states the bad thing
    severity: Severity  # default severity: error | warning
    summary: str  # the one-line message shown in indexes and SARIF shortDescription
    what: str  # docs: "What it does"
    why: str  # docs: "Why is this bad?"
    example: Example  # fires the rule; docs: "Example"
    use_instead: Example  # does not fire it; docs: "Use instead"
    category: Category
    check: CallCheck | None = None  # per-call rules; the others are raised where their facts are
    suppressible: bool = True  # an inline `# tagaudit: ignore[...]` may silence it
    fail_closed: bool = False  # keeps its severity in showback mode (never downgraded to a warning)
    precision: str = "high"  # SARIF `precision`: how often a finding is real
    detectors: tuple[str, ...] = ()  # sdk rules: the catalog checks (scanners/python/checks.py) it reports
    marks: str | None = None  # suppression/baseline rules: the status it gives the entry it points at

    @property
    def family(self) -> str:
        return _FAMILY.get(self.category, "tooling")

    @property
    def doc(self) -> str:
        """The ruff-style Markdown doc: What it does / Why is this bad? / Example / Use instead."""
        return (f"## What it does\n{inspect.cleandoc(self.what)}\n\n"
                f"## Why is this bad?\n{inspect.cleandoc(self.why)}\n\n"
                f"## Example\n{self.example.shown()}\n\n"
                f"## Use instead\n{self.use_instead.shown()}")


def detected(*checks: str) -> CallCheck:
    """The check of an sdk rule: the messages its scanner detectors left on the call site."""
    def check(call: AuditedCall) -> Messages:
        found = [i.message for i in call.site.issues if i.check in checks]
        for n, message in enumerate(found):
            yield (str(n), message) if len(found) > 1 else message
    return check


def what_call(call: AuditedCall) -> str:
    return f"{call.site.operation} ({call.site.provider})"


def governance_rule(category: Literal["suppression", "baseline"], rule_id: str, name: str, severity: Severity,
                    summary: str, marks: str, *, what: str, why: str, example: Example, use_instead: Example) -> Rule:
    """A rule about an exception someone recorded (an inline suppression, a baseline entry): it cannot itself
    be suppressed, keeps its severity in showback mode, and `marks` is the status it gives the entry."""
    return Rule(rule_id, name, severity, summary, category=category, suppressible=False, fail_closed=True,
                precision="very-high", marks=marks, what=what, why=why, example=example, use_instead=use_instead)
