"""Where explain writes: the default output folder and the cache folder (built text, traces)."""

from __future__ import annotations

import os
from pathlib import Path

# Renders go here unless --out or --out-dir says otherwise; the gallery lives below it.
DEFAULT_OUTPUT_DIR = Path("renders")


def cache_root() -> Path:
    """``$EXPLAIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/explain``, else ``~/.cache/explain``."""
    explicit = os.environ.get("EXPLAIN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "explain"
