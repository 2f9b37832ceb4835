"""Baseline entries: recorded debt must still match a finding and be within its expiry."""

from __future__ import annotations

import functools

from auditor.rules.rule import Example, governance_rule

_UNTAGGED = """
from openai import OpenAI
OpenAI().chat.completions.create(model="gpt-4o", messages=m)
"""
_TAGGED = """
from openai import OpenAI
OpenAI(base_url="https://oai.helicone.ai/v1").chat.completions.create(model="gpt-4o", messages=m, extra_headers={
    "Helicone-Property-Team": "payments", "Helicone-Property-Cost-Center": "cc-102",
    "Helicone-Property-Use-Case": "support", "Helicone-Property-Environment": "production"})
"""
# The fingerprint is the TAG001 finding's identity for the call in _UNTAGGED (example.py, <module>, occurrence 0).
_ENTRY = ('{"path": "example.py", "scope": "<module>", "operation": "chat.completions.create", "rule": "TAG001", '
          '"fingerprint": "db20a838ab8668b2c994", "reason": "migration", "owner": "@ml-platform", '
          '"expires": "%s"}')


def _baseline(*entries: str) -> str:
    return '{"version": 1, "entries": [\n' + ",\n".join(entries) + "\n]}\n"


_rule = functools.partial(governance_rule, "baseline")


TAG907 = _rule(
    "TAG907", "baseline-entry-unused", "warning", "A baseline entry matches no finding any more", "unused",
    what="""
        Reports baseline entries for scanned files that match no current finding: the debt was paid or
        the code is gone.
        """,
    why="A stale entry would silently re-suppress a new finding that happens to get the same identity.",
    example=Example(_TAGGED, baseline=_baseline(_ENTRY % "2099-12-31"),
                    prose="An entry for a call that has since been tagged."),
    use_instead=Example(_TAGGED, baseline=_baseline(),
                        prose="Run `tagaudit baseline update --prune-only` and commit the smaller baseline."),
)

TAG908 = _rule(
    "TAG908", "baseline-entry-expired", "error", "A baseline entry is past its expiry date", "expired",
    what="""
        Reports baseline entries whose `expires` date has passed. The finding they recorded is no longer
        suppressed and blocks again.
        """,
    why="Recorded debt had a deadline and an owner; the deadline passed.",
    example=Example(_UNTAGGED, baseline=_baseline(_ENTRY % "2025-06-30"),
                    prose='`{"path": "app/llm.py", ..., "owner": "@ml-platform", "expires": "2025-06-30"}`'),
    use_instead=Example(_UNTAGGED, baseline=_baseline(_ENTRY % "2099-12-31"),
                        prose="Tag the call, or agree a new date with the owner and edit `expires` in the baseline."),
)
