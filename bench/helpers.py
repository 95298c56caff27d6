"""Reference renders for bench/run.py, each run in its own process.

helpers.py floor SECONDS QUALITY         an empty Manim scene of that duration
helpers.py manim-defaults NAME OUT.mp4   a scene rendered with Manim's default settings
helpers.py pyav-encode FRAMES            PyAV encoding that many static 1080p frames
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def floor(seconds: float, quality: str) -> None:
    from manim import Scene, tempconfig

    from scenes.render import RenderOptions, manim_config

    class Empty(Scene):
        def construct(self) -> None:
            self.wait(seconds)

    with (
        tempfile.TemporaryDirectory() as media,
        tempconfig(manim_config(Path(media), RenderOptions(quality=quality))),
    ):
        Empty().render()


def manim_defaults(name: str, out: str) -> None:
    from manim.renderer.cairo_renderer import CairoRenderer

    from scenes import render
    from scenes.base import TraceScene
    from scenes.registry import get
    from scenes.trace_cache import verified_trace

    # Only quiet logging: everything else as Manim ships it (caching on, one encoder in
    # flight, the default x264 preset, and Manim's own rule for what each frame redraws).
    render.MANIM_SETTINGS = {"verbosity": "ERROR", "progress_bar": "none"}
    TraceScene.precise_redraw = False
    stock_init = TraceScene.__init__

    def with_stock_renderer(self: TraceScene, *args: Any, **kwargs: Any) -> None:
        stock_init(self, *args, renderer=CairoRenderer(), **kwargs)

    TraceScene.__init__ = with_stock_renderer  # type: ignore[method-assign]
    entry = get(name)
    trace = verified_trace(entry, {})  # the same (cached) trace as explain's own render
    render.render_trace(entry, trace, Path(out), render.RenderOptions())


def pyav_encode(frames: int) -> None:
    import av
    import numpy as np

    with (
        tempfile.TemporaryDirectory() as tmp,
        av.open(str(Path(tmp) / "x.mp4"), "w") as container,
    ):
        stream = container.add_stream("libx264", rate=60)
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        stream.options = {"preset": "veryfast"}
        image = np.full((1080, 1920, 3), 24, dtype=np.uint8)
        for _ in range(frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


if __name__ == "__main__":
    verb, *args = sys.argv[1:]
    if verb == "floor":
        floor(float(args[0]), args[1])
    elif verb == "manim-defaults":
        manim_defaults(args[0], args[1])
    elif verb == "pyav-encode":
        pyav_encode(int(args[0]))
    else:
        raise SystemExit(__doc__)
