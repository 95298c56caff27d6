"""SceneCamera draws images as Manim's Camera does, pixel for pixel."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from explain.scenes.kit.widgets.heatmap import HeatMap

pytestmark = pytest.mark.frames  # every test draws frames and compares pixels


def draw(camera_class: type, make: Callable[[], list]) -> np.ndarray:
    """The frame a camera draws for the mobjects ``make`` builds, over a non-uniform
    background (so that an image's surroundings would show any change)."""
    from manim import Circle, Square, tempconfig

    with tempconfig({"quality": "low_quality"}):
        camera = camera_class()
        camera.background_color = "#202428"
        camera.reset()
        under = [
            Square(3).set_fill("#aa3344", 0.6),
            Circle(2).shift((3, 1, 0)).set_fill("#2266aa", 0.5),
        ]
        camera.capture_mobjects([*under, *make()])
        return camera.pixel_array.copy()


def heat(shape: tuple[int, int], height: float, seed: int) -> HeatMap:
    values = np.random.default_rng(seed).normal(size=shape)  # (H, W)
    return HeatMap(values, height)


CASES: dict[str, Callable[[], list]] = {
    "centred": lambda: [heat((28, 28), 2.0, 0)],
    "small and many": lambda: [
        heat((12, 12), 0.5, k).move_to((-6 + 0.7 * k, -3 + 0.35 * k, 0)) for k in range(16)
    ],
    "half off the left edge": lambda: [heat((8, 20), 1.5, 1).move_to((-7.0, 0.3, 0))],
    "off the bottom right corner": lambda: [heat((5, 5), 2.0, 2).move_to((6.9, -3.8, 0))],
    "entirely off the frame": lambda: [heat((5, 5), 1.0, 3).move_to((20, 0, 0))],
    "half transparent": lambda: [heat((10, 6), 3.0, 4).set_opacity(0.45)],
    "rotated": lambda: [heat((9, 9), 2.5, 5).rotate(0.4)],
    "under half a pixel thin": lambda: [heat((1, 40), 0.005, 6)],
    "two pixels thin": lambda: [heat((1, 40), 0.035, 6)],
    "stretched strip": lambda: [heat((320, 1), 4.0, 7).stretch_to_fit_width(0.22)],
}


@pytest.mark.parametrize("case", list(CASES))
def test_images_are_drawn_as_manim_draws_them(case: str) -> None:
    from manim import Camera

    from explain.scenes.engine.camera import SceneCamera

    expected = draw(Camera, CASES[case])
    got = draw(SceneCamera, CASES[case])
    assert np.array_equal(got, expected), (
        f"{case}: {np.sum(np.any(got != expected, axis=-1))} pixels differ"
    )


def test_the_cases_draw_something_visible() -> None:
    """Guard against a case that passes because neither camera drew the image."""
    from manim import Camera

    background = draw(Camera, lambda: [])
    for case, make in CASES.items():
        drawn = draw(Camera, make)
        if case in ("entirely off the frame", "under half a pixel thin"):
            assert np.array_equal(drawn, background)
        else:
            assert not np.array_equal(drawn, background), case


def test_kept_paths_draw_what_manim_builds_each_time() -> None:
    """The same shapes drawn over and over (cache hits), moved (misses), recoloured, with
    points recomputed as a fade does, with strokes, curves, several subpaths and open
    paths: every frame as Manim draws it."""
    from manim import (
        Arc,
        Camera,
        Circle,
        Line,
        RoundedRectangle,
        Square,
        Text,
        VGroup,
        tempconfig,
    )
    from manim.utils.bezier import interpolate

    from explain.scenes.engine.camera import SceneCamera

    def shapes() -> VGroup:
        return VGroup(
            Square(1.3).set_fill("#4477aa", 0.7).set_stroke("#ffcc00", 6),
            Text("−0.50 ×", font_size=40).shift((0.2, 1.4, 0)),
            Circle(0.7).set_stroke("#ee6677", 3).set_stroke("#000000", 9, background=True),
            Arc(1.5, 0.2, 2.5).shift((-2, -1, 0)),
            Line((-6, -3, 0), (5, 2.5, 0), stroke_width=2),
            RoundedRectangle(corner_radius=0.2, width=3, height=1).shift((3, -2, 0)),
        )

    frames: dict[str, list[np.ndarray]] = {}
    with tempconfig({"quality": "low_quality"}):
        for camera_class in (Camera, SceneCamera):
            camera = camera_class()
            group = shapes()
            drawn = []
            for step in range(8):
                if step == 3:
                    group.shift((0.137, -0.061, 0))  # new points: built afresh
                if step == 4:
                    group.set_opacity(0.4)  # same points, another colour
                if step >= 6:  # as a fade recomputes them: the same to within an ulp
                    for member in group.family_members_with_points():
                        member.points = interpolate(member.points, member.points, 0.3 * step)
                camera.reset()
                camera.capture_mobjects([group])
                drawn.append(camera.pixel_array.copy())
            frames[camera_class.__name__] = drawn
    for n, (ours, manims) in enumerate(zip(frames["SceneCamera"], frames["Camera"])):
        assert np.array_equal(ours, manims), f"frame {n} differs"
    assert not np.array_equal(frames["Camera"][2], frames["Camera"][3])  # it did move


def test_fixed_point_keys_match_cairos_rounding() -> None:
    """Points that differ by less than Cairo's 1/256 pixel share a key, others do not."""
    import cairo

    from explain.scenes.engine.camera import fixed_point_key

    matrix = cairo.Matrix(60.0, 0, 0, -60.0, 427.0, 240.0)
    points = np.array([[0.5, 0.25, 0.0], [-1.0 / 120, 2.0, 0.0]])  # pixels 457, 225, ...
    nudged = points + np.array([[1e-13, -1e-13, 0], [0, 0, 0]])
    moved = points + np.array([[1.0 / 60 / 256, 0, 0], [0, 0, 0]])  # one fixed step
    assert fixed_point_key(points, matrix) == fixed_point_key(nudged, matrix)
    assert fixed_point_key(points, matrix) != fixed_point_key(moved, matrix)
    assert fixed_point_key(points, cairo.Matrix(60.0, 0.5, 0, -60.0, 0, 0)) is None
    assert fixed_point_key(np.full_like(points, np.nan), matrix) is None
