"""Scanning: discover files, run the scanners (cached, in parallel), evaluate call sites against the policy."""
