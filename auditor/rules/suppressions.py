"""Inline suppressions: each must say why, name real rules, be allowed, still match, and not be expired."""

from __future__ import annotations

import functools

from auditor.rules.rule import Example, governance_rule

_TAGGED = """
from openai import OpenAI
TAGS = {"Helicone-Property-Team": "payments", "Helicone-Property-Cost-Center": "cc-102",
        "Helicone-Property-Use-Case": "eval", "Helicone-Property-Environment": "production"}
client = OpenAI(base_url="https://oai.helicone.ai/v1")
"""
_UNTAGGED = """
from openai import OpenAI
client = OpenAI()
"""
# Inline suppressions of TAG001 are reviewed in the baseline only.
_FORBID = """
version: 1
keys: {team: {}, cost_center: {}, use_case: {}, environment: {}}
suppressions:
  forbid: [TAG001]
"""


_rule = functools.partial(governance_rule, "suppression")


TAG902 = _rule(
    "TAG902", "suppression-without-reason", "error", "An inline suppression gives no reason", "invalid",
    what="""
        Reports `# tagaudit: ignore[...]` comments without a `reason="..."`. Such a comment suppresses
        nothing.
        """,
    why="""
        Auditors ask why each untagged call is acceptable. A suppression without a reason is debt nobody
        can review.
        """,
    example=Example(_UNTAGGED + """
# docs: begin
client.embeddings.create(model=m, input=x)  # tagaudit: ignore[TAG001]
"""),
    use_instead=Example(_UNTAGGED + """
# docs: begin
client.embeddings.create(model=m, input=x)  # tagaudit: ignore[TAG001] reason="offline eval, billed to platform"
"""),
)

TAG903 = _rule(
    "TAG903", "suppression-unknown-rule", "error", "An inline suppression names a rule that does not exist",
    "invalid",
    what="Reports suppressions whose `ignore[...]` list names an unknown rule id, or that cannot be parsed.",
    why="A typo must not widen into a blanket suppression (a Bandit pitfall) nor silently do nothing.",
    example=Example(_UNTAGGED + """
# docs: begin
# tagaudit: ignore[TAG01] reason="typo"
# docs: end
client.embeddings.create(model=m, input=x)
"""),
    use_instead=Example(_UNTAGGED + """
# docs: begin
# tagaudit: ignore[TAG001] reason="batch job billed to the platform team"
# docs: end
client.embeddings.create(model=m, input=x)
"""),
)

TAG904 = _rule(
    "TAG904", "suppression-forbidden", "error", "An inline suppression silences a rule the policy forbids silencing",
    "invalid",
    what="""
        Reports inline suppressions of a rule listed in the policy's `suppressions.forbid`. The finding
        stays unsuppressed.
        """,
    why="""
        Some organisations allow exceptions only through the reviewed baseline, never by a comment the
        author writes in the same change.
        """,
    example=Example(_UNTAGGED + """
# docs: begin
# tagaudit: ignore[TAG001] reason="later"
# docs: end
client.embeddings.create(model=m, input=x)
""", policy=_FORBID),
    use_instead=Example(_TAGGED + """
client.embeddings.create(model=m, input=x, extra_headers=TAGS)
""", policy=_FORBID, prose="Tag the call, or record the exception in the baseline with an owner and an expiry."),
)

TAG905 = _rule(
    "TAG905", "unused-suppression", "warning", "An inline suppression no longer silences anything", "unused",
    what="""
        Reports `# tagaudit: ignore[...]` comments that matched no finding in this run: the call was
        tagged, moved away, or the rule no longer fires there.
        """,
    why="""
        Stale suppressions pile up, hide the next regression on the same line, and make the suppression
        inventory an auditor reviews longer than the real debt.
        """,
    example=Example(_TAGGED + """
# docs: begin
client.embeddings.create(model=m, input=x, extra_headers=TAGS)  # tagaudit: ignore[TAG001] reason="old"
"""),
    use_instead=Example(_TAGGED + """
client.embeddings.create(model=m, input=x, extra_headers=TAGS)
""", prose="Delete the comment."),
)

TAG906 = _rule(
    "TAG906", "suppression-expired", "error", "An inline suppression is past its `expires` date", "expired",
    what="""
        Reports inline suppressions whose `expires=YYYY-MM-DD` has passed. An expired suppression
        silences nothing, so the finding it covered is reported again.
        """,
    why="Exceptions were granted until a date. Past it, the untagged spend is unapproved again.",
    example=Example(_UNTAGGED + """
# docs: begin
# tagaudit: ignore[TAG001] reason="migration" expires=2025-01-31
# docs: end
client.embeddings.create(model=m, input=x)
"""),
    use_instead=Example(_UNTAGGED + """
# tagaudit: ignore[TAG001] reason="migration, agreed with @finops" expires=2099-12-31
client.embeddings.create(model=m, input=x)
""", prose="Tag the call, or renew the exception with a new date and a reviewer's agreement."),
)
