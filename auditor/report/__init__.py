"""Reporters: one function per output format, each taking a Report."""
