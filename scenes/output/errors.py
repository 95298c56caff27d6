"""The error a user's output path or option causes: its message is the one line shown."""

from __future__ import annotations


class OutputError(ValueError):
    """An output path or option the user gave is not usable; the message is one line."""
