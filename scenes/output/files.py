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
from typing import Any

from explain.scenes.output.checks import check_destinations, check_names
from explain.scenes.output.errors import OutputError, shown
from explain.scenes.output.paths import DEFAULT_OUTPUT_DIR

__all__ = ["OutputError", "check_output_path", "default_output", "write_atomic"]
TEMP_PREFIX = ".explain-"  # then "{pid}-{random}.partial": a later commit cleans up after a kill
TEMP_SUFFIX = ".partial"


class CommitInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived while files were moved into place, and was held back until
    they were all there: ``written`` says which."""

    def __init__(self, written: list[Path]) -> None:
        super().__init__(f"interrupted after writing {len(written)} file(s)")
        self.written = written


HELD = (signal.SIGINT, signal.SIGTERM)
_journal: list[Path] = []  # every file this process moved into place, in order


@contextmanager
def signals_held() -> Iterator[list[Path]]:
    """SIGINT and SIGTERM wait until the moves inside are done; each move is appended to
    the list yielded (and to this process's journal) with :func:`record_written`. A signal
    that arrived meanwhile is then handled as it would have been, a KeyboardInterrupt
    becoming CommitInterrupted. Python runs signal handlers in the main thread only (a
    thread's mask would not do: the encoders' threads would take the signal), so the
    handlers are swapped for one that only notes the signal; elsewhere nothing is held."""
    written: list[Path] = []
    if threading.current_thread() is not threading.main_thread():
        yield written
        return
    caught: list[signal.Signals] = []
    old = {
        sig: signal.signal(sig, lambda signum, _: caught.append(signal.Signals(signum)))
        for sig in HELD
    }
    try:
        yield written
    finally:
        for sig, handler in old.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        if caught:
            _deliver(caught[0], old[caught[0]], written)


def _deliver(sig: int, handler: Any, written: list[Path]) -> None:
    """The signal held back, handled now as its handler says."""
    if callable(handler):
        try:
            handler(sig, None)
        except KeyboardInterrupt:
            raise CommitInterrupted(list(written)) from None
    elif handler in (signal.SIG_DFL, None):
        signal.raise_signal(sig)


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
        raise OutputError(f"--out: a {fmt} render must end in .{fmt} (got {shown(path)})")
    check_names([path])
    if path.is_dir():
        raise OutputError(f"--out: {shown(path)} is a directory; give a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"--out: {shown(folder)} is a file, not a folder")
    writable = folder if folder.is_dir() else creatable_parent(folder)
    if not os.access(writable, os.W_OK):
        raise OutputError(f"--out: folder {shown(writable)} is not writable")
    check_destinations([path])
    return path


def creatable_parent(folder: Path) -> Path:
    """The existing parent under which the missing ``folder`` may be made, or OutputError."""
    parent = folder.absolute().parent
    if not parent.is_dir() or parent == parent.parent:
        raise OutputError(f"--out: folder {shown(folder)} does not exist")
    return parent


def write_atomic(dest: Path, data: bytes) -> None:
    """Write bytes to ``dest`` through a temporary file in the same folder (made if missing:
    ``check_output_path`` allowed it). The temporary name is short and fixed in length, so
    any name the file system takes for ``dest`` works."""
    try:
        dest.parent.mkdir(exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX, dir=dest.parent
        )
    except OSError as err:
        raise OutputError(f"cannot write {shown(dest)}: {err.strerror}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        with signals_held() as written:
            os.replace(tmp, dest)
            record_written(written, dest)
    except OSError as err:
        raise OutputError(f"cannot write {shown(dest)}: {err.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)


def left_by_dead_process(name: str, prefix: str) -> bool:
    """Whether ``name`` is ``{prefix}{pid}-...`` made by a process that no longer runs (and
    so cannot clean up after itself: SIGKILL); never this process's own."""
    if not name.startswith(prefix):
        return False
    pid_text = name[len(prefix) :].split("-", 1)[0]
    if not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False
