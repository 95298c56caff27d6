"""One H.264 stream for the whole scene, encoded on a thread while the scene draws.

Manim writes one video segment per ``play`` (32 for conv-stride), each with an encoder of
its own that is opened, flushed and joined, and concatenates the segments at the end:
about 0.7 s of a 3.3 s render, where an empty scene has one segment. ``Mp4Writer`` takes
the frames from the renderer (``LayeredRenderer.frame_listeners``, or a wrapped
``add_frame`` on 3-D scenes' renderer: ``engine.frame_hook.add_frame_listener``) and feeds one
encoder with Manim's own codec settings; a frame held by a ``wait`` is converted to YUV
once and encoded as often as it is shown. The subtitles Manim would write next to its
video are written from the same subcaptions (``write_subtitles``).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import numpy as np
from av.video.stream import VideoStream

from explain.scenes.output.frame_sink import FrameSink, end_queue
from explain.scenes.output.yuv import YuvConverter

# Drawn frames waiting for the encoder, at most this many bytes of them (and at least a
# few): the scene goes on drawing while it works. The encoder's load comes in bursts: a
# held frame is drawn once and encoded as often as it is shown, while the scene has
# already drawn the next play. Room for a second of frames at 480p15 (1.6 MB each) let
# the drawing run ahead; at 1080p (8 MB each) it is 8 frames, a bounded 64 MB.
QUEUED_BYTES = 64 * 2**20
MIN_QUEUED_FRAMES = 4


class VideoError(RuntimeError):
    """The video could not be encoded; the message is one line."""


class Mp4Writer(FrameSink):
    """Frames in (``add_frame``), ``dest`` out. As a context manager around
    ``scene.render()``: leaving it normally finishes the file; leaving it by an exception
    stops the encoder and removes the partial file."""

    def __init__(
        self,
        dest: Path,
        *,
        size: tuple[int, int],
        frame_rate: float,
        codec: str = "libx264",
        pixel_format: str = "yuv420p",
        options: dict[str, str] | None = None,
    ) -> None:
        self.dest = dest
        self.size = size  # (width, height)
        self.frame_rate = Fraction(frame_rate).limit_denominator(1001)
        self.codec, self.pixel_format = codec, pixel_format
        self.options = dict(options or {})
        self.frames = 0  # frames encoded, repeats included
        frame_bytes = size[0] * size[1] * 4
        self.queued_frames = max(MIN_QUEUED_FRAMES, QUEUED_BYTES // frame_bytes)
        self._queue: queue.Queue[tuple[np.ndarray, int] | None] = queue.Queue(self.queued_frames)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._encode, name="mp4-frames", daemon=True)

    def start(self) -> None:
        """The encoding thread: the scene goes on drawing while it encodes."""
        self._thread.start()

    def add_frame(self, frame: np.ndarray, num_frames: int = 1) -> None:
        """A frame listener: ``frame`` (H, W, 4) uint8 RGBA, shown ``num_frames`` times.
        Manim hands each frame over as a fresh copy, so it is queued as it is."""
        width, height = self.size
        if frame.shape != (height, width, 4) or frame.dtype != np.uint8:
            raise VideoError(
                f"a frame of shape {frame.shape} {frame.dtype}, expected "
                f"({height}, {width}, 4) uint8"
            )
        while not self._stop.is_set():
            try:
                self._queue.put((frame, num_frames), timeout=0.1)
                return
            except queue.Full:
                continue
        raise VideoError(f"could not encode the video: {self._error}"[:300])

    def finish(self) -> None:
        """Flush the encoder and close the file."""
        end_queue(self._queue, self._thread)
        if self._error is not None:
            self.dest.unlink(missing_ok=True)
            raise VideoError(f"could not encode the video: {self._error}"[:300])
        if self.frames == 0:
            self.dest.unlink(missing_ok=True)
            raise VideoError("the scene drew no frames")

    def abort(self) -> None:
        """Stop the encoder, drop queued frames, remove the partial file; safe to repeat."""
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        if self._thread.is_alive():
            self._thread.join()
        self.dest.unlink(missing_ok=True)

    def _encode(self) -> None:
        try:
            with av.open(str(self.dest), mode="w") as container:
                stream = cast(
                    VideoStream,
                    container.add_stream(self.codec, rate=self.frame_rate, options=self.options),
                )
                stream.width, stream.height = self.size
                stream.pix_fmt = self.pixel_format
                time_base = 1 / self.frame_rate
                converter = YuvConverter(*self.size) if self.pixel_format == "yuv420p" else None
                while not self._stop.is_set():
                    try:
                        item = self._queue.get(timeout=0.1)
                    except queue.Empty:
                        continue
                    if item is None:
                        break
                    pixels, repeat = item
                    if converter is not None:  # only the part that changed
                        frame = converter.convert(pixels)
                    else:
                        frame = av.VideoFrame.from_ndarray(pixels, format="rgba")
                        frame = frame.reformat(format=self.pixel_format)  # once per held frame
                    for _ in range(repeat):
                        frame.pts, frame.time_base = self.frames, time_base
                        self.frames += 1
                        container.mux(stream.encode(frame))
                if not self._stop.is_set():
                    container.mux(stream.encode(None))
        except BaseException as err:  # raised to the drawing thread by add_frame/finish
            self._error = err
            self._stop.set()


def write_subtitles(file_writer: Any, dest: Path) -> bool:
    """The scene's subcaptions as SubRip, as Manim writes them next to its video;
    False if the scene had none."""
    import srt

    subtitles = list(getattr(file_writer, "subcaptions", []))
    if not subtitles:
        return False
    dest.write_text(srt.compose(subtitles), encoding="utf-8")
    return True
