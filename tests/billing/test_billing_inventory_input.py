"""The inventory's "Billing input" names the user's files, never the temporary conversion paths, and carries
the billing folder's notes (a FIFO is skipped, never opened, and said so)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import REPO, run_cli

EXAMPLES = REPO / "examples" / "billing"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_billing_input_lists_the_users_files_and_the_folder_notes(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in ("aws-cur2-bedrock.csv", "gcp-focus-1.2.csv"):
        shutil.copy(EXAMPLES / name, folder / name)
    os.mkfifo(folder / "pipe.csv")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("x = 1\n")
    done = run_cli(["inventory", str(repo), "--no-cache", "--billing", str(folder), "--format", "json"])
    assert done.exit_code == 0, done.stderr
    billing = json.loads(done.stdout)["billing"]
    paths = [f["path"] for f in billing["files"]]
    assert str(folder / "gcp-focus-1.2.csv") in paths
    assert f"{folder / 'aws-cur2-bedrock.csv'} (converted to FOCUS)" in paths
    assert not [p for p in paths if p.endswith("aws_cur.parquet") or "tmp" in Path(p).parent.name], paths
    assert any("skipped 1 non-regular file(s)" in n and "pipe.csv" in n for n in billing["notes"]), billing["notes"]
    markdown = run_cli(["inventory", str(repo), "--no-cache", "--billing", str(folder)]).stdout
    billing_md = markdown.split("## Billing input", 1)[1]
    assert "aws-cur2-bedrock.csv (converted to FOCUS)" in billing_md and ".parquet" not in billing_md
