"""A fixed Report covering every case the CI reporters must handle (used by the golden-file tests).

Regenerate the golden files (after an intended output change) with:

    TAGAUDIT_REGEN_GOLDEN=1 .venv/bin/pytest tests/report

then review `git diff tests/report/golden` before committing.
"""

from __future__ import annotations

from pathlib import Path

from auditor.records import (
    AuditedCall,
    FileError,
    Finding,
    FixEdit,
    FixSuggestion,
    Report,
    Suppression,
    TagStatus,
)
from auditor.scan.evaluate import call_fingerprint, fingerprint
from scanners.records import CallSite

GOLDEN = Path(__file__).parent / "golden"
# Published schemas, vendored so the tests pass on a bare clone (provenance in tests/data/README.md).
DATA = Path(__file__).resolve().parents[1] / "data"

# The sources the sample findings point at, so the SARIF golden file carries real GitHub line hashes.
_LLM_LINES = {
    1: "import anthropic",
    2: "import openai",
    4: "client = openai.OpenAI()",
    7: "def answer(q):",
    8: "    first = client.chat.completions.create(model='gpt-4o', messages=q)",
    12: "    second = anthropic.Anthropic().messages.create(model='claude', messages=q)",
    20: "    return client.chat.completions.create(model='gpt-4o', messages=q,",
    21: "                                          extra_headers=HEADERS)",
}
SOURCES = {
    "src/app/llm.py": "".join(_LLM_LINES.get(n, "") + "\n" for n in range(1, 22)),
    "src/app/helpers.py": (
        "def embed(client, text, **opts):\n"
        "    return client.embeddings.create(model='text-embedding-3-small', input=text, **opts)\n"
    ),
    "src/café/naïve.py": "import boto3\nbr = boto3.client('bedrock-runtime')\nbr.invoke_model(modelId='m')\n",
    "src/broken.py": "import openai\ndef f(:\n",
}


def _site(
    path: str,
    line: int,
    operation: str,
    provider: str,
    *,
    scope: str = "<module>",
    occurrence: int = 0,
    column: int = 12,
    end_column: int = 70,
    cell: int | None = None,
) -> CallSite:
    return CallSite(
        path=path,
        line=line,
        column=column,
        end_line=line,
        end_column=end_column,
        provider=provider,
        sdk=provider,
        operation=operation,
        model="gpt-4o",
        scope=scope,
        occurrence=occurrence,
        statement_line=line,
        cell=cell,
    )


def _call(site: CallSite, status: str, *tags: TagStatus) -> AuditedCall:
    return AuditedCall(site, status, tags, call_fingerprint(site))


def _finding(
    rule: str,
    name: str,
    site: CallSite,
    message: str,
    *,
    severity: str = "error",
    suppressed: Suppression | None = None,
    owner: str | None = None,
    fix: FixSuggestion | None = None,
) -> Finding:
    fp = fingerprint(rule, site.path, site.scope, site.operation, site.occurrence)
    return Finding(
        rule,
        name,
        severity,
        site.path,
        site.line,
        site.column,
        message,
        fp,
        site.end_line,
        site.end_column,
        site.scope,
        site.operation,
        site.cell,
        site.statement_line,
        blocking=severity == "error" and suppressed is None,
        suppressed=suppressed,
        owner=owner,
        fix=fix,
    )


def build_report() -> Report:
    untagged = _site("src/app/llm.py", 8, "chat.completions.create", "openai", scope="answer")
    tagged = _site("src/app/llm.py", 12, "messages.create", "anthropic", scope="answer", occurrence=1)
    limits = _site("src/app/llm.py", 20, "chat.completions.create", "openai", scope="answer", occurrence=2)
    dynamic = _site("src/app/helpers.py", 2, "embeddings.create", "openai", scope="embed")
    inline = _site("src/café/naïve.py", 3, "invoke_model", "bedrock", column=1, end_column=40)
    legacy = _site("src/legacy/old.py", 40, "completions.create", "openai", scope="Legacy.run")
    notebook = _site("notebooks/explore.ipynb", 2, "chat.completions.create", "openai", column=1, cell=3)
    exempt = _site("tests/fake_llm.py", 5, "chat.completions.create", "openai", scope="test_fake")
    missing = (TagStatus("team", "missing"), TagStatus("cost_center", "missing"))
    calls = (
        _call(untagged, "untagged", *missing),
        _call(tagged, "tagged", TagStatus("team", "present", "GW")),
        _call(limits, "tagged", TagStatus("team", "present", "GW", "Payments")),
        _call(dynamic, "unverifiable", TagStatus("team", "unverifiable", via="**opts")),
        _call(inline, "untagged", *missing),
        _call(legacy, "untagged", *missing),
        _call(notebook, "untagged", *missing),
        _call(exempt, "exempt"),
    )
    broken = Finding(
        "TAG901",
        "file-not-parsed",
        "error",
        "src/broken.py",
        2,
        7,
        "invalid syntax; fix the file or exclude it",
        fingerprint("TAG901", "src/broken.py", "syntax"),
        2,
        7,
        blocking=True,
    )
    findings = (
        _finding(
            "TAG001",
            "missing-required-tag",
            untagged,
            "chat.completions.create (openai) has no team, cost_center tags",
            owner="@acme/payments",
            fix=FixSuggestion("edit", 4, 'default_headers={"Helicone-Property-Team": "payments"}',
                              "default_headers", ("team",), "the policy gives no value for cost_center",
                              FixEdit(4, 24, 'default_headers={"Helicone-Property-Team": "payments"}')),
        ),
        # Two findings of one rule on one call share Finding.fingerprint; reporters must keep them apart.
        _finding(
            "TAG002",
            "tag-value-not-allowed",
            limits,
            "team='Payments' at chat.completions.create (openai) "
            "is not allowed (allowed: payments, search; set by extra_headers)",
            owner="@acme/payments",
        ),
        _finding(
            "TAG002",
            "tag-value-not-allowed",
            limits,
            "environment='prd' at chat.completions.create (openai) "
            "is not allowed (allowed: production, staging; set by extra_headers)",
            owner="@acme/payments",
        ),
        _finding(
            "TAG108",
            "openai-metadata-over-limits",
            limits,
            "metadata has 17 keys: 100% of the 16-key limit, plus one",
            severity="info",
        ),
        _finding(
            "TAG003",
            "tags-unverifiable",
            dynamic,
            "embeddings.create (openai): team cannot be verified "
            "(call passes **opts; 50% of calls here use <dynamic> headers)",
            severity="warning",
            owner="Zoë Ångström <zoe@example.com>",
        ),
        _finding(
            "TAG001",
            "missing-required-tag",
            inline,
            "invoke_model (bedrock) has no team, cost_center tags",
            suppressed=Suppression(
                "inSource",
                "nightly batch, billed to the platform team — ça marche",
                3,
                "@acme/platform",
                "2027-01-31",
            ),
        ),
        _finding(
            "TAG001",
            "missing-required-tag",
            legacy,
            "completions.create (openai) has no team, cost_center tags",
            suppressed=Suppression(
                "baseline", "accepted in the Q3 audit; retire with Legacy", 0, "@acme/platform", "2026-12-31"
            ),
        ),
        _finding(
            "TAG001",
            "missing-required-tag",
            notebook,
            "chat.completions.create (openai) has no team, cost_center tags",
            owner="@acme/research",
        ),
        broken,
    )
    errors = (FileError("src/broken.py", "syntax", "invalid syntax; fix the file or exclude it", 2),)
    return Report("/does/not/appear/in/output", 9, calls, findings, errors, "default")
