"""What a command scans and its scan root, from the paths and `--root` it was given."""

from __future__ import annotations

from pathlib import Path


def resolve_targets(paths: list[Path] | None, root: Path | None) -> tuple[list[Path], Path]:
    """What to scan (default: .) and the scan root: `--root`, else the one directory given, else ."""
    targets = list(paths) if paths else [Path(".")]
    if root is None:
        root = targets[0] if len(targets) == 1 and targets[0].is_dir() else Path(".")
    return targets, root
