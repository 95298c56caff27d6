"""The checks every destination of an output set passes before any file is replaced (and,
where the names are known, before anything renders): each is a one-line ``--out`` error.

The stamp's name (``.NAME.explain-key``) is 13 bytes longer than the output's, so an output
name that fits the file system may still not be writable as a set: that is found here.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from explain.scenes.output.errors import OutputError, shown

DEFAULT_NAME_MAX, DEFAULT_PATH_MAX = 255, 4096


def check_destinations(dests: Sequence[Path], out: Path | None = None) -> None:
    """Raise OutputError for the first destination that cannot be written; ``out`` is the
    name the user gave (the error says how long it may be)."""
    check_names(dests, out)
    for dest in dests:
        _check_place(dest)


def check_names(dests: Sequence[Path], out: Path | None = None) -> None:
    """The names alone: printable, and short enough for the file system (checked first, as
    a name too long makes every other look at the path fail)."""
    out = out or dests[0]
    longest = max(len(os.fsencode(d.name)) for d in dests)
    for dest in dests:
        _check_text(dest)
        _check_length(dest, out, longest)


def check_folder(folder: Path, option: str) -> None:
    """A folder the user names (``--out-dir``): printable, each name short enough."""
    if any(unicodedata.category(ch) == "Cc" for ch in str(folder)):
        raise OutputError(f"{option}: {shown(folder)} holds a control character; rename it")
    name_max = _pathconf(_existing_ancestor(folder), "PC_NAME_MAX", DEFAULT_NAME_MAX)
    for part in folder.absolute().parts:
        if len(os.fsencode(part)) > name_max:
            raise OutputError(f"{option}: the folder name {part[:40]!r}... is too long")


def _check_text(dest: Path) -> None:
    """Control characters (a newline, an escape) would break the one-line reports."""
    if any(unicodedata.category(ch) == "Cc" for ch in str(dest)):
        raise OutputError(f"--out: {shown(dest)} holds a control character; rename it")


def _check_length(dest: Path, out: Path, longest: int) -> None:
    folder = _existing_ancestor(dest.parent)
    name_max = _pathconf(folder, "PC_NAME_MAX", DEFAULT_NAME_MAX)
    path_max = _pathconf(folder, "PC_PATH_MAX", DEFAULT_PATH_MAX)
    extra = longest - len(os.fsencode(out.name))  # the stamp's name beside out's
    if len(os.fsencode(dest.name)) > name_max:
        why = ", as explain also writes files named after it, longer" if extra else ""
        raise OutputError(
            f"--out: the file name {out.name[:40]!r}... is too long for this file system"
            f" ({len(os.fsencode(out.name))} bytes; at most {name_max - extra}{why})"
        )
    for part in dest.parent.absolute().parts:
        if len(os.fsencode(part)) > name_max:
            raise OutputError(f"--out: the folder name {part[:40]!r}... is too long")
    if len(os.fsencode(str(dest.absolute()))) >= path_max:
        raise OutputError(f"--out: the path {str(dest)[:40]!r}... is too long (max {path_max})")


def _check_place(dest: Path) -> None:
    """The destination is a regular file, a symbolic link (replaced, not followed) or free;
    its folder is a writable folder or may be made."""
    try:
        mode = os.lstat(dest).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as err:
        raise OutputError(f"--out: cannot use {shown(dest)}: {err.strerror}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(f"--out: {shown(dest)} is a folder; cannot write a file there")
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise OutputError(f"--out: {shown(dest)} exists and is not a regular file")
    folder = dest.parent if str(dest.parent) else Path(".")
    if os.path.lexists(folder) and not _is_dir(folder):
        raise OutputError(f"--out: {shown(folder)} is a file, not a folder")
    writable = folder if _is_dir(folder) else _existing_ancestor(folder)
    if not os.access(writable, os.W_OK):
        raise OutputError(f"--out: folder {shown(writable)} is not writable")


def _existing_ancestor(folder: Path) -> Path:
    path = folder.absolute()
    while not _is_dir(path) and path != path.parent:
        path = path.parent
    return path


def _is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):  # missing, a name too long, a loop of links
        return False


def _pathconf(folder: Path, name: str, default: int) -> int:
    try:
        value = os.pathconf(folder, name)
    except (OSError, ValueError):
        return default
    return value if value > 0 else default
