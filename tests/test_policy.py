"""Policies: discovery order, validation with file/line/key path, and how they change verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.policy import discover_policy, load_policy, read_policy_file, validate_policy_data
from policies import DEFAULT_POLICY, POLICY_DIR
from scanners.errors import PolicyError, TagauditError
from tests.helpers import audit, calls_of

UNTAGGED = """
from openai import OpenAI
OpenAI().chat.completions.create(model="m", messages=[])
"""


def _problems(path: Path) -> list[str]:
    data, lines, _ = read_policy_file(path)
    return validate_policy_data(data, path, lines)


@pytest.mark.parametrize("path", sorted(POLICY_DIR.rglob("*.yaml")), ids=lambda p: p.name)
def test_every_packaged_policy_is_valid(path: Path) -> None:
    assert _problems(path) == []


def test_the_default_policy_requires_four_keys_at_gateway_grade() -> None:
    policy = load_policy(DEFAULT_POLICY)
    assert [k.name for k in policy.keys] == ["team", "cost_center", "use_case", "environment"]
    assert (policy.min_grade, policy.unverifiable) == ("GW", "warn")
    assert policy.canonical("Cost-Centre") == "cost_center"
    assert policy.canonical("responsible_team") == "team"
    assert policy.canonical("feature") == "use_case"
    assert policy.canonical("STAGE") == "environment"


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("version: 1\nkeys:\n  team:\n    min_grade: GWW\n",
                     ["keys.team.min_grade: 'GWW' is not one of BILL, SCOPE, GW, LOG, OBJ"], id="bad enum value"),
        pytest.param("version: 1\nkeys:\n  team: {}\nunverifable: warn\n",
                     ["4: unverifable: unknown key 'unverifable'; did you mean 'unverifiable'?"], id="misspelt key"),
        pytest.param("version: 2\nkeys:\n  team: {}\n", ["1: version: 1 was expected"], id="wrong version"),
        pytest.param("version: 1\nkeys:\n  team:\n    aliases: [owner]\n  owner_team:\n    aliases: [owner]\n",
                     ["alias 'owner' also names key 'team'"], id="an alias given to two keys"),
        pytest.param("version: 1\nkeys:\n  team:\n    pattern: '[a-'\n", ["4: keys.team.pattern: invalid regular"],
                     id="a pattern that does not compile"),
        pytest.param("version: 1\nkeys:\n  team: {}\nseverity:\n  TAG999: error\n", ["unknown rule 'TAG999'"],
                     id="severity for an unknown rule"),
        pytest.param("version: 1\nkeys:\n  team: {}\nscope_map:\n  - kind: openai_project\n    tags: {team: a}\n",
                     ["scope_map.0", "exactly one of `id` or `env`"], id="a scope without id or env"),
        pytest.param("version: 1\nkeys:\n  team: {}\nscope_map:\n  - kind: openai_project\n    id: p\n"
                     "    tags: {tem: a}\n", ["7: scope_map.0.tags.tem: 'tem' is not a policy key"],
                     id="a scope map tag that is not a key"),
        pytest.param("version: 1\nkeys:\n  team: [\n", ["(yaml)"], id="broken YAML"),
    ],
)
def test_policy_errors_name_file_line_key_path_and_fix(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = tmp_path / "tagaudit.yaml"
    path.write_text(text)
    try:
        problems = _problems(path)
    except PolicyError as exc:
        problems = exc.problems
    joined = "\n".join(problems)
    assert problems and all(p.startswith(f"{path}:") for p in problems), problems
    for fragment in expected:
        assert fragment in joined
    assert all(";" in p for p in problems), "every problem says how to fix it"


def test_a_broken_policy_refuses_to_scan(tmp_path: Path) -> None:
    (tmp_path / "tagaudit.yaml").write_text("version: 1\nkeys: {}\n")
    with pytest.raises(PolicyError):
        discover_policy(tmp_path)


def test_discovery_prefers_the_explicit_file_then_tagaudit_yaml_then_pyproject(tmp_path: Path) -> None:
    assert discover_policy(tmp_path).source == str(DEFAULT_POLICY)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.tagaudit]\nversion = 1\nname = "py"\n'
                                             '[tool.tagaudit.keys.team]\naliases = ["owner"]\n')
    assert discover_policy(tmp_path).name == "py"
    (tmp_path / "tagaudit.yaml").write_text("version: 1\nname: yml\nkeys:\n  team: {}\n")
    assert discover_policy(tmp_path).name == "yml"
    other = tmp_path / "other.yaml"
    other.write_text("version: 1\nname: explicit\nkeys:\n  team: {}\n")
    assert discover_policy(tmp_path, other).name == "explicit"
    with pytest.raises(TagauditError):
        discover_policy(tmp_path, tmp_path / "missing.yaml")


def test_pyproject_errors_point_into_the_tool_table(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\n\n[tool.tagaudit]\nversion = 1\nmin_grade = "SOMEWHERE"\n'
                    '[tool.tagaudit.keys.team]\n')
    with pytest.raises(PolicyError) as info:
        discover_policy(tmp_path)
    assert f"{path}:6: min_grade" in str(info.value)


def _policy(tmp_path: Path, text: str):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return load_policy(path)


def test_path_scopes_change_the_mode(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "version: 1\nkeys:\n  team: {}\n  cost_center: {}\npaths:\n"
                               "  - match: 'experiments/**'\n    mode: showback\n"
                               "  - match: ['tests/**', '**/test_*.py']\n    mode: exclude\n")
    assert policy.settings_for("experiments/a/b.py").mode == "showback"
    assert policy.settings_for("experiments/a/b.py").required == ("team",)
    assert policy.settings_for("tests/x.py").mode == "exclude"
    assert policy.settings_for("pkg/sub/test_x.py").mode == "exclude"
    assert policy.settings_for("src/app.py").mode == "enforce"
    _, findings = audit(UNTAGGED, policy, path="experiments/nb.py")
    assert findings and all(f.severity == "warning" and not f.blocking for f in findings)
    _, findings = audit(UNTAGGED, policy, path="src/app.py")
    assert any(f.blocking for f in findings)


@pytest.mark.parametrize("action, severity", [("error", "error"), ("warn", "warning"), ("ignore", None)])
def test_unverifiable_tags_follow_the_policy(tmp_path: Path, action: str, severity: str | None) -> None:
    policy = _policy(tmp_path, f"version: 1\nkeys:\n  team: {{}}\nunverifiable: {action}\n")
    _, findings = audit("""
        from openai import OpenAI
        def go(**kw):
            OpenAI().chat.completions.create(model="m", messages=[], **kw)
        """, policy)
    assert [f.severity for f in findings if f.rule == "TAG003"] == ([severity] if severity else [])


def test_allowed_values_and_patterns_are_enforced(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "version: 1\nkeys:\n  team:\n    pattern: '^[a-z]+$'\n"
                               "  environment:\n    allowed: [production, staging]\n")
    _, findings = audit("""
        from openai import OpenAI
        OpenAI().chat.completions.create(model="m", messages=[], extra_headers={
            "Helicone-Property-Team": "Payments", "Helicone-Property-Environment": "prd"})
        """, policy)
    messages = [f.message for f in findings if f.rule == "TAG002"]
    assert len(messages) == 2 and "'prd'" in " ".join(messages) and "must match" in " ".join(messages)


def test_a_per_key_minimum_grade_overrides_the_policy_minimum(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "version: 1\nmin_grade: OBJ\nkeys:\n  team:\n    min_grade: BILL\n  environment: {}\n")
    (call,) = calls_of("""
        from openai import OpenAI
        OpenAI().chat.completions.create(model="m", messages=[], store=True, metadata={"team": "a", "env": "b"})
        """, policy)
    assert {t.key: t.problem for t in call.tags} == {"team": "too_weak", "environment": None}


def test_severity_overrides_and_off(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "version: 1\nkeys:\n  team: {}\nseverity:\n  TAG001: warning\n  TAG101: 'off'\n")
    _, findings = audit("""
        from openai import OpenAI
        OpenAI().chat.completions.create(model="m", messages=[], metadata={"x": "y"})
        """, policy)
    assert [(f.rule, f.severity) for f in findings] == [("TAG001", "warning")]


def test_two_findings_of_one_rule_on_one_call_have_distinct_fingerprints(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "version: 1\nkeys:\n  team:\n    allowed: [a]\n  environment:\n    allowed: [b]\n")
    _, findings = audit("""
        from openai import OpenAI
        OpenAI().chat.completions.create(model="m", messages=[], extra_headers={
            "Helicone-Property-Team": "x", "Helicone-Property-Environment": "y"})
        """, policy)
    prints = [f.fingerprint for f in findings if f.rule == "TAG002"]
    assert len(prints) == 2 and len(set(prints)) == 2


def test_a_validated_policy_is_remembered_only_for_its_exact_bytes(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = tmp_path / "tagaudit.yaml"
    path.write_text("version: 1\nkeys:\n  team: {}\n")
    assert discover_policy(tmp_path, cache_dir=cache).name == "tagaudit"
    assert len(list((cache / "policies").glob("*.ok"))) == 1
    assert discover_policy(tmp_path, cache_dir=cache).name == "tagaudit"
    path.write_text("version: 1\nkeys:\n  team: {min_grade: NOPE}\n")
    with pytest.raises(PolicyError):
        discover_policy(tmp_path, cache_dir=cache)


_CACHED_POLICY = """\
version: 1
name: cached
keys: {team: {aliases: [owner]}, env: {}}
paths:
  - match: ["services/*/jobs/**", "!services/legacy/**"]
    mode: showback
  - match: ["libs/**"]
    required: [team]
"""


def test_a_policy_the_sealed_cache_holds_compiles_the_same_without_yaml_or_pathspec(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "tagaudit.yaml").write_text(_CACHED_POLICY)
    cache = tmp_path / ".tagaudit-cache"
    fresh = load_policy(tmp_path / "tagaudit.yaml", cache_dir=cache)
    probe = (
        "import sys; from pathlib import Path; from auditor.policy import load_policy\n"
        f"p = load_policy(Path({str(tmp_path / 'tagaudit.yaml')!r}), cache_dir=Path({str(cache)!r}))\n"
        "paths = ['services/a/jobs/x.py', 'services/legacy/jobs/y.py', 'libs/z.py', 'app.py']\n"
        "print(p.digest, [p.settings_for(x).mode for x in paths], [p.settings_for(x).required for x in paths])\n"
        "print('yaml' in sys.modules, 'pathspec' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.splitlines()
    paths = ["services/a/jobs/x.py", "services/legacy/jobs/y.py", "libs/z.py", "app.py"]
    assert out[0] == f"{fresh.digest} {[fresh.settings_for(x).mode for x in paths]} " \
                     f"{[fresh.settings_for(x).required for x in paths]}"
    # The `!` rule has no single regex, so its matcher needs pathspec; the policy itself needs no YAML.
    assert out[1] == "False True"
    (tmp_path / "tagaudit.yaml").write_text(_CACHED_POLICY.replace(', "!services/legacy/**"', ""))
    load_policy(tmp_path / "tagaudit.yaml", cache_dir=cache)
    out = subprocess.run([sys.executable, "-c", probe.replace("cached", "cached")], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[1] == "False False"


def test_a_forged_policy_cache_entry_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "tagaudit.yaml").write_text(_CACHED_POLICY)
    cache = tmp_path / ".tagaudit-cache"
    fresh = load_policy(tmp_path / "tagaudit.yaml", cache_dir=cache)
    [marker] = (cache / "policies").glob("*.ok")
    head, _, body = marker.read_bytes().partition(b"\n")
    marker.write_bytes(head + b"\n" + body.replace(b'"showback"', b'"enforce"'))  # body edited, MAC kept
    again = load_policy(tmp_path / "tagaudit.yaml", cache_dir=cache)
    assert again.settings_for("services/a/jobs/x.py").mode == "showback" == fresh.settings_for("services/a/jobs/x.py").mode
    marker.write_bytes(b"not sealed at all")
    assert load_policy(tmp_path / "tagaudit.yaml", cache_dir=cache).digest == fresh.digest
