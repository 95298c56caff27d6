"""The folder for explain's caches (built text, traces), private to the user."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """``$EXPLAIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/explain``, else ``~/.cache/explain``."""
    explicit = os.environ.get("EXPLAIN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "explain"
