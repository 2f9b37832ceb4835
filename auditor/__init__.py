"""tagaudit: audit how well application code tags its AI spend."""

__version__ = "0.1.0"
