"""Bounds on one YAML file read from an untrusted repository (scanners.yamlload applies them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one YAML file. Each is far above any real policy or invoice file (see the defaults)."""

    max_bytes: int = 1024 * 1024
    max_nodes: int = 100_000  # after expanding aliases: what validation and reporting will walk
    max_aliases: int = 100  # DRY anchors (`<<: *defaults`) need a handful, not thousands
    max_depth: int = 32
    max_entries: int = 10_000  # items in one mapping or sequence


POLICY = Limits()
INVOICES = Limits(max_bytes=16 * 1024 * 1024, max_nodes=1_000_000, max_entries=200_000)
DATA = Limits(max_bytes=8 * 1024 * 1024, max_nodes=500_000, max_entries=100_000)  # packaged data files
