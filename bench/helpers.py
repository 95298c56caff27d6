"""Reference renders for bench/run.py, each run in its own process.

helpers.py floor SECONDS QUALITY         an empty Manim scene of that duration
helpers.py manim-defaults NAME OUT.mp4   a scene rendered with Manim's default settings
helpers.py pyav-encode FRAMES            PyAV encoding that many static 1080p frames
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def floor(seconds: float, quality: str) -> None:
    """An empty scene, encoded by Manim's own writer with explain's encoder settings (so
    the floor pays for encoding every frame, as a render does)."""
    from manim import Scene, tempconfig

    from explain.scenes.app.render import MANIM_SETTINGS, QUALITIES

    class Empty(Scene):
        def construct(self) -> None:
            self.wait(seconds)

    with tempfile.TemporaryDirectory() as media:
        settings = dict(
            MANIM_SETTINGS, media_dir=media, quality=QUALITIES[quality], output_file="scene"
        )
        with tempconfig(settings):
            Empty().render()


def manim_defaults(name: str, out: str) -> None:
    """The scene as plain Manim renders it: its default settings (caching on, one encoder
    in flight, the default x264 preset, a video segment per play), its renderer and redraw
    rule, its FadeIn/FadeOut. Only the drawing code and the (cached) trace are ours."""
    from manim import FadeIn, FadeOut, tempconfig
    from manim.renderer.cairo_renderer import CairoRenderer

    from explain.scenes.app.trace_cache import verified_trace
    from explain.scenes.engine import tweens as fade
    from explain.scenes.kit.theme import DARK
    from explain.scenes.registry import get

    fade._fade = lambda mobs, appear, kw: (FadeIn if appear else FadeOut)(*mobs, **kw)
    entry = get(name)
    trace = verified_trace(entry, {})
    with tempfile.TemporaryDirectory() as media:  # fresh: no cached segments to reuse
        settings = {
            "media_dir": media,
            "quality": "low_quality",
            "output_file": "scene",
            "verbosity": "ERROR",
            "progress_bar": "none",
        }
        with tempconfig(settings):
            scene = entry.scene_class()(trace=trace, theme=DARK, renderer=CairoRenderer())
            scene.precise_redraw = False
            scene.render()
        shutil.copy(scene.renderer.file_writer.movie_file_path, out)


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
