"""Test-only fault injection for tests/test_faults_output.py; never part of the product.

A subprocess started with this folder first on PYTHONPATH and ``EXPLAIN_FAULT`` set to
``CALL:N:SIGNAL:FOLDER`` sends SIGNAL to itself right after its Nth call of CALL, where CALL
is ``replace`` (an ``os.replace`` into FOLDER: a move of the output set) or ``fsync`` (a
temporary copy in FOLDER finished): so a kill lands at an exact instant of a commit.
"""

from __future__ import annotations

import os
import signal
from typing import Any

_SPEC = os.environ.get("EXPLAIN_FAULT", "")


def _install(call: str, count: int, sig: signal.Signals, folder: str) -> None:
    seen = [0]

    def fire() -> None:
        seen[0] += 1
        if seen[0] == count:
            os.kill(os.getpid(), sig)

    if call == "replace":
        real_replace = os.replace

        def replace(src: Any, dst: Any, **kwargs: Any) -> None:
            real_replace(src, dst, **kwargs)
            if os.path.dirname(os.path.abspath(os.fsdecode(dst))) == folder:
                fire()

        os.replace = replace
    elif call == "fsync":
        real_fsync = os.fsync

        def fsync(fd: Any) -> None:
            real_fsync(fd)
            path = os.readlink(f"/proc/self/fd/{fd}")  # Linux: which file was flushed
            if os.path.dirname(path) == folder:
                fire()

        os.fsync = fsync


if _SPEC:
    _call, _count, _sig, _folder = _SPEC.split(":", 3)
    _install(_call, int(_count), signal.Signals[_sig], _folder)
