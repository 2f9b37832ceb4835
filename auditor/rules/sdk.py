"""SDK misuse the provider rejects or silently ignores (sdk-tagging.md §9.3).

The arguments these rules look at exist only inside the scanner, so each rule names its detectors: the
checks in scanners/python/checks.py that the catalog runs on a call's (or its client's) arguments.
"""

from __future__ import annotations

from auditor.records import Severity
from auditor.rules.rule import Example, Rule, detected


def _sdk(rule_id: str, name: str, severity: Severity, summary: str, *detectors: str, what: str, why: str,
         example: Example, use_instead: Example) -> Rule:
    return Rule(rule_id, name, severity, summary, what, why, example, use_instead, category="sdk",
                check=detected(*detectors), detectors=detectors)


TAG101 = _sdk(
    "TAG101", "openai-metadata-without-store", "error", "OpenAI chat `metadata` is passed without `store=True`",
    "openai-metadata-requires-store",
    what="Reports Chat Completions calls that pass `metadata=` without `store=True`.",
    why="""
        The API rejects the request with HTTP 400 ("The 'metadata' parameter is only allowed when 'store'
        is enabled."). The call fails in production; its tags were never going to reach billing anyway.
        """,
    example=Example("""
        from openai import OpenAI
        client = OpenAI()
        # docs: begin
        client.chat.completions.create(model="gpt-4o", messages=m, metadata={"team": "payments"})
        """),
    use_instead=Example("""
        from openai import OpenAI
        client = OpenAI()
        # docs: begin
        client.chat.completions.create(model="gpt-4o", messages=m, store=True, metadata={"team": "payments"})
        """),
)

TAG102 = _sdk(
    "TAG102", "anthropic-metadata-not-user-id", "error", "Anthropic `metadata` carries keys other than `user_id`",
    "anthropic-metadata-user-id-only",
    what="Reports Anthropic Messages calls whose `metadata` has keys other than `user_id`.",
    why="""
        `metadata` is an abuse-detection field with exactly one key. Other keys are rejected or dropped and
        never reach the usage or cost report, so `metadata={"team": ...}` allocates nothing.
        """,
    example=Example("""
        from anthropic import Anthropic
        client = Anthropic()
        # docs: begin
        client.messages.create(model="claude-sonnet-4", max_tokens=512, messages=m, metadata={"team": "search"})
        """),
    use_instead=Example("""
        from anthropic import Anthropic
        client = Anthropic()
        client.messages.create(model="claude-sonnet-4", max_tokens=512, messages=m, metadata={"user_id": "u-42"},
                               extra_headers={"Helicone-Property-Team": "search"})
        """, prose="""Attribute by workspace (an API key per workspace, mapped in `scope_map`) or through gateway
headers (`extra_headers={"Helicone-Property-Team": "search"}`)."""),
)

TAG103 = _sdk(
    "TAG103", "vertex-label-invalid", "error", "Vertex AI labels break the label format or limits",
    "vertex-label-format",
    what="""
        Reports Vertex AI `labels` whose keys or values break Google's rules: keys 1-63 lowercase letters,
        digits, `_` or `-` starting with a letter; values 0-63 of the same; at most 64 labels (32 for partner
        models such as Claude on Vertex).
        """,
    why="The request fails, or the label is dropped from the Cloud Billing export, and the spend is untagged.",
    example=Example("""
        from google import genai
        from google.genai import types
        client = genai.Client(vertexai=True, project="acme", location="us-central1")
        client.models.generate_content(model="gemini-2.5-flash", contents=q,
            # docs: begin
            config=types.GenerateContentConfig(labels={"Team": "Payments"})
            # docs: end
        )
        """),
    use_instead=Example("""
        from google import genai
        from google.genai import types
        client = genai.Client(vertexai=True, project="acme", location="us-central1")
        client.models.generate_content(model="gemini-2.5-flash", contents=q,
            # docs: begin
            config=types.GenerateContentConfig(labels={"team": "payments"})
            # docs: end
        )
        """),
)

TAG104 = _sdk(
    "TAG104", "labels-in-gemini-developer-mode", "error", "`labels` passed to a Gemini Developer API client",
    "genai-labels-developer-mode",
    what="""
        Reports google-genai calls that pass `labels` through a client in Gemini Developer API mode
        (an `api_key`, no `vertexai=True`).
        """,
    why="""
        The SDK raises `ValueError: labels parameter is only supported in ... Vertex mode`, so the call fails;
        the Developer API has no per-request billing labels at all.
        """,
    example=Example("""
        from google import genai
        # docs: begin
        client = genai.Client(api_key=KEY)
        client.models.generate_content(model="gemini-2.5-flash", contents=q,
                                       config={"labels": {"team": "search"}})
        """),
    use_instead=Example("""
        from google import genai
        client = genai.Client(vertexai=True, project="acme", location="us-central1")
        client.models.generate_content(model="gemini-2.5-flash", contents=q,
                                       config={"labels": {"team": "search"}})
        """, prose="""Use a Vertex client (`genai.Client(vertexai=True, project=..., location=...)`) for label-based
billing, or attribute Developer API spend per project/key in `scope_map`."""),
)

TAG105 = _sdk(
    "TAG105", "bedrock-request-metadata-malformed", "error", "Bedrock `requestMetadata` has the wrong shape",
    "bedrock-request-metadata-shape", "bedrock-request-metadata-json",
    what="""
        Reports Bedrock `requestMetadata` that the service rejects: a dict passed to `invoke_model` (which
        needs a JSON string), more than 16 entries, or characters outside `[a-zA-Z0-9 :_@$#=/+,.-]`.
        """,
    why="botocore raises a validation error or the service rejects the request.",
    example=Example("""
        import boto3
        brt = boto3.client("bedrock-runtime")
        # docs: begin
        brt.invoke_model(modelId=mid, body=body, requestMetadata={"team": "search"})
        """),
    use_instead=Example("""
        import json
        import boto3
        brt = boto3.client("bedrock-runtime")
        # docs: begin
        brt.invoke_model(modelId=mid, body=body, requestMetadata=json.dumps({"team": "search"}))
        """),
)

TAG106 = _sdk(
    "TAG106", "groq-metadata-unsupported", "warning", "Groq `metadata` is documented as not supported",
    "groq-metadata-unsupported",
    what="Reports Groq chat calls that pass `metadata=`.",
    why='Groq documents the field as "not currently supported": it carries no allocation.',
    example=Example("""
        from groq import Groq
        # docs: begin
        Groq().chat.completions.create(model="llama-3.3-70b", messages=m, metadata={"team": "ads"})
        """),
    use_instead=Example("""
        from groq import Groq
        Groq().chat.completions.create(model="llama-3.3-70b", messages=m,
                                       extra_headers={"Helicone-Property-Team": "ads"})
        """, prose="Route through a gateway and tag with its headers, or map the Groq project/key in `scope_map`."),
)

TAG107 = _sdk(
    "TAG107", "langchain-metadata-in-model-kwargs", "error", "`metadata` inside LangChain `model_kwargs`",
    "langchain-model-kwargs-metadata",
    what='Reports LangChain chat models built with `model_kwargs={"metadata": ...}`.',
    why="""
        It collides with LangChain's own `metadata` field ("Found metadata supplied twice") and the model
        fails to construct.
        """,
    example=Example("""
        from langchain_openai import ChatOpenAI
        llm = (
            # docs: begin
            ChatOpenAI(model="gpt-4o", model_kwargs={"metadata": {"team": "ads"}})
            # docs: end
        )
        llm.invoke("hi")
        """),
    use_instead=Example("""
        from langchain_openai import ChatOpenAI
        llm = (
            # docs: begin
            ChatOpenAI(model="gpt-4o", default_headers={"Helicone-Property-Team": "ads"})
            # docs: end
        )
        llm.invoke("hi")
        """),
)

TAG108 = _sdk(
    "TAG108", "openai-metadata-over-limits", "warning", "OpenAI `metadata` exceeds 16 keys or its length limits",
    "openai-metadata-limits",
    what="Reports OpenAI `metadata` with more than 16 pairs, keys over 64 characters or values over 512.",
    why="The API rejects the request.",
    example=Example("""
        from openai import OpenAI
        OpenAI().chat.completions.create(model="gpt-4o", messages=m, store=True,
            # docs: begin
            metadata={"experiment_variant_for_the_quarterly_pricing_page_redesign_cohort_b": "on"}
            # docs: end
        )
        """),
    use_instead=Example("""
        from openai import OpenAI
        OpenAI().chat.completions.create(model="gpt-4o", messages=m, store=True, metadata={"team": "ads"})
        """, prose="Keep metadata to at most 16 short pairs; put allocation in a billing-grade carrier."),
)
