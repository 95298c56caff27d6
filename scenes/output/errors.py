"""The error a user's output path or option causes: its message is the one line shown."""

from __future__ import annotations


class OutputError(ValueError):
    """An output path or option the user gave is not usable; the message is one line."""


def shown(path: object, width: int = 80) -> str:
    """A path for a one-line error: quoted, and if long, its end (the name is what matters)."""
    text = str(path)
    return repr(text if len(text) <= width else "..." + text[-(width - 3) :])
