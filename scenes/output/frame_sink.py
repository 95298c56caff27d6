"""The protocol of writers fed with the frames a scene draws (the MP4 and GIF encoders).

The hook that feeds them from Manim's renderer is ``explain.scenes.engine.frame_hook``."""

from __future__ import annotations

import contextlib
import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import numpy as np

FrameListener = Callable[[np.ndarray, int], None]


class FrameSink(ABC):
    """Frames in (``add_frame``), a file out. As a context manager around
    ``scene.render()``: ``start`` on entry; leaving normally runs ``finish``; leaving by
    an exception, or a failure (Ctrl-C too) while finishing, runs ``abort``, which writes
    nothing and leaves no thread or process behind."""

    @abstractmethod
    def start(self) -> None:
        """Get ready for the first frame (threads, processes)."""

    @abstractmethod
    def add_frame(self, frame: np.ndarray, num_frames: int = 1) -> None:
        """``frame`` (H, W, 4) uint8 RGBA, shown ``num_frames`` times."""

    @abstractmethod
    def finish(self) -> None:
        """Write the file from the frames received."""

    @abstractmethod
    def abort(self) -> None:
        """Stop, write nothing; safe at any point after ``start``, and more than once."""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.abort()
            return
        try:
            self.finish()
        except BaseException:
            self.abort()
            raise


def end_queue(frames: queue.Queue[Any], thread: threading.Thread, *, drop: bool = False) -> None:
    """Put the end marker (None) on a writer thread's frame queue and wait for the thread.

    The marker is offered again while the thread lives: a thread that failed takes
    nothing more, and a plain ``put`` on its full queue would wait forever. With ``drop``
    the frames still queued are thrown away first (an abort)."""
    while thread.is_alive():
        if drop:
            with contextlib.suppress(queue.Empty):
                while True:
                    frames.get_nowait()
        try:
            frames.put(None, timeout=0.1)
            break
        except queue.Full:
            continue
    thread.join()
