"""Wheel build hook: pack the scanners' YAML data as JSON (scanners/packed.json) so a one-file scan does not spend
a fifth of its time in the YAML parser. The source tree never holds the pack; scanners/yamlload.py reads it
only where each entry's digest matches the YAML file shipped beside it."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class PackDataHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return  # an editable install reads the YAML it is being edited in
        root = Path(self.root)
        sys.path.insert(0, str(root))
        try:
            pack = importlib.import_module("scanners.yamlload").pack_tree(root / "scanners")
        finally:
            sys.path.remove(str(root))
            for name in [m for m in sys.modules if m == "scanners" or m.startswith("scanners.")]:
                del sys.modules[name]
        out = Path(self.directory) / "tagaudit-packed.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(pack, encoding="utf-8")
        build_data["force_include"][str(out)] = "scanners/packed.json"
