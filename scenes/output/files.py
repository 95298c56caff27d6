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
    """The output path, checked before anything renders.

    Its folder must exist and be writable, or be missing with a writable parent (not the
    file system's root): ``--out lecture/conv.mp4`` then creates ``lecture/`` when the
    first finished file is written, so a render that fails leaves no folder behind.
    """
    if path.suffix.lower() != f".{fmt}":
        raise OutputError(f"--out: a {fmt} render must end in .{fmt} (got {str(path)[:80]!r})")
    if path.is_dir():
        raise OutputError(f"--out: {str(path)[:80]!r} is a directory; give a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"--out: {str(folder)[:80]!r} is a file, not a folder")
    writable = folder if folder.is_dir() else creatable_parent(folder)
    if not os.access(writable, os.W_OK):
        raise OutputError(f"--out: folder {str(writable)[:80]!r} is not writable")
    return path


def creatable_parent(folder: Path) -> Path:
    """The existing parent under which the missing ``folder`` may be made, or OutputError."""
    parent = folder.absolute().parent
    if not parent.is_dir() or parent == parent.parent:
        raise OutputError(f"--out: folder {str(folder)[:80]!r} does not exist")
    return parent


def install_file(src: Path, dest: Path) -> None:
    """Copy ``src`` next to ``dest`` under a hidden name, then atomically replace ``dest``."""
    write_atomic(dest, src.read_bytes())


def write_atomic(dest: Path, data: bytes) -> None:
    """Write bytes to ``dest`` through a temporary file in the same folder (made if missing:
    ``check_output_path`` allowed it)."""
    dest.parent.mkdir(exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
