"""A video's captions in the forms players and pages want: a soft subtitle track inside
the MP4 (mov_text, language-tagged, toggled in the player) and WebVTT for ``<track>``.

The ``.srt`` a render writes is the source of both; neither is typed by hand.
"""

from __future__ import annotations

import re
import subprocess
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
    cmd = [
        ffmpeg.ffmpeg_executable(),
        *("-v", "error", "-nostdin", "-y", "-i", str(video), "-i", str(srt)),
        *("-map", "0", "-map", "1", "-c", "copy", "-c:s", "mov_text"),
        *("-metadata:s:s:0", f"language={TRACK_LANGUAGES[lang]}", str(dest)),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise SubtitleError(f"ffmpeg could not add the subtitle track: {last[:200]}")
