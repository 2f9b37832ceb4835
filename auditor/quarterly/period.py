"""Calendar quarters: "2026-Q3" -> its months, bounds and the quarter before it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from scanners.errors import TagauditError

_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")


@dataclass(frozen=True, slots=True)
class Quarter:
    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def months(self) -> tuple[str, str, str]:
        first = 3 * (self.number - 1) + 1
        m = [f"{self.year}-{first + i:02d}" for i in range(3)]
        return m[0], m[1], m[2]

    @property
    def start(self) -> dt.datetime:
        return dt.datetime(self.year, 3 * (self.number - 1) + 1, 1, tzinfo=dt.timezone.utc)

    @property
    def end(self) -> dt.datetime:
        return self.next().start

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)


def parse_quarter(text: str) -> Quarter:
    m = _QUARTER.match(text.strip())
    if m is None:
        raise TagauditError(f"not a quarter: {text!r}", hint="write it as YYYY-QN, e.g. 2026-Q3")
    return Quarter(int(m.group(1)), int(m.group(2)))


def month_end(month: str) -> dt.datetime:
    """00:00 UTC on the first day of the month after `month` (YYYY-MM)."""
    year, mon = int(month[:4]), int(month[5:7])
    return dt.datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=dt.timezone.utc)
