"""Policy tag values for `tagaudit fix`: `paths[].tags`, the `owners` map and `gateway`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from auditor.policy import GATEWAYS, load_policy, read_policy_file, validate_policy_data
from policies import SCHEMA_PATH

HEAD = """
version: 1
keys:
  team: {aliases: [owner]}
  cost_center: {pattern: "cc-[0-9]+"}
  environment: {allowed: [production, staging]}
"""


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "tagaudit.yaml"
    path.write_text(HEAD + textwrap.dedent(body))
    return path


def _problems(path: Path) -> list[str]:
    data, lines, _ = read_policy_file(path)
    return validate_policy_data(data, path, lines)


def test_the_first_matching_scope_with_tags_gives_the_values(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, """
        paths:
          - {match: ["legacy/**"], mode: showback}
          - {match: ["services/search/**"], tags: {owner: search, cost_center: cc-210}}
          - {match: ["services/**"], tags: {team: platform, environment: production}}
    """))
    assert policy.tag_values("services/search/api.py") == {"team": "search", "cost_center": "cc-210"}
    assert policy.tag_values("services/billing/api.py") == {"team": "platform", "environment": "production"}
    assert policy.tag_values("legacy/old.py") == {}, "a scope without tags gives none, and nothing is invented"


def test_owner_tags_apply_under_path_tags(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, """
        owners:
          "@acme/search": {team: search, environment: staging}
          "@acme/infra": {team: infra}
        paths:
          - {match: ["services/**"], tags: {environment: production}}
    """))
    values = policy.tag_values("services/a.py", ("@someone", "@acme/search", "@acme/infra"))
    assert values == {"team": "search", "environment": "production"}
    assert policy.tag_values("lib/a.py", ("@acme/infra",)) == {"team": "infra"}
    assert policy.tag_values("lib/a.py", ("@nobody",)) == {}


def test_gateway_is_read(tmp_path: Path) -> None:
    assert load_policy(_write(tmp_path, "gateway: helicone\n")).gateway == "helicone"
    assert load_policy(_write(tmp_path, "\n")).gateway is None


def test_the_schema_accepts_exactly_the_gateway_literal() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    assert tuple(schema["properties"]["gateway"]["enum"]) == GATEWAYS


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("paths: [{match: a/**, tags: {squad: x}}]\n", "paths.0.tags.squad: 'squad' is not a policy key",
                     id="an unknown key in path tags is refused"),
        pytest.param("owners: {'@a': {environment: prod}}\n", "owners.@a.environment: 'prod' is not an allowed",
                     id="an owner value outside the allowed list is refused"),
        pytest.param("paths: [{match: a/**, tags: {cost_center: '210'}}]\n", "does not match the cost_center pattern",
                     id="a path value that breaks the key's pattern is refused"),
        pytest.param("paths: [{match: a/**, tags: {team: ''}}]\n", "paths.0.tags.team",
                     id="an empty value is refused"),
        pytest.param("gateway: kong\n", "gateway: 'kong' is not one of helicone", id="an unknown gateway is refused"),
    ],
)
def test_bad_tag_values_are_reported_with_their_line(tmp_path: Path, body: str, expected: str) -> None:
    problems = _problems(_write(tmp_path, body))
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(f"{tmp_path / 'tagaudit.yaml'}:") for p in problems)


def test_valid_tag_values_pass(tmp_path: Path) -> None:
    path = _write(tmp_path, """
        gateway: portkey
        owners: {"@acme/search": {team: search}}
        paths: [{match: ["a/**"], tags: {team: a, cost_center: cc-1, environment: staging}}]
    """)
    assert _problems(path) == []
