"""Built Text kept on disk: the same glyphs back, and a damaged file is only a miss."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explain.scenes.kit.theme import DARK
from explain.scenes.kit.widgets.numbers import TextFactory
from explain.scenes.kit.widgets.text_cache import TextDiskCache


def test_second_factory_loads_the_same_glyphs_from_disk(tmp_path: Path) -> None:
    disk = TextDiskCache(tmp_path)
    first = TextFactory(DARK, disk).text("−12.5 卷积", 30, "#FF0000")
    assert len(list(tmp_path.glob("*.pickle"))) == 1
    second = TextFactory(DARK, disk).text("−12.5 卷积", 30, "#FF0000")
    a = [m.points for m in first.family_members_with_points()]
    b = [m.points for m in second.family_members_with_points()]
    assert len(a) == len(b) > 0
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert second.original_text == "−12.5 卷积"


def test_a_damaged_cache_file_is_rebuilt(tmp_path: Path) -> None:
    disk = TextDiskCache(tmp_path)
    TextFactory(DARK, disk).text("7", 20)
    (entry,) = tmp_path.glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    text = TextFactory(DARK, disk).text("7", 20)
    assert text.original_text == "7" and text.width > 0


def test_an_unwritable_cache_only_costs_speed(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    text = TextFactory(DARK, TextDiskCache(blocker / "sub")).text("3", 20)
    assert text.original_text == "3"
