"""Rendering a trace to a file: Manim in a private temporary media folder, then an atomic move.

The output path is only ever touched by ``os.replace`` of a complete file, so a failed
or interrupted render leaves the previous output intact and no partial file behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlcore.trace import Trace
from scenes.registry import SceneEntry

QUALITIES: dict[str, str] = {
    "low": "low_quality",  # 854x480, 15 fps: for iterating, tests and notes
    "medium": "medium_quality",  # 1280x720, 30 fps
    "high": "high_quality",  # 1920x1080, 60 fps: lectures
    "4k": "fourk_quality",  # 3840x2160, 60 fps
}
FORMATS: tuple[str, ...] = ("mp4", "gif", "png")
THEMES: tuple[str, ...] = ("dark", "light")
LANGS: tuple[str, ...] = ("en", "zh")

# A GIF is made from a lossless intermediate: h264's noise in a lossy MP4 changes
# scattered pixels in every frame, so GIF frame differencing could not skip the static
# parts (conv-stride: 3.7 MB from the MP4, 0.55 MB from the lossless intermediate).
LOSSLESS_INTERMEDIATE: dict[str, Any] = {
    "pixel_format": "yuv444p",
    "video_encoder_options": {"preset": "ultrafast", "crf": "0"},
}

# Measured on a 2-core machine (see bench/): per-play cache hashing costs about half of
# a conv scene's render time and only pays off when re-rendering long 1080p scenes, so
# caching is off; several encoders in flight overlap encoding with drawing.
MANIM_SETTINGS: dict[str, Any] = {
    "disable_caching": True,
    "max_inflight_encoders": 4,
    "video_encoder_options": {"preset": "veryfast"},
    "verbosity": "ERROR",
    "progress_bar": "none",
}


class OutputError(ValueError):
    """An output path or option the user gave is not usable; the message is one line."""


@dataclass(frozen=True)
class RenderOptions:
    quality: str = "low"
    fmt: str = "mp4"
    theme: str = "dark"
    lang: str = "en"


@dataclass(frozen=True)
class RenderResult:
    path: Path
    subtitles: Path | None  # the .srt written beside a video, if any


def check_options(options: RenderOptions) -> None:
    """Raise OutputError naming the option when a value is not one of the allowed ones."""
    for option, value, allowed in (
        ("--quality", options.quality, tuple(QUALITIES)),
        ("--format", options.fmt, FORMATS),
        ("--theme", options.theme, THEMES),
        ("--lang", options.lang, LANGS),
    ):
        if value not in allowed:
            raise OutputError(f"{option}: must be one of {', '.join(allowed)} (got {value[:40]!r})")


def default_output(name: str, fmt: str, folder: Path = Path("renders")) -> Path:
    return folder / f"{name}.{fmt}"


def check_output_path(path: Path, fmt: str) -> Path:
    """The output path, checked before anything renders: its folder must exist and be writable."""
    if path.suffix.lower() != f".{fmt}":
        raise OutputError(f"--out: a {fmt} render must end in .{fmt} (got {str(path)[:80]!r})")
    if path.is_dir():
        raise OutputError(f"--out: {str(path)[:80]!r} is a directory; give a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"--out: folder {str(folder)[:80]!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"--out: folder {str(folder)[:80]!r} is not writable")
    return path


def install_file(src: Path, dest: Path) -> None:
    """Copy ``src`` next to ``dest`` under a hidden name, then atomically replace ``dest``."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copyfile(src, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(dest: Path, data: bytes) -> None:
    """Write bytes to ``dest`` through a temporary file in the same folder."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def ffmpeg_executable() -> str:
    """Debian's ffmpeg when installed, else the binary that the imageio-ffmpeg wheel ships."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    exe: str = imageio_ffmpeg.get_ffmpeg_exe()
    return exe


def mp4_to_gif(src: Path, dest: Path, fps: int | None = None, width: int | None = None) -> None:
    """A looping GIF with a palette made for this clip (palettegen/paletteuse)."""
    filters = []
    if fps:
        filters.append(f"fps={fps}")
    if width:
        filters.append(f"scale={width}:-2:flags=lanczos")
    chain = ",".join(filters + ["split[a][b]"])
    palette = "palettegen=stats_mode=diff"
    use = "paletteuse=dither=bayer:bayer_scale=5:diff_mode=rectangle"
    graph = f"{chain};[a]{palette}[p];[b][p]{use}"
    cmd = [ffmpeg_executable(), "-v", "error", "-y", "-i", str(src), "-filter_complex", graph]
    cmd += ["-loop", "0", str(dest)]
    subprocess.run(cmd, check=True, capture_output=True)


@contextmanager
def _media_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="explain-media-") as tmp:
        yield Path(tmp)


def manim_config(media_dir: Path, options: RenderOptions) -> dict[str, Any]:
    """The Manim settings for one render, applied with ``tempconfig``."""
    settings = dict(MANIM_SETTINGS)
    settings.update(
        media_dir=str(media_dir),
        quality=QUALITIES[options.quality],
        output_file="scene",
        write_to_movie=options.fmt != "png",
        save_last_frame=options.fmt == "png",
    )
    if options.fmt == "gif":
        settings.update(LOSSLESS_INTERMEDIATE)
    return settings


def render_trace(
    entry: SceneEntry, trace: Trace, out: Path, options: RenderOptions
) -> RenderResult:
    """Draw ``trace`` with the entry's scene and install the result at ``out``."""
    from manim import tempconfig

    from scenes.theme import THEMES as THEME_TABLE

    check_options(options)
    scene_class = entry.scene_class()
    with _media_dir() as media, tempconfig(manim_config(media, options)):
        scene = scene_class(trace=trace, theme=THEME_TABLE[options.theme], lang=options.lang)
        scene.render()
        writer = scene.renderer.file_writer
        if options.fmt == "png":
            install_file(Path(writer.image_file_path), out)
            return RenderResult(out, None)
        movie = Path(writer.movie_file_path)
        if options.fmt == "gif":
            gif = media / "scene.gif"
            mp4_to_gif(movie, gif)
            install_file(gif, out)
            return RenderResult(out, None)
        install_file(movie, out)
        srt = movie.with_suffix(".srt")
        if srt.exists():
            srt_out = out.with_suffix(".srt")
            install_file(srt, srt_out)
            return RenderResult(out, srt_out)
        return RenderResult(out, None)
