"""One folder of explain's cache (``traces``, ``text``, ``lengths`` under ``cache_root()``),
read and written so that nothing on disk is trusted blindly.

- Every entry is sealed: a first line of JSON names the entry, the fingerprint of what made
  it (code and versions) and the SHA-256 of the body that follows. A read checks all three,
  so a damaged, truncated, renamed or hand-edited entry is a miss, never a wrong value. The
  checksum guards against accidents, not against the owner: whoever can write the folder
  can also recompute it. That is why:
- a folder or entry that another user owns, or that group or others may write, is not read
  (nor written), as ssh refuses a loose key; one warning line per process says which
  folder and what to do. explain creates its folders private to the user (0700).
- an entry is read only as a regular file of bounded size, opened without following a
  link and without blocking on a pipe; any failure is a miss.
- a write goes through a hidden temporary file in the same folder, moved into place whole,
  and removed whatever happens: a full or read-only disk only costs speed, never leaves a
  ``.partial`` file behind. One left by a process killed mid-write is removed by the next
  process that writes there, once it is an hour old.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import stat
import tempfile
import time
from pathlib import Path

from explain.scenes.output.paths import cache_root

log = logging.getLogger("explain.cache")

# Group- or other-writable: anyone with those bits could plant an entry.
LOOSE_BITS = stat.S_IWGRP | stat.S_IWOTH
# A seal line is a few hundred bytes; more than this is not one of ours.
MAX_SEAL_BYTES = 4096
_warned: list[str] = []  # at most one warning per process (a render reads hundreds of entries)
# A write takes milliseconds: a temporary file this old was left by a process killed
# mid-write (SIGKILL, a power cut), never one still being written.
STALE_PARTIAL_SECONDS = 3600
_swept: set[Path] = set()  # folders already swept by this process


def _warn_once(message: str) -> None:
    if not _warned:
        _warned.append(message)
        log.warning(message)


def _is_private(info: os.stat_result) -> bool:
    return info.st_uid == os.geteuid() and not info.st_mode & LOOSE_BITS


def seal(name: str, fingerprint: str, body: bytes) -> bytes:
    """The entry's bytes: the seal line, then the body."""
    head = {"name": name, "fingerprint": fingerprint, "sha256": hashlib.sha256(body).hexdigest()}
    return json.dumps(head, sort_keys=True).encode() + b"\n" + body


def unseal(data: bytes, name: str, fingerprint: str) -> bytes | None:
    """The body when the seal names this entry and fingerprint and matches the body."""
    line, newline, body = data.partition(b"\n")
    if not newline or len(line) > MAX_SEAL_BYTES:
        return None
    try:
        head = json.loads(line)
    except ValueError:  # not JSON, or not UTF-8
        return None
    expected = {
        "name": name,
        "fingerprint": fingerprint,
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    return body if head == expected else None


class CacheFolder:
    """Sealed entries in one sub-folder of the cache root; every failure is only a miss."""

    def __init__(self, folder: Path) -> None:
        # The folder and the cache root that holds it are checked, as ssh checks ~/.ssh.
        self.folder, self.root = folder, folder.parent

    @classmethod
    def named(cls, name: str) -> CacheFolder:
        """The folder ``name`` under the user's cache root."""
        return cls(cache_root() / name)

    def trusted(self) -> bool:
        """Whether the root and this folder, where they exist, are the user's alone."""
        for folder in (self.root, self.folder):
            try:
                info = folder.stat()
            except (OSError, ValueError):  # missing (nothing to read yet) or unusable
                continue
            if stat.S_ISDIR(info.st_mode) and not _is_private(info):
                _warn_once(
                    f"explain: not using the cache folder {str(folder)!r}: other users can "
                    "write to it or own it; run 'chmod 700' on it (as its owner) or delete it"
                )
                return False
        return True

    def load(self, name: str, fingerprint: str, max_bytes: int) -> bytes | None:
        """The body of the entry ``name`` if it is present, private, small and intact."""
        if not self.trusted():
            return None
        data = self._read_private(self.folder / name, max_bytes)
        body = None if data is None else unseal(data, name, fingerprint)
        return body if body is not None and len(body) <= max_bytes else None

    def _read_private(self, path: Path, max_bytes: int) -> bytes | None:
        # No link followed (a link could point anywhere), no wait on a pipe.
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)
        except (OSError, ValueError):  # missing, a link, unreadable: a miss
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes + MAX_SEAL_BYTES:
                return None
            if not _is_private(info):
                _warn_once(
                    f"explain: not using the cache entry {str(path)!r}: other users can "
                    f"write to it or own it; delete the folder {str(path.parent)!r}"
                )
                return None
            with os.fdopen(fd, "rb", closefd=False) as fh:
                return fh.read(max_bytes + MAX_SEAL_BYTES + 1)
        except OSError:  # a directory read, an I/O error
            return None
        finally:
            os.close(fd)

    def store(self, name: str, fingerprint: str, body: bytes) -> None:
        """Write the entry whole, or not at all (a full or read-only disk only costs speed)."""
        if not self.trusted():
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.folder.mkdir(exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.", suffix=".partial")
        except OSError:
            return
        self._sweep_once()
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(seal(name, fingerprint, body))
            os.replace(tmp, self.folder / name)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)  # already gone when it was moved into place

    def _sweep_once(self) -> None:
        """Remove the temporary files of writes killed long ago (once per process)."""
        if self.folder in _swept:
            return
        _swept.add(self.folder)
        now = time.time()
        with contextlib.suppress(OSError):
            for item in os.scandir(self.folder):
                if item.name.startswith(".") and item.name.endswith(".partial"):
                    with contextlib.suppress(OSError):
                        if now - item.stat(follow_symlinks=False).st_mtime > STALE_PARTIAL_SECONDS:
                            os.unlink(item.path)
