"""fade_in/fade_out draw exactly what Manim's FadeIn/FadeOut draw, without copying."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from manim import (
    DOWN,
    RIGHT,
    Circle,
    FadeIn,
    FadeOut,
    Scene,
    Square,
    Text,
    VGroup,
    tempconfig,
)

from explain.scenes.engine.tweens import OpacityFade, fade_in, fade_out

Fade = Callable[..., Any]


def _frames(tmp_path: Path, appear: Fade, vanish: Fade) -> tuple[list[np.ndarray], Scene]:
    frames: list[np.ndarray] = []

    class Fades(Scene):
        def construct(self) -> None:
            square = Square(1.5).set_fill("#4477aa", opacity=0.6).set_stroke("#ffcc00", 6)
            label = Text("w = 0.50", font_size=30).next_to(square, DOWN)
            ring = Circle(0.6).set_stroke("#ee6677", 4, opacity=0.7).shift(2 * RIGHT)
            ring.set_stroke("#000000", 10, background=True)
            group = VGroup(square, label)
            self.add(Square(5).set_fill("#223344", opacity=1))  # something under the fades
            self.play(appear(group), appear(ring), run_time=0.5)
            self.play(vanish(label), run_time=0.4)
            self.play(appear(label), vanish(ring), run_time=0.4)
            self.wait(0.2)

    settings = {
        "media_dir": str(tmp_path),
        "quality": "low_quality",
        "format": "none",
        "disable_caching": True,
        "verbosity": "ERROR",
        "progress_bar": "none",
    }
    with tempconfig(settings):
        scene = Fades()
        add_frame = scene.renderer.add_frame

        def capture(frame: np.ndarray, num_frames: int = 1) -> None:
            frames.extend([frame.copy()] * num_frames)
            add_frame(frame, num_frames)

        scene.renderer.add_frame = capture  # type: ignore[method-assign]
        scene.render()
    return frames, scene


@pytest.mark.frames
def test_fades_draw_the_frames_manims_fades_draw(tmp_path: Path) -> None:
    ours, scene = _frames(tmp_path / "ours", fade_in, fade_out)
    manims, reference = _frames(tmp_path / "manim", FadeIn, FadeOut)
    assert len(ours) == len(manims) > 20
    for n, (a, b) in enumerate(zip(ours, manims)):
        assert np.array_equal(a, b), f"frame {n} differs by up to {np.abs(a - b.astype(int)).max()}"
    # Same scene contents at the end: the faded-out ring is gone, the label is back.
    assert [type(m).__name__ for m in scene.mobjects] == [
        type(m).__name__ for m in reference.mobjects
    ]


def test_a_faded_out_mobject_gets_its_opacity_back(tmp_path: Path) -> None:
    square = Square().set_fill("#4477aa", opacity=0.6)

    class Out(Scene):
        def construct(self) -> None:
            self.add(square)
            self.play(fade_out(square), run_time=0.2)

    with tempconfig({"media_dir": str(tmp_path), "dry_run": True, "verbosity": "ERROR"}):
        scene = Out()
        scene.render()
    assert square not in scene.mobjects
    assert square.get_fill_opacity() == pytest.approx(0.6)


def test_moving_fades_are_manims() -> None:
    square = Square()
    assert isinstance(fade_in(square), OpacityFade)
    assert isinstance(fade_out(square, run_time=2), OpacityFade)
    assert isinstance(fade_in(square, shift=RIGHT), FadeIn)
    assert isinstance(fade_out(square, scale=0.5), FadeOut)
    assert isinstance(fade_in(square, lag_ratio=0.2), FadeIn)
