"""``--preview``: open a finished file in the system's viewer, as Manim's ``-p`` does."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

# The desktop's own opener: xdg-open on Linux desktops, open on macOS.
OPENERS = ("xdg-open", "open")


def open_in_viewer(path: Path) -> str | None:
    """Start the system's viewer on ``path`` without waiting for it; the opener's name, or
    None when this system has none (a server, a container)."""
    opener = next((found for name in OPENERS if (found := shutil.which(name))), None)
    if opener is None:
        return None
    subprocess.Popen(
        [opener, str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=sys.platform != "win32",  # the viewer outlives this command
    )
    return Path(opener).name
