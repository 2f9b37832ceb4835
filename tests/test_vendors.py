"""An OpenAI-compatible SDK pointed at another vendor's host is reported as that vendor (hosts.yaml)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from scanners import yamlload
from scanners.catalog import GATEWAYS_PATH
from scanners.errors import TagauditError
from scanners.hosts import HOSTS_PATH, compile_hosts, load_hosts, vendor_for
from tests.helpers import run_cli


def providers(tmp_path: Path, code: str) -> list[tuple[int, str, str | None]]:
    (tmp_path / "app.py").write_text(textwrap.dedent(code))
    result = run_cli(["scan", str(tmp_path), "--format", "json", "--no-cache", "--no-owners", "--exit-zero"])
    assert result.exit_code == 0, result.output
    return [(c["line"], c["provider"], c["endpoint"]) for c in json.loads(result.stdout)["call_sites"]]


@pytest.mark.parametrize(
    "base_url, provider",
    [
        pytest.param("https://dashscope.aliyuncs.com/compatible-mode/v1", "dashscope", id="DashScope"),
        pytest.param("https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "dashscope", id="DashScope international"),
        pytest.param("https://api.studio.nebius.ai/v1/", "nebius", id="Nebius AI Studio"),
        pytest.param("https://api.minimax.io/v1", "minimax", id="MiniMax"),
        pytest.param("https://api.fireworks.ai/inference/v1", "fireworks", id="Fireworks"),
        pytest.param("https://api.together.xyz/v1", "together", id="Together"),
        pytest.param("https://api.groq.com/openai/v1", "groq", id="Groq"),
        pytest.param("https://api.deepseek.com", "deepseek", id="DeepSeek"),
        pytest.param("https://api.x.ai/v1", "xai", id="xAI"),
        pytest.param("https://api.mistral.ai/v1", "mistral", id="Mistral"),
        pytest.param("https://api.perplexity.ai", "perplexity", id="Perplexity"),
        pytest.param("https://openrouter.ai/api/v1", "openrouter", id="OpenRouter"),
        pytest.param("https://api.aimlapi.com/v1", "aimlapi", id="AI/ML API"),
        pytest.param("https://api.moonshot.cn/v1", "moonshot", id="Moonshot"),
        pytest.param("https://api.siliconflow.cn/v1", "siliconflow", id="SiliconFlow"),
        pytest.param("https://api.cerebras.ai/v1", "cerebras", id="Cerebras"),
        pytest.param("http://localhost:11434/v1", "local", id="Ollama on localhost"),
        pytest.param("http://vllm.localhost:8000/v1", "local", id="a .localhost name"),
        pytest.param("https://acme.openai.azure.com/openai/v1/", "azure_openai", id="Azure OpenAI v1 endpoint"),
        pytest.param("https://api.openai.com/v1", "openai", id="OpenAI itself"),
        pytest.param("https://llm.internal.example.com/v1", "openai", id="an unknown host keeps the SDK's vendor"),
        pytest.param("https://oai.helicone.ai/v1", "openai", id="a gateway that relays keeps the SDK's vendor"),
    ],
)
def test_the_vendor_behind_base_url(tmp_path: Path, base_url: str, provider: str) -> None:
    code = f"""
        from openai import OpenAI
        client = OpenAI(base_url={base_url!r})
        client.chat.completions.create(model="m", messages=[])
        """
    ((_, got, _),) = providers(tmp_path, code)
    assert got == provider


def test_a_constant_or_class_attribute_names_the_host_and_an_env_var_does_not(tmp_path: Path) -> None:
    code = """
        import os
        from openai import AsyncOpenAI, OpenAI
        DASHSCOPE = "https://dashscope.aliyuncs.com/compatible-mode/v1"
        OpenAI(base_url=DASHSCOPE).chat.completions.create(model="qwen-plus", messages=[])
        class Kimi:
            BASE_URL = "https://api.moonshot.ai/v1"
            def __init__(self):
                self.client = AsyncOpenAI(base_url=self.BASE_URL)
            async def ask(self, q):
                return await self.client.chat.completions.create(model="kimi", messages=q)
        OpenAI(base_url=os.environ["LLM_BASE_URL"]).chat.completions.create(model="m", messages=[])
        """
    assert providers(tmp_path, code) == [
        (5, "dashscope", "dashscope.aliyuncs.com"),
        (11, "moonshot", "api.moonshot.ai"),
        (12, "openai", "$LLM_BASE_URL"),
    ]


def test_the_host_table_agrees_with_the_gateway_vendor_rows() -> None:
    gateways = yamlload.load_packaged(GATEWAYS_PATH)["endpoints"]
    for row in gateways:
        if row.get("provider") and not row.get("gateway"):
            assert vendor_for(str(row["host"])) == row["provider"], row


def test_every_host_row_names_a_source() -> None:
    assert load_hosts() and all(rule.source.strip() for rule in load_hosts())


@pytest.mark.parametrize(
    "raw, problem",
    [
        pytest.param({"hosts": [{"host": "API.X.AI", "provider": "xai", "source": "s"}]}, "lower-case host",
                     id="an upper-case host"),
        pytest.param({"hosts": [{"host": "a.b", "provider": "x", "source": "s"},
                                {"host": "a.b", "provider": "y", "source": "s"}]}, "listed twice",
                     id="a host listed twice"),
        pytest.param({"hosts": [{"host": "a.b", "provider": "Big Vendor", "source": "s"}]}, "snake-case",
                     id="a provider that is not an id"),
        pytest.param({"hosts": [{"host": "a.b", "provider": "x"}]}, "needs exactly", id="a row without a source"),
        pytest.param([], "one mapping", id="not a mapping"),
    ],
)
def test_a_bad_host_table_is_refused(raw: object, problem: str) -> None:
    with pytest.raises(TagauditError, match=problem):
        compile_hosts(raw, "hosts.yaml")


def test_the_packaged_table_compiles_and_puts_exact_hosts_first() -> None:
    rules = compile_hosts(yamlload.load_packaged(HOSTS_PATH))
    wild = [i for i, r in enumerate(rules) if "*" in r.host]
    exact = [i for i, r in enumerate(rules) if "*" not in r.host]
    assert wild and exact and max(exact) < min(wild)


def test_litellm_api_base_names_the_vendor_over_an_openai_model_prefix(tmp_path: Path) -> None:
    code = """
        import litellm
        litellm.completion(model="openai/qwen-plus", messages=[],
                           api_base="https://dashscope.aliyuncs.com/compatible-mode/v1")
        litellm.completion(model="openai/gpt-4o", messages=[], api_base="https://gateway.internal.example/v1")
        litellm.completion(model="deepseek/deepseek-chat", messages=[])
        """
    assert [p for _, p, _ in providers(tmp_path, code)] == ["dashscope", "openai", "deepseek"]
