"""What every demo export shares: October 2026 (UTC), day by day, with deterministic token counts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal

START = datetime(2026, 10, 1, tzinfo=timezone.utc)
DAYS = 31
M = Decimal(1_000_000)


def days() -> Iterator[tuple[int, datetime]]:
    for d in range(DAYS):
        yield d, START + timedelta(days=d)


def tokens(base_millions: float, day: int, salt: int = 0) -> int:
    """A daily token count within about +-10% of the base, deterministic."""
    wobble = ((day * 37 + salt * 11) % 21 - 10) / 100
    return int(base_millions * 1_000_000 * (1 + wobble))
