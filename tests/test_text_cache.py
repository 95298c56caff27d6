"""Built Text kept on disk: the same glyphs back, and a damaged file is only a miss."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from explain.scenes.kit.theme import DARK
from explain.scenes.kit.widgets.numbers import TextFactory
from explain.scenes.kit.widgets.text_cache import TextDiskCache


def test_second_factory_loads_the_same_glyphs_from_disk(tmp_path: Path) -> None:
    disk = TextDiskCache(tmp_path)
    first = TextFactory(DARK, disk).text("−12.5 卷积", 30, "#FF0000")
    assert len(list(tmp_path.glob("*.json"))) == 1
    second = TextFactory(DARK, disk).text("−12.5 卷积", 30, "#FF0000")
    a = [m.points for m in first.family_members_with_points()]
    b = [m.points for m in second.family_members_with_points()]
    assert len(a) == len(b) > 0
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert second.original_text == "−12.5 卷积"


def test_a_damaged_cache_file_is_rebuilt(tmp_path: Path) -> None:
    disk = TextDiskCache(tmp_path)
    TextFactory(DARK, disk).text("7", 20)
    (entry,) = tmp_path.glob("*.json")
    entry.write_bytes(b"not a sealed entry")
    text = TextFactory(DARK, disk).text("7", 20)
    assert text.original_text == "7" and text.width > 0


def test_an_unwritable_cache_only_costs_speed(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    text = TextFactory(DARK, TextDiskCache(blocker / "sub")).text("3", 20)
    assert text.original_text == "3"


@pytest.mark.render
def test_a_loaded_text_draws_the_pixels_of_a_built_one(tmp_path: Path) -> None:
    """The plain form keeps the whole state Pango built: a caption in two scripts, loaded
    back, draws exactly the pixels of the Text built afresh (the cold render's)."""
    from manim import Camera, tempconfig

    content = "−0.25 · 卷积 σ(x) = 1 / (1 + e⁻ˣ)"
    built = TextFactory(DARK, TextDiskCache(tmp_path)).text(content, 28, "#FFAA00")
    loaded = TextFactory(DARK, TextDiskCache(tmp_path)).text(content, 28, "#FFAA00")
    frames = []
    with tempconfig({"pixel_width": 640, "pixel_height": 360}):
        for text in (built, loaded):
            camera = Camera()
            camera.capture_mobject(text)
            frames.append(camera.pixel_array.copy())
    assert frames[0].any() and np.array_equal(frames[0], frames[1])


def test_the_cache_holds_no_pickle(tmp_path: Path) -> None:
    TextFactory(DARK, TextDiskCache(tmp_path)).text("x²", 20)
    (entry,) = tmp_path.iterdir()
    head, _, body = entry.read_bytes().partition(b"\n")
    assert json.loads(head)["name"] == entry.name
    assert json.loads(body)["nodes"][0]["class"] == "Text"  # plain JSON, read back by a fixed table
