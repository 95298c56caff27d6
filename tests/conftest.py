"""Shared test helpers: build a registered scene's trace, construct its scene without rendering."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlcore.trace import Trace
from scenes.registry import get


def build_trace(name: str, **overrides: str) -> Trace:
    """The trace of a registered scene with ``key=value`` text overrides, as the CLI builds it."""
    entry = get(name)
    return entry.build(entry.make_params(overrides))


def construct_scene(trace: Trace, tmp_path: Path, **scene_kwargs: Any) -> Any:
    """Run a scene's construct() in Manim's dry-run mode (no frames, no files) and return it."""
    from manim import tempconfig

    from scenes.render import MANIM_SETTINGS

    entry = get(trace.scene)
    settings = dict(MANIM_SETTINGS, dry_run=True, media_dir=str(tmp_path), quality="low_quality")
    with tempconfig(settings):
        scene = entry.scene_class()(trace=trace, **scene_kwargs)
        scene.render()
    return scene


@pytest.fixture
def media_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "media"
    path.mkdir()
    yield path
