"""Rendering a trace to files: Manim in a private temporary media folder, then one commit of
the output set with a stamp naming its bytes (``explain.scenes.output.commit``), so a
failed, interrupted or killed render leaves the previous output or the new one, complete,
and no partial file behind.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from explain.mlcore.trace import Trace
from explain.scenes.app.choices import FORMATS, QUALITIES
from explain.scenes.app.progress import frame_progress, remember_seconds, remembered_seconds
from explain.scenes.app.sources import relative_name, source_files
from explain.scenes.app.trace_cache import picture_digest
from explain.scenes.kit.i18n import LANGS
from explain.scenes.kit.theme import THEMES
from explain.scenes.output.checks import check_destinations
from explain.scenes.output.commit import Staged, commit_set
from explain.scenes.output.files import OutputError, left_by_dead_process
from explain.scenes.output.stamp import stamp_path, vouched_files
from explain.scenes.output.stills import cut_stills, still_paths
from explain.scenes.output.subtitles import mux_subtitles, srt_to_vtt
from explain.scenes.registry import SceneEntry

MIN_SPEED, MAX_SPEED = 0.5, 2.0  # slower for beginners, faster for a recap
GIF_FPS = 15  # a GIF for notes needs no more; more frames only make it larger
MAX_STILLS = 50

# Measured on a 2-core machine (bench/RESULTS.md): per-play cache hashing only pays off when
# re-rendering long 1080p scenes, so caching is off; encoders in flight overlap encoding
# with drawing. Four in flight with queues of 8 frames peaked at 1.45 GB at 1080p; two
# with queues of 4 peak at 0.86 GB for 4% more time (and no change at 480p).
MANIM_SETTINGS: dict[str, Any] = {
    "disable_caching": True,
    "max_inflight_encoders": 2,
    "encoder_queue_size": 4,
    "video_encoder_options": {"preset": "veryfast"},
    "verbosity": "ERROR",
    "progress_bar": "none",
}

# Stills are cut from a lossless intermediate rather than from h264's lossy frames. (GIFs
# are made from the frames themselves, never from a video: scenes/gif.py.)
LOSSLESS_INTERMEDIATE: dict[str, Any] = {
    "pixel_format": "yuv444p",
    "video_encoder_options": {"preset": "ultrafast", "crf": "0"},
}
# VP9's default settings take minutes; these keep WebM within a few times the MP4's time.
WEBM_SETTINGS: dict[str, Any] = {
    "format": "webm",
    "video_encoder_options": {"deadline": "realtime", "cpu-used": "8", "crf": "30", "b": "0"},
}


@dataclass(frozen=True)
class RenderOptions:
    quality: str = "low"
    fmt: str = "mp4"
    theme: str = "dark"
    lang: str = "en"
    transparent: bool = False  # png (last frame) and webm only
    fps: int | None = None  # gif only; default min(GIF_FPS, the quality's frame rate)
    width: int | None = None  # gif only, pixels; default the quality's width
    at: tuple[float, ...] = ()  # png: stills at these seconds
    frames: int | None = None  # png: this many stills, evenly spaced, the last at the end
    frame_numbers: tuple[int, ...] = ()  # png: stills of these frames (0 is the first)
    speed: float = 1.0  # every animation and pause 1/speed as long (subtitles follow)
    subtitles: bool = False  # gif: NAME.srt beside it too (a lecture's notes quote them)
    notes_gif: bool = False  # mp4: NAME.gif too, from the same frames (--width, --fps)


@dataclass(frozen=True)
class RenderResult:
    paths: list[Path]  # the files written (several for --frames / several --at)
    subtitles: Path | None = None  # the .srt written beside a video, if any
    web_subtitles: Path | None = None  # the same captions as WebVTT, for a page's <track>
    cached: bool = False  # an unchanged earlier render was reused
    extra: dict[str, Any] = field(default_factory=dict)


def check_options(options: RenderOptions) -> None:
    """Raise OutputError naming the option when a value or combination is not allowed."""
    for option, value, allowed in (
        ("--quality", options.quality, tuple(QUALITIES)),
        ("--format", options.fmt, FORMATS),
        ("--theme", options.theme, THEMES),
        ("--lang", options.lang, LANGS),
    ):
        if value not in allowed:
            raise OutputError(f"{option}: must be one of {', '.join(allowed)} (got {value[:40]!r})")
    fmt = options.fmt
    if options.notes_gif and fmt != "mp4":
        raise OutputError("--notes-gif: only with --format mp4")
    gif = fmt == "gif" or options.notes_gif
    if options.fps is not None and (not gif or not 1 <= options.fps <= 60):
        raise OutputError("--fps: only with --format gif, from 1 to 60")
    if options.width is not None and (not gif or not 64 <= options.width <= 3840):
        raise OutputError("--width: only with --format gif, from 64 to 3840 pixels")
    _check_stills(options)
    if not MIN_SPEED <= options.speed <= MAX_SPEED:  # also refuses nan
        raise OutputError(f"--speed: from {MIN_SPEED:g} to {MAX_SPEED:g} (got {options.speed:g})")
    if options.subtitles and fmt != "gif":
        raise OutputError("--subtitles: only with --format gif (videos always have them)")
    if options.transparent and not (fmt == "webm" or (fmt == "png" and not stills(options))):
        raise OutputError("--transparent: only for webm or the last-frame png")


def _check_stills(options: RenderOptions) -> None:
    """--at, --frame and --frames: png only, one of them, in range."""
    png = options.fmt == "png"
    given = [bool(options.at), bool(options.frame_numbers), options.frames is not None]
    if sum(given) > 1:
        raise OutputError("--at: give one of --at, --frame or --frames, not several")
    if options.at and (not png or not all(0 <= t < math.inf for t in options.at)):
        raise OutputError("--at: only with --format png, seconds >= 0")
    if options.frame_numbers and (not png or min(options.frame_numbers) < 0):
        raise OutputError("--frame: only with --format png, frame numbers >= 0 (0 is the first)")
    if max(len(options.at), len(options.frame_numbers)) > MAX_STILLS:
        raise OutputError(f"--at, --frame: at most {MAX_STILLS} stills")
    if options.frames is not None and (not png or not 1 <= options.frames <= MAX_STILLS):
        raise OutputError(f"--frames: only with --format png, from 1 to {MAX_STILLS}")


def stills(options: RenderOptions) -> bool:
    """Whether this render cuts stills out of a video rather than drawing the last frame."""
    return bool(options.at or options.frame_numbers) or options.frames is not None


def still_times(duration: float, frame_count: int, options: RenderOptions) -> list[float]:
    """The moments (seconds) to cut stills at; ``--frames N`` ends on the last frame."""
    if options.at:
        late = [t for t in options.at if t > duration]
        if late:
            raise OutputError(
                f"--at: {late[0]:g} s is past the end of the video ({duration:.2f} s)"
            )
        return list(options.at)
    if options.frame_numbers:
        late = [n for n in options.frame_numbers if n >= frame_count]
        if late:
            raise OutputError(f"--frame: {late[0]} is past the last frame ({frame_count - 1})")
        return [n * duration / frame_count for n in options.frame_numbers]
    n = options.frames or 1
    last = (frame_count - 1) / frame_count * duration
    return [last * (i + 1) / n for i in range(n)]


def manim_config(media_dir: Path, options: RenderOptions) -> dict[str, Any]:
    """The Manim settings for one render, applied with ``tempconfig``."""
    settings = dict(MANIM_SETTINGS)
    last_frame_only = options.fmt == "png" and not stills(options)
    settings.update(
        media_dir=str(media_dir),
        quality=QUALITIES[options.quality],
        output_file="scene",
        write_to_movie=not last_frame_only,
        save_last_frame=last_frame_only,
        transparent=options.transparent,
    )
    if options.fmt in ("gif", "mp4"):
        # No video from Manim: the GIF or MP4 is made from the frames as they are drawn
        # (scenes/gif.py, scenes/video.py), so Manim writes no file, not even subtitles.
        settings.update(format="none")
    if stills(options):
        settings.update(LOSSLESS_INTERMEDIATE)
    if options.fmt == "webm":
        settings.update(WEBM_SETTINGS)
    return settings


def code_fingerprint() -> str:
    """A hash of explain's own source, so that a cached render is redone when code changes."""
    digest = hashlib.sha256()
    for path in source_files("mlcore", "scenes"):
        digest.update(relative_name(path))
        digest.update(path.read_bytes())
    return digest.hexdigest()


def render_key(
    scene: str, params: dict[str, Any], options: RenderOptions, trace_digest: str = ""
) -> str:
    """Content hash of everything a render depends on: scene, parameters, options, code,
    and the trace drawn (whose numbers may come from a user's data file as well)."""
    try:
        version = metadata.version("explain")
    except metadata.PackageNotFoundError:
        version = "unknown"
    doc = {
        "scene": scene,
        "params": params,
        "options": dataclasses.asdict(options),
        "version": version,
        "code": code_fingerprint(),
        "trace": trace_digest,
    }
    if params.get("image"):
        doc["image_sha256"] = picture_digest(params)
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def trace_digest(trace: Trace) -> str:
    """SHA-256 of the trace's JSON: what a render draws, for its key."""
    return hashlib.sha256(trace.to_json().encode()).hexdigest()


def cached_result(out: Path, key: str, options: RenderOptions) -> RenderResult | None:
    """The earlier render at ``out`` if its stamp has this key and every file of its set
    still holds the bytes the stamp vouches for (a damaged stamp is a miss)."""
    files = vouched_files(out, key)
    if files is None:
        return None
    return _result(
        [Staged(out.with_name(f.name), out.with_name(f.name), f.role) for f in files], True
    )


def _result(files: list[Staged], cached: bool = False) -> RenderResult:
    """What a render wrote (or an earlier one left), by role."""
    paths = [f.dest for f in files if f.role == "path"]
    by_role = {f.role: f.dest for f in files}
    return RenderResult(paths, by_role.get("subtitles"), by_role.get("web_subtitles"), cached)


def planned_destinations(out: Path, options: RenderOptions) -> list[Path]:
    """Every file a render with these options may write, its stamp last: checked before
    anything renders. Stills at times not yet known are checked with the widest name."""
    if options.fmt == "png":
        if not stills(options):
            dests = [out]
        elif options.at:
            dests = still_paths(out, list(options.at))
        else:
            dests = still_paths(out, [0.0, 9999.99])
    else:
        dests = [out]
        if options.fmt in ("mp4", "webm"):
            dests += [out.with_suffix(".srt"), out.with_suffix(".vtt")]
        if options.notes_gif or options.subtitles:
            dests.append(out.with_suffix(".gif" if options.notes_gif else ".srt"))
    return [*dests, stamp_path(out)]


MEDIA_PREFIX = "explain-media-"


def remove_stale_media(prefix: str = MEDIA_PREFIX) -> None:
    """Delete media folders left by renders whose process was killed (SIGKILL cannot clean).

    A folder is named ``{prefix}{pid}-...`` after the process that made it."""
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        if left_by_dead_process(folder.name, prefix):
            shutil.rmtree(folder, ignore_errors=True)


def render_trace(
    entry: SceneEntry, trace: Trace, out: Path, options: RenderOptions, key: str = ""
) -> RenderResult:
    """Draw ``trace`` with the entry's scene and commit the output set at ``out``, with a
    stamp vouching for its bytes under ``key`` (``scenes/output/commit.py``)."""
    from manim import tempconfig

    check_options(options)
    scene_class = entry.scene_class()
    remove_stale_media()
    with (
        tempfile.TemporaryDirectory(prefix=f"{MEDIA_PREFIX}{os.getpid()}-") as media_name,
        tempconfig(manim_config(Path(media_name), options)),
    ):
        media = Path(media_name)
        theme = THEMES[options.theme]
        scene = scene_class(trace=trace, theme=theme, lang=options.lang, speed=options.speed)
        with frame_progress(scene, entry.name, _expected_frames(entry, trace, options)):
            files = _draw(scene, media, out, options)
        commit_set(files, stamp_path(out), key)
        remember_seconds(entry.name, trace.params, options.speed, float(scene.time))
        return _result(files)


def _expected_frames(entry: SceneEntry, trace: Trace, options: RenderOptions) -> int | None:
    """The frames this render will draw, if an earlier render of it told its length."""
    from manim import config

    seconds = remembered_seconds(entry.name, trace.params, options.speed)
    return None if seconds is None else round(seconds * config.frame_rate)


def _draw(scene: Any, media: Path, out: Path, options: RenderOptions) -> list[Staged]:
    """Render the scene as ``options`` say into ``media``: the files of the output set."""
    if options.fmt == "gif":
        _render_gif(scene, media / "scene.gif", options)
        files = [Staged(media / "scene.gif", out)]
        if options.subtitles:
            files += _subtitles(scene, media, out, web=False)
        return files
    if options.fmt == "mp4":
        return _render_mp4(scene, media, out, options)
    scene.render()
    writer = scene.renderer.file_writer
    if options.fmt == "png" and not stills(options):
        return [Staged(_last_frame(Path(writer.image_file_path), options.transparent), out)]
    movie = Path(writer.movie_file_path)
    if options.fmt == "png":
        duration, frame_count = _duration(movie)
        times = still_times(duration, frame_count, options)
        paths = still_paths(out, times)
        cut = [media / f"still-{i}.png" for i in range(len(times))]
        cut_stills(movie, times, cut)
        return [Staged(src, dest) for src, dest in zip(cut, paths)]
    files = [Staged(movie, out)]
    srt = movie.with_suffix(".srt")
    if srt.exists():
        vtt = media / "scene.vtt"
        vtt.write_text(srt_to_vtt(srt.read_text(encoding="utf-8")), "utf-8")
        files += [
            Staged(srt, out.with_suffix(".srt"), "subtitles"),
            Staged(vtt, out.with_suffix(".vtt"), "web_subtitles"),
        ]
    return files


def _last_frame(png: Path, transparent: bool) -> Path:
    """Manim's last frame, as RGBA only with --transparent: an opaque still with an alpha
    channel is twice the size and shows a checkerboard in some viewers."""
    if transparent:
        return png
    from PIL import Image

    opaque = png.with_name("last-frame-rgb.png")
    with Image.open(png) as image:
        image.convert("RGB").save(opaque, format="PNG")
    return opaque


def _gif_writer(gif: Path, options: RenderOptions) -> Any:
    """A GIF writer for the current Manim configuration's frames."""
    from manim import config

    from explain.scenes.output.gif import GifWriter

    return GifWriter(
        gif,
        gif.parent,
        size=(config.pixel_width, config.pixel_height),
        frame_rate=config.frame_rate,
        fps=options.fps or min(GIF_FPS, int(config.frame_rate)),
        width=options.width,
    )


def _render_gif(scene: Any, gif: Path, options: RenderOptions) -> None:
    """Render ``scene`` into ``gif``, its frames streamed to ffmpeg as they are drawn."""
    from explain.scenes.engine.frame_hook import render_into

    render_into(scene, _gif_writer(gif, options))


def _render_mp4(scene: Any, media: Path, out: Path, options: RenderOptions) -> list[Staged]:
    """Render ``scene`` as one H.264 stream encoded while it draws; its captions go into
    the file as a subtitle track and beside it as .srt and .vtt (and with ``notes_gif`` a
    GIF beside it, from the same frames)."""
    from manim import config

    from explain.scenes.engine.frame_hook import render_into
    from explain.scenes.output.tee import TeeSink
    from explain.scenes.output.video import Mp4Writer

    movie = media / "scene.mp4"
    encoder = {"crf": "23", **MANIM_SETTINGS["video_encoder_options"]}  # Manim's, ours over
    writer = Mp4Writer(
        movie,
        size=(config.pixel_width, config.pixel_height),
        frame_rate=config.frame_rate,
        options=encoder,
    )
    gif = media / "scene.gif"
    render_into(scene, TeeSink(writer, _gif_writer(gif, options)) if options.notes_gif else writer)
    extra = [Staged(gif, out.with_suffix(".gif"))] if options.notes_gif else []
    captions = _subtitles(scene, media, out, web=True)
    if not captions:
        return [Staged(movie, out), *extra]
    mux_subtitles(movie, captions[0].src, media / "with-subtitles.mp4", options.lang)
    return [Staged(media / "with-subtitles.mp4", out), *extra, *captions]


def _subtitles(scene: Any, media: Path, out: Path, *, web: bool) -> list[Staged]:
    """The scene's captions as ``out`` with the suffix .srt (and .vtt when ``web``), if it
    had any."""
    from explain.scenes.output.video import write_subtitles

    srt = media / "scene.srt"
    if not write_subtitles(scene.renderer.file_writer, srt):
        return []
    files = [Staged(srt, out.with_suffix(".srt"), "subtitles")]
    if web:
        vtt = media / "scene.vtt"
        vtt.write_text(srt_to_vtt(srt.read_text(encoding="utf-8")), "utf-8")
        files.append(Staged(vtt, out.with_suffix(".vtt"), "web_subtitles"))
    return files


def _duration(video: Path) -> tuple[float, int]:
    import av

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        frames = stream.frames or sum(1 for _ in container.decode(stream))
        rate = float(stream.average_rate or 1)
    return frames / rate, frames


def render_scene(
    entry: SceneEntry,
    trace: Trace,
    out: Path,
    options: RenderOptions,
    *,
    force: bool = False,
) -> RenderResult:
    """Render a (verified) trace, its stamp vouching for the files; reuse an unchanged
    render whose files still hold the bytes its stamp names."""
    check_options(options)
    key = render_key(entry.name, trace.params, options, trace_digest(trace))
    if not force:
        hit = cached_result(out, key, options)
        if hit is not None:
            return hit
    check_destinations(planned_destinations(out, options), out)
    return render_trace(entry, trace, out, options, key)
