"""Documented behaviours that targeted mutations showed nothing else pins, each as a fires / does-not-fire pair.

Every pair is built so that a plausible mutation of the rule (`*` crossing `/`, last match wins, an
exact-only scope id, no showback downgrade, 17 metadata keys allowed, ...) makes one side fail.
Where each behaviour is documented: README.md (Policy, Rules, `inventory`), policies/policy.schema.json
and docs/rules.md.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from auditor.policy import Policy, load_policy
from auditor.scan.engine import run_scan
from tests.helpers import REPO, audit, ops

KEYS = "keys:\n  team: {}\n  cost_center: {}\n  use_case: {}\n  environment: {}\n"
ALL_TAGS = "{team: search, cost_center: cc-1, use_case: rank, environment: production}"
UNTAGGED = "from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"


def policy(tmp_path: Path, body: str) -> Policy:
    """A policy file as a user writes it, validated and compiled the way a scan loads it."""
    path = tmp_path / "tagaudit.yaml"
    path.write_text("version: 1\n" + KEYS + textwrap.dedent(body), encoding="utf-8")
    return load_policy(path)


def rules_at(code: str, pol: Policy, path: str, tmp_path: Path) -> list[str]:
    """The rules a real scan (file discovery, path scopes, evaluation) reports for `code` saved at `path`."""
    root = tmp_path / "repo"
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(code, encoding="utf-8")
    return [f.rule for f in run_scan([root], root, pol, workers=1).findings]


def tagaudit(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it; cwd is this checkout so `-m auditor` is the code under test."""
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=REPO, capture_output=True, text=True,
                          check=False, env={**os.environ, "NO_COLOR": "1"}, timeout=300)


# -- policy `paths`: glob syntax ------------------------------------------------------------------
# README, Policy: "`paths`: path scopes (`match` globs, first match wins) ... A glob without `/`
# matches a file name at any depth; `**` spans directories."
@pytest.mark.parametrize(
    ("match", "path", "excluded"),
    [
        pytest.param("src/*.py", "src/app.py", True, id="a star matches a file name in its own directory"),
        pytest.param("src/*.py", "src/sub/app.py", False, id="a star does not cross a slash into a subdirectory"),
        pytest.param("src/**", "src/sub/deeper/app.py", True, id="a double star spans directories"),
        pytest.param("legacy_*.py", "a/b/legacy_x.py", True, id="a glob without a slash matches a file name at any depth"),
        pytest.param("a/legacy_*.py", "b/a/legacy_x.py", False, id="a glob with a slash is anchored at the scan root"),
    ],
)
def test_path_globs(tmp_path: Path, match: str, path: str, excluded: bool) -> None:
    pol = policy(tmp_path, f"paths:\n  - match: '{match}'\n    mode: exclude\n")
    assert ("TAG001" not in rules_at(UNTAGGED, pol, path, tmp_path)) is excluded


# -- policy `paths`: the first matching rule wins -------------------------------------------------
@pytest.mark.parametrize(
    ("first", "second", "fires"),
    [
        pytest.param("svc/**", "svc/pay/**", False,
                     id="the broad rule listed first wins: svc/pay/x.py is excluded"),
        pytest.param("svc/pay/**", "svc/**", True,
                     id="the narrow rule listed first wins: svc/pay/x.py is enforced"),
    ],
)
def test_first_matching_path_rule_wins(tmp_path: Path, first: str, second: str, fires: bool) -> None:
    modes = {"svc/**": "exclude", "svc/pay/**": "enforce"}
    pol = policy(tmp_path, f"paths:\n  - match: '{first}'\n    mode: {modes[first]}\n"
                           f"  - match: '{second}'\n    mode: {modes[second]}\n")
    assert ("TAG001" in rules_at(UNTAGGED, pol, "svc/pay/x.py", tmp_path)) is fires


# -- `scope_map` ids may be globs -----------------------------------------------------------------
# README, Policy: "`scope_map`: {kind, id or env, tags} ... `id` may be a glob."
@pytest.mark.parametrize(
    ("project", "tagged"),
    [
        pytest.param("proj_team_search", True, id="a project matching the id glob gets the mapped tags"),
        pytest.param("proj_other", False, id="a project outside the id glob gets no tags"),
    ],
)
def test_scope_map_id_globs(tmp_path: Path, project: str, tagged: bool) -> None:
    pol = policy(tmp_path, f"scope_map:\n  - kind: openai_project\n    id: 'proj_team_*'\n    tags: {ALL_TAGS}\n")
    code = f"from openai import OpenAI\nOpenAI(project='{project}').chat.completions.create(model='m', messages=[])\n"
    calls, findings = audit(code, pol)
    assert (calls[0].status == "tagged") is tagged
    assert ("TAG001" in [f.rule for f in findings]) is not tagged


# -- showback mode: findings never block, but a file that cannot be read still fails closed --------
# README, Policy: "`showback` (only `showback_keys` required, findings never block)"; README, exit
# codes: files that mention an AI SDK but could not be parsed (TAG901) block: "tagaudit fails closed".
@pytest.mark.parametrize(
    ("mode", "source", "rule", "severity", "exit_code"),
    [
        pytest.param("enforce", UNTAGGED, "TAG001", "error", 1, id="enforce mode: a missing tag is a blocking error"),
        pytest.param("showback", UNTAGGED, "TAG001", "warning", 0,
                     id="showback mode: a missing tag is downgraded to a warning that never blocks"),
        pytest.param("showback", "import openai\ndef f(:\n", "TAG901", "error", 1,
                     id="showback mode: an unparsable SDK file (TAG9xx) is not downgraded and still blocks"),
    ],
)
def test_showback_downgrades_call_findings_but_not_tag9xx(
    tmp_path: Path, mode: str, source: str, rule: str, severity: str, exit_code: int
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "app.py").write_text(source, encoding="utf-8")
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(f"version: 1\nmode: {mode}\n{KEYS}showback_keys: [team]\n", encoding="utf-8")
    proc = tagaudit("scan", str(root), "--policy", str(policy_file), "--format", "json", "--no-cache")
    assert proc.returncode == exit_code, proc.stderr
    found = {(f["rule"], f["severity"], f["blocking"]) for f in json.loads(proc.stdout)["findings"]}
    assert (rule, severity, severity == "error") in found


# -- annotations resolve the client type ----------------------------------------------------------
# scanners/python/resolve.py: `OpenAI | None`, `Optional[OpenAI]`, `"OpenAI"` name the client class.
_ANNOTATED = """
from typing import Optional, Sequence
import typing
from openai import OpenAI
class Other: ...
def go(client: {annotation}):
    return client.chat.completions.create(model="m", messages=[])
"""


@pytest.mark.parametrize(
    ("annotation", "found"),
    [
        pytest.param("Optional[OpenAI]", True, id="an Optional[OpenAI] parameter is an OpenAI client"),
        pytest.param("typing.Optional[OpenAI]", True, id="a typing.Optional[OpenAI] parameter is an OpenAI client"),
        pytest.param("Optional[Other]", False, id="an Optional of another class is not a client"),
        pytest.param("Sequence[OpenAI]", False, id="a subscript other than Optional is not unwrapped"),
        pytest.param("OpenAI | None", True, id="an OpenAI | None parameter is an OpenAI client"),
        pytest.param("None | OpenAI", True, id="a None | OpenAI parameter is an OpenAI client"),
        pytest.param("'OpenAI | None'", True, id="a quoted OpenAI | None parameter is an OpenAI client"),
        pytest.param("Other | None", False, id="another class or None is not a client"),
    ],
)
def test_optional_annotations_resolve_the_client(annotation: str, found: bool) -> None:
    assert bool(ops(_ANNOTATED.format(annotation=annotation))) is found


# -- OpenAI `metadata`: at most 16 keys -----------------------------------------------------------
# README, Rules: TAG108 openai-metadata-over-limits (warning); docs/rules.md: "Reports OpenAI `metadata`
# with more than 16 pairs ... The API rejects the request."
def _metadata_call(n: int) -> str:
    keys = ["team", "cost_center", "use_case", "environment", *(f"extra_{i}" for i in range(n - 4))]
    pairs = ", ".join(f"{k!r}: 'v'" for k in keys)
    return ("from openai import OpenAI\n"
            f"OpenAI().chat.completions.create(model='m', messages=[], store=True, metadata={{{pairs}}})\n")


@pytest.mark.parametrize(
    ("keys", "over"),
    [
        pytest.param(16, False, id="16 metadata keys are within the limit"),
        pytest.param(17, True, id="17 metadata keys are over the limit and reported"),
    ],
)
def test_openai_metadata_16_key_limit(tmp_path: Path, keys: int, over: bool) -> None:
    pol = policy(tmp_path, "min_grade: OBJ\n")  # metadata is OBJ grade; let it count so only the limit differs
    calls, findings = audit(_metadata_call(keys), pol)
    limits = [f for f in findings if f.rule == "TAG108"]
    assert bool(limits) is over
    if over:
        (finding,) = limits
        assert finding.severity == "warning" and f"{keys} metadata keys (at most 16)" in finding.message
    else:
        assert calls[0].status == "tagged" and findings == []


# -- inventory: linking untagged spend pools to code ----------------------------------------------
# README, inventory: "A call site naming the pool's scope ... links with `high` confidence, the same
# provider and model with `medium`, the same provider alone with `low`. A call that names a different
# scope never links." auditor/inventory/match.py: low-confidence guesses only when nothing better exists.
_FOCUS_ROW = {
    "BilledCost": "10.00", "EffectiveCost": "10.00", "ListCost": "10.00", "ContractedCost": "10.00",
    "BillingAccountId": "acct", "BillingAccountName": "Acme", "BillingCurrency": "USD",
    "BillingPeriodStart": "2026-10-01T00:00:00Z", "BillingPeriodEnd": "2026-11-01T00:00:00Z",
    "ChargePeriodStart": "2026-10-05T00:00:00Z", "ChargePeriodEnd": "2026-10-06T00:00:00Z",
    "ChargeCategory": "Usage", "ChargeClass": "", "ChargeDescription": "gpt-4o, input",
    "InvoiceIssuerName": "OpenAI", "PricingQuantity": "1000", "PricingUnit": "Tokens",
    "ProviderName": "OpenAI", "PublisherName": "OpenAI", "ServiceCategory": "AI and Machine Learning",
    "ServiceName": "OpenAI API", "SubAccountId": "proj_a", "x_Model": "gpt-4o", "x_TokenType": "input",
    "Tags": "{}",
}
_CALLS = {
    "own_project": 'OpenAI(project="proj_a").chat.completions.create(model="gpt-4o", messages=q)',
    "other_project": 'OpenAI(project="proj_b").chat.completions.create(model="gpt-4o", messages=q)',
    "same_model": 'OpenAI().chat.completions.create(model="gpt-4o", messages=q)',
    "unknown_model": "OpenAI().chat.completions.create(model=m, messages=q)",
}


def _pool_links(tmp_path: Path, calls: list[str]) -> list[tuple[str, str]]:
    """(function, confidence) of each call site the one untagged pool (OpenAI proj_a, gpt-4o) links to."""
    app = tmp_path / "app"
    app.mkdir()
    body = "".join(f"\ndef {name}(q, m):\n    {_CALLS[name]}\n" for name in calls)
    (app / "llm.py").write_text("from openai import OpenAI\n" + body, encoding="utf-8")
    billing = tmp_path / "billing.csv"
    with billing.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(_FOCUS_ROW))
        writer.writeheader()
        writer.writerow(_FOCUS_ROW)
    proc = tagaudit("inventory", str(app), "--billing", str(billing), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (pool,) = json.loads(proc.stdout)["pools"]
    assert (pool["provider"], pool["sub_account_id"], pool["model"]) == ("openai", "proj_a", "gpt-4o")
    line_of = {4 + 3 * i: name for i, name in enumerate(calls)}
    return [(line_of[c["line"]], c["confidence"]) for c in pool["call_sites"]]


@pytest.mark.parametrize(
    ("calls", "links"),
    [
        pytest.param(["own_project"], [("own_project", "high")], id="a call naming the pool's project links high"),
        pytest.param(["other_project"], [], id="a call naming another project never links, even with the same model"),
    ],
)
def test_a_call_naming_a_different_scope_never_links(
    tmp_path: Path, calls: list[str], links: list[tuple[str, str]]
) -> None:
    assert _pool_links(tmp_path, calls) == links


@pytest.mark.parametrize(
    ("calls", "links"),
    [
        pytest.param(["unknown_model"], [("unknown_model", "low")],
                     id="a low-confidence guess is listed when nothing better exists"),
        pytest.param(["same_model", "unknown_model"], [("same_model", "medium")],
                     id="a low-confidence guess is dropped when a better link exists"),
    ],
)
def test_low_confidence_links_only_when_nothing_better(
    tmp_path: Path, calls: list[str], links: list[tuple[str, str]]
) -> None:
    assert _pool_links(tmp_path, calls) == links

