"""One commit protocol for an output set (a video, its .gif, .srt, .vtt, stills, and stamp).

Every file is finished in a private media folder first. Then:

1. every destination is checked (a folder in a file's place, an unwritable folder, a name
   too long for the file system, the stamp's and temporary names included);
2. each file is copied to a temporary name in its destination folder and hashed, and the
   stamp naming those hashes is written to a temporary name too;
3. with the folder locked (``flock``, so that concurrent renders commit one after the
   other) and SIGINT/SIGTERM held back, the old stamp is removed, the files are moved into
   place with ``os.replace``, and the new stamp is moved in last.

Step 3 is only renames, so a kill at any instant leaves every file complete (old or new)
and either no stamp or a true one; only SIGKILL can stop it half-way, and then there is no
stamp. A signal held back is delivered after the moves, as ``files.CommitInterrupted``,
which says which files were written; ``files.interrupted_message`` says what a command
interrupted at any later instant had written.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from explain.scenes.output.checks import check_destinations
from explain.scenes.output.errors import shown
from explain.scenes.output.files import (
    TEMP_PREFIX,
    TEMP_SUFFIX,
    OutputError,
    left_by_dead_process,
    record_written,
    signals_held,
)
from explain.scenes.output.stamp import FileDigest, encode_stamp, holds, read_stamp

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Staged:
    """A finished file of an output set and where it goes (``role``: see stamp.ROLES)."""

    src: Path
    dest: Path
    role: str = "path"


def commit_set(files: Sequence[Staged], stamp: Path, key: str) -> list[Path]:
    """Install ``files`` and then a stamp vouching for their bytes under ``key``."""
    check_destinations([f.dest for f in files] + [stamp])
    folders = sorted({f.dest.parent for f in files} | {stamp.parent})
    for folder in folders:
        _make_folder(folder)
        remove_stale_temps(folder)
    temps: list[Path] = []
    try:
        moves, digests = [], []
        for item in files:
            tmp, digest = _copy_to_temp(item.src, item.dest.parent, temps)
            moves.append((tmp, item.dest))
            digests.append(FileDigest(item.dest.name, item.role, *digest))
        stamp_tmp = _temp_with(stamp.parent, encode_stamp(key, digests), temps)
        _swap(moves, stamp, stamp_tmp)
    except OSError as err:
        raise OutputError(f"--out: cannot write {shown(folders[0])}: {err.strerror}") from None
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
    return [dest for _, dest in moves]


def _swap(moves: list[tuple[Path, Path]], stamp: Path, stamp_tmp: Path) -> None:
    """The commit itself: stamp out, files in, stamp in; renames only."""
    with _folder_lock(stamp.parent), signals_held() as written:
        try:
            previous = read_stamp(stamp)
            stamp.unlink(missing_ok=True)
            for tmp, dest in moves:
                os.replace(tmp, dest)
                record_written(written, dest)
            _remove_left_over(previous, stamp.parent, {dest.name for _, dest in moves})
            os.replace(stamp_tmp, stamp)
        except OSError as err:
            if not written:
                raise
            names = ", ".join(p.name for p in written)[:120]
            raise OutputError(
                f"--out: {err.strerror} while moving files into place; written without a"
                f" stamp: {names}"
            ) from None


def _remove_left_over(
    previous: tuple[str, list[FileDigest]] | None, folder: Path, kept: set[str]
) -> None:
    """Files of the previous set that the new one does not have (a video's old captions):
    they would pass for the new set's. Only bytes the old stamp vouched for are removed,
    never a file someone else put there since."""
    for old in previous[1] if previous else []:
        if old.name not in kept and holds(folder, old):
            (folder / old.name).unlink(missing_ok=True)


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on the folder itself: nothing is left behind, unlike a lock file."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _make_folder(folder: Path) -> None:
    """One missing folder, as check_output_path allowed; made only now, when every file of
    the set is finished, so that a failed render leaves no folder behind."""
    try:
        folder.mkdir(exist_ok=True)
    except OSError as err:
        raise OutputError(f"--out: cannot create {shown(folder)}: {err.strerror}") from None


def _temp_name(folder: Path) -> Path:
    return folder / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{TEMP_SUFFIX}"


def _open_temp(folder: Path, temps: list[Path]) -> tuple[int, Path]:
    tmp = _temp_name(folder)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    temps.append(tmp)
    return fd, tmp


def _copy_to_temp(src: Path, folder: Path, temps: list[Path]) -> tuple[Path, tuple[int, str]]:
    """A copy of ``src`` beside its destination, flushed to disk, with its size and hash."""
    fd, tmp = _open_temp(folder, temps)
    digest, size = hashlib.sha256(), 0
    with os.fdopen(fd, "wb") as out, open(src, "rb") as source:
        while chunk := source.read(_CHUNK):
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return tmp, (size, digest.hexdigest())


def _temp_with(folder: Path, data: bytes, temps: list[Path]) -> Path:
    fd, tmp = _open_temp(folder, temps)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return tmp


def remove_stale_temps(folder: Path) -> None:
    """Delete temporary files of commits whose process was killed (SIGKILL cannot clean)."""
    try:
        names = [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]
    except OSError:
        return
    for path in names:
        if path.name.endswith(TEMP_SUFFIX) and left_by_dead_process(path.name, TEMP_PREFIX):
            path.unlink(missing_ok=True)
