"""Output files: the checks an output path passes before anything renders, and atomic writes.

An output path is only ever touched by ``os.replace`` of a complete file, so a failed or
interrupted render leaves the previous output intact and no partial file behind.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from explain.scenes.output.paths import DEFAULT_OUTPUT_DIR


class OutputError(ValueError):
    """An output path or option the user gave is not usable; the message is one line."""


class CommitInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived while files were moved into place, and was held back until
    they were all there: ``written`` says which."""

    def __init__(self, written: list[Path]) -> None:
        super().__init__(f"interrupted after writing {len(written)} file(s)")
        self.written = written


HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_journal: list[Path] = []  # every file this process moved into place, in order


@contextmanager
def signals_held() -> Iterator[list[Path]]:
    """SIGINT and SIGTERM wait until the moves inside are done; each move is appended to
    the list yielded (and to this process's journal) with :func:`record_written`. A signal
    that arrived meanwhile then raises CommitInterrupted. Python runs handlers in the main
    thread only, so elsewhere nothing needs holding."""
    written: list[Path] = []
    if threading.current_thread() is not threading.main_thread():
        yield written
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield written
    finally:
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)  # runs a pending handler
        except KeyboardInterrupt:
            raise CommitInterrupted(list(written)) from None


def record_written(written: list[Path], dest: Path) -> None:
    written.append(dest)
    _journal.append(dest)


def interrupted_message() -> str:
    """What an interrupted command wrote: the files it moved into place that are still
    there (each complete), or that it wrote none."""
    # A file in a hidden folder (a lecture's clip cache) is a cache entry, not an output.
    kept = [p for p in dict.fromkeys(_journal) if p.exists() and p.parent.name[:1] != "."]
    if not kept:
        return "interrupted; no file was written"
    names = ", ".join(str(p) for p in kept[:4]) + (
        f" and {len(kept) - 4} more" if len(kept) > 4 else ""
    )
    return f"interrupted; these files were written, complete, before it stopped: {names}"


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
        with signals_held() as written:
            os.replace(tmp, dest)
            record_written(written, dest)
    finally:
        tmp.unlink(missing_ok=True)
