"""Joining rendered clips into one chaptered MP4, and their subtitles onto one timeline.

Clips rendered with the same quality share codec, size, pixel format, frame rate and time
base, so ffmpeg's concat demuxer copies their packets without re-encoding: no seam, and
a second or so for a whole lecture. Clips that differ (checked, ``same_stream``) are
re-encoded once instead. Chapters are written as ffmetadata ``[CHAPTER]`` blocks with a
millisecond TIMEBASE; ``ffprobe -show_chapters`` lists them.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import av

from explain.scenes.output import children, ffmpeg


class JoinError(RuntimeError):
    """ffmpeg could not join the clips; the message is one line."""


@dataclass(frozen=True)
class ClipInfo:
    path: Path
    frames: int
    rate: Fraction
    stream: tuple[str, ...]  # what must agree for a copy: codec, size, format, rate, time base

    @property
    def seconds(self) -> Fraction:
        return self.frames / self.rate


@dataclass(frozen=True)
class ChapterMark:
    title: str
    start: Fraction  # seconds
    end: Fraction


def probe(path: Path) -> ClipInfo:
    """The clip's frame count, rate and stream settings (PyAV reads the container)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = stream.frames or sum(1 for _ in container.decode(stream))
        rate = Fraction(stream.average_rate or 1)
        ctx = stream.codec_context
        settings = (
            str(ctx.name),
            str(ctx.width),
            str(ctx.height),
            str(ctx.pix_fmt),
            str(rate),
            str(stream.time_base),
            bytes(ctx.extradata or b"").hex(),
        )
    return ClipInfo(path, frames, rate, settings)


def same_stream(clips: list[ClipInfo]) -> bool:
    return len({clip.stream for clip in clips}) == 1


def chapter_marks(clips: list[ClipInfo], groups: list[tuple[str, int]]) -> list[ChapterMark]:
    """A mark per (title, clip count) group: each chapter spans its card and its scene."""
    marks, start, index = [], Fraction(0), 0
    for title, count in groups:
        length = sum((clip.seconds for clip in clips[index : index + count]), Fraction(0))
        marks.append(ChapterMark(title, start, start + length))
        start, index = start + length, index + count
    return marks


def _meta_escape(text: str) -> str:
    """ffmetadata escapes '=', ';', '#', '\\' and newlines with a backslash."""
    for char in ("\\", "=", ";", "#", "\n"):
        text = text.replace(char, "\\" + char)
    return text


def ffmetadata(title: str, marks: list[ChapterMark]) -> str:
    lines = [";FFMETADATA1", f"title={_meta_escape(title)}"]
    for mark in marks:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={round(mark.start * 1000)}",
            f"END={round(mark.end * 1000)}",
            f"title={_meta_escape(mark.title)}",
        ]
    return "\n".join(lines) + "\n"


def concat_list(clips: list[ClipInfo]) -> str:
    """The concat demuxer's list: absolute paths, single quotes escaped as it reads them."""
    quoted = (str(clip.path.resolve()).replace("'", "'\\''") for clip in clips)
    return "".join(f"file '{path}'\n" for path in quoted)


def join_clips(clips: list[ClipInfo], metadata: str, dest: Path, work_dir: Path) -> bool:
    """Write ``dest`` (MP4) from ``clips`` with the ffmetadata's title and chapters.
    Returns whether the packets were copied (False: the clips differed, re-encoded)."""
    listing, meta, log = work_dir / "clips.txt", work_dir / "chapters.txt", work_dir / "join.log"
    listing.write_text(concat_list(clips), encoding="utf-8")
    meta.write_text(metadata, encoding="utf-8")
    copy = same_stream(clips)
    codec = ["-c", "copy"] if copy else ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23"]
    command = [
        ffmpeg.ffmpeg_executable(),
        *("-nostdin", "-y", "-v", "error"),
        *("-f", "concat", "-safe", "0", "-i", str(listing)),
        *("-f", "ffmetadata", "-i", str(meta)),
        *("-map", "0:v", "-map_metadata", "1", "-map_chapters", "1"),
        *codec,
        *("-movflags", "+faststart", "-f", "mp4", str(dest)),
    ]
    with log.open("wb") as err:
        code = children.run(command, stdout=subprocess.DEVNULL, stderr=err).returncode
    if code != 0:
        dest.unlink(missing_ok=True)
        first = log.read_text(errors="replace").strip().splitlines()[:1]
        raise JoinError(f"ffmpeg could not join the clips: {first[0] if first else code}"[:300])
    return copy


def shifted_subtitles(parts: list[tuple[str, Fraction, Fraction]]) -> str:
    """One SubRip document from (srt text, offset, clip length) parts: each part's captions
    moved by its offset and kept within its clip, so none overlaps the next part's."""
    import srt

    out: list[srt.Subtitle] = []
    for text, offset, length in parts:
        shift = timedelta(seconds=float(offset))
        end_of_clip = timedelta(seconds=float(offset + length))
        for sub in srt.parse(text):
            start, end = sub.start + shift, min(sub.end + shift, end_of_clip)
            if end > start:
                out.append(srt.Subtitle(len(out) + 1, start, end, sub.content))
    return str(srt.compose(out, reindex=False))
