"""A video's captions: read from SubRip into steps, and written in the forms players and
pages want: a soft subtitle track inside
the MP4 (mov_text, language-tagged, toggled in the player) and WebVTT for ``<track>``.

The ``.srt`` a render writes is the source of both; neither is typed by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from explain.scenes.output import ffmpeg

# ISO 639-2 codes, as MP4's language field stores them.
TRACK_LANGUAGES = {"en": "eng", "zh": "zho"}
_SRT_TIME = re.compile(r"(\d{2}:\d{2}:\d{2}),(\d{3})")


class SubtitleError(RuntimeError):
    """ffmpeg could not add the subtitle track; the message is its last line."""


def srt_to_vtt(srt_text: str) -> str:
    """WebVTT from SubRip: a header, and times with a dot before the milliseconds."""
    body = srt_text.lstrip("\ufeff").replace("\r\n", "\n")
    return "WEBVTT\n\n" + _SRT_TIME.sub(r"\1.\2", body)


def mux_subtitles(video: Path, srt: Path, dest: Path, lang: str) -> None:
    """Write ``dest``: ``video``'s streams copied as they are, plus ``srt`` as a mov_text
    track tagged with ``lang``."""
    failure = ffmpeg.run_ffmpeg(
        [
            *("-v", "error", "-nostdin", "-y", "-i", str(video), "-i", str(srt)),
            *("-map", "0", "-map", "1", "-c", "copy", "-c:s", "mov_text"),
            *("-metadata:s:s:0", f"language={TRACK_LANGUAGES[lang]}", str(dest)),
        ]
    )
    if failure is not None:
        raise SubtitleError(f"ffmpeg could not add the subtitle track: {failure}")


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float  # seconds
    text: str  # may span several lines ("\n")


_TIME = r"(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})"


_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}")


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000  # ",4" is 4 ms, as srt reads it


def parse_srt(text: str) -> list[Cue]:
    """The cues of an .srt file, in order of their start time.

    Blocks are separated by blank lines: an optional number, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``,
    then the text lines. A block without a timing line is not a cue and is skipped.
    """
    cues = []
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    block: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            block.append(line)
            continue
        timing = next((i for i, b in enumerate(block[:2]) if _TIMING.match(b)), None)
        if timing is not None:
            match = _TIMING.match(block[timing])
            assert match is not None
            start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
            body = "\n".join(b.strip() for b in block[timing + 1 :])
            cues.append(Cue(start, end, body))
        block = []
    return sorted(cues, key=lambda c: c.start)


def step_ends(cues: list[Cue]) -> list[float]:
    """Where each step stops: the end of its caption. Steps follow each other without gaps
    (a step starts where the previous one stopped; the first at 0), so no frame is skipped."""
    if not cues:
        raise ValueError("no captions: the scene has no steps to make slides of")
    ends = [c.end for c in cues]
    for before, after in zip(ends, ends[1:]):
        if after <= before:
            raise ValueError(f"captions overlap: one ends at {after:.3f} s, before {before:.3f} s")
    return ends
