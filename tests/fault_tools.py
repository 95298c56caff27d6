"""Tools for the fault-injection tests (tests/test_faults_*.py): a small, real file system
that fills up, and a read-only folder, as the probe of issue 21 used them.

A full disk is a real tmpfs mounted for the test (root only: CI runs as root); elsewhere
the tests that need one are skipped, never faked.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def can_mount() -> bool:
    return os.geteuid() == 0


@contextmanager
def small_tmpfs(parent: Path, size_kb: int) -> Iterator[Path]:
    """A tmpfs of ``size_kb`` KiB mounted under ``parent``, unmounted afterwards."""
    if not can_mount():
        pytest.skip("mounting a small tmpfs needs root")
    mount_point = parent / f"tmpfs-{uuid.uuid4().hex[:8]}"
    mount_point.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mount_point)],
        check=True,
    )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


@contextmanager
def full_tmpfs(parent: Path, size_kb: int = 64) -> Iterator[Path]:
    """A small tmpfs already filled to the last byte: every write to it fails with ENOSPC."""
    with small_tmpfs(parent, size_kb) as mount_point:
        filler = mount_point / ".filler"
        # Unbuffered, so that closing the file has nothing left to write into a full disk.
        with open(filler, "wb", buffering=0) as fh:
            try:
                while True:
                    fh.write(b"\0" * 4096)
            except OSError:
                pass
        yield mount_point


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (hidden ones too) by relative name, with its bytes: what a
    fault must leave exactly as it was, or exactly as the new render made it."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".filler"
    }
