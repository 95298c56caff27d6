"""The error a user's output path or option causes: its message is the one line shown."""

from __future__ import annotations


class OutputError(ValueError):
    """An output path or option the user gave is not usable; the message is one line."""


def shown(path: object, width: int = 80, quoted: bool = True) -> str:
    """A path for a one-line error: quoted, and if long, its end (the name is what matters).
    Unquoted where it leads the line as a location (``note.md:12: ...``)."""
    text = str(path)
    text = text if len(text) <= width else "..." + text[-(width - 3) :]
    return repr(text) if quoted else text
