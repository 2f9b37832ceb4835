"""CODEOWNERS: GitHub pattern semantics, last match wins, GitLab sections, strict line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.owners.codeowners import CodeOwnersError, load_codeowners, parse_codeowners, pattern_regex
from scanners.errors import EXIT_USAGE


@pytest.mark.parametrize(
    ("pattern", "path", "owned"),
    [
        pytest.param("*.js", "src/deep/app.js", True, id="an extension glob matches at any depth"),
        pytest.param("*.js", "src/app.jsx", False, id="an extension glob does not match a longer extension"),
        pytest.param(
            "apps/", "x/apps/y/z.py", True, id="a directory pattern matches that directory anywhere"
        ),
        pytest.param("apps/", "apps", False, id="a directory pattern does not match a file of that name"),
        pytest.param("/docs/", "docs/a/b.md", True, id="a rooted directory owns everything below it"),
        pytest.param("/docs/", "src/docs/a.md", False, id="a rooted directory does not match deeper down"),
        pytest.param("docs", "src/docs/a.md", True, id="a bare name owns a directory of that name anywhere"),
        pytest.param("src/api", "lib/src/api/x.py", False, id="an inner slash anchors at the root"),
        pytest.param("docs/*", "docs/a.md", True, id="a trailing star owns direct children"),
        pytest.param("docs/*", "docs/sub/b.md", False, id="a trailing star does not own nested files"),
        pytest.param("docs/**", "docs/sub/b.md", True, id="a trailing double star owns nested files"),
        pytest.param("**/logs", "a/b/logs/x.log", True, id="a leading double star matches any depth"),
        pytest.param("a/**/b", "a/b", True, id="an inner double star may match no directory"),
        pytest.param("a/**/b", "a/x/y/b/c", True, id="an inner double star spans directories"),
        pytest.param("/*", "top.py", True, id="a rooted star matches files at the root"),
        pytest.param("/*", "src/top.py", False, id="a rooted star does not match below the root"),
        pytest.param("f?o.py", "foo.py", True, id="a question mark is one character"),
        pytest.param("f?o.py", "fo.py", False, id="a question mark is exactly one character"),
        pytest.param(
            "path\\ with\\ spaces/", "path with spaces/x", True, id="escaped spaces are part of the path"
        ),
        pytest.param("*", ".github/workflows/ci.yml", True, id="a star matches dotfiles"),
    ],
)
def test_pattern(pattern: str, path: str, owned: bool) -> None:
    assert bool(pattern_regex(pattern).match(path)) is owned


def test_last_matching_line_wins() -> None:
    owners = parse_codeowners("* @acme/all\n*.py @acme/python\n/src/legacy/ @acme/legacy\n")
    assert owners.owner_of("src/legacy/old.py") == "@acme/legacy"
    assert owners.owner_of("src/new.py") == "@acme/python"
    assert owners.owner_of("README.md") == "@acme/all"


def test_a_pattern_without_owners_leaves_the_path_unowned() -> None:
    owners = parse_codeowners("* @acme/all\n/vendor/\n")
    assert owners.owner_of("vendor/lib.py") is None
    assert owners.owner_of("src/app.py") == "@acme/all"


def test_several_owners_emails_and_comments() -> None:
    owners = parse_codeowners(
        "# who owns what\n\n/billing/ @acme/finops jane@example.com  # and no one else\n"
    )
    assert owners.owner_of("billing/llm.py") == "@acme/finops jane@example.com"


GITLAB = """\
/src/ @acme/backend

[Documentation][2] @acme/docs
docs/
README.md @alice

^[Database] @acme/dba
db/
!db/generated/

[DOCUMENTATION]
*.rst
"""


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        pytest.param(
            "docs/guide.md", "@acme/docs", id="a section line without owners takes the section defaults"
        ),
        pytest.param("README.md", "@alice", id="a section line with owners uses its own"),
        pytest.param(
            "src/api/x.py", "@acme/backend", id="a file no section names keeps the unnamed section owner"
        ),
        pytest.param(
            "src/index.rst", "@acme/backend @acme/docs", id="sections add up and same-name sections combine"
        ),
        pytest.param(
            "db/schema.py", "@acme/dba", id="an optional section counts when no required one owns the file"
        ),
        pytest.param("db/generated/models.py", None, id="an exclusion removes the section's owners"),
    ],
)
def test_gitlab_sections(path: str, owner: str | None) -> None:
    assert parse_codeowners(GITLAB).owner_of(path) == owner


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "src/ payments-team\n",
            "CODEOWNERS:1: owner 'payments-team' is not @user, @org/team or an "
            "email; write it as @payments-team or user@example.com",
            id="an owner without @ is an error",
        ),
        pytest.param(
            "ok/ @ok\n[Docs\n",
            "CODEOWNERS:2: malformed section header '[Docs' (unbalanced '[' or ']')",
            id="an unbalanced section header is an error",
        ),
        pytest.param(
            "[] @docs\n", "CODEOWNERS:1: section header has an empty name", id="an empty section name"
        ),
        pytest.param(
            "!gen/ @bot\n", "CODEOWNERS:1: exclusion !gen/ lists owners", id="an exclusion with owners"
        ),
        pytest.param(
            "a/***/b @x\n", "CODEOWNERS:1: invalid pattern 'a/***/b'", id="three stars are not a pattern"
        ),
    ],
)
def test_invalid_lines_are_reported_with_file_line_and_fix(text: str, message: str) -> None:
    owners = parse_codeowners(text)
    assert len(owners.problems) == 1 and owners.problems[0].startswith(message)


def test_strict_loading_raises_one_error_listing_every_bad_line(tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text("src/ payments\n*.py @ok\n[Broken\n", encoding="utf-8")
    with pytest.raises(CodeOwnersError) as err:
        load_codeowners(tmp_path)
    assert err.value.exit_code == EXIT_USAGE
    assert [p.split(":")[:2] for p in err.value.problems] == [
        [".github/CODEOWNERS", "1"],
        [".github/CODEOWNERS", "3"],
    ]
    lenient = load_codeowners(tmp_path, strict=False)
    assert lenient.owner_of("x.py") == "@ok" and len(lenient.problems) == 2


def test_github_locations_take_precedence_and_absence_is_no_owner(tmp_path: Path) -> None:
    assert load_codeowners(tmp_path).owner_of("a.py") is None
    (tmp_path / "CODEOWNERS").write_text("* @root\n", encoding="utf-8")
    (tmp_path / ".gitlab").mkdir()
    (tmp_path / ".gitlab" / "CODEOWNERS").write_text("* @gitlab\n", encoding="utf-8")
    assert load_codeowners(tmp_path).owner_of("a.py") == "@root"
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text("* @github\n", encoding="utf-8")
    loaded = load_codeowners(tmp_path)
    assert loaded.owner_of("a.py") == "@github" and loaded.source == ".github/CODEOWNERS"
