"""Whole-repo resolution (issue 9): clients built in one module and used in another, on real trees in tmp_path."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from auditor.scan.cache import CACHE_FORMAT
from auditor.scan.repo import INDEX_NAME
from tests.helpers import run_cli


def write(root: Path, files: dict[str, str]) -> None:
    for rel, code in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))


def scan(root: Path, *targets: str, cache: bool = True) -> dict[str, object]:
    args = ["scan", *(str(root / t) for t in targets or (".",)), "--format", "json", "--root", str(root)]
    result = run_cli(args + ([] if cache else ["--no-cache"]))
    assert result.exit_code in (0, 1), result.output
    report: dict[str, object] = json.loads(result.stdout)
    return report


def sites(report: dict[str, object]) -> list[tuple[str, int, str, str]]:
    """(path, line, operation, kind) of every call site."""
    return sorted((c["path"], c["line"], c["operation"], c["kind"]) for c in report["call_sites"])  # type: ignore[attr-defined]


def statuses(report: dict[str, object]) -> dict[tuple[str, int], str]:
    return {(c["path"], c["line"]): c["status"] for c in report["call_sites"]}  # type: ignore[attr-defined]


TAGGED = '{"Helicone-Property-Team": "search", "Helicone-Property-Cost-Center": "cc1", ' \
         '"Helicone-Property-Use-Case": "qa", "Helicone-Property-Environment": "prod"}'


def test_a_factory_in_another_module_returning_a_union_of_clients(tmp_path: Path) -> None:
    write(tmp_path, {
        "app/__init__.py": "",
        "app/clients.py": """
            from openai import AzureOpenAI, OpenAI

            def make_client(key: str, base_url: str) -> OpenAI | AzureOpenAI:
                return build(key, base_url)
        """,
        "app/main.py": """
            from app.clients import make_client

            def ask(q):
                client = make_client("k", "")
                return client.chat.completions.create(model="gpt-4o", messages=[])
        """,
    })
    assert sites(scan(tmp_path)) == [("app/main.py", 6, "chat.completions.create", "call")]


def test_a_singleton_imported_elsewhere_carries_its_constructor_tags(tmp_path: Path) -> None:
    write(tmp_path, {
        "app/__init__.py": "",
        "app/llm.py": f"""
            from openai import OpenAI

            client = OpenAI(default_headers={TAGGED})
        """,
        "app/routes.py": """
            from app.llm import client
            from app import llm

            def ask(q):
                return client.chat.completions.create(model="gpt-4o", messages=[])

            def ask2(q):
                return llm.client.embeddings.create(model="m", input=q)
        """,
        "app/other.py": """
            from openai import OpenAI

            def go():
                return OpenAI().chat.completions.create(model="gpt-4o", messages=[])
        """,
    })
    report = scan(tmp_path)
    assert sites(report) == [("app/other.py", 5, "chat.completions.create", "call"),
                             ("app/routes.py", 6, "chat.completions.create", "call"),
                             ("app/routes.py", 9, "embeddings.create", "call")]
    status = statuses(report)
    assert status[("app/routes.py", 6)] == status[("app/routes.py", 9)] == "tagged"
    assert status[("app/other.py", 5)] == "untagged"


def test_a_class_in_another_file_building_the_client_in_init(tmp_path: Path) -> None:
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/base.py": """
            import functools
            from openai import AsyncOpenAI, OpenAI
            from aiobotocore.session import get_session

            class Base:
                def __init__(self):
                    self.client = OpenAI()

                def _get_client(self):
                    return self.client

            class LLM:
                def __init__(self):
                    self.aclient = AsyncOpenAI()

            class Bedrock:
                async def start(self):
                    self.rt = await self.stack.enter_async_context(get_session().create_client("bedrock-runtime"))
        """,
        "pkg/use.py": """
            import functools
            from pkg.base import Base, LLM, Bedrock

            class Embedder(Base):
                def embed(self, t):
                    return (
                        self._get_client()
                        .embeddings.create(model="m", input=t)
                    )

            class Painter:
                def __init__(self):
                    self.llm = LLM()

                async def paint(self, p):
                    return await self.llm.aclient.images.generate(prompt=p)

            def direct():
                return Base().client.chat.completions.create(model="m", messages=[])

            async def invoke(loop):
                b = Bedrock()
                return await loop.run_in_executor(None, functools.partial(b.rt.invoke_model, modelId="x", body="{}"))
        """,
    })
    assert sites(scan(tmp_path)) == [
        ("pkg/use.py", 9, "embeddings.create", "call"),
        ("pkg/use.py", 17, "images.generate", "call"),
        ("pkg/use.py", 20, "chat.completions.create", "call"),
        ("pkg/use.py", 24, "invoke_model", "reference"),
    ]


def test_relative_imports_init_reexports_and_a_src_layout(tmp_path: Path) -> None:
    write(tmp_path, {
        "src/myapp/__init__.py": "",
        "src/myapp/llm/__init__.py": "from .shared import client, litellm\n",
        "src/myapp/llm/shared.py": """
            import litellm
            from anthropic import Anthropic

            client = Anthropic()
        """,
        "src/myapp/api/__init__.py": "",
        "src/myapp/api/chat.py": """
            from myapp.llm import client, litellm
            from ..llm import shared
            from . import helpers

            def main_chat(q):
                return litellm.completion(model="gpt-4o", messages=[])

            def claude(q):
                return client.messages.create(model="claude", max_tokens=5, messages=[])

            def claude2(q):
                return shared.client.messages.create(model="claude", max_tokens=5, messages=[])
        """,
        "src/myapp/api/helpers.py": "def fmt(x):\n    return x\n",
    })
    assert sites(scan(tmp_path)) == [
        ("src/myapp/api/chat.py", 7, "completion", "call"),
        ("src/myapp/api/chat.py", 10, "messages.create", "call"),
        ("src/myapp/api/chat.py", 13, "messages.create", "call"),
    ]


def test_several_package_roots_in_a_monorepo_pick_the_nearest_module(tmp_path: Path) -> None:
    write(tmp_path, {
        "services/a/src/common/llm.py": "from openai import OpenAI\nclient = OpenAI()\n",
        "services/a/src/common/__init__.py": "",
        "services/b/src/common/__init__.py": "",
        "services/b/src/common/llm.py": "client = None\n",
        "services/a/src/a/main.py": """
            from common.llm import client

            def go():
                return client.responses.create(model="m", input="x")
        """,
        "services/b/src/b/main.py": """
            from common.llm import client

            def go():
                return client.responses.create(model="m", input="x")
        """,
    })
    assert sites(scan(tmp_path)) == [("services/a/src/a/main.py", 5, "responses.create", "call")]


def test_a_langchain_model_built_in_one_module_is_reported_where_it_is_invoked(tmp_path: Path) -> None:
    write(tmp_path, {
        "bot/__init__.py": "",
        "bot/models.py": """
            from langchain_openai import ChatOpenAI

            llm = ChatOpenAI(model="gpt-4o", default_headers={"Helicone-Property-Team": "bots"})
            unused = ChatOpenAI(model="gpt-4o-mini")
        """,
        "bot/run.py": """
            from bot.models import llm

            def answer(prompt, q):
                chain = prompt | llm
                return chain.invoke({"q": q})

            async def tools(q):
                return await llm.bind_tools([]).ainvoke(q)
        """,
    })
    report = scan(tmp_path)
    assert sites(report) == [
        ("bot/models.py", 5, "ChatOpenAI(...)", "construction"),
        ("bot/run.py", 6, "invoke", "call"),
        ("bot/run.py", 9, "ainvoke", "call"),
    ]
    team = [c["tags"]["team"]["value"] for c in report["call_sites"]  # type: ignore[attr-defined]
            if c["path"] == "bot/run.py"]
    assert team == ["bots", "bots"]
    # The pre-commit run of the module that builds the model agrees (the index records who invokes it) ...
    assert sites(scan(tmp_path, "bot/models.py")) == [("bot/models.py", 5, "ChatOpenAI(...)", "construction")]
    # ... until the module that invoked it changes.
    write(tmp_path, {"bot/run.py": "from bot.models import llm\n"})
    assert sites(scan(tmp_path, "bot/models.py")) == [("bot/models.py", 4, "ChatOpenAI(...)", "construction"),
                                                      ("bot/models.py", 5, "ChatOpenAI(...)", "construction")]


def _entries(root: Path) -> dict[Path, str]:
    """Result-cache entries and the path each was written for."""
    out = {}
    for entry in (root / ".tagaudit-cache" / f"v{CACHE_FORMAT}").rglob("*.json"):
        body = entry.read_bytes().partition(b"\n")[2]
        out[entry] = json.loads(body)["path"]
    return out


def test_editing_helpers_rechecks_its_importers_and_nothing_else(tmp_path: Path) -> None:
    write(tmp_path, {
        "helpers.py": "from openai import OpenAI\nclient = OpenAI()\n",
        "user.py": "from helpers import client\n\ndef go():\n    return client.embeddings.create(model='m', input='x')\n",
        "plain_user.py": "from helpers import OpenAI\n\ndef build():\n    return 1\n",
        "other.py": "import openai\n\ndef go():\n    return openai.embeddings.create(model='m', input='x')\n",
    })
    first = statuses(scan(tmp_path))
    assert first[("user.py", 4)] == "untagged"
    before = set(_entries(tmp_path))
    write(tmp_path, {"helpers.py": f"from openai import OpenAI\nclient = OpenAI(default_headers={TAGGED})\n"})
    second = statuses(scan(tmp_path))
    assert second[("user.py", 4)] == "tagged" and second[("other.py", 4)] == first[("other.py", 4)]
    new = {path for entry, path in _entries(tmp_path).items() if entry not in before}
    assert new == {"helpers.py", "user.py"}


def test_a_one_file_run_gives_the_verdict_of_the_whole_repo_run(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/common/__init__.py": "",
        "lib/common/llm.py": f"from openai import OpenAI\nclient = OpenAI(default_headers={TAGGED})\n",
        "svc/app/main.py": """
            from common.llm import client

            def go():
                return client.chat.completions.create(model="m", messages=[])
        """,
    })
    whole = statuses(scan(tmp_path))
    assert whole == {("svc/app/main.py", 5): "tagged"}
    assert (tmp_path / ".tagaudit-cache" / INDEX_NAME).exists()
    with_index = statuses(scan(tmp_path, "svc/app/main.py"))
    assert with_index == whole
    # Without the index (deleted, or never written) the run lists the root again and keeps that as the index.
    (tmp_path / ".tagaudit-cache" / INDEX_NAME).unlink()
    assert statuses(scan(tmp_path, "svc/app/main.py")) == whole
    assert (tmp_path / ".tagaudit-cache" / INDEX_NAME).exists()


def test_a_forged_or_stale_index_is_not_trusted(tmp_path: Path) -> None:
    write(tmp_path, {
        "app/__init__.py": "",
        "app/llm.py": "from openai import OpenAI\nclient = OpenAI()\n",
        "app/main.py": "from app.llm import client\n\ndef go():\n    return client.embeddings.create(model='m', input='x')\n",
        "decoy/app/llm.py": f"from openai import OpenAI\nclient = OpenAI(default_headers={TAGGED})\n",
    })
    assert statuses(scan(tmp_path)) == {("app/main.py", 4): "untagged", }
    index = tmp_path / ".tagaudit-cache" / INDEX_NAME
    head, _, body = index.read_bytes().partition(b"\n")
    forged = json.dumps({"paths": ["decoy/app/llm.py", "app/main.py"]}).encode()
    index.write_bytes(head + b"\n" + forged)  # the old MAC on a new body
    assert statuses(scan(tmp_path, "app/main.py")) == {("app/main.py", 4): "untagged"}
    # A stale index (sealed, but from before an edit) only lists paths: the edited module is read from disk.
    index.write_bytes(head + b"\n" + body)
    write(tmp_path, {"app/llm.py": f"from openai import OpenAI\nclient = OpenAI(default_headers={TAGGED})\n"})
    assert statuses(scan(tmp_path, "app/main.py")) == {("app/main.py", 4): "tagged"}
    assert statuses(scan(tmp_path, "app/main.py", cache=False)) == {("app/main.py", 4): "tagged"}


def test_inline_import_and_lcel_in_one_module(tmp_path: Path) -> None:
    write(tmp_path, {
        "one.py": """
            from langchain_anthropic import ChatAnthropic

            def inline():
                return __import__("openai").OpenAI().chat.completions.create(model="m", messages=[])

            def chain(prompt, parser):
                llm = ChatAnthropic(model="claude")
                return (prompt | llm | parser).batch([{}])
        """,
    })
    assert sites(scan(tmp_path)) == [("one.py", 5, "chat.completions.create", "call"),
                                     ("one.py", 9, "batch", "call")]


def test_nothing_imported_from_the_repo_changes_nothing(tmp_path: Path) -> None:
    write(tmp_path, {
        "a.py": "import json\nfrom b import helper\n\ndef go():\n    return helper().chat.completions.create()\n",
        "b.py": "def helper():\n    return 1\n",
    })
    assert sites(scan(tmp_path)) == []


def test_proxies_aliases_and_hand_backs_across_modules(tmp_path: Path) -> None:
    write(tmp_path, {
        "app/__init__.py": "",
        "app/llm.py": """
            import importlib

            class LazyLiteLLM:
                _lazy_module = None

                def __getattr__(self, name):
                    self._load()
                    return getattr(self._lazy_module, name)

                def _load(self):
                    self._lazy_module = importlib.import_module("litellm")

            litellm = LazyLiteLLM()
        """,
        "app/limits.py": """
            from contextlib import contextmanager

            @contextmanager
            def bounded(client, provider):
                yield client
        """,
        "app/chat.py": """
            from anthropic import Anthropic
            from litellm import aembedding
            from app.llm import litellm
            from app.limits import bounded

            def warm():
                return litellm.completion(model="m", messages=[])

            class Model:
                def __init__(self):
                    self._client = Anthropic()
                    self.embed_fn = aembedding

                def run(self, **params):
                    create = self._client.messages.create
                    return self._call(
                        create,
                        **params,
                    )

                async def embed(self, texts):
                    return await self.embed_fn(input=texts, model="m")

                def _pair(self):
                    return self._client, "claude"

                def send(self):
                    client, model = self._pair()
                    with bounded(client, "anthropic") as c:
                        return c.messages.create(model=model, max_tokens=1, messages=[])
        """,
    })
    assert sites(scan(tmp_path)) == [
        ("app/chat.py", 8, "completion", "call"),
        ("app/chat.py", 18, "messages.create", "reference"),
        ("app/chat.py", 23, "aembedding", "call"),
        ("app/chat.py", 31, "messages.create", "call"),
    ]


def test_a_client_callers_in_the_module_pass_and_import_placeholders(tmp_path: Path) -> None:
    write(tmp_path, {
        "one.py": """
            from openai import OpenAI
            from langchain_openai import ChatOpenAI
            try:
                import litellm
            except ImportError:
                class Placeholder:
                    def __getattr__(self, _):
                        raise ImportError("pip install litellm")
                litellm = Placeholder()

            def make():
                return OpenAI()

            def extract(client, prompt):
                return client.chat.completions.create(model="m", messages=[])

            def main():
                return extract(make(), "x")

            class Agent:
                def __init__(self, llm):
                    self.llm = llm

                def run(self, q):
                    return self.llm.invoke(q)

            agent = Agent(llm=ChatOpenAI(model="gpt-4o"))

            def embed(t):
                return litellm.embedding(model="m", input=t)

            def not_a_client(client):
                return client.messages.create(to="x")
        """,
    })
    assert sites(scan(tmp_path)) == [("one.py", 16, "chat.completions.create", "call"),
                                     ("one.py", 26, "invoke", "call"),
                                     ("one.py", 31, "embedding", "call")]


def test_phase_one_in_spawned_workers_drops_the_same_non_repository_imports(tmp_path: Path) -> None:
    """Spawn and forkserver workers start without the parent's module globals: the repository's module names
    reach them with the job, so their summaries equal a serial run's."""
    from auditor.scan.engine import ScanJob, summarise_jobs
    from scanners.python import link

    files = {
        "llm/clients.py": "from openai import OpenAI\nclient = OpenAI()\n",
        "app/use.py": "import requests\nimport yaml.loader\nfrom llm.clients import client\n\n"
                      "def ask():\n    return client.chat.completions.create(model='gpt-4o', messages=[])\n",
        "app/other.py": "import numpy\nfrom app import use\n",
    }
    write(tmp_path, files)
    jobs = [ScanJob(rel, str(tmp_path / rel), 1 << 20) for rel in sorted(files)]
    names = link.repo_names(sorted(files))

    def imports(records: list) -> dict[str, tuple[str, ...]]:  # type: ignore[type-arg]
        return {r.rel: r.summary.imports for r in records if r.summary is not None}

    serial = imports(summarise_jobs(jobs, workers=1, repo_names=names))
    spawned = imports(summarise_jobs(jobs, workers=2, repo_names=names, start_method="spawn"))
    assert spawned == serial
    assert serial["app/use.py"] == ("llm.clients.client",)
    assert not any(name.split(".")[0] in ("requests", "yaml", "numpy") for got in serial.values() for name in got)
    assert link.REPO_NAMES is None  # the serial run left the parent as it found it
