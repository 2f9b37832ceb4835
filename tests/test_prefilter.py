"""The prefilter's fast path (`sdk_import_in`) answers exactly as the regex definition it replaces."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.scan.engine import _DYNAMIC_IMPORT, _import_statement_re, prefilter, sdk_import_in
from scanners.catalog import load_catalog

TOKENS = load_catalog().tokens


def reference(text: bytes, tokens: tuple[bytes, ...] = TOKENS) -> bool:
    """The definition: a token anywhere, and an import statement naming one (or a dynamic import anywhere)."""
    return any(t in text for t in tokens) and (
        _DYNAMIC_IMPORT.search(text) is not None or _import_statement_re(tokens).search(text) is not None)


# Pieces that make the regexes' corner cases likely: keywords glued to words, statement ends, continuations,
# the dynamic-import names split and whole, tokens and near-tokens.
PIECES = [b"import", b"from", b"imports", b"_import", b"fromage", b"__", b"lib", b"_module", b"importlib",
          b"__import__", b"import_module", b"sys.modules", b"sys", b".modules", b"openai", b"open", b"ai",
          b"anthropic", b"azure.ai.inference", b"azure", b".", b",", b" ", b"\t", b"\n", b"\r", b"\r\n", b"\\",
          b"\\\n", b"\\\r\n", b"#", b";", b":", b"(", b")", b"x", b"_", b"9", b"\xc3\xa9", b"\x00", b"'", b'"']


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.binary(max_size=3), max_size=24))
def test_the_fast_path_agrees_with_the_regexes(parts: list[bytes]) -> None:
    text = b"".join(parts)
    assert sdk_import_in(text, TOKENS) is reference(text)


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(b"import openai\n", True, id="a plain import"),
    pytest.param(b"from os import path\nopenai = 1\n", False, id="the token on the next line"),
    pytest.param(b"import os # openai\n", False, id="the token in a comment after the import"),
    pytest.param(b"import os; x = openai\n", False, id="the token after a semicolon"),
    pytest.param(b"import os, \\\n    openai\n", True, id="a backslash continuation"),
    pytest.param(b"import os \\\r\n openai\n", True, id="a CRLF continuation"),
    pytest.param(b"reimport openai\n", False, id="the keyword glued to a word before"),
    pytest.param(b"imports openai\n", False, id="the keyword glued to a word after"),
    pytest.param(b"x = 'from openai'\n", True, id="an import in a string counts (over-approximate)"),
    pytest.param(b"import os, importlib\nm = 'openai'\n", True, id="importlib inside an import span"),
    pytest.param(b"__import__\nopenai\n", True, id="a dunder import anywhere"),
    pytest.param(b"sys.modules['x']\nopenai\n", True, id="sys.modules anywhere"),
    pytest.param(b"import_module\n", False, id="a dynamic import without any token"),
    pytest.param(b"from . import x; import anthropic\n", True, id="the second statement on a line"),
    pytest.param(b"from azure.ai.inference import ChatCompletionsClient\n", True, id="a dotted token"),
])
def test_cases(text: bytes, expected: bool) -> None:
    assert reference(text) is expected
    assert sdk_import_in(text, TOKENS) is expected


def test_the_prefilter_agrees_on_this_repository() -> None:
    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / "auditor").rglob("*.py")) + sorted((root / "scanners").rglob("*.py")):
        data = path.read_bytes()
        assert sdk_import_in(data, TOKENS) is reference(data), path


def test_a_notebook_still_takes_the_regex_path() -> None:
    nb = b'{"cells": [{"cell_type": "code", "source": "import openai\\n"}]}'
    assert prefilter("a.ipynb", nb) is True
    assert prefilter("a.ipynb", b'{"cells": [{"cell_type": "code", "source": "x = \'openai\'"}]}') is False


# -- import lists: the unfiltered list, filtered afterwards, is the filtered list ------------------------------
IMPORT_PIECES = [b"import", b"from", b" ", b"\t", b"\n", b"(", b")", b",", b"#", b";", b".", b"..", b"a", b"b",
                 b"os", b"app", b"app.core", b"x as y", b"*", b"\\\n", b"import_x", b"    ", b"\xc3\xa9"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(IMPORT_PIECES), max_size=30),
       st.sets(st.sampled_from(["a", "b", "app", "core", "x", "y"])), st.sets(st.sampled_from(["os", "b"])))
def test_import_lists_filtered_afterwards_are_the_filtered_lists(parts: list[bytes], known: set[str],
                                                                  skip: set[str]) -> None:
    from scanners.python.summary import only_known, scan_imports

    data = b"".join(parts)
    names, drop = frozenset(known), frozenset(skip)
    assert only_known(scan_imports(data, drop, None), names) == scan_imports(data, drop, names)
