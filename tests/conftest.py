"""Shared test helpers: build a registered scene's trace, construct its scene without
rendering; and the check that a test drawing frames is marked for the slow tier."""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from explain.mlcore.trace import Trace
from explain.scenes.registry import get


def build_trace(name: str, **overrides: str) -> Trace:
    """The trace of a registered scene with ``key=value`` text overrides, as the CLI builds it."""
    entry = get(name)
    return entry.build(entry.make_params(overrides))


def construct_scene(trace: Trace, tmp_path: Path, **scene_kwargs: Any) -> Any:
    """Run a scene's construct() in Manim's dry-run mode (no frames, no files) and return it."""
    from manim import tempconfig

    from explain.scenes.app.render import MANIM_SETTINGS

    entry = get(trace.scene)
    settings = dict(MANIM_SETTINGS, dry_run=True, media_dir=str(tmp_path), quality="low_quality")
    with tempconfig(settings):
        scene = entry.scene_class()(trace=trace, **scene_kwargs)
        scene.render()
    return scene


def assert_inside_frame(scene: Any) -> None:
    """Every mobject on screen at the end lies inside the frame (3-D scenes project their
    points, so they are not checked here)."""
    from manim import ThreeDScene, config

    if isinstance(scene, ThreeDScene):
        return
    half_w, half_h = config.frame_width / 2 + 1e-6, config.frame_height / 2 + 1e-6
    for mob in scene.get_mobject_family_members():
        if len(mob.points):
            low, high = mob.points.min(axis=0), mob.points.max(axis=0)
            assert -half_w <= low[0] and high[0] <= half_w, f"{mob} leaves the frame sideways"
            assert -half_h <= low[1] and high[1] <= half_h, f"{mob} leaves the frame"


@pytest.fixture
def media_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "media"
    path.mkdir()
    yield path


# Tests that draw frames (pixels, stills, videos) are marked with one of these, so that
# `pytest -m "not render and not frames"` is a fast tier for the edit loop.
DRAWING_MARKERS = ("render", "frames")


@pytest.fixture(autouse=True)
def drawing_is_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Fail a test that draws a frame in this process without a drawing marker.

    Manim's dry runs (construct_scene) draw too but write nothing, and stay in the fast
    tier. Renders in subprocesses are not seen here; their tests are marked by hand.
    Only checked once manim is imported (every worker imports it while collecting)."""
    if any(request.node.get_closest_marker(m) for m in DRAWING_MARKERS):
        yield
        return
    if "manim" not in sys.modules:
        yield
        return
    from manim import Camera, config

    drawn: list[bool] = []
    capture = Camera.capture_mobjects

    @functools.wraps(capture)
    def noted(self: Camera, *args: Any, **kwargs: Any) -> None:
        if not config.dry_run:
            drawn.append(True)
        capture(self, *args, **kwargs)

    monkeypatch.setattr(Camera, "capture_mobjects", noted)
    yield
    if drawn:
        pytest.fail(
            f"{request.node.nodeid} draws frames: mark it @pytest.mark.frames (in memory) "
            "or @pytest.mark.render (writes files)",
            pytrace=False,
        )
