"""Billing test helpers: the shared sample data, the demo policy, and small FOCUS files built per test."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.policy import Policy, load_policy

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
REPO = HERE.parents[1]


def shared_dir() -> Path | None:
    """`shared/` beside the checkout (CI and worktrees), or $TAGAUDIT_SHARED."""
    env = os.environ.get("TAGAUDIT_SHARED")
    candidates = [Path(env)] if env else []
    candidates += [REPO / "shared", REPO.parent / "shared"]
    return next((c for c in candidates if (c / "data" / "focus-samples").is_dir()), None)


@pytest.fixture
def samples(require: Callable[[object, str], None]) -> Path:
    """shared/data/focus-samples: skips on a bare clone, fails under CI=true (CI has ../shared)."""
    found = shared_dir()
    require(found is not None, "shared/data/focus-samples not found beside the checkout (../shared); "
                               "set TAGAUDIT_SHARED to a shared/ checkout to run it")
    assert found is not None
    return found / "data" / "focus-samples"


@pytest.fixture
def demo_policy() -> Policy:
    return load_policy(FIXTURES / "demo-policy.yaml")
