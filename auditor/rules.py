"""Rules: stable ids, names that state the bad thing, ruff-style docs, one function each."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from auditor.records import AuditedCall

# A rule yields a message, or (identity part, message) when one call can have several findings of it.
Messages = Iterator[str | tuple[str, str]]
CallRule = Callable[[AuditedCall], Messages]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    severity: str
    summary: str
    doc: str
    check: CallRule | None = None
    suppressible: bool = True


RULES: dict[str, Rule] = {}


def _rule(rule_id: str, name: str, severity: str, summary: str, *, per_call: bool = True,
          suppressible: bool = True) -> Callable[[CallRule], CallRule]:
    def register(fn: CallRule) -> CallRule:
        RULES[rule_id] = Rule(rule_id, name, severity, summary, inspect.cleandoc(fn.__doc__ or ""),
                              fn if per_call else None, suppressible)
        return fn
    return register


def _keys(call: AuditedCall, state: str) -> list[str]:
    return [t.key for t in call.tags if t.state == state]


def _issues(call: AuditedCall, rule_id: str) -> Messages:
    found = [i.message for i in call.site.issues if i.rule == rule_id]
    for n, message in enumerate(found):
        yield (str(n), message) if len(found) > 1 else message


# -- tag coverage ------------------------------------------------------------------------------
@_rule("TAG001", "missing-required-tag", "error", "A cost-incurring AI call lacks a required allocation tag")
def missing_required_tag(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports a cost-incurring AI SDK call (chat, embeddings, images, audio, batches ...) for which no
    carrier in code sets one of the policy's required keys: not the call's own arguments, not the
    client it goes through, not the policy's scope map, not an annotation.

    ## Why is this bad?
    The provider bills the call, and nothing tells finance which team, cost centre, use case or
    environment it belongs to. Its cost lands in an untagged pool that nobody owns, which blocks
    showback and chargeback.

    ## Example
    ```python
    client = OpenAI()
    client.chat.completions.create(model="gpt-4o", messages=msgs)
    ```

    ## Use instead
    ```python
    client = OpenAI(project="proj_payments")  # mapped to tags in the policy's scope_map
    # or, through a gateway:
    client = OpenAI(base_url=HELICONE, default_headers={
        "Helicone-Property-Team": "payments", "Helicone-Property-Cost-Center": "cc-102",
        "Helicone-Property-Use-Case": "support", "Helicone-Property-Environment": "production"})
    ```
    """
    missing = _keys(call, "missing")
    if missing:
        traced = sorted({e.via for e in call.site.evidence if e.grade == "TRACE"})
        hint = f" ({', '.join(traced)} never reach{'es' if len(traced) == 1 else ''} billing)" if traced else ""
        yield f"{_what(call)} has no {', '.join(missing)} tag{'s' if len(missing) > 1 else ''}{hint}"


@_rule("TAG002", "tag-value-not-allowed", "error", "A tag's literal value is not one the policy allows")
def tag_value_not_allowed(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports a tag whose literal value is not in the key's `allowed` list or does not match its
    `pattern` in the policy.

    ## Why is this bad?
    A misspelt team or an unknown cost centre allocates the spend to nobody: the billing export
    groups by the exact string, so `Payments`, `payment` and `payments` are three different owners.

    ## Example
    ```python
    extra_headers={"Helicone-Property-Environment": "prd"}
    ```

    ## Use instead
    ```python
    extra_headers={"Helicone-Property-Environment": "production"}
    ```
    """
    for tag in call.tags:
        if tag.problem == "not_allowed":
            yield tag.key, f"{tag.key}={tag.value!r} at {_what(call)} is not allowed ({tag.detail}; set by {tag.via})"


@_rule("TAG003", "tags-unverifiable", "warning", "Allocation tags are passed in a form that cannot be read statically")
def tags_unverifiable(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports a call whose tags come from a mapping tagaudit cannot read: `**kwargs`, a header dict
    built elsewhere, a client passed in as a parameter, an environment variable the policy does not
    declare. The key may well be there; nobody can tell from the code.

    ## Why is this bad?
    Unverifiable tagging is where coverage silently decays: the mapping changes in one place and every
    call through it loses its tags without any diff touching the call. The default policy warns;
    the strict chargeback policy fails.

    ## Example
    ```python
    def ask(client, **opts):
        return client.chat.completions.create(model="gpt-4o", messages=m, **opts)
    ```

    ## Use instead
    Pass the tag carrier literally at the call or on the client, declare deployment values in the
    policy's `assume_env`, map the project/workspace in `scope_map`, or annotate the line:
    `# tagaudit: team=payments cost_center=cc-102 use_case=support environment=production`.
    """
    keys = _keys(call, "unverifiable")
    if keys:
        vias = sorted({t.via for t in call.tags if t.state == "unverifiable" and t.via})
        yield f"{_what(call)}: {', '.join(keys)} cannot be verified ({'; '.join(vias)})"


@_rule("TAG004", "tag-grade-below-minimum", "error", "A tag only lands somewhere weaker than the policy's minimum grade")
def tag_grade_below_minimum(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports a tag that is set, but only where it cannot allocate cost: OpenAI `metadata` (stored
    objects, OBJ) or Bedrock `requestMetadata` (invocation logs, LOG) when the policy wants at least
    a gateway (GW), a provider scope (SCOPE) or the billing export (BILL).

    ## Why is this bad?
    OpenAI's usage and cost exports cannot group by metadata, and Bedrock's CUR never sees request
    metadata. The code looks tagged but the money is not.

    ## Example
    ```python
    client.chat.completions.create(model="gpt-4o", messages=m, store=True, metadata={"team": "payments"})
    ```

    ## Use instead
    Keep the metadata if you use it for filtering, and add a billing-grade carrier: a project mapped in
    `scope_map`, gateway headers, Vertex `labels`, or a Bedrock application inference profile ARN.
    """
    for tag in call.tags:
        if tag.problem == "too_weak":
            yield tag.key, f"{tag.key} at {_what(call)} only reaches {tag.grade} via {tag.via} ({tag.detail})"


# -- SDK misuse (sdk-tagging.md §9.3) --------------------------------------------------------------
@_rule("TAG101", "openai-metadata-without-store", "error", "OpenAI chat `metadata` is passed without `store=True`")
def openai_metadata_without_store(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports Chat Completions calls that pass `metadata=` without `store=True`.

    ## Why is this bad?
    The API rejects the request with HTTP 400 ("The 'metadata' parameter is only allowed when 'store'
    is enabled."). The call fails in production; its tags were never going to reach billing anyway.

    ## Example
    ```python
    client.chat.completions.create(model="gpt-4o", messages=m, metadata={"team": "payments"})
    ```

    ## Use instead
    ```python
    client.chat.completions.create(model="gpt-4o", messages=m, store=True, metadata={"team": "payments"})
    ```
    """
    return _issues(call, "TAG101")


@_rule("TAG102", "anthropic-metadata-not-user-id", "error", "Anthropic `metadata` carries keys other than `user_id`")
def anthropic_metadata_not_user_id(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports Anthropic Messages calls whose `metadata` has keys other than `user_id`.

    ## Why is this bad?
    `metadata` is an abuse-detection field with exactly one key. Other keys are rejected or dropped and
    never reach the usage or cost report, so `metadata={"team": ...}` allocates nothing.

    ## Example
    ```python
    client.messages.create(model="claude-sonnet-4", max_tokens=512, messages=m, metadata={"team": "search"})
    ```

    ## Use instead
    Attribute by workspace (an API key per workspace, mapped in `scope_map`) or through gateway
    headers (`extra_headers={"Helicone-Property-Team": "search"}`).
    """
    return _issues(call, "TAG102")


@_rule("TAG103", "vertex-label-invalid", "error", "Vertex AI labels break the label format or limits")
def vertex_label_invalid(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports Vertex AI `labels` whose keys or values break Google's rules: keys 1-63 lowercase letters,
    digits, `_` or `-` starting with a letter; values 0-63 of the same; at most 64 labels (32 for partner
    models such as Claude on Vertex).

    ## Why is this bad?
    The request fails, or the label is dropped from the Cloud Billing export, and the spend is untagged.

    ## Example
    ```python
    config=types.GenerateContentConfig(labels={"Team": "Payments"})
    ```

    ## Use instead
    ```python
    config=types.GenerateContentConfig(labels={"team": "payments"})
    ```
    """
    return _issues(call, "TAG103")


@_rule("TAG104", "labels-in-gemini-developer-mode", "error", "`labels` passed to a Gemini Developer API client")
def labels_in_gemini_developer_mode(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports google-genai calls that pass `labels` through a client in Gemini Developer API mode
    (an `api_key`, no `vertexai=True`).

    ## Why is this bad?
    The SDK raises `ValueError: labels parameter is only supported in ... Vertex mode`, so the call fails;
    the Developer API has no per-request billing labels at all.

    ## Example
    ```python
    client = genai.Client(api_key=KEY)
    client.models.generate_content(model="gemini-2.5-flash", contents=q,
                                   config={"labels": {"team": "search"}})
    ```

    ## Use instead
    Use a Vertex client (`genai.Client(vertexai=True, project=..., location=...)`) for label-based
    billing, or attribute Developer API spend per project/key in `scope_map`.
    """
    return _issues(call, "TAG104")


@_rule("TAG105", "bedrock-request-metadata-malformed", "error", "Bedrock `requestMetadata` has the wrong shape")
def bedrock_request_metadata_malformed(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports Bedrock `requestMetadata` that the service rejects: a dict passed to `invoke_model` (which
    needs a JSON string), more than 16 entries, or characters outside `[a-zA-Z0-9 :_@$#=/+,.-]`.

    ## Why is this bad?
    botocore raises a validation error or the service rejects the request.

    ## Example
    ```python
    brt.invoke_model(modelId=mid, body=body, requestMetadata={"team": "search"})
    ```

    ## Use instead
    ```python
    brt.invoke_model(modelId=mid, body=body, requestMetadata=json.dumps({"team": "search"}))
    ```
    """
    return _issues(call, "TAG105")


@_rule("TAG106", "groq-metadata-unsupported", "warning", "Groq `metadata` is documented as not supported")
def groq_metadata_unsupported(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports Groq chat calls that pass `metadata=`.

    ## Why is this bad?
    Groq documents the field as "not currently supported": it carries no allocation.

    ## Example
    ```python
    Groq().chat.completions.create(model="llama-3.3-70b", messages=m, metadata={"team": "ads"})
    ```

    ## Use instead
    Route through a gateway and tag with its headers, or map the Groq project/key in `scope_map`.
    """
    return _issues(call, "TAG106")


@_rule("TAG107", "langchain-metadata-in-model-kwargs", "error", "`metadata` inside LangChain `model_kwargs`")
def langchain_metadata_in_model_kwargs(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports LangChain chat models built with `model_kwargs={"metadata": ...}`.

    ## Why is this bad?
    It collides with LangChain's own `metadata` field ("Found metadata supplied twice") and the model
    fails to construct.

    ## Example
    ```python
    ChatOpenAI(model="gpt-4o", model_kwargs={"metadata": {"team": "ads"}})
    ```

    ## Use instead
    ```python
    ChatOpenAI(model="gpt-4o", default_headers={"Helicone-Property-Team": "ads"})
    ```
    """
    return _issues(call, "TAG107")


@_rule("TAG108", "openai-metadata-over-limits", "warning", "OpenAI `metadata` exceeds 16 keys or its length limits")
def openai_metadata_over_limits(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports OpenAI `metadata` with more than 16 pairs, keys over 64 characters or values over 512.

    ## Why is this bad?
    The API rejects the request.

    ## Example
    ```python
    metadata={f"k{i}": "v" for i in range(20)}
    ```

    ## Use instead
    Keep metadata to at most 16 short pairs; put allocation in a billing-grade carrier.
    """
    return _issues(call, "TAG108")


# -- files and suppressions (raised by the engine, not per call) -----------------------------------
@_rule("TAG901", "file-not-parsed", "error", "A candidate file could not be read or parsed", per_call=False,
       suppressible=False)
def file_not_parsed(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports a file that mentions an AI SDK but could not be scanned: a syntax error, bytes that are
    not valid in the file's encoding, a notebook that is not JSON, a file over the size limit, or a
    file that cannot be read at all.

    ## Why is this bad?
    Whatever AI calls it holds are unaudited. tagaudit fails closed: an unscanned file blocks like an
    untagged call would, so a broken file never passes as clean.

    ## Example
    A `.py` file with a syntax error that imports `openai`.

    ## Use instead
    Fix the file, re-encode it as UTF-8 (or declare its coding), raise `limits.max_file_bytes`, or
    exclude generated files with a `paths` entry of mode `exclude`.
    """
    return iter(())


@_rule("TAG902", "suppression-without-reason", "error", "An inline suppression gives no reason", per_call=False,
       suppressible=False)
def suppression_without_reason(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports `# tagaudit: ignore[...]` comments without a `reason="..."`. Such a comment suppresses
    nothing.

    ## Why is this bad?
    Auditors ask why each untagged call is acceptable. A suppression without a reason is debt nobody
    can review.

    ## Example
    ```python
    client.embeddings.create(model=m, input=x)  # tagaudit: ignore[TAG001]
    ```

    ## Use instead
    ```python
    client.embeddings.create(model=m, input=x)  # tagaudit: ignore[TAG001] reason="offline eval, billed to platform"
    ```
    """
    return iter(())


@_rule("TAG903", "suppression-unknown-rule", "error", "An inline suppression names a rule that does not exist",
       per_call=False, suppressible=False)
def suppression_unknown_rule(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports suppressions whose `ignore[...]` list names an unknown rule id, or that cannot be parsed.

    ## Why is this bad?
    A typo must not widen into a blanket suppression (a Bandit pitfall) nor silently do nothing.

    ## Example
    ```python
    # tagaudit: ignore[TAG01] reason="typo"
    ```

    ## Use instead
    ```python
    # tagaudit: ignore[TAG001] reason="batch job billed to the platform team"
    ```
    """
    return iter(())


@_rule("TAG904", "suppression-forbidden", "error", "An inline suppression silences a rule the policy forbids silencing",
       per_call=False, suppressible=False)
def suppression_forbidden(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports inline suppressions of a rule listed in the policy's `suppressions.forbid`. The finding
    stays unsuppressed.

    ## Why is this bad?
    Some organisations allow exceptions only through the reviewed baseline, never by a comment the
    author writes in the same change.

    ## Example
    ```python
    # tagaudit: ignore[TAG001] reason="later"
    ```

    ## Use instead
    Tag the call, or record the exception in the baseline with an owner and an expiry.
    """
    return iter(())


@_rule("TAG905", "unused-suppression", "warning", "An inline suppression no longer silences anything",
       per_call=False, suppressible=False)
def unused_suppression(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports `# tagaudit: ignore[...]` comments that matched no finding in this run: the call was
    tagged, moved away, or the rule no longer fires there.

    ## Why is this bad?
    Stale suppressions pile up, hide the next regression on the same line, and make the suppression
    inventory an auditor reviews longer than the real debt.

    ## Example
    ```python
    client.embeddings.create(model=m, input=x, extra_headers=TAGS)  # tagaudit: ignore[TAG001] reason="old"
    ```

    ## Use instead
    Delete the comment.
    """
    return iter(())


@_rule("TAG906", "suppression-expired", "error", "An inline suppression is past its `expires` date",
       per_call=False, suppressible=False)
def suppression_expired(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports inline suppressions whose `expires=YYYY-MM-DD` has passed. An expired suppression
    silences nothing, so the finding it covered is reported again.

    ## Why is this bad?
    Exceptions were granted until a date. Past it, the untagged spend is unapproved again.

    ## Example
    ```python
    # tagaudit: ignore[TAG001] reason="migration" expires=2025-01-31
    ```

    ## Use instead
    Tag the call, or renew the exception with a new date and a reviewer's agreement.
    """
    return iter(())


@_rule("TAG907", "baseline-entry-unused", "warning", "A baseline entry matches no finding any more",
       per_call=False, suppressible=False)
def baseline_entry_unused(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports baseline entries for scanned files that match no current finding: the debt was paid or
    the code is gone.

    ## Why is this bad?
    A stale entry would silently re-suppress a new finding that happens to get the same identity.

    ## Example
    An entry for a call that has since been tagged.

    ## Use instead
    Run `tagaudit baseline update --prune-only` and commit the smaller baseline.
    """
    return iter(())


@_rule("TAG908", "baseline-entry-expired", "error", "A baseline entry is past its expiry date",
       per_call=False, suppressible=False)
def baseline_entry_expired(call: AuditedCall) -> Messages:
    """
    ## What it does
    Reports baseline entries whose `expires` date has passed. The finding they recorded is no longer
    suppressed and blocks again.

    ## Why is this bad?
    Recorded debt had a deadline and an owner; the deadline passed.

    ## Example
    `{"path": "app/llm.py", ..., "owner": "@ml-platform", "expires": "2025-06-30"}`

    ## Use instead
    Tag the call, or agree a new date with the owner and edit `expires` in the baseline.
    """
    return iter(())


def _what(call: AuditedCall) -> str:
    return f"{call.site.operation} ({call.site.provider})"


def explain(rule_id: str) -> str:
    rule = RULES[rule_id.upper()]
    return f"# {rule.id} {rule.name}\n\n{rule.summary}. Default severity: {rule.severity}.\n\n{rule.doc}\n"
