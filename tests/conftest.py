"""Suite-wide fixtures.

`require` is the one way a test states a need only CI provides (a real headless browser, say): on a
developer's bare clone it skips with a reason that says how to enable it; under CI (`CI=true`) the
same missing prerequisite fails the test, so CI can never go green by silently skipping it.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def _require(condition: object, reason: str) -> None:
    __tracebackhide__ = True  # report the skip or failure at the calling test, not here
    if condition:
        return
    if in_ci():
        pytest.fail(f"CI=true but a prerequisite is missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def require() -> Callable[[object, str], None]:
    """`require(condition, reason)`: go on if condition holds; else skip, or fail when CI=true."""
    return _require
