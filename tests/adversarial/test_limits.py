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


def refused(proc: subprocess.CompletedProcess[str], elapsed: float, *words: str, most: int = 1024) -> None:
    """Exit 2, quickly, with a short message that says what was refused (never a traceback)."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[:2000])
    assert len(proc.stderr) < most, f"{len(proc.stderr)} bytes of error: {proc.stderr[:300]}"
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


# -- fresh sweep: more of the same kinds ----------------------------------------------------------
@pytest.mark.parametrize("text, words", [
    pytest.param("version: 1\nkeys: {team: {}}\nname: " + "[" * 5000 + "]" * 5000 + "\n", ["nested", "limit"],
                 id="flow collections nested 5000 deep"),
    pytest.param("version: 1\nkeys: {team: {}}\nx: &a [*a]\n", ["alias"], id="a recursive alias"),
    pytest.param("version: 1\nkeys: {team: {}}\nname: !!python/object/apply:os.system ['touch pwned']\n",
                 ["python/object"], id="a python object tag"),
    pytest.param("version: 1\nkeys:\n  team: {}\n  team: {pattern: x}\n", ["duplicate key 'team'", "line 3"],
                 id="a duplicate key"),
    pytest.param("version: 1\nkeys: {team: {}}\nname: '" + "x" * 300_000 + "'\n", ["300,000-character", "limit"],
                 id="a huge single scalar"),
    pytest.param("version: '" + "9" * 200_000 + "'\nkeys: {team: {}}\n", ["version"],
                 id="a schema error echoing a 200k value"),
    pytest.param("version: 1\nkeys: {team: {}}\n" + "".join(f"unknown{n}: 1\n" for n in range(5000)),
                 ["more problem", "most=16384"], id="five thousand unknown keys (50 shown)"),
    pytest.param("version: 1\nkeys:\n  team:\n    allowed: [" + ",".join(f"v{n}" for n in range(5000)) + "]\n",
                 ["allowed", "limit of 1,000"], id="five thousand allowed values"),
    pytest.param("version: 1\nkeys:\n  team:\n    pattern: '(a)\\1'\n", ["keys.team.pattern", "RE2"],
                 id="a backreference RE2 cannot run"),
])
def test_hostile_policy_files_are_refused_with_a_short_message(tmp_path: Path, text: str, words: list[str]) -> None:
    (tmp_path / "tagaudit.yaml").write_text(text)
    proc, elapsed = tagaudit("policy", "check", str(tmp_path / "tagaudit.yaml"), cwd=tmp_path)
    most = int(next((w[5:] for w in words if w.startswith("most=")), 1024))
    refused(proc, elapsed, "tagaudit.yaml", *(w for w in words if not w.startswith("most=")), most=most)
    assert not (tmp_path / "pwned").exists()


def test_a_policy_claiming_a_gigabyte_is_refused_without_reading_it(tmp_path: Path) -> None:
    policy = tmp_path / "tagaudit.yaml"
    with policy.open("wb") as fh:
        fh.write(b"version: 1\nkeys: {team: {}}\n#")
        fh.truncate(1 << 30)  # sparse: claims 1 GB, costs nothing on disk
    (tmp_path / "app.py").write_text(call(team="t"))
    proc, elapsed = tagaudit("scan", str(tmp_path), "--no-cache", cwd=tmp_path)
    refused(proc, elapsed, "tagaudit.yaml", "1,073,741,824 bytes", "limit")
    assert elapsed < 10


def test_invoices_with_duplicate_keys_are_refused(tmp_path: Path) -> None:
    invoices = tmp_path / "invoices.yaml"
    invoices.write_text("invoices:\n  - {period: 2026-10, amount: '1.00', amount: '2.00', currency: USD}\n")
    proc, elapsed = tagaudit("inventory", str(APP), "--billing", str(GCP), "--invoices", str(invoices))
    refused(proc, elapsed, "invoices.yaml:2", "duplicate key 'amount'")


def test_a_suppression_reason_and_policy_path_cannot_inject_markdown(tmp_path: Path) -> None:
    write_app(tmp_path, {"app.py": call(team="t").rstrip("\n")
                         + '  # tagaudit: ignore[TAG001] reason="<img src=x onerror=alert(1)> | **b** `tick"\n'})
    policy = tmp_path / "p`<code><img src=x onerror=alert(1)>.yaml"
    policy.write_text("version: 1\nkeys: {team: {}, cost_center: {}}\n")
    proc, _ = tagaudit("scan", str(tmp_path), "--no-cache", "--policy", str(policy), "--format", "markdown",
                       cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "suppressed finding" in proc.stdout
    inert_markdown(proc.stdout)


def test_hostile_names_in_billing_data_are_inert_in_html_and_markdown(tmp_path: Path) -> None:
    rows = GCP.read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    cell = header.index("SubAccountId")
    hostile = []
    for row in rows[1:4]:
        cells = next(__import__("csv").reader([row]))
        cells[cell] = "$\\frac{<script>alert(1)</script>|**b**`"
        hostile.append(",".join(f'"{c}"' if any(ch in c for ch in ',"') else c for c in
                                [x.replace('"', '""') for x in cells]))
    billing = tmp_path / "focus.csv"
    billing.write_text("\n".join([rows[0], *hostile]) + "\n", encoding="utf-8")
    out = tmp_path / "inv.html"
    proc, _ = tagaudit("inventory", str(APP), "--billing", str(billing), "--output", f"html={out}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    inert_markdown(proc.stdout)
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page, page[page.find("<script") - 200:page.find("<script") + 100]


def test_file_names_with_escapes_bidi_and_undecodable_bytes_are_inert(tmp_path: Path) -> None:
    names = [b"esc\x1b[31mred.py", b"bidi\xe2\x80\xaegnp.py", b"bad\xff.py", b"emoji:warning:.py"]
    for name in names:
        (tmp_path / os.fsdecode(name)).write_text(call(cost_center="x"))
    (tmp_path / "tagaudit.yaml").write_text("version: 1\nkeys: {team: {}}\n")
    for fmt in ("console", "markdown", "github", "gitlab", "junit", "sarif", "json"):
        proc, _ = tagaudit("scan", str(tmp_path), "--no-cache", "--format", fmt, cwd=tmp_path)
        assert proc.returncode == 1, (fmt, proc.stderr[-1500:])
        if fmt in ("console", "markdown", "github", "gitlab"):
            assert "\x1b" not in proc.stdout and "\u202e" not in proc.stdout, fmt
        if fmt == "console":
            assert ":warning:" in proc.stdout and "\\x1b[31mred.py" in proc.stdout


def test_a_100k_character_tag_value_is_bounded_in_every_output(tmp_path: Path) -> None:
    (tmp_path / "tagaudit.yaml").write_text("version: 1\nkeys:\n  team: {pattern: '^[a-z]{1,40}$'}\n")
    (tmp_path / "app.py").write_text(call(team="a" * 100_000 + "!"))
    for fmt in ("markdown", "github", "console"):
        proc, elapsed = tagaudit("scan", str(tmp_path), "--no-cache", "--format", fmt, cwd=tmp_path)
        assert proc.returncode == 1, (fmt, proc.stderr[-1500:])
        assert len(proc.stdout) < 20_000, (fmt, len(proc.stdout))
        assert elapsed < 20
