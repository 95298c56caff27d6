"""Output files: the checks an output path passes before anything renders, and atomic writes.

An output path is only ever touched by ``os.replace`` of a complete file, so a failed or
interrupted render leaves the previous output intact and no partial file behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from explain.scenes.output.paths import DEFAULT_OUTPUT_DIR


class OutputError(ValueError):
    """An output path or option the user gave is not usable; the message is one line."""


def default_output(name: str, fmt: str, folder: Path = DEFAULT_OUTPUT_DIR) -> Path:
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
    write_atomic(dest, src.read_bytes())


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
