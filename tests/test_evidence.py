"""Tag evidence: states, grades and carriers, as the issue's 'Tag evidence' section lists them."""

from __future__ import annotations

import pytest

from auditor.policy import compile_policy
from tests.helpers import CATALOG_POLICY, audit, calls_of, tag

ALL4 = '"Helicone-Property-Team": "payments", "Helicone-Property-Cost-Center": "cc-102", ' \
       '"Helicone-Property-Use-Case": "support", "Helicone-Property-Environment": "production"'


def test_literal_dynamic_and_missing_states_are_told_apart() -> None:
    (call,) = calls_of("""
        import os
        from openai import OpenAI
        OpenAI().chat.completions.create(model="m", messages=[], extra_headers={
            "Helicone-Property-Team": "payments",
            "Helicone-Property-Environment": os.environ["ENV"],
        })
        """)
    assert tag(call, "team") == ("present", "GW", "payments")
    assert tag(call, "environment") == ("dynamic", "GW", None)
    assert tag(call, "cost_center") == ("missing", None, None)
    assert call.status == "untagged"


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("""
            from openai import OpenAI
            def ask(client_headers):
                OpenAI().chat.completions.create(model="m", messages=[], extra_headers=client_headers)
            """, id="a header mapping passed in as a variable"),
        pytest.param("""
            from openai import OpenAI
            def ask(**kwargs):
                OpenAI().chat.completions.create(model="m", messages=[], **kwargs)
            """, id="**kwargs on the call"),
        pytest.param("""
            from openai import OpenAI
            from settings import CLIENT_OPTIONS
            OpenAI(**CLIENT_OPTIONS).embeddings.create(model="m", input="x")
            """, id="a config object built in another module"),
    ],
)
def test_a_wholly_dynamic_mapping_is_unverifiable(code: str) -> None:
    (call,) = calls_of(code)
    assert call.status == "unverifiable"
    assert {t.state for t in call.tags} == {"unverifiable"}


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(f"""
            from openai import OpenAI
            HEADERS = {{{ALL4}}}
            OpenAI().chat.completions.create(model="m", messages=[], extra_headers=HEADERS)
            """, id="a module constant"),
        pytest.param(f"""
            from openai import OpenAI
            def go():
                headers = dict(**{{{ALL4}}})
                OpenAI().chat.completions.create(model="m", messages=[], extra_headers=headers)
            """, id="dict(...) bound to a local"),
        pytest.param("""
            from openai import OpenAI
            def go():
                h = {"Helicone-Property-Team": "payments", "Helicone-Property-Cost-Center": "cc-102"}
                h["Helicone-Property-Use-Case"] = "support"
                h.update({"Helicone-Property-Environment": "production"})
                OpenAI().chat.completions.create(model="m", messages=[], extra_headers=h)
            """, id="a local dict completed by item assignment and update()"),
        pytest.param(f"""
            from openai import OpenAI
            BASE = {{"Helicone-Property-Team": "payments"}}
            OpenAI().chat.completions.create(model="m", messages=[], extra_headers={{**BASE, {ALL4}}})
            """, id="a dict literal unpacking a constant"),
        pytest.param(f"""
            from openai import OpenAI
            params = {{"model": "m", "messages": [], "extra_headers": {{{ALL4}}}}}
            OpenAI().chat.completions.create(**params)
            """, id="**params that resolve to a literal dict"),
    ],
)
def test_dicts_constants_and_local_bindings_are_followed(code: str) -> None:
    (call,) = calls_of(code)
    assert call.status == "tagged", [(t.key, t.state, t.via) for t in call.tags]


def test_config_objects_and_json_strings_are_followed() -> None:
    calls = calls_of("""
        import json
        import boto3
        from google import genai
        from google.genai import types
        labels = {"team": "growth", "cost_center": "cc-4", "use_case": "x", "environment": "production"}
        genai.Client(vertexai=True).models.generate_content(
            model="g", contents="x", config=types.GenerateContentConfig(temperature=0, labels=labels))
        genai.Client(vertexai=True).models.generate_content(model="g", contents="x", config={"labels": labels})
        boto3.client("bedrock-runtime").invoke_model(modelId="m", body="{}", requestMetadata=json.dumps(labels))
        """)
    assert [c.status for c in calls] == ["tagged", "tagged", "untagged"]
    assert tag(calls[0], "team")[:2] == ("present", "BILL")
    assert tag(calls[2], "team")[:2] == ("present", "LOG")


def test_client_level_tags_apply_to_every_call_through_the_client() -> None:
    calls = calls_of(f"""
        from openai import OpenAI
        from google import genai
        from langchain_openai import ChatOpenAI
        client = OpenAI(default_headers={{{ALL4}}})
        client.chat.completions.create(model="m", messages=[])
        client.embeddings.create(model="m", input="x")
        g = genai.Client(vertexai=True, http_options={{"headers": {{{ALL4}}}}})
        g.models.embed_content(model="e", contents="x")
        llm = ChatOpenAI(model="gpt-4o", default_headers={{{ALL4}}})
        llm.batch(["a", "b"])
        """)
    assert [c.status for c in calls] == ["tagged"] * 4
    assert all(t.via.startswith("client ") for c in calls for t in c.tags)


def test_scope_map_turns_project_workspace_endpoint_and_profile_ids_into_tags() -> None:
    calls = calls_of("""
        import os
        import boto3
        from openai import OpenAI, AzureOpenAI
        from anthropic import Anthropic
        OpenAI(project="proj_example").chat.completions.create(model="m", messages=[])
        AzureOpenAI(azure_endpoint="https://example-payments.openai.azure.com/").embeddings.create(model="m", input="x")
        Anthropic(api_key=os.environ["SEARCH_ANTHROPIC_KEY"]).messages.create(model="c", max_tokens=1, messages=[])
        boto3.client("bedrock-runtime").converse(
            modelId="arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/example", messages=[])
        OpenAI(project="proj_unknown").chat.completions.create(model="m", messages=[])
        """, CATALOG_POLICY)
    assert [c.status for c in calls] == ["tagged", "tagged", "tagged", "tagged", "untagged"]
    assert [c.tags[0].grade for c in calls[:4]] == ["SCOPE", "SCOPE", "SCOPE", "BILL"]
    assert calls[0].tags[0].via == "scope map: openai_project proj_example"


def test_declared_environment_variables_resolve_scope_ids() -> None:
    data = {"version": 1, "keys": {"team": {}}, "scope_map": [{"kind": "openai_project", "id": "proj_a",
                                                                 "tags": {"team": "a"}}],
            "assume_env": {"OPENAI_PROJECT_ID": "proj_a"}}
    policy = compile_policy(data, "inline")
    code = """
        import os
        from openai import OpenAI
        OpenAI().chat.completions.create(model="m", messages=[])
        OpenAI(project=os.getenv("OPENAI_PROJECT_ID")).chat.completions.create(model="m", messages=[])
        OpenAI(project=os.environ["OTHER_PROJECT"]).chat.completions.create(model="m", messages=[])
        """
    calls = calls_of(code, policy)
    assert [c.status for c in calls] == ["tagged", "tagged", "unverifiable"]
    assert "declare OTHER_PROJECT" in (calls[2].tags[0].via or "")


def test_annotations_on_the_call_or_constructor_line_declare_tags() -> None:
    calls = calls_of("""
        from anthropic import Anthropic
        client = Anthropic()  # tagaudit: team=search cost_center=cc-210 use_case=ranking environment=production
        client.messages.create(model="c", max_tokens=1, messages=[])
        other = Anthropic()
        # tagaudit: team=ads cost_center="cc 9" use_case=copy environment=production
        other.messages.create(model="c", max_tokens=1, messages=[])
        other.messages.create(model="c", max_tokens=1, messages=[])  # tagaudit: team=ads
        """)
    assert [c.status for c in calls] == ["tagged", "tagged", "untagged"]
    assert tag(calls[1], "cost_center") == ("present", "SCOPE", "cc 9")
    assert calls[0].tags[0].via == "annotation (line 3)"


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("""
            from openai import OpenAI
            OpenAI().chat.completions.create(model="m", messages=[], user="team-payments",
                                             safety_identifier="payments", prompt_cache_key="payments")
            """, id="user, safety_identifier, prompt_cache_key"),
        pytest.param("""
            from anthropic import Anthropic
            Anthropic().messages.create(model="c", max_tokens=1, messages=[], metadata={"user_id": "payments"})
            """, id="Anthropic metadata.user_id"),
        pytest.param("""
            from langchain_openai import ChatOpenAI
            ChatOpenAI(model="m").invoke("x", config={"tags": ["team:payments"], "metadata": {"team": "payments"}})
            """, id="LangChain config tags and metadata"),
    ],
)
def test_fields_that_never_count_as_tags(code: str) -> None:
    (call,) = calls_of(code)
    assert tag(call, "team") == ("missing", None, None)


def test_keys_match_aliases_case_insensitively_with_dash_and_underscore_equivalent() -> None:
    (call,) = calls_of("""
        from openai import OpenAI
        OpenAI().chat.completions.create(model="m", messages=[], extra_headers={
            "helicone-property-OWNER": "payments", "Helicone-Property-Cost-Centre": "cc-1",
            "x-portkey-metadata": '{"Use_Case": "faq", "STAGE": "prod"}'})
        """)
    assert call.status == "tagged"
    assert {t.key: t.value for t in call.tags} == {"team": "payments", "cost_center": "cc-1", "use_case": "faq",
                                                    "environment": "prod"}


def test_the_strongest_carrier_wins_and_weak_ones_are_reported() -> None:
    calls, findings = audit("""
        from openai import OpenAI
        client = OpenAI(project="proj_example")
        client.chat.completions.create(model="m", messages=[], store=True, metadata={"team": "other"})
        OpenAI().chat.completions.create(model="m", messages=[], store=True, metadata={"team": "payments"})
        """, CATALOG_POLICY)
    assert tag(calls[0], "team") == ("present", "SCOPE", "payments")
    assert calls[1].status == "untagged"
    weak = next(t for t in calls[1].tags if t.key == "team")
    assert (weak.grade, weak.problem) == ("OBJ", "too_weak")
    assert {f.rule for f in findings if f.line == 5} == {"TAG001", "TAG004"}
