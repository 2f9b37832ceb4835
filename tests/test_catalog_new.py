"""SDK families and constructs added for issue 9, scanned as a user scans them (the CLI's JSON contract).

Each case is a real-looking snippet and the call sites it must produce (line, operation, provider, sdk, status);
each look-alike beside it must produce none.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.helpers import run_cli

Site = tuple[int, str, str, str, str]  # line, operation, provider, sdk, status


def scan(tmp_path: Path, code: str) -> list[Site]:
    (tmp_path / "app.py").write_text(textwrap.dedent(code))
    proc = run_cli(["scan", str(tmp_path), "--format", "json", "--no-cache", "--exit-zero"])
    assert proc.exit_code == 0, proc.output
    return [(c["line"], c["operation"], c["provider"], c["sdk"], c["status"])
            for c in json.loads(proc.stdout)["call_sites"]]


FIRES = [
    pytest.param("""\
        from azure.ai.inference import ChatCompletionsClient
        from azure.core.credentials import AzureKeyCredential
        client = ChatCompletionsClient(endpoint="https://models.inference.ai.azure.com", credential=AzureKeyCredential("k"))
        for update in client.complete(model="gpt-4o", messages=[], stream=True):
            pass
        """, [(4, "complete", "github_models", "azure-ai-inference", "untagged")],
        id="azure-ai-inference sync stream (GitHub Models host: scanners/hosts.yaml names the vendor)"),
    pytest.param("""\
        from azure.ai.inference.aio import ChatCompletionsClient, EmbeddingsClient
        async def go(cred):
            chat = ChatCompletionsClient("https://x.services.ai.azure.com/models", cred)
            await chat.complete(messages=[], headers={"x-litellm-tags": "team:a,cost_center:b,use_case:c,environment:d"})
            await EmbeddingsClient("https://x.services.ai.azure.com/models", cred).embed(input=["x"])
        """, [(4, "complete", "azure_openai", "azure-ai-inference", "tagged"),
              (5, "embed", "azure_openai", "azure-ai-inference", "untagged")], id="azure-ai-inference aio"),
    pytest.param("""\
        import voyageai
        vo, avo = voyageai.Client(), voyageai.AsyncClient()
        vo.embed(["x"], model="voyage-3")
        vo.multimodal_embed([["x"]], model="voyage-multimodal-3")
        vo.contextualized_embed([["x"]], model="voyage-context-3")
        async def go():
            return await avo.rerank("q", ["d"], model="rerank-2")
        """, [(3, "embed", "voyage", "voyageai", "untagged"), (4, "multimodal_embed", "voyage", "voyageai", "untagged"),
              (5, "contextualized_embed", "voyage", "voyageai", "untagged"),
              (7, "rerank", "voyage", "voyageai", "untagged")], id="voyageai"),
    pytest.param("""\
        import replicate
        replicate.run("meta/llama-3-70b", input={})
        client = replicate.Client(api_token="r8")
        client.run("owner/model:1234", input={})
        client.predictions.create(version="1234", input={})
        async def go():
            await replicate.async_run("owner/model", input={})
            async for event in replicate.async_stream("owner/model", input={}):
                pass
        replicate.deployments.get("acme/prod").predictions.create(input={})
        """, [(2, "run", "replicate", "replicate", "untagged"), (4, "run", "replicate", "replicate", "untagged"),
              (5, "predictions.create", "replicate", "replicate", "untagged"),
              (7, "async_run", "replicate", "replicate", "untagged"),
              (8, "async_stream", "replicate", "replicate", "untagged"),
              (10, "predictions.create", "replicate", "replicate", "untagged")], id="replicate"),
    pytest.param("""\
        from zhipuai import ZhipuAI
        client = ZhipuAI(api_key="k")
        client.chat.completions.create(model="glm-4", messages=[])
        client.embeddings.create(model="embedding-3", input="x")
        """, [(3, "chat.completions.create", "zhipu", "zhipuai", "untagged"),
              (4, "embeddings.create", "zhipu", "zhipuai", "untagged")], id="zhipuai"),
    pytest.param("""\
        from volcenginesdkarkruntime import Ark
        ark = Ark(api_key="k")
        ark.chat.completions.create(model="ep-1", messages=[], extra_headers={
            "Helicone-Property-Team": "a", "Helicone-Property-Cost-Center": "b",
            "Helicone-Property-Use-Case": "c", "Helicone-Property-Environment": "d"})
        """, [(3, "chat.completions.create", "volcengine", "volcengine-ark", "tagged")], id="volcengine ark"),
    pytest.param("""\
        import instructor
        import litellm
        from openai import AsyncAzureOpenAI
        azure = instructor.from_openai(AsyncAzureOpenAI(azure_endpoint="https://a.openai.azure.com", api_version="v"))
        async def go():
            await azure.chat.completions.create_with_completion(model="gpt-4o", messages=[], response_model=dict)
            await azure.create_iterable(model="gpt-4o", messages=[], response_model=dict)
        routed = instructor.from_litellm(litellm.completion)
        routed.chat.completions.create(model="anthropic/claude-3-5-haiku", messages=[], response_model=dict)
        instructor.from_provider("openai/gpt-4o-mini").create(messages=[], response_model=dict)
        """, [(6, "chat.completions.create_with_completion", "azure_openai", "instructor", "untagged"),
              (7, "create_iterable", "azure_openai", "instructor", "untagged"),
              (9, "chat.completions.create", "anthropic", "instructor", "untagged"),
              (10, "create", "openai", "instructor", "untagged")], id="instructor"),
    pytest.param("""\
        import instructor
        from anthropic import Anthropic
        client = instructor.patch(Anthropic())
        client.messages.create(model="claude-sonnet-4-5", max_tokens=10, messages=[], response_model=dict)
        """, [(4, "messages.create", "anthropic", "instructor", "untagged")], id="instructor.patch"),
    pytest.param("""\
        from langchain.chat_models import init_chat_model
        from deepagents import create_deep_agent
        llm = init_chat_model("claude-sonnet-4-5", model_provider="anthropic")
        llm.invoke("x")
        agent = create_deep_agent(model="google_genai:gemini-2.5-pro")
        agent.invoke({"messages": []})
        """, [(4, "invoke", "anthropic", "langchain", "untagged"),
              (6, "invoke", "google_gemini", "langchain", "untagged")], id="langchain model strings"),
    pytest.param("""\
        from langchain_aws.embeddings import BedrockEmbeddings
        from langchain_community.chat_models.litellm import ChatLiteLLM
        from langchain_together import TogetherEmbeddings
        from langchain_openai.chat_models.base import ChatOpenAI
        BedrockEmbeddings(model_id="amazon.titan-embed-text-v2:0").embed_documents(["x"])
        ChatLiteLLM(model="gpt-4o").invoke("x")
        TogetherEmbeddings(model="BAAI/bge-base-en-v1.5").embed_query("x")
        ChatOpenAI(model="gpt-4o").invoke("x")
        """, [(5, "embed_documents", "aws_bedrock", "langchain-aws", "untagged"),
              (6, "invoke", "litellm", "langchain", "untagged"), (7, "embed_query", "together", "langchain", "untagged"),
              (8, "invoke", "openai", "langchain-openai", "untagged")], id="langchain submodule paths"),
    pytest.param("""\
        import litellm
        from litellm import Router
        litellm.image_edit(image=b"", prompt="x", model="gpt-image-1")
        litellm.image_variation(image=b"", model="dall-e-2")
        litellm.text_completion("gpt-3.5-turbo-instruct", "x")
        router = Router(model_list=[])
        async def go():
            await router.aimage_generation(prompt="x", model="dall-e-3")
            await router.arerank(model="cohere/rerank-english-v3.0", query="q", documents=[])
        """, [(3, "image_edit", "openai", "litellm", "untagged"), (4, "image_variation", "openai", "litellm", "untagged"),
              (5, "text_completion", "openai", "litellm", "untagged"),
              (8, "aimage_generation", "openai", "litellm", "untagged"),
              (9, "arerank", "cohere", "litellm", "untagged")], id="litellm operations"),
    pytest.param("""\
        from vertexai.language_models import TextEmbeddingModel, ChatModel
        from vertexai.generative_models import GenerativeModel
        TextEmbeddingModel.from_pretrained("textembedding-gecko@003").get_embeddings(["x"])
        chat = ChatModel.from_pretrained("chat-bison").start_chat()
        chat.send_message("hi")
        GenerativeModel("gemini-1.5-pro").generate_content("x")
        """, [(3, "get_embeddings", "google_vertex", "vertexai", "untagged"),
              (5, "send_message", "google_vertex", "vertexai", "untagged"),
              (6, "generate_content", "google_vertex", "vertexai", "untagged")], id="legacy vertexai"),
    pytest.param("""\
        import google.generativeai as genai
        class Model(genai.GenerativeModel):
            def ask(self, q):
                return self.generate_content(q)
        Model("gemini-1.5-flash").generate_content_async("x")
        """, [(4, "generate_content", "google_gemini", "google-generativeai", "untagged"),
              (5, "generate_content_async", "google_gemini", "google-generativeai", "untagged")],
        id="google.generativeai subclass"),
    pytest.param("""\
        import aioboto3
        from aiobotocore.session import get_session
        async def go():
            async with get_session().create_client("bedrock-runtime") as brt:
                await brt.converse(modelId="m", messages=[])
            async with aioboto3.Session().client("bedrock-runtime") as brt2:
                await brt2.invoke_model(modelId="m", body="{}")
        """, [(5, "converse", "aws_bedrock", "boto3", "untagged"), (7, "invoke_model", "aws_bedrock", "boto3", "untagged")],
        id="aiobotocore and aioboto3"),
    pytest.param("""\
        from openai import OpenAI
        client = OpenAI()
        run = client.beta.threads.runs.create_and_poll(thread_id="t", assistant_id="a")
        client.beta.threads.runs.submit_tool_outputs(thread_id="t", run_id=run.id, tool_outputs=[])
        """, [(3, "beta.threads.runs.create_and_poll", "openai", "openai", "untagged"),
              (4, "beta.threads.runs.submit_tool_outputs", "openai", "openai", "untagged")], id="thread runs are billed"),
    pytest.param("""\
        import instructor
        import litellm
        client = instructor.from_litellm(litellm.acompletion)
        """, [(3, "acompletion", "litellm", "litellm", "untagged")], id="instructor wrapper never called: the reference stays"),
    pytest.param("""\
        import ollama
        client = ollama.AsyncClient(host="https://ollama.com", headers={"Authorization": "Bearer k"})
        async def go():
            await client.chat(model="gpt-oss:120b", messages=[])
            await client.embed(model="nomic-embed-text", input=["x"])
        ollama.generate(model="llama3", prompt="x")
        """, [(4, "chat", "ollama", "ollama", "untagged"), (5, "embed", "ollama", "ollama", "untagged"),
              (6, "generate", "ollama", "ollama", "untagged")], id="ollama"),
    pytest.param("""\
        import dspy
        lm = dspy.LM("openai/gpt-4o-mini")
        dspy.configure(lm=lm)
        judge = dspy.LM("anthropic/claude-3-5-haiku")
        judge.forward(prompt="x")
        """, [(2, "LM(...)", "openai", "dspy", "untagged"), (5, "forward", "anthropic", "dspy", "untagged")], id="dspy"),
    pytest.param("""\
        import azure.cognitiveservices.speech as speechsdk
        synth = speechsdk.SpeechSynthesizer(speech_config=speechsdk.SpeechConfig(subscription="k", region="r"))
        synth.speak_ssml_async("<speak/>").get()
        speechsdk.SpeechRecognizer(speech_config=None).recognize_once_async().get()
        """, [(3, "speak_ssml_async", "azure_speech", "azure-cognitiveservices-speech", "untagged"),
              (4, "recognize_once_async", "azure_speech", "azure-cognitiveservices-speech", "untagged")],
        id="azure speech"),
    pytest.param("""\
        from openai import AsyncOpenAI
        class Session:
            async def connect(self):
                self._client = AsyncOpenAI()
                self._cm = self._client.responses.connect()
                self._conn = await self._cm.__aenter__()
                return self._conn
            async def send(self, body):
                conn = await self.connect()
                await conn.response.create(**body)
        """, [(10, "response.create", "openai", "openai", "unverifiable")], id="OpenAI Responses WebSocket"),
    pytest.param("""\
        from llama_index.core.llms import LLM
        from langchain_core.embeddings import Embeddings
        async def complete(model: LLM, msgs):
            return await model.achat(messages=msgs)
        def embed(emb: Embeddings, texts):
            return emb.embed_documents(texts)
        """, [(4, "achat", "llama_index", "llama-index", "unverifiable"),
              (6, "embed_documents", "langchain", "langchain", "unverifiable")], id="abstract model annotations"),
    pytest.param("""\
        from langsmith.wrappers import wrap_openai
        from langfuse.openai import AzureOpenAI
        from openai import AsyncOpenAI
        traced = wrap_openai(AsyncOpenAI(base_url="https://api.groq.com/openai/v1"))
        async def go():
            await traced.chat.completions.create(model="llama-3.3-70b-versatile", messages=[])
        AzureOpenAI(azure_endpoint="https://a.openai.azure.com", api_version="v").embeddings.create(model="e", input="x")
        """, [(6, "chat.completions.create", "groq", "openai", "untagged"),
              (7, "embeddings.create", "azure_openai", "openai", "untagged")], id="tracing wrappers and drop-ins"),
    pytest.param("""\
        from portkey_ai import Portkey
        pk = Portkey(api_key="pk", provider="anthropic")
        tagged = pk.with_options(metadata={"team": "a", "cost_center": "b", "use_case": "c", "environment": "d"})
        tagged.chat.completions.create(model="claude-sonnet-4-5", messages=[])
        pk.chat.completions.create(model="claude-sonnet-4-5", messages=[])
        """, [(4, "chat.completions.create", "anthropic", "portkey-ai", "tagged"),
              (5, "chat.completions.create", "anthropic", "portkey-ai", "untagged")], id="portkey"),
]


@pytest.mark.parametrize("code, expected", FIRES)
def test_new_sdk_construct_is_reported(tmp_path: Path, code: str, expected: list[Site]) -> None:
    assert scan(tmp_path, code) == expected


QUIET = [
    pytest.param("""\
        from openai import OpenAI
        client = OpenAI()
        a = client.beta.assistants.create(model="gpt-4o", instructions="x")
        client.beta.assistants.update(a.id, name="y")
        client.beta.assistants.list()
        client.beta.assistants.delete(a.id)
        t = client.beta.threads.create()
        client.beta.threads.messages.create(t.id, role="user", content="x")
        client.beta.threads.messages.list(t.id)
        client.beta.threads.delete(t.id)
        client.beta.threads.runs.retrieve(thread_id=t.id, run_id="r")
        client.files.create(file=b"", purpose="assistants")
        client.files.delete("f")
        client.vector_stores.files.upload_and_poll(vector_store_id="v", file=b"")
        client.vector_stores.delete("v")
        client.models.list()
        client.models.retrieve("gpt-4o")
        client.moderations.create(input="x")
        """, id="OpenAI assistant/thread/message/file/vector-store CRUD, models, moderations"),
    pytest.param("""\
        import anthropic
        anthropic.Anthropic().messages.count_tokens(model="claude-sonnet-4-5", messages=[])
        anthropic.Anthropic().beta.messages.count_tokens(model="claude-sonnet-4-5", messages=[])
        """, id="Anthropic count_tokens"),
    pytest.param("""\
        import litellm
        litellm.moderation(input="x")
        litellm.token_counter(model="gpt-4o", text="x")
        litellm.create_file(file=b"", purpose="batch")
        litellm.get_assistants(custom_llm_provider="openai")
        litellm.create_thread(custom_llm_provider="openai")
        """, id="litellm free helpers and CRUD"),
    pytest.param("""\
        import voyageai, replicate
        voyageai.Client().tokenize(["x"], model="voyage-3")
        replicate.models.get("owner/model")
        replicate.predictions.cancel("p")
        """, id="voyageai tokenize, replicate reads"),
    pytest.param("""\
        class ChatCompletionsClient:
            def complete(self, **kw): ...
        class Client:
            def run(self, ref, input): ...
            def embed(self, texts, model): ...
        ChatCompletionsClient().complete(messages=[])
        Client().run("owner/model", input={})
        Client().embed(["x"], model="voyage-3")
        def from_openai(c): return c
        from_openai(object()).chat.completions.create(model="gpt-4o")
        """, id="project classes named like SDK clients"),
    pytest.param("""\
        import instructor
        from pydantic import BaseModel
        class Answer(instructor.OpenAISchema):
            text: str
        instructor.Maybe(Answer)
        """, id="instructor schema helpers"),
    pytest.param("""\
        from langchain_core.prompts import ChatPromptTemplate
        from langchain_text_splitters import RecursiveCharacterTextSplitter
        RecursiveCharacterTextSplitter(chunk_size=10).split_text("x")
        ChatPromptTemplate.from_messages([("user", "{q}")]).invoke({"q": "x"})
        """, id="LangChain non-model runnables"),
    pytest.param("""\
        import ollama
        ollama.list()
        ollama.pull("llama3")
        ollama.show("llama3")
        """, id="ollama model management"),
    pytest.param("""\
        from llama_index.core.llms import CustomLLM
        class LocalLLM(CustomLLM):
            def complete(self, prompt, **kw):
                return prompt
        LocalLLM().complete("x")
        """, id="a project LLM deriving from an abstract base"),
]


@pytest.mark.parametrize("code", QUIET)
def test_look_alike_or_free_call_is_not_reported(tmp_path: Path, code: str) -> None:
    assert scan(tmp_path, code) == []
