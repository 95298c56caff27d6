"""The hook that hands every frame a scene draws to a frame sink (an encoder).

It replaces nothing in Manim but reaches into its renderer: ``LayeredRenderer``'s listener
list, or ``CairoRenderer.add_frame`` wrapped on one instance (see COMPAT.md).
"""

from __future__ import annotations

import gc
import sys
from typing import Any

import numpy as np

from explain.scenes.output.frame_sink import FrameListener, FrameSink

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
