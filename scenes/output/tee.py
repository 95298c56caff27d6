"""One drawing, two files: every frame goes to each of several sinks (an MP4 and a GIF).

A lecture wants each chapter as a video and as a small GIF for its notes. Drawing the
scene twice cost a second render; the GIF's encoder works on its own thread and ffmpeg
process while the MP4's works on another, so feeding both from one drawing costs about
the GIF's encoding alone.
"""

from __future__ import annotations

import contextlib

import numpy as np

from explain.scenes.output.frame_sink import FrameSink


class TeeSink(FrameSink):
    """Frames in, each handed to every sink in order; all finish, or all abort."""

    def __init__(self, *sinks: FrameSink) -> None:
        self.sinks = sinks
        self._started: list[FrameSink] = []

    def start(self) -> None:
        try:
            for sink in self.sinks:
                sink.start()
                self._started.append(sink)
        except BaseException:
            self.abort()
            raise

    def add_frame(self, frame: np.ndarray, num_frames: int = 1) -> None:
        for sink in self.sinks:
            sink.add_frame(frame, num_frames)

    def finish(self) -> None:
        for sink in self.sinks:
            sink.finish()

    def abort(self) -> None:
        for sink in self._started:
            with contextlib.suppress(Exception):
                sink.abort()
