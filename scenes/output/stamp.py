"""The stamp beside an output (``.NAME.mp4.explain-key``): the render key and the exact bytes
it vouches for, the size and SHA-256 of every file of the output set.

A stamp is only believed after every file it names is checked against it, so a truncated,
emptied or replaced output is never "up to date". Whatever is found in a stamp's place
(random bytes, wrong JSON types, a folder, a huge file) is a miss, never a crash.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STAMP_FORMAT = 2  # format 1 (a key and paths, no hashes) is a miss: its files are unchecked
MAX_STAMP_BYTES = 64 * 1024  # 50 stills and their names fit many times over
ROLES = ("path", "subtitles", "web_subtitles")  # how RenderResult names each file
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileDigest:
    """One file of an output set: its name in the output's folder, role, size and hash."""

    name: str
    role: str
    size: int
    sha256: str


def stamp_path(out: Path) -> Path:
    return out.with_name(f".{out.name}.explain-key")


def encode_stamp(key: str, files: list[FileDigest]) -> bytes:
    doc = {
        "format": STAMP_FORMAT,
        "key": key,
        "files": [
            {"name": f.name, "role": f.role, "size": f.size, "sha256": f.sha256} for f in files
        ],
    }
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def read_stamp(stamp: Path) -> tuple[str, list[FileDigest]] | None:
    """The key and files a stamp names, or None for anything but a well-formed stamp."""
    try:
        fd = os.open(stamp, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_STAMP_BYTES:
            return None
        data = os.read(fd, MAX_STAMP_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        doc = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    return _parse(doc)


def _parse(doc: Any) -> tuple[str, list[FileDigest]] | None:
    if not isinstance(doc, dict) or doc.get("format") != STAMP_FORMAT:
        return None
    key, entries = doc.get("key"), doc.get("files")
    if not isinstance(key, str) or not isinstance(entries, list) or not entries:
        return None
    files = [_file_digest(entry) for entry in entries]
    if any(f is None for f in files):
        return None
    return key, [f for f in files if f is not None]


def _file_digest(entry: Any) -> FileDigest | None:
    if not isinstance(entry, dict):
        return None
    name, role = entry.get("name"), entry.get("role")
    size, sha = entry.get("size"), entry.get("sha256")
    if not (isinstance(name, str) and plain_name(name) and role in ROLES):
        return None
    if type(size) is not int or size < 0 or not isinstance(sha, str) or len(sha) != 64:
        return None
    return FileDigest(name, role, size, sha)


def plain_name(name: str) -> bool:
    """A file name in the stamp's own folder: nothing that points elsewhere."""
    return bool(name) and name not in (".", "..") and "/" not in name and "\0" not in name


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def holds(folder: Path, digest: FileDigest) -> bool:
    """Whether the file the stamp names holds exactly the bytes it vouches for."""
    path = folder / digest.name
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size != digest.size:
            return False
        return sha256_of(path) == digest.sha256
    except OSError:
        return False


def vouched_files(out: Path, key: str) -> list[FileDigest] | None:
    """The output set at ``out`` if its stamp has this key and every file matches it."""
    found = read_stamp(stamp_path(out))
    if found is None or found[0] != key:
        return None
    files = found[1]
    if not any(f.role == "path" for f in files):
        return None
    return files if all(holds(out.parent, f) for f in files) else None
