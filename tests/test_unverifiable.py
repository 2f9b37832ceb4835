"""`unverifiable` is kept for real pass-throughs: a computed API key is untagged unless the policy maps keys."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.helpers import run_cli

MAPS_KEYS_BY_ENV = """
    version: 1
    keys: {team: {}}
    scope_map:
      - {kind: api_key, env: SEARCH_OPENAI_KEY, tags: {team: search}}
    """
MAPS_KEYS_BY_ID = """
    version: 1
    keys: {team: {}}
    scope_map:
      - {kind: api_key, id: "sk-proj-search*", tags: {team: search}}
    """
MAPS_NOTHING = """
    version: 1
    keys: {team: {}}
    """


def scan(tmp_path: Path, code: str, policy: str | None = None, *extra: str) -> tuple[dict[str, object], str]:
    (tmp_path / "app.py").write_text(textwrap.dedent(code))
    if policy is not None:
        (tmp_path / "tagaudit.yaml").write_text(textwrap.dedent(policy))
    base = ["scan", str(tmp_path), "--no-cache", "--no-owners", "--exit-zero"]
    data = run_cli([*base, "--format", "json"])
    shown = run_cli([*base, "--show-calls", *extra])
    assert data.exit_code == 0 and shown.exit_code == 0, data.output + shown.output
    (call,) = json.loads(data.stdout)["call_sites"]
    return call, shown.stdout


@pytest.mark.parametrize(
    "code, policy, status, via",
    [
        pytest.param("""
            from openai import OpenAI
            def answer(settings, q):
                return OpenAI(api_key=settings.key).chat.completions.create(model="m", messages=q)
            """, None, "untagged", None, id="a computed api_key under the default policy is untagged"),
        pytest.param("""
            from openai import OpenAI
            def answer(settings, q):
                return OpenAI(api_key=settings.key).chat.completions.create(model="m", messages=q)
            """, MAPS_NOTHING, "untagged", None, id="a computed api_key under a policy without a scope map"),
        pytest.param("""
            from openai import OpenAI
            def answer(settings, q):
                return OpenAI(api_key=settings.key).chat.completions.create(model="m", messages=q)
            """, MAPS_KEYS_BY_ENV, "unverifiable", "client api_key (attribute .key of settings",
            id="a computed api_key when the policy maps keys"),
        pytest.param("""
            import os
            from openai import OpenAI
            client = OpenAI(api_key=os.environ["OTHER_KEY"])
            client.chat.completions.create(model="m", messages=[])
            """, MAPS_KEYS_BY_ENV, "untagged", None, id="a key from another variable than the mapped ones"),
        pytest.param("""
            import os
            from openai import OpenAI
            client = OpenAI(api_key=os.environ["OTHER_KEY"])
            client.chat.completions.create(model="m", messages=[])
            """, MAPS_KEYS_BY_ID, "unverifiable", "client api_key: $OTHER_KEY (declare OTHER_KEY",
            id="a key from an undeclared variable when the policy maps key ids"),
        pytest.param("""
            from openai import OpenAI
            def answer(cfg, q):
                return OpenAI(**cfg).chat.completions.create(model="m", messages=q)
            """, None, "unverifiable", "client built with **cfg", id="client options passed through from a caller"),
        pytest.param("""
            from openai import OpenAI
            def answer(client: OpenAI, q):
                return client.chat.completions.create(model="m", messages=q)
            """, None, "unverifiable", "client passed in as OpenAI", id="a client built elsewhere"),
        pytest.param("""
            from openai import OpenAI
            def answer(settings, q):
                return OpenAI(project=settings.project).chat.completions.create(model="m", messages=q)
            """, None, "unverifiable", "client project (attribute .project of settings",
            id="a computed project is still a scope the policy could map"),
    ],
)
def test_what_makes_a_call_unverifiable(tmp_path: Path, code: str, policy: str | None, status: str,
                                        via: str | None) -> None:
    call, _ = scan(tmp_path, code, policy)
    assert call["status"] == status
    tags = call["tags"]
    assert isinstance(tags, dict)
    if via is None:
        assert all(t["state"] == "missing" and t["via"] is None for t in tags.values())
    else:
        assert all(t["state"] == "unverifiable" and t["via"].startswith(via) for t in tags.values())


def test_the_finding_names_the_argument_that_made_it_unverifiable(tmp_path: Path) -> None:
    code = """
        from openai import OpenAI
        def answer(cfg, q):
            return OpenAI(**cfg).chat.completions.create(model="m", messages=q)
        """
    _, shown = scan(tmp_path, code)
    assert "TAG003" in shown and "cannot be verified (client built with **cfg)" in shown


def test_show_calls_prints_no_scope_grade_for_a_key_nothing_maps(tmp_path: Path) -> None:
    code = """
        from openai import OpenAI
        def answer(settings, q):
            return OpenAI(api_key=settings.key).chat.completions.create(model="m", messages=q)
        """
    _, shown = scan(tmp_path, code)
    assert "untagged" in shown and "team=-" in shown and "SCOPE" not in shown
    _, mapped = scan(tmp_path, code, MAPS_KEYS_BY_ENV)
    assert "unverifiable" in mapped and "team=SCOPE" in mapped
