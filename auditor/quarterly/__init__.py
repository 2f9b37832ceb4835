"""The quarterly audit report: billing and code side by side for one calendar quarter (issue 11)."""
