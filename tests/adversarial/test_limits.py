"""Hostile input, run through the real CLI: bounded time, bounded memory, short errors, inert output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import REPO

APP = REPO / "examples" / "app"
BILLING = REPO / "examples" / "billing"
GCP = BILLING / "gcp-focus-1.2.csv"


def tagaudit(*args: str, cwd: Path = REPO, timeout: float = 120) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "auditor", *args], check=False, cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}, timeout=timeout)
    return proc, time.monotonic() - start


def refused(proc: subprocess.CompletedProcess[str], elapsed: float, *words: str) -> None:
    """Exit 2, quickly, with a short message that says what was refused (never a traceback)."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[:2000])
    assert len(proc.stderr) < 1024, f"{len(proc.stderr)} bytes of error: {proc.stderr[:300]}"
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr
    assert elapsed < 20, f"took {elapsed:.1f} s"


def billion_laughs(top: str, levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels):
        lines.append(f"l{n}: &l{n} [{','.join([f'*l{n - 1}'] * 9)}]")
    return "\n".join(lines) + "\n" + top.format(bomb=f"*l{levels - 1}") + "\n"


def write_app(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return root


def call(model: str = "gpt-4o", **headers: str) -> str:
    """An OpenAI call whose model and Helicone tag headers are the given literals (as Python source)."""
    heads = ", ".join(f"'Helicone-Property-{k.replace('_', '-').title()}': {v!r}" for k, v in headers.items())
    return ("from openai import OpenAI\n"
            f"OpenAI().chat.completions.create(model={model!r}, messages=[], extra_headers={{{heads}}})\n")


# -- 5. denial of service ---------------------------------------------------------------------
def test_an_alias_bomb_in_the_policy_is_refused_quickly_with_a_short_message(tmp_path: Path) -> None:
    (tmp_path / "tagaudit.yaml").write_text(billion_laughs("version: 1\nname: {bomb}\nkeys: {{team: {{}}}}"))
    (tmp_path / "app.py").write_text(call(team="t"))
    proc, elapsed = tagaudit("scan", str(tmp_path), "--no-cache", cwd=tmp_path)
    refused(proc, elapsed, "tagaudit.yaml", "alias")


def test_an_alias_bomb_in_policy_check_is_refused(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(billion_laughs("version: 1\nkeys:\n  team:\n    aliases: {bomb}"))
    proc, elapsed = tagaudit("policy", "check", str(policy), cwd=tmp_path)
    refused(proc, elapsed, "p.yaml", "alias")


def test_an_alias_bomb_in_the_invoices_is_refused(tmp_path: Path) -> None:
    invoices = tmp_path / "invoices.yaml"
    invoices.write_text(billion_laughs("invoices: {bomb}"))
    proc, elapsed = tagaudit("inventory", str(APP), "--billing", str(GCP), "--invoices", str(invoices))
    refused(proc, elapsed, "invoices.yaml", "alias")


@pytest.mark.parametrize("pattern", [
    pytest.param("(a+)+$", id="nested plus"),
    pytest.param("(a|a)*$", id="overlapping alternation"),
    pytest.param("(a|aa)+$", id="ambiguous alternation"),
    pytest.param("(.*a){20}", id="repeated dot star"),
    pytest.param("^(\\w+\\s?)*$", id="word and optional space"),
])
def test_a_catastrophic_pattern_does_not_hang_the_scan(tmp_path: Path, pattern: str) -> None:
    (tmp_path / "tagaudit.yaml").write_text(f"version: 1\nkeys:\n  team:\n    pattern: '{pattern}'\n")
    (tmp_path / "app.py").write_text(call(team="a" * 32 + "!"))
    proc, elapsed = tagaudit("scan", str(tmp_path), "--no-cache", "--format", "json", cwd=tmp_path, timeout=60)
    assert proc.returncode in (1, 2), proc.stderr
    assert elapsed < 20, f"took {elapsed:.1f} s"
    if proc.returncode == 1:
        assert "must match" in proc.stdout


def test_a_policy_with_300k_keys_is_refused_naming_the_limit(tmp_path: Path) -> None:
    body = "".join(f"  k{n:06d}: {{}}\n" for n in range(300_000))
    (tmp_path / "tagaudit.yaml").write_text("version: 1\nkeys:\n" + body)
    assert (tmp_path / "tagaudit.yaml").stat().st_size > 4_000_000
    (tmp_path / "app.py").write_text(call(team="t"))
    proc, elapsed = tagaudit("scan", str(tmp_path), "--no-cache", cwd=tmp_path)
    refused(proc, elapsed, "tagaudit.yaml", "limit")


def test_a_policy_with_many_keys_under_the_byte_limit_is_refused_naming_the_key_limit(tmp_path: Path) -> None:
    body = "".join(f"  k{n}: {{}}\n" for n in range(60_000))
    (tmp_path / "tagaudit.yaml").write_text("version: 1\nkeys:\n" + body)
    proc, elapsed = tagaudit("policy", "check", str(tmp_path / "tagaudit.yaml"), cwd=tmp_path)
    refused(proc, elapsed, "keys", "limit")


def test_thousands_of_billing_csvs_are_refused_before_any_is_read(tmp_path: Path) -> None:
    head = "\n".join(GCP.read_text(encoding="utf-8").splitlines()[:3]) + "\n"
    folder = tmp_path / "exports"
    folder.mkdir()
    for n in range(3000):
        (folder / f"part-{n:05d}.csv").write_text(head, encoding="utf-8")
    proc, elapsed = tagaudit("inventory", str(APP), "--billing", str(folder))
    refused(proc, elapsed, "exports", "3,000", "limit of 500")


# -- 6. injection into Markdown, HTML, console and CI annotations ---------------------------------
HOSTILE = {
    "model": "<img src=x onerror=alert(1)>|**b**`tick [x](javascript:alert(1))",
    "team": "<script>alert(1)</script>|x",
    "cost_center": "[x](javascript:alert(1))\x1b[31mRED",
    "use_case": "u`v``w",
    "environment": "e\nf | g",
}
HOSTILE_PATH = "src/x`y<b>[bold]|z.py"


def hostile_app(root: Path) -> Path:
    team, cc, uc, env = (HOSTILE[k] for k in ("team", "cost_center", "use_case", "environment"))
    policy = ("version: 1\nkeys:\n  team: {}\n  cost_center: {pattern: '^cc-[0-9]{3}$'}\n  use_case: {}\n"
              "  environment: {allowed: [production]}\n")
    return write_app(root, {"tagaudit.yaml": policy,
                            HOSTILE_PATH: call(HOSTILE["model"], team=team, cost_center=cc, use_case=uc,
                                               environment=env)})


def table_rows_intact(markdown: str) -> None:
    """Every table row has as many unescaped cell separators as its header."""
    width = None
    for line in markdown.splitlines():
        if not line.startswith("|"):
            width = None
            continue
        cells = len(re.findall(r"(?<!\\)\|", line))
        width = cells if width is None else width
        assert cells == width, f"table broken by: {line}"


CODE_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def inert_markdown(markdown: str) -> None:
    """No live HTML, link, emphasis or control character outside code spans, and every table intact."""
    assert "\x1b" not in markdown and "\r" not in markdown
    outside = CODE_SPAN.sub("CODE", markdown)
    for raw in (r"<script", r"<img", r"(?<!\\)\]\(javascript:", r"(?<!\\)\*\*b", r"(?<!\\)`tick"):
        assert not re.search(raw, outside), f"{raw!r} passed through raw: {outside[:3000]}"
    table_rows_intact(markdown)


def test_scan_markdown_escapes_every_value(tmp_path: Path) -> None:
    proc, _ = tagaudit("scan", str(hostile_app(tmp_path)), "--no-cache", "--format", "markdown", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    inert_markdown(proc.stdout)


def test_inventory_markdown_escapes_every_value(tmp_path: Path) -> None:
    proc, _ = tagaudit("inventory", str(hostile_app(tmp_path)), "--billing", str(BILLING))
    assert proc.returncode == 0, proc.stderr
    inert_markdown(proc.stdout)
    assert "team=" in proc.stdout and "u`v``w" in proc.stdout, "code spans still carry the literal value"


def test_inventory_html_escapes_model_names_and_values(tmp_path: Path) -> None:
    out = tmp_path / "inv.html"
    proc, _ = tagaudit("inventory", str(hostile_app(tmp_path / "app")), "--billing", str(BILLING),
                       "--format", "html", "--output", f"html={out}")
    assert proc.returncode == 0, proc.stderr
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page and "\x1b" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_console_output_neutralises_ansi_and_rich_markup(tmp_path: Path) -> None:
    proc, _ = tagaudit("scan", str(hostile_app(tmp_path)), "--no-cache", "--show-calls", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "\x1b" not in proc.stdout
    assert "[bold]" in proc.stdout, "markup in a file name is printed, not interpreted"


def test_github_annotations_escape_workflow_command_characters(tmp_path: Path) -> None:
    write_app(tmp_path, {"a,b:c%d.py": call(cost_center="x\x1b[2K\r\n::error::fake"),
                         "e.py": call(team="t")})
    proc, _ = tagaudit("scan", str(tmp_path), "--no-cache", "--format", "github", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert all(line.startswith("::") for line in lines), lines
    assert not any(line.startswith("::error::fake") for line in lines)
    assert "file=a%2Cb%3Ac%25d.py," in proc.stdout
    assert "\x1b" not in proc.stdout and "\r" not in proc.stdout


@pytest.mark.parametrize("fmt", ["markdown", "gitlab", "junit", "github", "console", "sarif", "json"])
def test_a_lone_surrogate_in_a_tag_value_does_not_crash_a_reporter(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "app.py").write_text(call(team="a\\ud800b").replace("'a\\\\ud800b'", "'a\\ud800b'"))
    assert "\\ud800" in (tmp_path / "app.py").read_text()
    proc, _ = tagaudit("scan", str(tmp_path), "--no-cache", "--format", fmt, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "internal error" not in proc.stderr


def test_a_lone_surrogate_in_a_tag_value_does_not_crash_the_inventory(tmp_path: Path) -> None:
    app = write_app(tmp_path / "app", {"app.py": call(team="a\\ud800b").replace("'a\\\\ud800b'", "'a\\ud800b'")})
    for fmt in ("markdown", "html", "json"):
        out = tmp_path / f"inv.{fmt}"
        proc, _ = tagaudit("inventory", str(app), "--billing", str(BILLING), "--output", f"{fmt}={out}")
        assert proc.returncode == 0, (fmt, proc.stderr[-2000:])
        assert "\ufffd" in out.read_text(encoding="utf-8") or fmt == "json"


def test_gitlab_report_carries_no_control_characters(tmp_path: Path) -> None:
    proc, _ = tagaudit("scan", str(hostile_app(tmp_path)), "--no-cache", "--format", "gitlab", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    issues = json.loads(proc.stdout)
    assert issues and not any("\x1b" in i["description"] for i in issues)
