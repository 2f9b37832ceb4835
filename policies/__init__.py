"""Packaged policies (YAML) and their JSON Schema."""

from __future__ import annotations

from pathlib import Path

POLICY_DIR = Path(__file__).parent
DEFAULT_POLICY = POLICY_DIR / "default.yaml"
SCHEMA_PATH = POLICY_DIR / "policy.schema.json"
