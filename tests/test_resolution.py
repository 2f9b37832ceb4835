"""The front end finds call sites through every binding style the issue lists, and nothing else."""

from __future__ import annotations

import textwrap

import pytest

from tests.helpers import calls_of, ops

CREATE = "chat.completions.create"


@pytest.mark.parametrize(
    "code, expected",
    [
        pytest.param("""
            import openai
            c = openai.OpenAI()
            c.chat.completions.create(model="m", messages=[])
            """, [(4, CREATE)], id="import openai and openai.OpenAI()"),
        pytest.param("""
            from openai import OpenAI as O
            O().chat.completions.create(model="m", messages=[])
            """, [(3, CREATE)], id="from openai import OpenAI as O, created inline"),
        pytest.param("""
            import openai as oa
            client = oa.AsyncOpenAI()
            async def go():
                await client.chat.completions.create(model="m", messages=[])
            """, [(5, CREATE)], id="aliased module, module global client, awaited in a function"),
        pytest.param("""
            from google import genai
            genai.Client(vertexai=True).models.generate_content(model="g", contents="x")
            """, [(3, "models.generate_content")], id="from google import genai"),
        pytest.param("""
            def handler():
                from anthropic import Anthropic
                client = Anthropic()
                return client.messages.create(model="c", max_tokens=1, messages=[])
            """, [(5, "messages.create")], id="import inside the function"),
    ],
)
def test_import_forms_and_aliases(code: str, expected: list[tuple[int, str]]) -> None:
    assert ops(code) == expected


@pytest.mark.parametrize(
    "code, expected",
    [
        pytest.param("""
            from openai import OpenAI
            class Bot:
                def __init__(self):
                    self.client = OpenAI()
                def answer(self, q):
                    return self.client.responses.create(model="m", input=q)
            """, [(7, "responses.create")], id="self attribute set in __init__, used in another method"),
        pytest.param("""
            from openai import OpenAI
            class Bot:
                client = OpenAI()
                @classmethod
                def answer(cls, q):
                    return cls.client.embeddings.create(model="m", input=q)
            """, [(7, "embeddings.create")], id="class attribute used through cls"),
        pytest.param("""
            from openai import OpenAI
            def make_client():
                return OpenAI(timeout=5)
            def go():
                client = make_client()
                client.images.generate(model="dall-e-3", prompt="x")
            """, [(7, "images.generate")], id="client returned by a factory function in the same module"),
        pytest.param("""
            from openai import OpenAI
            client = OpenAI()
            fast = client.with_options(timeout=1)
            fast.chat.completions.create(model="m", messages=[])
            """, [(5, CREATE)], id="client derived through with_options"),
        pytest.param("""
            from openai import OpenAI
            client = OpenAI()
            client.beta.chat.completions.parse(model="m", messages=[])
            client.chat.completions.with_raw_response.create(model="m", messages=[])
            """, [(4, "beta.chat.completions.parse"), (5, CREATE)], id="beta paths and with_raw_response"),
        pytest.param("""
            from google import genai
            client = genai.Client(vertexai=True)
            async def go():
                await client.aio.models.generate_content_stream(model="g", contents="x")
            """, [(5, "models.generate_content_stream")], id="client.aio async namespace"),
        pytest.param("""
            from openai import OpenAI
            completions = OpenAI().chat.completions
            completions.create(model="m", messages=[])
            """, [(4, CREATE)], id="a sub-resource bound to a name"),
        pytest.param("""
            from openai import OpenAI
            _client = None
            def get_client():
                global _client
                if _client is None:
                    _client = OpenAI()
                return _client
            def go():
                get_client().chat.completions.create(model="m", messages=[])
            """, [(10, CREATE)], id="lazily created global behind a getter"),
        pytest.param("""
            from openai import OpenAI
            class Svc:
                def __init__(self, client: OpenAI | None = None):
                    self.client = client
                def go(self):
                    self.client.chat.completions.create(model="m", messages=[])
            """, [(7, CREATE)], id="client injected through an annotated parameter"),
    ],
)
def test_client_bindings(code: str, expected: list[tuple[int, str]]) -> None:
    assert ops(code) == expected


@pytest.mark.parametrize(
    "code, expected",
    [
        pytest.param("""
            import boto3
            boto3.client("bedrock-runtime").converse(modelId="m", messages=[])
            """, [(3, "converse")], id="boto3.client('bedrock-runtime')"),
        pytest.param("""
            import boto3
            session = boto3.session.Session(region_name="us-east-1")
            brt = session.client(service_name="bedrock-runtime")
            brt.invoke_model(modelId="m", body="{}")
            """, [(5, "invoke_model")], id="session.client(service_name=...)"),
        pytest.param("""
            import boto3
            boto3.Session().client("bedrock-runtime").converse_stream(modelId="m", messages=[])
            """, [(3, "converse_stream")], id="boto3.Session().client(...) inline"),
        pytest.param("""
            import aioboto3
            async def go():
                async with aioboto3.Session().client("bedrock-runtime") as c:
                    await c.invoke_model_with_response_stream(modelId="m", body="{}")
            """, [(5, "invoke_model_with_response_stream")], id="aioboto3 async client"),
        pytest.param("""
            from aiobotocore.session import get_session
            async def go():
                session = get_session()
                async with session.create_client("bedrock-runtime", region_name="us-east-1") as c:
                    await c.converse(modelId="m", messages=[])
            """, [(6, "converse")], id="aiobotocore create_client"),
        pytest.param("""
            import boto3
            s3 = boto3.client("s3")
            s3.converse = None
            boto3.client("bedrock").get_foundation_model(modelIdentifier="m")
            """, [], id="other services and control-plane reads are not AI calls"),
    ],
)
def test_boto3_clients(code: str, expected: list[tuple[int, str]]) -> None:
    assert ops(code) == expected


@pytest.mark.parametrize(
    "code, expected",
    [
        pytest.param("""
            import functools
            from openai import OpenAI
            client = OpenAI()
            ask = functools.partial(client.chat.completions.create, model="gpt-4o")
            """, [(5, CREATE)], id="functools.partial reports the method reference"),
        pytest.param("""
            import asyncio
            from openai import OpenAI
            client = OpenAI()
            async def go():
                return await asyncio.to_thread(client.embeddings.create, model="m", input="x")
            """, [(6, "embeddings.create")], id="asyncio.to_thread"),
        pytest.param("""
            import asyncio
            from functools import partial
            import boto3
            brt = boto3.client("bedrock-runtime")
            async def go():
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(None, partial(brt.converse, modelId="m", messages=[]))
            """, [(8, "converse")], id="loop.run_in_executor with partial"),
        pytest.param("""
            from asgiref.sync import sync_to_async
            from anthropic import Anthropic
            client = Anthropic()
            async def go():
                return await sync_to_async(client.messages.create)(model="c", max_tokens=1, messages=[])
            """, [(6, "messages.create")], id="sync_to_async(method)(...)"),
        pytest.param("""
            from openai import OpenAI
            create = OpenAI().chat.completions.create
            create(model="m", messages=[])
            """, [(4, CREATE)], id="a method bound to a name and called later"),
    ],
)
def test_async_and_method_references(code: str, expected: list[tuple[int, str]]) -> None:
    assert ops(code) == expected


def test_references_forward_the_wrapper_arguments_as_tag_evidence() -> None:
    (call,) = calls_of("""
        import functools
        from openai import OpenAI
        client = OpenAI()
        ask = functools.partial(client.chat.completions.create, model="gpt-4o",
                                extra_headers={"Helicone-Property-Team": "ads"})
        """)
    assert call.site.kind == "reference"
    assert call.site.model == "gpt-4o"
    team = next(t for t in call.tags if t.key == "team")
    assert (team.state, team.grade, team.value) == ("present", "GW", "ads")


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("""
            # client.chat.completions.create(model="gpt-4o") in a comment
            import openai
            """, id="comments"),
        pytest.param('''
            """Call openai.OpenAI().chat.completions.create(...) to answer."""
            import openai
            x = "client.messages.create(model='claude')"
            ''', id="strings and docstrings"),
        pytest.param("""
            import openai
            def generate_content(prompt):
                return prompt
            class Model:
                def generate_content(self, p):
                    return p
                def run(self):
                    return self.generate_content("x")
            generate_content("x")
            """, id="local functions and methods named like SDK methods"),
        pytest.param("""
            import openai
            from twilio.rest import Client
            client = Client("sid", "token")
            client.messages.create(body="hi", from_="+1", to="+2")
            """, id="Twilio client.messages.create"),
        pytest.param("""
            from unittest import mock
            import openai
            client = openai.OpenAI()
            with mock.patch.object(client.chat.completions, "create") as fake:
                pass
            mock.patch("openai.resources.chat.Completions.create")
            m = mock.create_autospec(client.chat.completions.create)
            """, id="unittest.mock targets and patch strings"),
        pytest.param("""
            import functools, inspect
            from typing import cast, Callable
            from openai import OpenAI
            client = OpenAI()
            fn = cast(Callable, client.chat.completions.create)
            sig = inspect.signature(client.chat.completions.create)
            @functools.wraps(client.embeddings.create)
            def wrapper(*a, **k):
                pass
            """, id="cast, signature and functools.wraps never call the method"),
        pytest.param("""
            from openai import OpenAI
            client = OpenAI()
            client.moderations.create(input="x")
            client.models.list()
            client.files.create(file=b"", purpose="batch")
            """, id="free methods"),
        pytest.param("""
            def run(client):
                client.chat.completions.create(model="m", messages=[])
            """, id="an unannotated parameter in a file that imports no SDK is not taken for a client"),
    ],
)
def test_no_false_positives(code: str) -> None:
    assert ops(code) == []


def test_positions_point_at_the_called_attribute_and_span_the_call() -> None:
    (call,) = calls_of("""
        from openai import OpenAI
        client = OpenAI()
        r = (client.chat
             .completions
             .create(model="m",
                     messages=[]))
        """)
    s = call.site
    assert (s.line, s.column) == (6, 7)
    assert (s.end_line, s.statement_line) == (7, 4)


def test_columns_count_characters_not_utf8_bytes() -> None:
    (call,) = calls_of("""
        from openai import OpenAI
        café = OpenAI(); café.chat.completions.create(model="m", messages=[])
        """)
    line = 'café = OpenAI(); café.chat.completions.create(model="m", messages=[])'
    assert call.site.column == line.index("create") + 1


def test_scope_and_occurrence_identify_repeated_calls_in_one_function() -> None:
    calls = calls_of("""
        from openai import OpenAI
        class A:
            def run(self):
                c = OpenAI()
                c.embeddings.create(model="m", input="a")
                c.embeddings.create(model="m", input="b")
        """)
    assert [(c.site.scope, c.site.occurrence) for c in calls] == [("A.run", 0), ("A.run", 1)]
    assert calls[0].fingerprint != calls[1].fingerprint


def test_base_url_host_is_recorded_and_sets_the_provider() -> None:
    calls = calls_of("""
        from openai import OpenAI
        xai = OpenAI(base_url="https://api.x.ai/v1")
        xai.chat.completions.create(model="grok-4", messages=[])
        ds = OpenAI(base_url="https://api.deepseek.com")
        ds.chat.completions.create(model="deepseek-chat", messages=[])
        local = OpenAI(base_url="http://localhost:8000/v1")
        local.chat.completions.create(model="llama", messages=[])
        """)
    assert [(c.site.endpoint, c.site.provider, c.status) for c in calls] == [
        ("api.x.ai", "xai", "untagged"),
        ("api.deepseek.com", "deepseek", "untagged"),
        ("localhost", "local", "exempt"),
    ]


@pytest.mark.parametrize(
    "code, expected",
    [
        pytest.param("""
            from functools import cached_property
            import anthropic
            class Chat:
                @cached_property
                def _client(self) -> anthropic.Client:
                    return anthropic.Client(**self.params)
                def go(self):
                    return self._client.messages.with_raw_response.create(model="c", max_tokens=1, messages=[])
            """, [(9, "messages.create")], id="a cached_property that builds the client"),
        pytest.param("""
            from openai import AsyncOpenAI
            class Model:
                @property
                def client(self) -> AsyncOpenAI:
                    return self._provider.client
                async def go(self):
                    return await self.client.chat.completions.create(model="m", messages=[])
            """, [(8, "chat.completions.create")], id="a property typed as a client, built elsewhere"),
        pytest.param("""
            import openai
            class ApiModel:
                def __init__(self, client=None):
                    self.client = client or self.create_client()
                def create_client(self):
                    raise NotImplementedError
            class OpenAIModel(ApiModel):
                def create_client(self):
                    return openai.OpenAI(**self.client_kwargs)
                def generate(self):
                    return self.client.chat.completions.create(model="m", messages=[])
            """, [(12, "chat.completions.create")], id="a base class stores what the subclass's factory returns"),
    ],
)
def test_properties_inheritance_and_virtual_factories(code: str, expected: list[tuple[int, str]]) -> None:
    assert ops(code) == expected


@pytest.mark.parametrize(
    "code, expected_status",
    [
        pytest.param("""
            from openai import OpenAI
            class Bot:
                def __init__(self, env):
                    self.headers = {"Helicone-Property-Team": "a", "Helicone-Property-Cost-Center": "b",
                                    "Helicone-Property-Use-Case": "c", "Helicone-Property-Environment": env}
                def answer(self, q):
                    return OpenAI().chat.completions.create(model="m", messages=[q], extra_headers=self.headers)
            """, "tagged", id="headers bound in a method that names no SDK"),
        pytest.param("""
            from openai import OpenAI
            _client = OpenAI(project="proj_example")
            def get_client():
                return _client
            def answer(q):
                return get_client().chat.completions.create(model="m", messages=[q])
            """, "tagged", id="a getter that names no SDK"),
        pytest.param("""
            from litellm import completion as llm_call
            def answer(q):
                return llm_call(model="gpt-4o", messages=[q])
            """, "untagged", id="an aliased SDK function called from a plain function"),
    ],
)
@pytest.mark.parametrize("padding", [0, 400], ids=["a small module", "a module big enough to index lazily"])
def test_code_without_sdk_names_is_still_followed(code: str, expected_status: str, padding: int) -> None:
    from scanners.python.calls import LAZY_MIN_LINES
    from tests.helpers import CATALOG_POLICY

    assert padding == 0 or padding > LAZY_MIN_LINES
    filler = "".join(f"\ndef helper_{i}(x):\n    return [x].append(x)\n" for i in range(padding // 3))
    (call,) = calls_of(textwrap.dedent(code) + filler, CATALOG_POLICY)
    assert call.status == expected_status, [(t.key, t.state, t.via) for t in call.tags]


def test_lazy_indexing_still_finds_calls_in_every_kind_of_function() -> None:
    from scanners.python.calls import LAZY_MIN_LINES

    body = "\n".join(f"def plain_{i}(x):\n    return x + {i}\n" for i in range(LAZY_MIN_LINES))
    code = (
        "import functools\nfrom openai import OpenAI\nfrom langchain_openai import ChatOpenAI\n"
        "client = OpenAI()\n" + body + "\n"
        "def ask(q):\n    return client.chat.completions.create(model='m', messages=[q])\n"
        "def parse(q):\n    return client.responses.parse(model='m', input=q)\n"
        "def ref():\n    return functools.partial(client.embeddings.create, model='e')\n"
        "def chain(p):\n    return p | ChatOpenAI(model='gpt-4o')\n"
        "class Svc:\n    def go(self):\n        return client.images.generate(model='d', prompt='x')\n"
    )
    assert [op for _, op in ops(code)] == ["chat.completions.create", "responses.parse", "embeddings.create",
                                           "ChatOpenAI(...)", "images.generate"]


def test_a_hand_back_answer_never_outlives_its_function() -> None:
    """`passthrough` once memoised by id(): after a tree was freed, another file's function at the reused
    address got its answer (a `with bounded(client) as c:` link came and went with memory layout)."""
    import ast

    from scanners.python.resolve import passthrough

    def first_function(code: str) -> ast.FunctionDef:
        node = ast.parse(code).body[0]
        assert isinstance(node, ast.FunctionDef)
        return node

    for _ in range(200):
        assert passthrough(first_function("def bounded(client):\n    yield client\n"), False) == (0, "client")
        assert passthrough(first_function("def other(client):\n    yield 1\n"), False) is None


def _branchy_chain(levels: int) -> str:
    """`c{i}` bound in four arms of an if/elif chain inside a loop (so no arm hides another), each from `c{i-1}`:
    a name chain whose candidate bindings multiply with every link."""
    lines = ["import openai", "", "def run(flag, other):", "    c0 = openai.OpenAI()", "    for _ in range(3):"]
    for i in range(1, levels + 1):
        for arm, word in enumerate(("if", "elif", "elif", "else")):
            lines.append(f"        {word} flag == {arm}:" if word != "else" else "        else:")
            lines.append(f"            c{i} = other.get{arm}() or c{i - 1}" if arm < 3 else f"            c{i} = c{i - 1}")
    lines.append(f"    return c{levels}.chat.completions.create(model='gpt-4o', messages=[])")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [pytest.param(20, id="a short chain"),
                                    pytest.param(80, id="an 80-link chain, past the depth bound"),
                                    pytest.param(200, id="a 200-link chain")])
def test_a_chain_of_many_branch_arm_candidates_resolves_through_memoised_links(levels: int) -> None:
    # Past the depth bound the pending sibling candidates are cut at once and resolution resumes from the
    # deepest link (memoised), instead of fanning out 4**depth and running out of the file's step budget.
    got = calls_of(_branchy_chain(levels))
    assert [(c.site.line, c.site.operation, c.site.provider, c.status) for c in got] == [
        (6 + 8 * levels, "chat.completions.create", "openai", "untagged")]


HELPER_RETURNS = """
import openai
from azure.ai.inference.aio import ChatCompletionsClient

class Provider:
    def __init__(self):
        self.oai = openai.AsyncOpenAI()
        self.foundry = ChatCompletionsClient(endpoint="https://x.services.ai.azure.com/models", credential=None)

    def _client_and_model(self, model):
        if model.startswith("openai/"):
            return self.oai, model[7:]
        return self.foundry, model

    async def run(self, model, args):
        client, name = self._client_and_model(model)
        if client == self.foundry:
            return await client.complete(**args)
        return await client.chat.completions.create(model=name, **args)
"""


def test_every_return_of_a_helper_is_a_candidate_client_not_only_the_last() -> None:
    # The last `return` hands back an Azure AI Inference client, which has no chat.completions.create: that
    # call is matched against the OpenAI client the other `return` gives, and both sites are reported.
    got = [(c.site.line, c.site.operation, c.site.provider) for c in calls_of(HELPER_RETURNS)]
    assert got == [(18, "complete", "azure_openai"), (19, "chat.completions.create", "openai")]
