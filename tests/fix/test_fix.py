"""`tagaudit fix`: per family before/after (compiles, re-scans tagged, second run a no-op), hints, CLI."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from auditor.fix.run import run_fix
from auditor.policy import load_policy
from tests.helpers import audit, run_cli

POLICY = """
version: 1
keys: {{team: {{}}, cost_center: {{}}}}
min_grade: {grade}
{extra}
paths:
  - {{match: ["**"], tags: {{team: search, cost_center: cc-210}}}}
"""


def _repo(tmp_path: Path, code: str, *, grade: str = "GW", extra: str = "") -> Path:
    (tmp_path / "tagaudit.yaml").write_text(POLICY.format(grade=grade, extra=extra))
    (tmp_path / "app.py").write_text(textwrap.dedent(code).lstrip())
    return tmp_path


def _fix(root: Path, *, write: bool = True) -> tuple[str, int]:
    policy = load_policy(root / "tagaudit.yaml")
    result = run_fix([root], root, policy, select=frozenset({"TAG001", "TAG004"}), write=write)
    return (root / "app.py").read_text(), sum(c.hint.outcome == "fixed" for f in result.files for c in f.calls)


CASES = [
    pytest.param("GW", "", """
        from google import genai
        client = genai.Client(vertexai=True, project="p", location="l")
        client.models.generate_content(
            model="gemini-2.5-flash",
            contents="hi",  # a comment the fix keeps
        )
        """, 'config={"labels": {"team": "search", "cost_center": "cc-210"}},', id="vertex labels are created"),
    pytest.param("GW", "", """
        from google import genai
        from google.genai import types
        client = genai.Client(vertexai=True, project="p", location="l")
        client.models.generate_content(model="m", contents="x", config=types.GenerateContentConfig(temperature=0))
        """, 'GenerateContentConfig(temperature=0, labels={"team": "search"', id="vertex labels join a config object"),
    pytest.param("GW", "", """
        from google import genai
        client = genai.Client(vertexai=True, project="p", location="l")
        client.models.generate_content(model="m", contents="x", config={"labels": {"team": "search"}})
        """, '{"labels": {"team": "search", "cost_center": "cc-210"}}', id="vertex labels merge into a dict"),
    pytest.param("GW", "", """
        import litellm
        litellm.completion(model="gpt-4o", messages=[])
        """, 'metadata={"tags": ["team:search", "cost_center:cc-210"]}', id="litellm metadata tags"),
    pytest.param("LOG", "", """
        import boto3
        brt = boto3.client("bedrock-runtime")
        brt.converse(modelId="anthropic.claude-3-haiku-20240307-v1:0", messages=[])
        """, 'requestMetadata={"team": "search", "cost_center": "cc-210"}', id="bedrock request metadata at LOG"),
    pytest.param("GW", "gateway: helicone", """
        from openai import OpenAI
        client = OpenAI()
        client.chat.completions.create(model="gpt-4o", messages=[])
        client.embeddings.create(model="e", input="x")
        """, 'OpenAI(default_headers={"Helicone-Property-Team": "search"', id="one client edit for a gateway"),
    pytest.param("GW", "gateway: portkey", """
        from anthropic import Anthropic
        Anthropic().messages.create(model="claude-sonnet-4", max_tokens=5, messages=[])
        """, "Anthropic(default_headers={\"x-portkey-metadata\": ", id="portkey metadata header on the client"),
    pytest.param("GW", "", """
        from langchain_google_vertexai import ChatVertexAI
        llm = ChatVertexAI(model_name="gemini-2.5-flash")  # a model construction is a site of its own
        """, 'ChatVertexAI(model_name="gemini-2.5-flash", labels={"team": "search", "cost_center": "cc-210"})  # a',
        id="a model construction site gets its labels in place"),
    pytest.param("GW", "", """
        from langchain.chat_models import init_chat_model
        llm = init_chat_model("gemini-2.5-flash", model_provider="google_vertexai")
        """, 'model_provider="google_vertexai", labels={"team": "search"',
        id="an init_chat_model site in Vertex mode gets labels"),
]


@pytest.mark.parametrize(("grade", "extra", "before", "expected"), CASES)
def test_fix_writes_the_strongest_carrier(tmp_path: Path, grade: str, extra: str, before: str, expected: str) -> None:
    root = _repo(tmp_path, before, grade=grade, extra=extra)
    after, fixed = _fix(root)
    assert fixed >= 1 and expected in after, after
    compile(after, "app.py", "exec")
    policy = load_policy(root / "tagaudit.yaml")
    calls, findings = audit(after, policy)
    assert {c.status for c in calls} == {"tagged"}, [c.tags for c in calls]
    assert findings == []
    assert _fix(root) == (after, 0), "a second run changes nothing"


def test_comments_and_other_lines_are_kept_byte_for_byte(tmp_path: Path) -> None:
    code = "# head\nimport litellm  # why\n\n\nx = {'a':1}\nlitellm.completion(model='m', messages=[])  # tail\n"
    root = _repo(tmp_path, code)
    after, _ = _fix(root)
    lines = after.splitlines()
    assert lines[:5] == code.splitlines()[:5]
    assert lines[5].endswith("  # tail")


@pytest.mark.parametrize(
    ("before", "reason"),
    [
        pytest.param("""
            import litellm
            def go(**kw):
                return litellm.completion(model="m", messages=[], **kw)
            """, "*args or **kwargs", id="a call with **kwargs is left alone"),
        pytest.param("""
            import boto3
            META = {}
            boto3.client("bedrock-runtime").converse(modelId="m", messages=[], requestMetadata=META)
            """, "`requestMetadata` is `META`", id="an opaque carrier is hinted"),
    ],
)
def test_unsafe_calls_get_a_hint_and_no_edit(tmp_path: Path, before: str, reason: str) -> None:
    root = _repo(tmp_path, before, grade="LOG")
    original = (root / "app.py").read_text()
    policy = load_policy(root / "tagaudit.yaml")
    result = run_fix([root], root, policy, select=frozenset({"TAG001", "TAG004"}), write=True)
    assert (root / "app.py").read_text() == original
    hints = [c.hint for f in result.files for c in f.calls]
    if hints:  # a **kwargs call is unverifiable, not flagged: nothing to fix at all
        assert hints[0].outcome == "hinted" and reason in (hints[0].reason or ""), hints
        assert hints[0].argument == 'requestMetadata={"team": "search", "cost_center": "cc-210"}'
        assert hints[0].line == 3


def test_a_key_without_a_policy_value_is_never_invented(tmp_path: Path) -> None:
    (tmp_path / "tagaudit.yaml").write_text(POLICY.format(grade="GW", extra="").replace(
        "cost_center: {}}", "cost_center: {}, use_case: {}}"))
    (tmp_path / "app.py").write_text("import litellm\nlitellm.completion(model='m', messages=[])\n")
    after, fixed = _fix(tmp_path)
    assert fixed == 1 and "use_case" not in after
    result = run_cli(["fix", str(tmp_path), "--no-cache"])
    assert result.exit_code == 1 and "no value for use_case" in result.stderr


def test_diff_writes_nothing_and_exit_codes(tmp_path: Path) -> None:
    root = _repo(tmp_path, "import litellm\nlitellm.completion(model='m', messages=[])\n")
    before = (root / "app.py").read_text()
    diff = run_cli(["fix", str(root), "--diff", "--no-cache"])
    code, out = diff.exit_code, diff.stdout
    assert code == 0 and out.startswith("--- a/app.py\n+++ b/app.py\n") and "+litellm.completion" in out
    assert (root / "app.py").read_text() == before
    assert run_cli(["fix", str(root), "--no-cache"]).exit_code == 0
    assert run_cli(["fix", str(root), "--no-cache", "--diff"]).stdout == ""
    assert run_cli(["fix", str(root), "--select", "TAG101"]).exit_code == 2


def test_a_file_that_does_not_parse_is_not_touched(tmp_path: Path) -> None:
    root = _repo(tmp_path, "import litellm\nlitellm.completion(model='m', messages=[])\n")
    (root / "bad.py").write_text("import litellm\nlitellm.completion(\n")
    assert run_cli(["fix", str(root), "--no-cache"]).exit_code == 1, "TAG901 remains"
    assert (root / "bad.py").read_text() == "import litellm\nlitellm.completion(\n"


def test_without_libcst_fix_exits_2_with_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "libcst" else real(name, *a))
    result = run_cli(["fix", str(tmp_path)])
    assert result.exit_code == 2 and "pip install 'tagaudit[fix]'" in result.stderr


CLIENT_ONLY_LEFT = [
    pytest.param("gateway: helicone", """
        from together import Together
        OPTS = {}
        client = Together(**OPTS)
        client.chat.completions.create(model="m", messages=[])
        """, "hinted", 3, "at the client's constructor, the call passes *args or **kwargs",
        id="a constructor passing **kwargs is left unedited, with the reason, on the constructor's line"),
    pytest.param("", """
        from huggingface_hub import InferenceClient
        InferenceClient().chat_completion(model="m", messages=[])
        """, "left", 2, "minimum grade",
        id="a header-only client with no gateway in the policy has nothing to write"),
    pytest.param("", """
        from langchain.chat_models import init_chat_model
        llm = init_chat_model("openai:gpt-4o")
        llm.invoke("x")
        """, "left", 3, "minimum grade",
        id="init_chat_model of another provider never gets Vertex labels, which its API would reject"),
    pytest.param("", """
        import dspy
        def ask(question, model):
            with dspy.context(lm=model):
                return dspy.Predict("question -> answer")(question=question)
        dspy.configure(lm=dspy.LM("openai/gpt-4o-mini", **{}))
        """, "hinted", 5, "the call passes *args or **kwargs",
        id="an LM construction passing **kwargs is hinted, not edited"),
]


@pytest.mark.parametrize(("extra", "before", "outcome", "line", "reason"), CLIENT_ONLY_LEFT)
def test_a_client_only_carrier_that_cannot_be_written_is_explained(
        tmp_path: Path, extra: str, before: str, outcome: str, line: int, reason: str) -> None:
    root = _repo(tmp_path, before, extra=extra)
    original = (root / "app.py").read_text()
    result = run_fix([root], root, load_policy(root / "tagaudit.yaml"), select=frozenset({"TAG001"}), write=True)
    assert (root / "app.py").read_text() == original
    hints = [c.hint for f in result.files for c in f.calls]
    assert [(h.outcome, h.line) for h in hints] == [(outcome, line)], hints
    assert reason in (hints[0].reason or ""), hints[0]


def test_a_predictor_call_points_at_the_lm_it_runs_on(tmp_path: Path) -> None:
    root = _repo(tmp_path, """
        import dspy
        qa = dspy.ChainOfThought("question -> answer")
        def ask(question):
            return qa(question=question)
        dspy.configure(lm=dspy.LM("openai/gpt-4o-mini"))
        """)
    result = run_fix([root], root, load_policy(root / "tagaudit.yaml"), select=frozenset({"TAG001"}), write=False)
    by_op = {c.operation: c.hint for f in result.files for c in f.calls}
    assert (by_op["LM(...)"].outcome, by_op["LM(...)"].line) == ("fixed", 5)
    assert by_op["__call__"].outcome == "left" and "tag that model's construction" in (by_op["__call__"].reason or "")


def test_a_client_built_in_another_module_gets_a_hint_naming_its_constructor(tmp_path: Path) -> None:
    root = _repo(tmp_path, """
        from clients import hf
        hf.chat_completion(model="m", messages=[])
        """, extra="gateway: litellm")
    (root / "clients.py").write_text("from huggingface_hub import InferenceClient\nhf = InferenceClient(token='t')\n")
    before = {p.name: p.read_text() for p in root.glob("*.py")}
    result = run_fix([root], root, load_policy(root / "tagaudit.yaml"), select=frozenset({"TAG001"}), write=True)
    assert {p.name: p.read_text() for p in root.glob("*.py")} == before
    [hint] = [c.hint for f in result.files for c in f.calls]
    assert (hint.outcome, hint.argument) == ("hinted", 'headers={"x-litellm-tags": "team:search,cost_center:cc-210"}')
    assert "client's constructor, which this file does not show" in (hint.reason or "")


def test_a_gapic_call_with_flattened_fields_never_gets_a_request_argument(tmp_path: Path) -> None:
    # GAPIC clients raise ValueError for `request` beside flattened fields: the edit would compile, then fail.
    root = _repo(tmp_path, """
        from google.cloud import aiplatform
        client = aiplatform.gapic.PredictionServiceClient()
        client.predict(endpoint="projects/p/locations/us-central1/publishers/google/models/imagen-3.0", instances=[])
        """, grade="BILL")
    original = (root / "app.py").read_text()
    policy = load_policy(root / "tagaudit.yaml")
    result = run_fix([root], root, policy, select=frozenset({"TAG001", "TAG004"}), write=True)
    assert (root / "app.py").read_text() == original
    [hint] = [c.hint for f in result.files for c in f.calls]
    assert hint.outcome == "hinted" and "GAPIC" in (hint.reason or ""), hint
    scanned = run_cli(["scan", str(root), "--format", "json", "--no-cache"])
    [finding] = [f for f in json.loads(scanned.stdout)["findings"] if f["rule"] == "TAG001"]
    assert finding["fix"]["kind"] == "hint" and "GAPIC" in finding["fix"]["reason"], finding["fix"]
