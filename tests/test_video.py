"""The MP4 made from drawn frames: every frame and repeat in one stream, nothing left
behind when the render fails, subtitles as Manim writes them."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from explain.scenes.output.video import Mp4Writer, VideoError, write_subtitles

pytestmark = pytest.mark.render  # MP4s encoded and decoded
SIZE = (64, 48)  # (width, height)


def frame(value: int) -> np.ndarray:
    pixels = np.zeros((SIZE[1], SIZE[0], 4), np.uint8)  # (H, W, RGBA)
    pixels[..., 3] = 255
    pixels[:, : value % SIZE[0], 0] = 255  # a red bar as long as the value
    return pixels


def decoded(path: Path) -> tuple[list[np.ndarray], float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        return frames, float(stream.average_rate or 0)


def test_every_frame_is_encoded_as_often_as_it_is_shown(tmp_path: Path) -> None:
    out = tmp_path / "v.mp4"
    shown = [(frame(8), 1), (frame(40), 5), (frame(20), 2)]
    with Mp4Writer(out, size=SIZE, frame_rate=15, options={"preset": "veryfast"}) as writer:
        for pixels, repeat in shown:
            writer.add_frame(pixels, repeat)
    frames, rate = decoded(out)
    assert rate == 15 and len(frames) == writer.frames == 8
    bars = [int((f[SIZE[1] // 2, :, 0] > 128).sum()) for f in frames]
    expected = [8] + [40] * 5 + [20] * 2
    assert all(abs(b - e) <= 2 for b, e in zip(bars, expected)), bars  # lossy, but the bars


def test_a_failed_render_leaves_no_file_and_no_thread(tmp_path: Path) -> None:
    out = tmp_path / "v.mp4"
    before = threading.active_count()
    with (
        pytest.raises(RuntimeError, match="scene broke"),
        Mp4Writer(out, size=SIZE, frame_rate=15) as writer,
    ):
        writer.add_frame(frame(3), 30)
        raise RuntimeError("scene broke")
    assert not out.exists()
    assert threading.active_count() == before


def test_frames_of_another_size_and_encoder_failures_are_one_line_errors(
    tmp_path: Path,
) -> None:
    with (
        pytest.raises(VideoError, match=r"expected \(48, 64, 4\) uint8"),
        Mp4Writer(tmp_path / "a.mp4", size=SIZE, frame_rate=15) as writer,
    ):
        writer.add_frame(np.zeros((10, 10, 4), np.uint8))
    with (
        pytest.raises(VideoError, match="could not encode"),
        Mp4Writer(tmp_path / "b.mp4", size=SIZE, frame_rate=15, codec="no-such-codec") as w,
    ):
        w.add_frame(frame(1))
    assert not (tmp_path / "a.mp4").exists() and not (tmp_path / "b.mp4").exists()


def test_no_frames_is_an_error(tmp_path: Path) -> None:
    with (
        pytest.raises(VideoError, match="no frames"),
        Mp4Writer(tmp_path / "v.mp4", size=SIZE, frame_rate=15),
    ):
        pass
    assert not (tmp_path / "v.mp4").exists()


def test_subtitles_are_written_only_when_there_are_some(tmp_path: Path) -> None:
    import datetime

    import srt

    class Writer:
        subcaptions: list[Any] = []

    assert not write_subtitles(Writer(), tmp_path / "none.srt")
    assert not (tmp_path / "none.srt").exists()
    Writer.subcaptions = [
        srt.Subtitle(1, datetime.timedelta(seconds=0.5), datetime.timedelta(seconds=2), "一个")
    ]
    assert write_subtitles(Writer(), tmp_path / "one.srt")
    assert "00:00:00,500 --> 00:00:02,000\n一个" in (tmp_path / "one.srt").read_text("utf-8")


def test_an_encoder_failing_with_frames_queued_does_not_hang_the_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import explain.scenes.output.video as video

    started = threading.Event()

    def failing(self: object, pixels: np.ndarray) -> av.VideoFrame:
        started.wait(5)  # fail only once the queue is full
        raise OSError("disk full")

    monkeypatch.setattr(video.YuvConverter, "convert", failing)
    writer = Mp4Writer(tmp_path / "v.mp4", size=SIZE, frame_rate=15)
    writer.start()
    for n in range(writer.queued_frames + 1):  # one taken by the encoder, the rest queued
        writer.add_frame(frame(n))
    started.set()
    done = threading.Thread(target=lambda: pytest.raises(VideoError, writer.finish))
    done.start()
    done.join(10)
    assert not done.is_alive(), "finish hung on a full queue"
    assert not (tmp_path / "v.mp4").exists()


def test_render_into_shortens_the_gil_switch_interval_while_drawing() -> None:
    """The encoder thread gets the GIL within 0.2 ms while the scene draws, and the objects
    that existed before are frozen out of the garbage collector; the caller's interval and
    collector are back afterwards, also when the render fails."""
    import gc
    import sys

    from explain.scenes.engine.frame_hook import SWITCH_INTERVAL, render_into
    from explain.scenes.output.frame_sink import FrameSink

    class Sink(FrameSink):
        def start(self) -> None: ...
        def add_frame(self, frame: np.ndarray, num_frames: int = 1) -> None: ...
        def finish(self) -> None: ...
        def abort(self) -> None: ...

    class Renderer:
        frame_listeners: list[Any] = []

    class Scene:
        renderer = Renderer()
        seen = 0.0
        frozen = 0

        def render(self) -> None:
            self.seen = sys.getswitchinterval()
            self.frozen = gc.get_freeze_count()

    before = sys.getswitchinterval()
    frozen_before = gc.get_freeze_count()
    scene = Scene()
    render_into(scene, Sink())
    assert scene.seen == pytest.approx(SWITCH_INTERVAL)
    assert scene.frozen > frozen_before
    assert sys.getswitchinterval() == before
    assert gc.get_freeze_count() == frozen_before

    class Failing(Scene):
        def render(self) -> None:
            raise RuntimeError("drawing failed")

    with pytest.raises(RuntimeError):
        render_into(Failing(), Sink())
    assert sys.getswitchinterval() == before
    assert gc.get_freeze_count() == frozen_before
