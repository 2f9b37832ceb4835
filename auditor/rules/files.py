"""Files: a candidate file that could not be scanned is a finding, never a silent pass."""

from __future__ import annotations

from auditor.rules.rule import Example, Rule

TAG901 = Rule(
    "TAG901", "file-not-parsed", "error", "A candidate file could not be read or parsed",
    what="""
        Reports a file that mentions an AI SDK but could not be scanned: a syntax error, bytes that are
        not valid in the file's encoding, a notebook that is not JSON, a file over the size limit, or a
        file that cannot be read at all.
        """,
    why="""
        Whatever AI calls it holds are unaudited. tagaudit fails closed: an unscanned file blocks like an
        untagged call would, so a broken file never passes as clean.
        """,
    example=Example("""
        from openai import OpenAI
        client = OpenAI(
        """, prose="A `.py` file with a syntax error that imports `openai`."),
    use_instead=Example("""
        from openai import OpenAI
        client = OpenAI()
        """, prose="""Fix the file, re-encode it as UTF-8 (or declare its coding), raise `limits.max_file_bytes`, or
exclude generated files with a `paths` entry of mode `exclude`."""),
    category="file-error", suppressible=False, fail_closed=True, precision="very-high",
)
