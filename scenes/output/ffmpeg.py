"""Which ffmpeg runs: Debian's when installed, else the one imageio-ffmpeg's wheel ships."""

from __future__ import annotations

import shutil

from explain.scenes.output import children


def ffmpeg_executable() -> str:
    """Debian's ffmpeg when installed, else the binary that the imageio-ffmpeg wheel ships."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    exe: str = imageio_ffmpeg.get_ffmpeg_exe()
    return exe


def run_ffmpeg(args: list[str]) -> str | None:
    """Run ffmpeg with ``args`` (tied to this process, see children.py): None when it
    succeeded, else the last line it wrote on stderr (its reason), for a one-line error."""
    done = children.run([ffmpeg_executable(), *args], capture_output=True, text=True)
    if done.returncode == 0:
        return None
    return (done.stderr.strip().splitlines() or ["no message"])[-1][:200]
