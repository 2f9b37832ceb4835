"""Tag coverage: is every required allocation tag set, readable, allowed, and where billing sees it?"""

from __future__ import annotations

from auditor.records import AuditedCall, TagState
from auditor.rules.rule import Example, Messages, Rule, what_call

# A policy whose keys have value rules, and a scope map for the `proj_payments` project.
_POLICY = """
version: 1
keys:
  team: {allowed: [payments, search]}
  cost_center: {pattern: "^cc-[0-9]{3}$"}
  use_case: {}
  environment: {allowed: [production, staging]}
scope_map:
  - kind: openai_project
    id: proj_payments
    tags: {team: payments, cost_center: cc-102, use_case: support, environment: production}
"""


def _keys(call: AuditedCall, state: TagState) -> list[str]:
    return [t.key for t in call.tags if t.state == state]


def missing_required_tag(call: AuditedCall) -> Messages:
    missing = _keys(call, "missing")
    if missing:
        traced = sorted({e.via for e in call.site.evidence if e.grade == "TRACE"})
        hint = f" ({', '.join(traced)} never reach{'es' if len(traced) == 1 else ''} billing)" if traced else ""
        yield f"{what_call(call)} has no {', '.join(missing)} tag{'s' if len(missing) > 1 else ''}{hint}"


TAG001 = Rule(
    "TAG001", "missing-required-tag", "error", "A cost-incurring AI call lacks a required allocation tag",
    what="""
        Reports a cost-incurring AI SDK call (chat, embeddings, images, audio, batches ...) for which no
        carrier in code sets one of the policy's required keys: not the call's own arguments, not the
        client it goes through, not the policy's scope map, not an annotation.
        """,
    why="""
        The provider bills the call, and nothing tells finance which team, cost centre, use case or
        environment it belongs to. Its cost lands in an untagged pool that nobody owns, which blocks
        showback and chargeback.
        """,
    example=Example("""
        from openai import OpenAI
        # docs: begin
        client = OpenAI()
        client.chat.completions.create(model="gpt-4o", messages=msgs)
        """),
    use_instead=Example("""
        from openai import OpenAI
        HELICONE = "https://oai.helicone.ai/v1"
        # docs: begin
        client = OpenAI(project="proj_payments")  # mapped to tags in the policy's scope_map
        # or, through a gateway:
        client = OpenAI(base_url=HELICONE, default_headers={
            "Helicone-Property-Team": "payments", "Helicone-Property-Cost-Center": "cc-102",
            "Helicone-Property-Use-Case": "support", "Helicone-Property-Environment": "production"})
        # docs: end
        client.chat.completions.create(model="gpt-4o", messages=msgs)
        """, policy=_POLICY),
    category="tag", check=missing_required_tag,
)


def tag_value_not_allowed(call: AuditedCall) -> Messages:
    for tag in call.tags:
        if tag.problem == "not_allowed":
            yield tag.key, f"{tag.key}={tag.value!r} at {what_call(call)} is not allowed ({tag.detail}; set by {tag.via})"


TAG002 = Rule(
    "TAG002", "tag-value-not-allowed", "error", "A tag's literal value is not one the policy allows",
    what="""
        Reports a tag whose literal value is not in the key's `allowed` list or does not match its
        `pattern` in the policy.
        """,
    why="""
        A misspelt team or an unknown cost centre allocates the spend to nobody: the billing export
        groups by the exact string, so `Payments`, `payment` and `payments` are three different owners.
        """,
    example=Example("""
        from openai import OpenAI
        client = OpenAI(base_url="https://oai.helicone.ai/v1")
        client.chat.completions.create(model="gpt-4o", messages=msgs,
            # docs: begin
            extra_headers={"Helicone-Property-Environment": "prd"}
            # docs: end
        )
        """, policy=_POLICY),
    use_instead=Example("""
        from openai import OpenAI
        client = OpenAI(base_url="https://oai.helicone.ai/v1")
        client.chat.completions.create(model="gpt-4o", messages=msgs,
            # docs: begin
            extra_headers={"Helicone-Property-Environment": "production"}
            # docs: end
        )
        """, policy=_POLICY),
    category="tag", check=tag_value_not_allowed,
)


def tags_unverifiable(call: AuditedCall) -> Messages:
    keys = _keys(call, "unverifiable")
    if keys:
        vias = sorted({t.via for t in call.tags if t.state == "unverifiable" and t.via})
        yield f"{what_call(call)}: {', '.join(keys)} cannot be verified ({'; '.join(vias)})"


TAG003 = Rule(
    "TAG003", "tags-unverifiable", "warning", "Allocation tags are passed in a form that cannot be read statically",
    what="""
        Reports a call whose tags come from a mapping tagaudit cannot read: `**kwargs`, a header dict
        built elsewhere, a client passed in as a parameter, an environment variable the policy does not
        declare. The key may well be there; nobody can tell from the code.
        """,
    why="""
        Unverifiable tagging is where coverage silently decays: the mapping changes in one place and every
        call through it loses its tags without any diff touching the call. The default policy warns;
        the strict chargeback policy fails.
        """,
    example=Example("""
        from openai import OpenAI
        # docs: begin
        def ask(client: OpenAI, **opts):
            return client.chat.completions.create(model="gpt-4o", messages=m, **opts)
        """),
    use_instead=Example("""
        from openai import OpenAI
        client = OpenAI()
        client.chat.completions.create(model="gpt-4o", messages=m)  # tagaudit: team=payments cost_center=cc-102 use_case=support environment=production
        """, prose="""Pass the tag carrier literally at the call or on the client, declare deployment values in the
policy's `assume_env`, map the project/workspace in `scope_map`, or annotate the line:
`# tagaudit: team=payments cost_center=cc-102 use_case=support environment=production`."""),
    category="unverifiable", check=tags_unverifiable, precision="medium",
)


def tag_grade_below_minimum(call: AuditedCall) -> Messages:
    for tag in call.tags:
        if tag.problem == "too_weak":
            yield tag.key, f"{tag.key} at {what_call(call)} only reaches {tag.grade} via {tag.via} ({tag.detail})"


TAG004 = Rule(
    "TAG004", "tag-grade-below-minimum", "error", "A tag only lands somewhere weaker than the policy's minimum grade",
    what="""
        Reports a tag that is set, but only where it cannot allocate cost: OpenAI `metadata` (stored
        objects, OBJ) or Bedrock `requestMetadata` (invocation logs, LOG) when the policy wants at least
        a gateway (GW), a provider scope (SCOPE) or the billing export (BILL).
        """,
    why="""
        OpenAI's usage and cost exports cannot group by metadata, and Bedrock's CUR never sees request
        metadata. The code looks tagged but the money is not.
        """,
    example=Example("""
        from openai import OpenAI
        client = OpenAI()
        # docs: begin
        client.chat.completions.create(model="gpt-4o", messages=m, store=True, metadata={"team": "payments"})
        """),
    use_instead=Example("""
        from openai import OpenAI
        client = OpenAI(project="proj_payments")
        client.chat.completions.create(model="gpt-4o", messages=m, store=True, metadata={"team": "payments"})
        """, policy=_POLICY, prose="""Keep the metadata if you use it for filtering, and add a billing-grade carrier: a project mapped in
`scope_map`, gateway headers, Vertex `labels`, or a Bedrock application inference profile ARN."""),
    category="tag", check=tag_grade_below_minimum,
)
