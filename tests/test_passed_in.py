"""A client handed in through an untyped parameter: the request is reported from its path and the module's imports.

Real applications keep request helpers that take the client from a caller the scan cannot see (another package,
dead code, a plugin host): `def extract(client, prompt): client.chat.completions.create(...)`. The request is
billable whoever built the client, so it is a call site; its tags are unverifiable because the constructor is
elsewhere.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.helpers import run_cli


def sites(tmp_path: Path, code: str) -> list[dict[str, object]]:
    (tmp_path / "app.py").write_text(textwrap.dedent(code))
    out = run_cli(["scan", str(tmp_path), "--no-cache", "--no-owners", "--exit-zero", "--format", "json"])
    assert out.exit_code == 0, out.output
    found: list[dict[str, object]] = json.loads(out.stdout)["call_sites"]
    return found


def test_an_untyped_client_parameter_is_a_request_site_with_unverifiable_tags(tmp_path: Path) -> None:
    (site,) = sites(tmp_path, """
        import openai

        def make():
            return openai.AsyncOpenAI()

        async def extract(prompt, model, client):
            return await client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}])
        """)
    assert (site["line"], site["provider"], site["operation"]) == (8, "openai", "chat.completions.create")
    assert site["status"] == "unverifiable"
    vias = " ".join(str(t["via"]) for t in site["tags"].values())  # type: ignore[attr-defined]
    assert "client passed in as parameter 'client'" in vias and "import of openai" in vias


def test_the_sdk_comes_from_the_import_and_the_client_the_module_names(tmp_path: Path) -> None:
    found = sites(tmp_path, """
        from google import genai
        import openai

        def gemini():
            return genai.Client(api_key="k").aio

        async def ask_gemini(client, q):
            return await client.models.generate_content(model="gemini-2.5-flash", contents=q)

        async def ask_openai(client, q):
            return await client.chat.completions.create(model="gpt-4o", messages=q)
        """)
    by_line = {s["line"]: (s["provider"], s["operation"]) for s in found}
    assert sorted(by_line) == [9, 12]
    assert by_line[9] == ("google", "models.generate_content")
    # `openai` is imported but neither OpenAI nor AzureOpenAI is named: the SDK's own provider, not Azure.
    assert by_line[12] == ("openai", "chat.completions.create")


@pytest.mark.parametrize("code", [
    pytest.param("""
        from twilio.rest import Client

        def notify(client, to):
            client.messages.create(to=to, body="done")
        """, id="an SMS library's messages.create in a file that imports no AI SDK"),
    pytest.param("""
        import openai

        def save(client, row):
            client.create(row)
        """, id="a one-name path is too common to infer an SDK from"),
    pytest.param("""
        import openai

        class Store:
            def put(self, row):
                self.chat.completions.create(row)
        """, id="self is not a passed-in client"),
    pytest.param("""
        import openai

        client = object()

        def go(q):
            client.chat.completions.create(messages=q)
        """, id="a module-level name bound to something else is not a parameter"),
    pytest.param("""
        import openai

        def go(client: "Database", q):
            client.chat.completions.create(messages=q)
        """, id="an annotated parameter is graded by its annotation only"),
])
def test_nothing_is_inferred_without_an_untyped_parameter_and_an_sdk_import(tmp_path: Path, code: str) -> None:
    assert sites(tmp_path, code) == []


def test_a_caller_in_the_module_still_decides_the_client(tmp_path: Path) -> None:
    found = sites(tmp_path, """
        from openai import OpenAI

        def ask(client, q):
            return client.chat.completions.create(model="m", messages=q)

        ask(OpenAI(default_headers={"x-team": "search"}), "hi")
        """)
    request = next(s for s in found if s["operation"] == "chat.completions.create")
    assert request["line"] == 5
    vias = " ".join(str(t["via"]) for t in request["tags"].values())  # type: ignore[attr-defined]
    assert "passed in as parameter" not in vias and request["status"] != "unverifiable"
