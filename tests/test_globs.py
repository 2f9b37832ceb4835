"""One implementation per glob semantics, each with fires / does-not-fire pairs.

- policy path globs (auditor/globs.py): gitignore rules via pathspec;
- id and host wildcards (scanners/wildcard.py): `*` any run (across `/` and `.`), `?` one character, and
  the Python match agrees with DuckDB's LIKE on the same translation;
- CODEOWNERS patterns (auditor/owners/codeowners.py): pathspec plus CODEOWNERS' documented exceptions.
"""

from __future__ import annotations

import pytest

from auditor.globs import compile_globs
from auditor.owners.codeowners import parse_codeowners, pattern_regex
from scanners import wildcard


@pytest.mark.parametrize(
    ("globs", "path", "hit"),
    [
        pytest.param(["src/*.py"], "src/app.py", True, id="star within a directory"),
        pytest.param(["src/*.py"], "src/sub/app.py", False, id="star does not cross a slash"),
        pytest.param(["src/**"], "src/a/b/c.py", True, id="double star spans directories"),
        pytest.param(["src/**"], "lib/src/a.py", False, id="a glob with a slash is anchored"),
        pytest.param(["legacy_*.py"], "a/b/legacy_x.py", True, id="no slash: a name at any depth"),
        pytest.param(["legacy_*.py"], "a/b/new_x.py", False, id="no slash: other names do not match"),
        pytest.param(["tests/"], "pkg/tests/test_a.py", True, id="trailing slash: a directory anywhere"),
        pytest.param(["tests/"], "pkg/tests.py", False, id="trailing slash: not a file of that name"),
        pytest.param(["./src/**"], "src/a.py", True, id="a leading ./ is the root"),
        pytest.param(["./src/**"], "x/src/a.py", False, id="a leading ./ anchors"),
        pytest.param(["src/**", "!src/gen/**"], "src/app.py", True, id="negation keeps the rest"),
        pytest.param(["src/**", "!src/gen/**"], "src/gen/x.py", False, id="negation re-excludes"),
        pytest.param(["a/**/b.py"], "a/b.py", True, id="inner double star may match nothing"),
        pytest.param(["f?o.py"], "fo.py", False, id="question mark is exactly one character"),
        pytest.param([], "a.py", False, id="no globs match nothing"),
    ],
)
def test_path_globs(globs: list[str], path: str, hit: bool) -> None:
    assert compile_globs(globs)(path) is hit


@pytest.mark.parametrize(
    ("value", "glob", "hit"),
    [
        pytest.param("proj_team_search", "proj_team_*", True, id="star matches any run"),
        pytest.param("proj_other", "proj_team_*", False, id="star needs the literal prefix"),
        pytest.param("arn:aws:bedrock:us-east-1:1:application-inference-profile/abc",
                     "arn:aws:bedrock:*:1:application-inference-profile/*", True, id="star crosses a slash"),
        pytest.param("arn:aws:bedrock:us-east-1:2:application-inference-profile/abc",
                     "arn:aws:bedrock:*:1:application-inference-profile/*", False, id="ARN account differs"),
        pytest.param("PROJ_A", "proj_?", True, id="case-insensitive, question mark one char"),
        pytest.param("proj_ab", "proj_?", False, id="question mark is exactly one"),
        pytest.param("proj%x", "proj%x", True, id="LIKE's percent is literal"),
        pytest.param("projabcx", "proj%x", False, id="percent is not a wildcard"),
        pytest.param("a_b", "a_b", True, id="LIKE's underscore is literal"),
        pytest.param("axb", "a_b", False, id="underscore is not a wildcard"),
        pytest.param("a[1]", "a[1]", True, id="brackets are literal"),
        pytest.param("a1", "a[1]", False, id="brackets are not a character class"),
        pytest.param("my.openai.azure.com", "*.openai.azure.com", True, id="host: star over labels"),
        pytest.param("a.b.helicone.ai", "*.helicone.ai", True, id="host: star crosses dots"),
        pytest.param("helicone.ai", "*.helicone.ai", False, id="host: the dot is literal"),
        pytest.param("bedrock-runtime.us-east-1.amazonaws.com", "bedrock-runtime.*.amazonaws.com", True,
                     id="host: inner star"),
        pytest.param("evil.com/bedrock-runtime.x.amazonaws.com", "bedrock-runtime.*.amazonaws.com", False,
                     id="host: anchored at both ends"),
    ],
)
def test_wildcards(value: str, glob: str, hit: bool) -> None:
    assert wildcard.matches(value, glob) is hit


@pytest.mark.parametrize(
    ("value", "glob"),
    [("proj_team_search", "proj_team_*"), ("proj_other", "proj_team_*"), ("a/b:c", "a*c"), ("proj%x", "proj%x"),
     ("projabcx", "proj%x"), ("axb", "a_b"), ("a\\b", "a\\b"), ("ab", "a\\b"), ("X.Y", "x.?"), ("line\nx", "line*")],
)
def test_wildcards_agree_with_duckdb_like(value: str, glob: str) -> None:
    duckdb = pytest.importorskip("duckdb")
    sql = duckdb.execute("SELECT lower(?) LIKE ? ESCAPE '\\'", [value, wildcard.to_like(glob)]).fetchone()
    assert sql is not None and bool(sql[0]) is wildcard.matches(value, glob)


@pytest.mark.parametrize(
    ("pattern", "path", "owned"),
    [
        pytest.param("docs/*", "docs/a.md", True, id="final lone star owns direct children"),
        pytest.param("docs/*", "docs/sub/b.md", False, id="final lone star: not nested (unlike gitignore)"),
        pytest.param("**/docs/*", "a/docs/b.md", True, id="final lone star after double star"),
        pytest.param("**/docs/*", "a/docs/b/c.md", False, id="final lone star after double star: not nested"),
        pytest.param("[ab].md", "[ab].md", True, id="brackets are literal"),
        pytest.param("[ab].md", "a.md", False, id="no character ranges"),
        pytest.param("\\#notes.md", "x/#notes.md", True, id="escaped hash is a literal hash"),
        pytest.param("\\#notes.md", "x/notes.md", False, id="escaped hash is required"),
        pytest.param("/src/", "src/a/b.py", True, id="rooted directory owns everything below"),
        pytest.param("/src/", "lib/src/a.py", False, id="rooted directory is anchored"),
    ],
)
def test_codeowners_patterns(pattern: str, path: str, owned: bool) -> None:
    assert bool(pattern_regex(pattern).match(path)) is owned


def test_codeowners_gitlab_sections_stay_with_the_parser() -> None:
    owners = parse_codeowners("[Docs] @acme/docs\ndocs/\n!docs/internal/\n^[Backup] @acme/backup\n*\n")
    assert owners.owner_of("docs/a.md") == "@acme/docs"
    assert owners.owner_of("docs/internal/x.md") == "@acme/backup"  # excluded from [Docs]; optional fallback
    assert owners.owner_of("src/a.py") == "@acme/backup"


def test_codeowners_pattern_that_matches_nothing_is_a_problem() -> None:
    assert parse_codeowners("/ @acme/all\n").problems
