"""PDF from the HTML report by headless Chromium's print-to-PDF (a real engine: the page prints as it shows)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from scanners.errors import TagauditError

_TIMEOUT = 120


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        raise TagauditError("PDF output needs headless Chromium, and none is on PATH",
                            hint="install it (apt-get install chromium) or write html and print it yourself")
    return found


def html_to_pdf(html: str) -> bytes:
    """Print `html` to PDF; the page loads from a local file with the network off (it needs none)."""
    browser = chromium()
    with tempfile.TemporaryDirectory(prefix="tagaudit-pdf-") as work:
        page, out = Path(work) / "report.html", Path(work) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        cmd = [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--no-pdf-header-footer",
               f"--user-data-dir={Path(work) / 'profile'}", f"--print-to-pdf={out}", page.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TagauditError(f"Chromium could not print the report ({exc})", where=browser,
                                hint="check the browser runs headless on this machine") from exc
        if not out.is_file() or out.stat().st_size == 0:
            tail = (proc.stderr or "").strip().splitlines()[-3:]
            raise TagauditError(f"Chromium wrote no PDF (exit {proc.returncode}: {' | '.join(tail)})", where=browser,
                                hint="check the browser runs headless on this machine")
        return out.read_bytes()
