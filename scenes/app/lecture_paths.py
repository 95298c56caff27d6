"""Where a lecture's files go: the video, its subtitles, the notes page and GIF folder
beside it, and the hidden cache folder of its clips."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from explain.scenes.app.lecture_file import Chapter


@dataclass(frozen=True)
class LecturePaths:
    """Where a lecture's files go, all beside ``video`` (STEM.mp4)."""

    video: Path

    @property
    def stem(self) -> str:
        return self.video.stem

    @property
    def subtitles(self) -> Path:
        return self.video.with_suffix(".srt")

    @property
    def notes(self) -> Path:
        return self.video.with_suffix(".md")

    @property
    def gif_dir(self) -> Path:
        return self.video.with_name(f"{self.stem}-notes")

    @property
    def cache(self) -> Path:
        return self.video.with_name(f".{self.stem}.lecture")


def clip_stem(chapter: Chapter) -> str:
    """A chapter's clip name: its scene and a hash of its parameters, so that reordering
    chapters or changing one leaves the other clips' names (and stamps) as they were."""
    digest = hashlib.sha256(json.dumps([chapter.scene, chapter.assignments]).encode())
    return f"{chapter.scene}-{digest.hexdigest()[:10]}"


def notes_gif(paths: LecturePaths, chapter: Chapter, video: bool) -> Path:
    """Where a chapter's notes GIF is cached, its captions (.srt) beside it: drawn with the
    video's clip when there is a video, else rendered alone into the gif/ subfolder."""
    folder = paths.cache if video else paths.cache / "gif"
    return folder / f"{clip_stem(chapter)}.gif"
