"""The Literal types are the one source of each closed set of values (issue 8).

The schemas that accept these values from files must accept exactly the Literal's values; a value outside
them, whether from a sealed cache entry or a policy, is refused (rescanned, or a clear error).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from auditor.policy import (
    ACTIONS,
    POLICY_GRADES,
    POLICY_MODES,
    SEVERITY_OVERRIDES,
    compile_policy,
)
from auditor.records import CALL_STATUSES, SEVERITIES
from auditor.rules import RULES
from auditor.scan.cache import KEY_ENV, ResultCache, entry_context, seal
from policies import SCHEMA_PATH as POLICY_SCHEMA
from scanners.catalog import SCHEMA_PATH as CATALOG_SCHEMA
from scanners.catalog import load_catalog
from scanners.errors import TagauditError, one_of
from scanners.python import scan_python
from scanners.records import GRADE_RANK, GRADES

SECRET = "ab" * 32
SOURCE = b"""import openai

client = openai.OpenAI(default_headers={"x-team": "search"})
client.chat.completions.create(model="gpt-4o", messages=[], metadata={"team": "search"})
"""


def _schema(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


# -- one source: the schemas accept exactly the Literal values -------------------------------
def test_the_catalog_schema_accepts_exactly_the_grades_and_call_statuses() -> None:
    schema = _schema(CATALOG_SCHEMA)
    assert tuple(schema["$defs"]["grade"]["enum"]) == GRADES
    expect = schema["$defs"]["example"]["properties"]["expect"]["properties"]
    assert tuple(expect["status"]["enum"]) == CALL_STATUSES


def test_grade_rank_orders_every_grade_and_trace_never_counts() -> None:
    assert set(GRADE_RANK) == set(GRADES)
    assert [GRADE_RANK[g] for g in GRADES[:-1]] == sorted((GRADE_RANK[g] for g in GRADES[:-1]), reverse=True)
    assert GRADE_RANK["TRACE"] == 0


def test_the_policy_schema_accepts_exactly_the_policy_literals() -> None:
    schema = _schema(POLICY_SCHEMA)
    defs = schema["$defs"]
    assert tuple(defs["grade"]["enum"]) == POLICY_GRADES
    assert tuple(defs["mode"]["enum"]) == POLICY_MODES
    assert tuple(defs["action"]["enum"]) == ACTIONS
    assert tuple(schema["properties"]["severity"]["additionalProperties"]["enum"]) == SEVERITY_OVERRIDES
    assert set(POLICY_GRADES) == set(GRADES) - {"TRACE"}
    assert set(SEVERITY_OVERRIDES) == {*SEVERITIES, "off"}


def test_every_rule_has_a_severity_the_finding_type_allows() -> None:
    assert {rule.severity for rule in RULES.values()} <= set(SEVERITIES)


# -- a stored out-of-range value is rescanned, through the real sealed cache --------------------
@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ResultCache:
    monkeypatch.setenv(KEY_ENV, SECRET)
    return ResultCache(tmp_path / "cache")


def _entry(cache: ResultCache, key: str) -> Path:
    (entry,) = (cache.dir / key[:2]).glob(f"{key}.py.json")
    return entry


def _reseal(cache: ResultCache, key: str, body: dict[str, Any]) -> None:
    """Write `body` sealed with the user's own key: only the shape check stands between it and the scan."""
    blob = seal(entry_context(key, "py"), json.dumps(body).encode(), secret=bytes.fromhex(SECRET))
    assert blob is not None
    _entry(cache, key).write_bytes(blob)


def _stored(cache: ResultCache, key: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(_entry(cache, key).read_bytes().partition(b"\n")[2])
    return body


@pytest.mark.parametrize(("where", "value"), [
    ("site kind", "constructor"),
    ("grade", "PLATINUM"),
    ("grade", "bill"),
    ("state", "maybe"),
    ("level", "module"),
    ("error kind", "timeout"),
])
def test_a_sealed_entry_with_an_out_of_range_value_is_rescanned(cache: ResultCache, where: str, value: str) -> None:
    key = "ab" + "0" * 38
    scan = scan_python("app.py", SOURCE if where != "error kind" else b"def (:\n", load_catalog())
    cache.put(key, scan)
    assert cache.get(key, "app.py") == scan  # the genuine entry round-trips
    body = _stored(cache, key)
    assert body["error"] if where == "error kind" else body["sites"][0]["evidence"]
    if where == "error kind":
        body["error"][0] = value
    elif where == "site kind":
        body["sites"][0]["kind"] = value
    else:
        column = {"grade": 1, "state": 4, "level": 8}[where]
        body["sites"][0]["evidence"][0][column] = value
    _reseal(cache, key, body)
    assert cache.get(key, "app.py") is None


# -- a bad value in a policy is a clear error ----------------------------------------------------
@pytest.mark.parametrize(("field", "value", "what"), [
    ("mode", "enforced", "mode 'enforced'"),
    ("min_grade", "TRACE", "min_grade 'TRACE'"),
    ("unverifiable", "fail", "unverifiable 'fail'"),
    ("severity", {"TAG001": "fatal"}, "severity.TAG001 'fatal'"),
])
def test_a_policy_compiled_with_a_bad_value_names_it_and_the_choices(field: str, value: object, what: str) -> None:
    data = {"keys": {"team": {}}, field: value}
    with pytest.raises(TagauditError) as caught:
        compile_policy(data, "tagaudit.yaml")
    assert str(caught.value).startswith(f"tagaudit.yaml: {what} is not one of ")


def test_a_policy_file_with_a_bad_mode_fails_the_scan_with_exit_2(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "app.py").write_bytes(SOURCE)
    (tmp_path / "tagaudit.yaml").write_text("version: 1\nkeys: {team: {}}\nmode: enforced\n", encoding="utf-8")
    assert main(["scan", str(tmp_path), "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert "tagaudit.yaml:3: mode: 'enforced' is not one of enforce, showback, exclude" in err


def test_one_of_returns_the_allowed_value_and_refuses_lookalikes() -> None:
    assert one_of("GW", GRADES, what="grade") == "GW"
    for bad in ("gw", "GW ", 1, None, ["GW"]):
        with pytest.raises(TagauditError, match="is not one of BILL, SCOPE, GW, LOG, OBJ, TRACE"):
            one_of(bad, GRADES, what="grade")
