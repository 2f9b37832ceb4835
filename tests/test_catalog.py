"""The SDK catalog is valid data, and every family's VALID/INVALID examples behave as declared."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.policy import load_policy
from auditor.scan.engine import audit_file
from scanners.catalog import compile_catalog, load_catalog, read_family_files, validate_families
from scanners.python import scan_python
from scanners.python.checks import CHECKS

POLICY = load_policy(Path(__file__).parent / "data" / "catalog-policy.yaml")
FAMILIES = read_family_files()
EXAMPLES = [
    pytest.param(family["family"], ex, id=f"{family['family']}: {ex['name']}")
    for _, family in FAMILIES
    for ex in family["examples"]
]


def test_every_family_file_validates_against_the_catalog_schema() -> None:
    assert validate_families(FAMILIES) == []


def test_the_catalog_covers_every_sdk_family_of_the_inventory() -> None:
    families = {f["family"] for _, f in FAMILIES}
    assert {"openai", "anthropic", "bedrock", "google_genai", "vertexai", "google_generativeai", "litellm",
            "langchain", "llamaindex", "mistralai", "cohere", "groq", "together"} <= families


def test_every_check_named_in_the_catalog_exists() -> None:
    cat = load_catalog()
    named = {c for t in cat.types.values() for call in t.calls.values() for c in call.checks}
    named |= {c for t in cat.types.values() for c in t.checks}
    assert named <= set(CHECKS), named - set(CHECKS)


def test_a_schema_violation_is_reported_with_file_and_key_path() -> None:
    path, data = FAMILIES[0]
    broken = dict(data, types=[dict(data["types"][0], calls=[{"paths": ["x.y"], "carriers": [{"arg": "a", "kind": "nope"}]}])])
    problems = validate_families([(path, broken)])
    assert any(path.name in p and "types/0/calls/0/carriers/0/kind" in p for p in problems)


def test_every_family_has_a_tagged_and_an_untagged_example() -> None:
    for _, family in FAMILIES:
        statuses = {ex["expect"].get("status") for ex in family["examples"]}
        assert {"tagged", "untagged"} <= statuses, family["family"]


def test_free_methods_are_never_cost_incurring_calls() -> None:
    for t in load_catalog().types.values():
        assert not (t.free & set(t.calls)), t.id


@pytest.mark.parametrize("family, example", EXAMPLES)
def test_catalog_example(family: str, example: dict, tmp_path: Path) -> None:
    scan = scan_python("example.py", example["code"].encode(), load_catalog())
    assert scan.error is None, scan.error
    calls, findings = audit_file(scan, POLICY)
    expect = example["expect"]
    active = [f for f in findings if f.suppressed is None]
    if "calls" in expect:
        assert len(calls) == expect["calls"], [c.site.operation for c in calls]
    if not calls:
        return
    call = calls[0]
    if "status" in expect:
        assert call.status == expect["status"], [(t.key, t.state, t.grade, t.via) for t in call.tags]
    for field in ("operation", "provider", "model"):
        if field in expect:
            assert getattr(call.site, field) == expect[field]
    if "rules" in expect:
        assert sorted({f.rule for f in active}) == sorted(expect["rules"]), [f.message for f in active]
    for key, grade in expect.get("grades", {}).items():
        tag = next(t for t in call.tags if t.key == key)
        assert tag.grade == grade, (key, tag)


def test_compiled_catalog_indexes_constructors_and_module_instances() -> None:
    cat = compile_catalog(FAMILIES)
    assert "openai.OpenAI" in cat.constructors
    assert "openai" in cat.module_instances
    assert b"openai" in cat.tokens


def test_the_catalog_is_compiled_afresh_and_never_cached_as_a_pickle(tmp_path: Path, monkeypatch) -> None:
    from scanners import catalog as cat_mod

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cat_mod.load_catalog.cache_clear()
    first = cat_mod.load_catalog()
    assert not list(tmp_path.rglob("*")), "nothing is written to the user cache (tests/adversarial/test_state.py)"
    cat_mod.load_catalog.cache_clear()
    assert cat_mod.load_catalog().digest == first.digest == cat_mod.catalog_digest()
    cat_mod.load_catalog.cache_clear()


def test_the_cache_key_digest_changes_with_the_scanner_code(tmp_path: Path) -> None:
    """An editable tree keeps its version number: a resolver change must still invalidate cached results."""
    import shutil

    from scanners import catalog as cat_mod

    code = tmp_path / "python"
    shutil.copytree(cat_mod.SCANNER_CODE_DIR, code, ignore=shutil.ignore_patterns("__pycache__"))
    before = cat_mod.catalog_digest(code_dir=code)
    assert before == cat_mod.catalog_digest()
    (code / "resolve.py").write_text((code / "resolve.py").read_text() + "\n# a resolver change\n")
    assert cat_mod.catalog_digest(code_dir=code) != before
