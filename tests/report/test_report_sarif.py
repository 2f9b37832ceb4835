"""SARIF: valid against the published OASIS schema, carrying what GitHub code scanning needs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from report_sample import DATA, build_report

from auditor.records import Report
from auditor.report.sarif import FINGERPRINT_KEY, line_hashes, render_sarif
from auditor.rules import RULES

SCHEMA = DATA / "sarif-schema-2.1.0.json"


def _log(report: Report, **options: Any) -> dict[str, Any]:
    return json.loads(render_sarif(report, **options))  # type: ignore[no-any-return]


def test_sarif_validates_against_the_published_schema(report: Report, source_root: Path) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(_log(report, source_root=source_root)), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_sarif_rules_carry_every_field_github_reads(report: Report) -> None:
    driver = _log(report)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "tagaudit" and driver["semanticVersion"] and driver["informationUri"]
    assert [r["id"] for r in driver["rules"]] == list(RULES)
    for rule in driver["rules"]:
        for text in (
            rule["name"],
            rule["shortDescription"]["text"],
            rule["fullDescription"]["text"],
            rule["help"]["text"],
            rule["help"]["markdown"],
        ):
            assert text.strip(), f"{rule['id']}: GitHub rejects empty strings"
        assert len(rule["shortDescription"]["text"]) <= 1024 and len(rule["fullDescription"]["text"]) <= 1024
        assert rule["helpUri"].endswith(f"#{rule['id'].lower()}")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        props = rule["properties"]
        assert props["tags"] and props["precision"] in ("very-high", "high", "medium", "low")
        assert props["problem.severity"] in ("error", "warning", "recommendation")


def test_every_result_points_at_its_rule_and_a_repo_relative_region(report: Report) -> None:
    run = _log(report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["automationDetails"]["id"] and "%SRCROOT%" in run["originalUriBaseIds"]
    assert len(run["results"]) == len(report.findings)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not loc["artifactLocation"]["uri"].startswith(("/", "file:"))
        region = loc["region"]
        assert (region["endLine"], region["endColumn"]) > (region["startLine"], region["startColumn"])


def test_non_ascii_paths_are_percent_encoded_uris(report: Report) -> None:
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in _log(report)["runs"][0]["results"]
    }
    assert "src/caf%C3%A9/na%C3%AFve.py" in uris


def test_suppressed_findings_keep_their_justification_and_kind(report: Report) -> None:
    sups = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["suppressions"][0]
        for r in _log(report)["runs"][0]["results"]
        if "suppressions" in r
    }
    assert sups["src/caf%C3%A9/na%C3%AFve.py"]["kind"] == "inSource"
    assert sups["src/caf%C3%A9/na%C3%AFve.py"]["justification"].startswith("nightly batch")
    assert sups["src/legacy/old.py"]["kind"] == "external"
    assert sups["src/legacy/old.py"]["justification"] == "accepted in the Q3 audit; retire with Legacy"


def test_baseline_state_is_inferred_only_when_a_baseline_was_used(report: Report) -> None:
    states = {
        r["fingerprints"][FINGERPRINT_KEY]: r.get("baselineState") for r in _log(report)["runs"][0]["results"]
    }
    assert set(states.values()) == {"new", "unchanged"}
    no_baseline = replace(
        report,
        findings=tuple(f for f in report.findings if f.suppressed is None or f.suppressed.kind != "baseline"),
    )
    assert all("baselineState" not in r for r in _log(no_baseline)["runs"][0]["results"])


def test_identity_does_not_move_with_line_numbers(report: Report) -> None:
    moved = replace(
        report,
        findings=tuple(replace(f, line=f.line + 30, end_line=f.end_line + 30) for f in report.findings),
    )

    def ids(r: Report) -> list[str]:
        return sorted(res["fingerprints"][FINGERPRINT_KEY] for res in _log(r)["runs"][0]["results"])

    assert ids(moved) == ids(report)
    assert len(set(ids(report))) == len(report.findings), "two findings of one rule on one call stay distinct"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", ["c129715d7a2bc9a3:1"], id="an empty file has one line"),
        pytest.param(
            " a\nb\n  \t\tc\n d",
            ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
            id="leading blanks are skipped",
        ),
        pytest.param(
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            [
                "e9496ae3ebfced30:1",
                "fb7c023a8b9ccb3f:1",
                "ce8ba1a563dcdaca:1",
                "e20e36e16fcb0cc8:1",
                "b3edc88f2938467e:1",
                "c8e28b0b4002a3a0:1",
                "c129715d7a2bc9a3:1",
            ],
            id="CRLF counts as LF",
        ),
        pytest.param(
            "Lorem ipsum dolor sit amet.\n" * 10,
            [
                "a7f2ff13bc495cf2:1",
                "a7f2ff13bc495cf2:2",
                "a7f2ff13bc495cf2:3",
                "a7f2ff13bc495cf2:4",
                "a7f2ff13bc495cf2:5",
                "a7f2ff13bc495cf2:6",
                "a7f2ff1481e87703:1",
                "a9cf91f7bbf1862b:1",
                "55ec222b86bcae53:1",
                "cc97dc7b1d7d8f7b:1",
                "c129715d7a2bc9a3:1",
            ],
            id="repeated lines are numbered",
        ),
    ],
)
def test_line_hash_matches_github_upload_sarif(text: str, expected: list[str]) -> None:
    # Expected values: the test vectors of github/codeql-action src/fingerprints.test.ts.
    hashes = line_hashes(text)
    assert [hashes[n] for n in range(1, len(hashes) + 1)] == expected
    assert line_hashes(text, {2}) == ({2: expected[1]} if len(expected) > 1 else {})


def test_line_hashes_come_from_the_sources_and_are_omitted_where_unreadable(
    report: Report, source_root: Path
) -> None:
    results = _log(report, source_root=source_root)["runs"][0]["results"]
    by_uri = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in results}
    llm = (source_root / "src/app/llm.py").read_text(encoding="utf-8")
    assert (
        by_uri["src/app/llm.py"]["partialFingerprints"]["primaryLocationLineHash"]
        == line_hashes(llm)[
            by_uri["src/app/llm.py"]["locations"][0]["physicalLocation"]["region"]["startLine"]
        ]
    )
    assert "partialFingerprints" not in by_uri["src/legacy/old.py"], "no source, so upload-sarif computes it"
    assert all(
        "partialFingerprints" not in r
        for r in _log(report)["runs"][0]["results"]
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(".py")
    )


def test_notebook_findings_point_at_the_notebook_and_name_the_cell(report: Report) -> None:
    nb = [
        r
        for r in _log(report)["runs"][0]["results"]
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "notebooks/explore.ipynb"
    ]
    assert len(nb) == 1
    result = nb[0]
    assert result["message"]["text"].startswith("cell 3, line 2: ")
    assert result["properties"]["notebookCell"] == 3 and result["properties"]["cellLine"] == 2
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    # A content hash of the notebook's first line would merge every alert in the notebook into one.
    assert result["partialFingerprints"]["primaryLocationLineHash"].startswith(
        result["fingerprints"][FINGERPRINT_KEY]
    )


def test_an_empty_report_is_still_a_valid_log() -> None:
    empty = replace(build_report(), calls=(), findings=(), errors=())
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    log = _log(empty)
    Draft4Validator(schema).validate(log)
    assert log["runs"][0]["results"] == []
