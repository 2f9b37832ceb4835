"""Code-side history: the scan of each month end, read from git objects."""
