"""Inline suppressions: a reason is required, unknown ids are errors, placement is the line or the line above."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.policy import load_policy
from tests.helpers import audit


def _rules(code: str, **kw: object) -> list[tuple[str, bool]]:
    _, findings = audit(code, **kw)  # type: ignore[arg-type]
    return sorted((f.rule, f.suppressed is not None) for f in findings)


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("""
            from openai import OpenAI
            OpenAI().embeddings.create(model="m", input="x")  # tagaudit: ignore[TAG001] reason="offline eval"
            """, id="on the call's line"),
        pytest.param("""
            from openai import OpenAI
            # tagaudit: ignore[TAG001] reason="offline eval, billed to platform"
            OpenAI().embeddings.create(model="m", input="x")
            """, id="on the line above"),
        pytest.param("""
            from openai import OpenAI
            # tagaudit: ignore[TAG001] reason="offline eval"
            # (reviewed by FinOps, ticket FIN-12)
            OpenAI().embeddings.create(model="m", input="x")
            """, id="above, with an explanatory comment in between"),
        pytest.param("""
            from openai import OpenAI
            r = OpenAI().embeddings.create(  # tagaudit: ignore[TAG001, TAG003] reason='batch'
                model="m", input="x")
            """, id="on the first line of a multi-line call, with several ids"),
    ],
)
def test_a_suppression_with_a_reason_silences_the_finding(code: str) -> None:
    assert _rules(code) == [("TAG001", True)]


def test_the_justification_is_kept_for_reports() -> None:
    _, findings = audit("""
        from openai import OpenAI
        OpenAI().embeddings.create(model="m", input="x")  # tagaudit: ignore[TAG001] reason="offline eval" owner=@ml expires=2099-01-01
        """)
    (f,) = findings
    assert f.suppressed is not None and not f.blocking
    assert (f.suppressed.justification, f.suppressed.owner, f.suppressed.expires) == ("offline eval", "@ml", "2099-01-01")


@pytest.mark.parametrize(
    "code, expected",
    [
        pytest.param("""
            from openai import OpenAI
            OpenAI().embeddings.create(model="m", input="x")  # tagaudit: ignore[TAG001]
            """, [("TAG001", False), ("TAG902", False)], id="no reason: suppresses nothing and is reported"),
        pytest.param("""
            from openai import OpenAI
            OpenAI().embeddings.create(model="m", input="x")  # tagaudit: ignore[TAG01] reason="typo"
            """, [("TAG001", False), ("TAG903", False)], id="an unknown rule id is an error, never a blanket"),
        pytest.param("""
            from openai import OpenAI
            OpenAI().embeddings.create(model="m", input="x")  # tagaudit: ignore reason="all"
            """, [("TAG001", False), ("TAG903", False)], id="no id list at all"),
        pytest.param("""
            from openai import OpenAI
            OpenAI().embeddings.create(model="m", input="x")  # tagaudit: ignore[TAG003] reason="wrong rule"
            """, [("TAG001", False), ("TAG905", False)], id="a suppression of another rule does not apply"),
        pytest.param("""
            from openai import OpenAI
            # tagaudit: ignore[TAG001] reason="too far away"

            OpenAI().embeddings.create(model="m", input="x")
            """, [("TAG001", False), ("TAG905", False)], id="a blank line breaks the link to the call"),
        pytest.param('''
            from openai import OpenAI
            x = "# tagaudit: ignore[TAG001] reason='in a string'"; OpenAI().embeddings.create(model="m", input=x)
            ''', [("TAG001", False)], id="text inside a string is not a comment"),
    ],
)
def test_bad_or_misplaced_suppressions(code: str, expected: list[tuple[str, bool]]) -> None:
    assert _rules(code) == expected


def test_a_policy_can_forbid_inline_suppression_per_rule(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\nkeys:\n  team: {}\nsuppressions:\n  forbid: [TAG001]\n")
    rules = _rules("""
        from openai import OpenAI
        OpenAI().embeddings.create(model="m", input="x")  # tagaudit: ignore[TAG001] reason="please"
        """, policy=load_policy(path))
    assert rules == [("TAG001", False), ("TAG904", False)]


def test_a_suppression_on_the_closing_line_of_a_multi_line_call_applies() -> None:
    assert _rules("""
        from openai import OpenAI
        OpenAI().embeddings.create(
            model="m",
            input="x",
        )  # tagaudit: ignore[TAG001] reason="formatter moved me here"
        """) == [("TAG001", True)]


def test_an_expired_suppression_stops_suppressing_and_is_reported() -> None:
    _, findings = audit("""
        from openai import OpenAI
        OpenAI().embeddings.create(model="m", input="x")  # tagaudit: ignore[TAG001] reason="migration" expires=2020-01-31
        """)
    assert sorted((f.rule, f.suppressed is not None, f.blocking) for f in findings) == [
        ("TAG001", False, True), ("TAG906", False, True)]
    assert "expired on 2020-01-31" in next(f.message for f in findings if f.rule == "TAG906")


def test_a_suppression_that_silences_nothing_is_reported_as_unused() -> None:
    _, findings = audit("""
        from openai import OpenAI
        TAGS = {"Helicone-Property-Team": "a", "Helicone-Property-Cost-Center": "b",
                "Helicone-Property-Use-Case": "c", "Helicone-Property-Environment": "d"}
        OpenAI().embeddings.create(model="m", input="x", extra_headers=TAGS)  # tagaudit: ignore[TAG001] reason="old"
        """)
    assert [(f.rule, f.severity, f.line) for f in findings] == [("TAG905", "warning", 5)]
