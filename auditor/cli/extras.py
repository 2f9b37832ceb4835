"""Commands that need the `audit` extra check for it first, so a plain install fails with the fix, not a traceback."""

from __future__ import annotations

import importlib.util

from scanners.errors import TagauditError

EXTRA = "audit"
# Everything pyproject's `audit` extra installs, by import name. Checked as a whole: an audit run that would
# fail at its HTML report after minutes of scanning should fail before it starts.
AUDIT_MODULES = ("duckdb", "jinja2", "matplotlib")


def missing_modules(modules: tuple[str, ...] = AUDIT_MODULES) -> list[str]:
    """The top-level modules that cannot be imported; find_spec looks them up without importing them."""
    return [name for name in modules if importlib.util.find_spec(name) is None]


def require_audit_extra(command: str) -> None:
    """Raise (exit 2) with the install command when `tagaudit COMMAND` cannot run in this environment."""
    missing = missing_modules()
    if missing:
        raise TagauditError(f"'tagaudit {command}' needs the {EXTRA} extra (missing: {', '.join(missing)})",
                            hint=f"install it with: pip install 'tagaudit[{EXTRA}]'")
