"""YuvConverter gives the planes a whole-frame conversion gives, converting less."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from explain.scenes.output.yuv import YuvConverter, changed_box
from tests.test_redraw import render_frames

WIDTH, HEIGHT = 854, 480  # low quality, as rendered


def whole(rgba: np.ndarray) -> np.ndarray:
    frame = av.VideoFrame.from_ndarray(rgba, format="rgba").reformat(format="yuv420p")
    return frame.to_ndarray()  # (H * 3 / 2, W)


def edited_frames(seed: int) -> list[np.ndarray]:
    """Frames that each change one rectangle of the last: noise (every chroma sample
    differs from its neighbours), flat colour, at the edges and corners, one pixel, most
    of the frame, and no change at all."""
    rng = np.random.default_rng(seed)
    frame = rng.integers(0, 256, (HEIGHT, WIDTH, 4), dtype=np.uint8)
    frame[..., 3] = 255
    frames = [frame]
    rectangles = [
        (100, 140, 200, 260),
        (0, 7, 0, 9),  # top left corner
        (HEIGHT - 5, HEIGHT, WIDTH - 3, WIDTH),  # bottom right corner
        (201, 202, 333, 334),  # one pixel, odd coordinates
        (37, 451, 851, WIDTH),  # along the right edge
        (0, 0, 0, 0),  # nothing
        (10, 470, 10, 840),  # most of the frame: converted whole
        (245, 262, 17, 30),
    ]
    for y0, y1, x0, x1 in rectangles:
        frame = frame.copy()
        patch = rng.integers(0, 256, (y1 - y0, x1 - x0, 4), dtype=np.uint8)
        patch[..., 3] = 255
        if rng.random() < 0.5:
            patch[...] = patch[:1, :1]  # flat
        frame[y0:y1, x0:x1] = patch
        frames.append(frame)
    return frames


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_edited_frames_convert_as_whole_frames(seed: int) -> None:
    converter = YuvConverter(WIDTH, HEIGHT)
    for n, rgba in enumerate(edited_frames(seed)):
        got = converter.convert(rgba).to_ndarray()
        assert np.array_equal(got, whole(rgba)), f"frame {n} differs"
    assert converter.partial_frames >= 5  # the partial path was taken


@pytest.mark.frames
def test_a_scenes_frames_convert_as_whole_frames(tmp_path: Path) -> None:
    """conv-stride's frames as drawn: glyphs fading, windows moving, numbers written."""
    converter = YuvConverter(WIDTH, HEIGHT)
    seen: list[int] = []

    def check(rgba: np.ndarray) -> None:
        rgba = rgba.copy()
        got = converter.convert(rgba).to_ndarray()
        assert np.array_equal(got, whole(rgba)), f"frame {len(seen)} differs"
        seen.append(1)

    render_frames("conv-stride", tmp_path, True, check)
    assert len(seen) > 200 and converter.partial_frames > 100


def test_changed_box() -> None:
    a = np.zeros((6, 8, 4), dtype=np.uint8)
    b = a.copy()
    assert changed_box(a, b) is None
    b[2, 5, 1] = 1  # one channel of one pixel
    b[4, 3, 3] = 9
    assert changed_box(a, b) == (2, 5, 3, 6)


def test_odd_sizes_are_converted_whole() -> None:
    converter = YuvConverter(5, 4)
    frames = [np.full((4, 5, 4), v, dtype=np.uint8) for v in (10, 10, 200)]
    for rgba in frames:
        converter.convert(rgba)
    assert converter.partial_frames == 0
