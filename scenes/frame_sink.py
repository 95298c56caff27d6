"""Writers fed with the frames a scene draws (the MP4 and GIF encoders), and the hook
that hands the frames to them."""

from __future__ import annotations

import contextlib
import gc
import queue
import sys
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


# How long the drawing thread may hold the GIL while the sink's thread waits for it.
# The encoder thread takes and releases the GIL a dozen times a frame (NumPy and PyAV
# calls); at Python's default of 5 ms it waited that long for each, behind the drawing
# thread: measured, an encode took 16 s next to a busy Python thread instead of 2.4 s at
# 0.2 ms, and renders of rnn-unroll, embedding and conv-stride took 7 to 12 % less.
SWITCH_INTERVAL = 0.0002


def render_into(scene: Any, sink: FrameSink) -> None:
    """Render ``scene`` with every frame it draws going to ``sink``.

    The objects that exist before the first frame (Manim's modules, the trace, the built
    scene) are frozen out of the garbage collector while it draws: its full collections
    walked all of them, 0.05 to 0.14 s a render, and found nothing to free there.
    """
    interval = sys.getswitchinterval()
    with sink:
        add_frame_listener(scene.renderer, sink.add_frame)
        sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
        gc.freeze()
        try:
            scene.render()
        finally:
            gc.unfreeze()
            sys.setswitchinterval(interval)


def add_frame_listener(renderer: Any, listener: FrameListener) -> None:
    """Call ``listener`` with every frame ``renderer`` writes and its repeat count.

    ``LayeredRenderer`` (every 2-D scene) keeps a list of listeners. Manim's own
    ``CairoRenderer``, which 3-D scenes use, has none; its ``add_frame`` is wrapped on this
    one instance, so that the renderer and camera stay those the scene chose.
    """
    listeners = getattr(renderer, "frame_listeners", None)
    if listeners is not None:
        listeners.append(listener)
        return
    add_frame = renderer.add_frame

    def add_and_listen(frame: np.ndarray, num_frames: int = 1) -> None:
        if not renderer.skip_animations:  # as CairoRenderer.add_frame, which then writes none
            listener(frame, num_frames)
        add_frame(frame, num_frames)

    renderer.add_frame = add_and_listen
