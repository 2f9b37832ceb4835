"""Allocation: recognise AI spend, resolve tags (FOCUS tags, scope map), pool untagged spend, reconcile."""
