"""Billing ingestion: find FOCUS files, map and type their columns, validate every row into DuckDB."""
