"""A binding in one branch arm (elif, except, case) does not decide the grade of a call in a sibling arm."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.helpers import run_cli


def scan_statuses(tmp_path: Path, code: str) -> dict[int, str]:
    """Line -> status of every call site in app.py, through the real CLI (JSON output)."""
    (tmp_path / "app.py").write_text(textwrap.dedent(code))
    result = run_cli(["scan", str(tmp_path), "--format", "json", "--no-cache", "--no-owners", "--exit-zero"])
    assert result.exit_code == 0, result.output
    return {c["line"]: c["status"] for c in json.loads(result.stdout)["call_sites"]}


ELIF_CHAIN = """
    from langchain_anthropic import ChatAnthropic

    def build(kind, opts):
        kwargs = opts
        if kind == "a":
            return ChatAnthropic(**kwargs)
        elif kind == "b":
            kwargs = {"model": "claude"}
            return ChatAnthropic(**kwargs)
        else:
            return ChatAnthropic(**kwargs)
    """


def test_an_elif_rebinding_does_not_leak_into_its_siblings(tmp_path: Path) -> None:
    # The caller's opts stay a pass-through in the if and else arms; only the elif arm built its own kwargs.
    assert scan_statuses(tmp_path, ELIF_CHAIN) == {7: "unverifiable", 10: "untagged", 12: "unverifiable"}


@pytest.mark.parametrize(
    "code, expected",
    [
        pytest.param("""
            from openai import OpenAI
            c = OpenAI()
            def f(kind):
                if kind:
                    h = {"Helicone-Property-Team": "a", "Helicone-Property-Cost-Center": "b",
                         "Helicone-Property-Use-Case": "c", "Helicone-Property-Environment": "d"}
                c.chat.completions.create(model="m", messages=[], extra_headers=h)
            """, {8: "tagged"}, id="after the branch an arm's binding is visible"),
        pytest.param("""
            from openai import OpenAI
            c = OpenAI()
            def f(kind):
                h = {"Helicone-Property-Team": "a", "Helicone-Property-Cost-Center": "b",
                     "Helicone-Property-Use-Case": "c", "Helicone-Property-Environment": "d"}
                if kind:
                    h = {}
                    c.chat.completions.create(model="m", messages=[], extra_headers=h)
                else:
                    c.chat.completions.create(model="m", messages=[], extra_headers=h)
            """, {9: "untagged", 11: "tagged"}, id="a binding before the branch stays visible in a sibling arm"),
        pytest.param("""
            from openai import OpenAI
            c = OpenAI()
            def f(kind):
                h = {}
                if kind:
                    h.update({"Helicone-Property-Team": "a", "Helicone-Property-Cost-Center": "b",
                              "Helicone-Property-Use-Case": "c", "Helicone-Property-Environment": "d"})
                else:
                    c.chat.completions.create(model="m", messages=[], extra_headers=h)
            """, {10: "untagged"}, id="items set in a sibling arm are not tags"),
    ],
)
def test_bindings_before_and_after_a_branch(tmp_path: Path, code: str, expected: dict[int, str]) -> None:
    assert scan_statuses(tmp_path, code) == expected


@pytest.mark.parametrize(
    "code, expected",
    [
        pytest.param("""
            from openai import OpenAI
            c = OpenAI()
            def f(opts):
                try:
                    h = opts
                except ValueError:
                    h = {}
                    c.chat.completions.create(model="m", messages=[], extra_headers=h)
                except KeyError:
                    c.chat.completions.create(model="m", messages=[], extra_headers=h)
                else:
                    c.chat.completions.create(model="m", messages=[], extra_headers=h)
            """, {9: "untagged", 11: "unverifiable", 13: "unverifiable"},
            id="except arms exclude each other and the else arm, not the try body"),
        pytest.param("""
            from openai import OpenAI
            c = OpenAI()
            def f(kind, opts):
                h = opts
                match kind:
                    case "a":
                        h = {}
                        c.chat.completions.create(model="m", messages=[], extra_headers=h)
                    case _:
                        c.chat.completions.create(model="m", messages=[], extra_headers=h)
            """, {9: "untagged", 11: "unverifiable"}, id="match cases exclude each other"),
        pytest.param("""
            from openai import OpenAI
            def f(items):
                client = None
                for item in items:
                    if client is None:
                        client = OpenAI()
                    else:
                        client.chat.completions.create(model="m", messages=[])
            """, {9: "untagged"}, id="inside a loop a sibling arm's binding from an earlier pass still holds"),
    ],
)
def test_try_match_and_loop_arms(tmp_path: Path, code: str, expected: dict[int, str]) -> None:
    assert scan_statuses(tmp_path, code) == expected
