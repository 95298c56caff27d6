"""Reference renders for bench/run.py, each run in its own process.

helpers.py floor SECONDS QUALITY         an empty Manim scene of that duration
helpers.py manim-defaults NAME OUT.mp4   a scene rendered with Manim's default settings
helpers.py pyav-encode FRAMES            PyAV encoding that many static 1080p frames
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

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
    from scenes import render
    from scenes.registry import get

    # Only quiet logging: everything else as Manim ships it (caching on, one encoder).
    render.MANIM_SETTINGS = {"verbosity": "ERROR", "progress_bar": "none"}
    entry = get(name)
    trace = entry.build(entry.make_params({}))
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
