"""Which ffmpeg runs: Debian's when installed, else the one imageio-ffmpeg's wheel ships."""

from __future__ import annotations

import shutil


def ffmpeg_executable() -> str:
    """Debian's ffmpeg when installed, else the binary that the imageio-ffmpeg wheel ships."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    exe: str = imageio_ffmpeg.get_ffmpeg_exe()
    return exe
