"""The built wheel carries the catalog and policies, scans from a fresh virtualenv, and audits once given [audit]."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.helpers import REPO


def test_wheel_scans_without_extras_and_audits_with_the_audit_extra(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = dist.glob("tagaudit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "scanners/catalog/openai.yaml" in names and "scanners/catalog.schema.json" in names
    assert "scanners/gateways.yaml" in names and "scanners/hosts.yaml" in names
    packed = json.loads(zipfile.ZipFile(wheel).read("scanners/packed.json"))  # hatch_build.py: start-up speed
    assert {"catalog/openai.yaml", "gateways.yaml", "hosts.yaml"} <= set(packed)
    assert "policies/default.yaml" in names and "policies/policy.schema.json" in names
    assert "policies/examples/strict-chargeback.yaml" in names and "policies/baseline.schema.json" in names
    assert "auditor/inventory/templates/inventory.html.j2" in names
    assert {"auditor/billing/allocate/ai_patterns.yaml", "auditor/billing/allocate/prices.yaml"} <= names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], check=True, capture_output=True,
                   timeout=900)
    work = tmp_path / "elsewhere"
    work.mkdir()
    proc = subprocess.run([str(venv / "bin" / "tagaudit"), "scan", str(REPO / "examples" / "app"), "--format", "json"],
                          cwd=work, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["summary"]["call_sites"] >= 10
    assert {"tagged", "untagged", "unverifiable", "exempt"} <= {c["status"] for c in data["call_sites"]}
    assert data["policy"].endswith("examples/app/tagaudit.yaml")
    default = subprocess.run([str(venv / "bin" / "tagaudit"), "policy", "show", str(work)], capture_output=True,
                             text=True, timeout=120, check=False)
    assert default.returncode == 0 and "policy: default" in default.stdout
    inventory = [str(venv / "bin" / "tagaudit"), "inventory", str(REPO / "examples" / "app"), "--billing",
                 str(REPO / "examples" / "billing"), "--format", "html"]
    plain = subprocess.run(inventory, cwd=work, capture_output=True, text=True, timeout=300, check=False)
    assert (plain.returncode, plain.stdout) == (2, ""), "the plain install carries no billing dependencies"
    assert plain.stderr.endswith("install it with: pip install 'tagaudit[audit]'\n"), plain.stderr
    assert "Traceback" not in plain.stderr
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"{wheel}[audit]"], check=True, capture_output=True,
                   timeout=900)
    html = subprocess.run(inventory, cwd=work, capture_output=True, text=True, timeout=300, check=False)
    assert html.returncode == 0, html.stderr
    assert "<svg" in html.stdout and "AI spend audit inventory" in html.stdout
