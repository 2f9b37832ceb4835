"""Phase-1 facts (auditor/scan/cache.py): a warm run reads what the prefilter and the import scan found in each file
by content digest, sealed like every other cache. They only ever save time: a stale, forged, misshapen or foreign
facts file gives the verdicts of a run without it."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from auditor.scan.cache import FACTS_NAME, content_digest, facts_context, load_facts, seal, tool_key
from scanners.catalog import load_catalog
from tests.helpers import run_cli

KEY = "ab" * 32
PLAIN = 70  # over the size below which a run does not read the facts (engine._FACTS_MIN_FILES)
TAGGED = '{"Helicone-Property-Team": "search", "Helicone-Property-Cost-Center": "cc1", ' \
         '"Helicone-Property-Use-Case": "qa", "Helicone-Property-Environment": "prod"}'


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAGAUDIT_CACHE_KEY", KEY)


def write(root: Path, files: dict[str, str]) -> None:
    for rel, code in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))


def tree(root: Path) -> None:
    files = {f"pkg/plain_{i}.py": f"import os\n\n\ndef f{i}():\n    return os.sep * {i}\n" for i in range(PLAIN)}
    files.update({
        "pkg/__init__.py": "",
        "pkg/clients.py": f"from openai import OpenAI\n\n\ndef make():\n    return OpenAI(default_headers={TAGGED})\n",
        "pkg/app.py": "from pkg.clients import make\n\n\ndef go():\n"
                      "    return make().chat.completions.create(model='gpt-4o', messages=[])\n",
        "pkg/direct.py": "import anthropic\n\nanthropic.Anthropic().messages.create(model='m', max_tokens=1, messages=[])\n",
    })
    write(root, files)


def scan(root: Path, *targets: str, cache: bool = True) -> dict[str, object]:
    args = ["scan", *(str(root / t) for t in targets or (".",)), "--format", "json", "--root", str(root), "--no-owners"]
    result = run_cli(args + ([] if cache else ["--no-cache"]))
    assert result.exit_code in (0, 1), result.output
    report: dict[str, object] = json.loads(result.stdout)
    return report


def verdicts(report: dict[str, object]) -> list[tuple[str, int, str, str]]:
    return sorted((c["path"], c["line"], c["operation"], c["status"]) for c in report["call_sites"])  # type: ignore[attr-defined]


EXPECTED = [("pkg/app.py", 5, "chat.completions.create", "tagged"),
            ("pkg/direct.py", 3, "messages.create", "untagged")]


def facts_file(root: Path) -> Path:
    return root / ".tagaudit-cache" / FACTS_NAME


def stored(root: Path) -> dict[str, object]:
    facts = load_facts(root / ".tagaudit-cache", tool_key(load_catalog().digest))
    assert facts is not None
    return facts  # type: ignore[return-value]


def test_a_warm_run_reports_what_a_run_without_cache_reports(tmp_path: Path) -> None:
    tree(tmp_path)
    assert verdicts(scan(tmp_path, cache=False)) == EXPECTED
    cold = scan(tmp_path)
    assert facts_file(tmp_path).exists()
    digest = content_digest((tmp_path / "pkg/plain_3.py").read_bytes(), "pkg/plain_3.py")
    assert stored(tmp_path)[digest] == ((), False)  # imports only the standard library
    assert stored(tmp_path)[content_digest((tmp_path / "pkg/direct.py").read_bytes(), "pkg/direct.py")] is None
    warm = scan(tmp_path)
    assert verdicts(cold) == verdicts(warm) == EXPECTED
    assert cold["findings"] == warm["findings"]


def test_an_edited_file_is_judged_on_its_new_bytes(tmp_path: Path) -> None:
    tree(tmp_path)
    scan(tmp_path)
    write(tmp_path, {"pkg/plain_5.py": "import openai\n\nopenai.OpenAI().embeddings.create(model='m', input='x')\n"})
    assert ("pkg/plain_5.py", 3, "embeddings.create", "untagged") in verdicts(scan(tmp_path))
    # and the other way: a module that starts importing the factory is linked on the warm run
    write(tmp_path, {"pkg/plain_6.py": "from pkg.clients import make\n\nmake().embeddings.create(model='m', input='x')\n"})
    assert ("pkg/plain_6.py", 3, "embeddings.create", "tagged") in verdicts(scan(tmp_path))


def forge(root: Path, body: dict[str, object], *, secret: bytes | None = None, context: str | None = None) -> None:
    blob = seal(context or facts_context(tool_key(load_catalog().digest)), json.dumps(body).encode(), secret)
    assert blob is not None
    facts_file(root).write_bytes(blob)


def lies(root: Path) -> dict[str, object]:
    """Facts saying every file, the SDK ones too, imports nothing: believed, they would hide both calls."""
    return {content_digest((root / rel).read_bytes(), rel): [[], False]
            for rel in ("pkg/app.py", "pkg/clients.py", "pkg/direct.py")}


def test_facts_under_the_old_mac_with_a_new_body_are_not_used(tmp_path: Path) -> None:
    tree(tmp_path)
    scan(tmp_path)
    head = facts_file(tmp_path).read_bytes().partition(b"\n")[0]
    facts_file(tmp_path).write_bytes(head + b"\n" + json.dumps(lies(tmp_path)).encode())
    assert verdicts(scan(tmp_path)) == EXPECTED


def test_facts_sealed_with_another_key_or_for_another_tool_are_not_used(tmp_path: Path) -> None:
    tree(tmp_path)
    scan(tmp_path)
    forge(tmp_path, lies(tmp_path), secret=b"\x01" * 32)
    assert verdicts(scan(tmp_path)) == EXPECTED
    forge(tmp_path, lies(tmp_path), context="phase1-facts:1:3:0.0.0:another-catalog:py3.11")
    assert verdicts(scan(tmp_path)) == EXPECTED


@pytest.mark.parametrize("body", [
    pytest.param([], id="a list"),
    pytest.param({"short": 0}, id="a digest of the wrong length"),
    pytest.param({"a" * 40: 1}, id="a number other than 0"),
    pytest.param({"a" * 40: False}, id="false for 0"),
    pytest.param({"a" * 40: [["x"], 1]}, id="a number for the helper flag"),
    pytest.param({"a" * 40: [[1], False]}, id="a number for an import name"),
    pytest.param({"a" * 40: [[], False, 0]}, id="a third field"),
])
def test_a_misshapen_facts_file_sealed_with_our_key_is_ignored(tmp_path: Path, body: object) -> None:
    tree(tmp_path)
    scan(tmp_path)
    forge(tmp_path, body)  # type: ignore[arg-type]
    assert load_facts(tmp_path / ".tagaudit-cache", tool_key(load_catalog().digest)) is None
    assert verdicts(scan(tmp_path)) == EXPECTED


def test_a_whole_repo_run_keeps_only_the_facts_of_files_it_saw(tmp_path: Path) -> None:
    tree(tmp_path)
    scan(tmp_path)
    before = len(stored(tmp_path))
    for i in range(10):
        (tmp_path / f"pkg/plain_{i}.py").unlink()
    scan(tmp_path)
    assert len(stored(tmp_path)) == before - 10


def test_spawned_workers_learn_the_facts_a_serial_run_learns(tmp_path: Path) -> None:
    from auditor.scan.engine import ScanJob, summarise_learning
    from scanners.python import link

    tree(tmp_path)
    rels = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.py"))
    jobs = [ScanJob(rel, str(tmp_path / rel), 1 << 20) for rel in rels]
    names = link.repo_names(rels)
    serial = summarise_learning(jobs, workers=1, repo_names=names, facts={})
    spawned = summarise_learning(jobs, workers=2, repo_names=names, start_method="spawn", facts={})
    assert spawned[1] == serial[1] and len(serial[1] or ()) == len(jobs)  # every file differs: one fact each
    warm = summarise_learning(jobs, workers=1, repo_names=names, facts=serial[1])
    key = {r.rel: (r.summary, r.helper, r.scan is None) for r in serial[0]}
    assert {r.rel: (r.summary, r.helper, r.scan is None) for r in warm[0]} == key
    assert warm[1] == serial[1]
