"""The render's progress bar: its remembered totals, its frame count, silence off a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from explain.scenes.app import progress
from explain.scenes.app.progress import FrameBar, remember_seconds, remembered_seconds


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPLAIN_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_a_scenes_length_is_remembered_per_parameters_and_speed(cache: Path) -> None:
    assert remembered_seconds("conv", {"stride": 2}, 1.0) is None
    remember_seconds("conv", {"stride": 2}, 1.0, 16.8)
    assert remembered_seconds("conv", {"stride": 2}, 1.0) == pytest.approx(16.8)
    assert remembered_seconds("conv", {"stride": 1}, 1.0) is None
    assert remembered_seconds("conv", {"stride": 2}, 2.0) is None


@pytest.mark.parametrize("damage", [b"", b"nan", b"-3", b"\xff\xfe", b"1e400"])
def test_a_damaged_length_is_unknown_never_an_error(cache: Path, damage: bytes) -> None:
    remember_seconds("conv", {}, 1.0, 5.0)
    (file,) = (cache / "lengths").iterdir()
    file.write_bytes(damage)
    assert remembered_seconds("conv", {}, 1.0) is None


class FakeProgress:
    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []

    def add_task(self, label: str, total: int | None) -> int:
        self.total = total
        return 0

    def update(self, task: int, **fields: Any) -> None:
        self.updates.append(fields)


class FakeScene:
    animations: list[Any] = []


def test_the_bar_counts_held_frames_and_names_the_animation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(progress, "REFRESH_SECONDS", 0.0)
    bar, scene = FakeProgress(), FakeScene()
    frames = FrameBar(scene, "conv", 40, bar)
    scene.animations = [object()]
    frames.on_frame(None, 1)
    frames.on_frame(None, 9)  # a held frame written once, shown nine times
    assert bar.total == 40
    # Each update redraws at once: the bar has no refresh thread of its own.
    assert bar.updates[-1] == {"completed": 10, "description": "conv · object", "refresh": True}


def test_nothing_is_shown_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with progress.frame_progress(FakeScene(), "conv", 10):
        pass
    assert capsys.readouterr().err == ""
