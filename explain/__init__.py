"""explain: verified animations of machine-learning fundamentals.

One import package over the repository's two folders: ``explain.mlcore`` computes and
records traces with torch (never importing manim); ``explain.scenes`` draws them with
Manim Community and holds the CLI (``explain.scenes.cli``) and the registry.

The Python API (``explain.scenes.api``) is re-exported here and imported on first use,
so ``import explain`` stays light: ``from explain import render, trace``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from explain.scenes.api import info, list_scenes, render, trace

__all__ = ["info", "list_scenes", "render", "trace"]


def __getattr__(name: str) -> Any:
    # PEP 562: the API module (and what it imports) loads only when one of these is asked for.
    if name in __all__:
        return getattr(importlib.import_module("explain.scenes.api"), name)
    raise AttributeError(f"module 'explain' has no attribute {name!r}")
