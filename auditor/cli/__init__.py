"""The `tagaudit` command line: `main` is the entry point (pyproject `[project.scripts]`)."""

from auditor.cli.boundary import main

__all__ = ["main"]
