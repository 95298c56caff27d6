"""Child processes tied to this one: none of them outlives its parent, even a SIGKILLed one.

Two ties. On Linux every child asks the kernel for a parent-death signal
(``prctl(PR_SET_PDEATHSIG)``) before it runs its program: when the process that started it
dies, however it dies, the child gets the signal. A render child gets SIGTERM, which it
treats as Ctrl-C (it removes its temporary files and stops its own ffmpegs); an ffmpeg gets
SIGKILL, as its files are in a render's private folder. And a batch keeps its renders in a
``ChildGroup``: each in a process group of its own, which the batch stops (SIGTERM, then
SIGKILL to the whole group) when it is interrupted or terminated itself.

The kernel sends the signal when the *thread* that started the child ends, so a child is
started from a thread that waits for it (every caller here does).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
STOP_GRACE_SECONDS = 10.0  # a terminated render removes its files in well under this


def _load_prctl() -> Callable[..., int] | None:
    # Resolved here, in the parent: the child, between fork and exec, only calls it.
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


_PRCTL = _load_prctl()


def die_with_parent(sig: signal.Signals) -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the child receive ``sig`` when this process dies; None
    where the system has no such request (the process group still ties a batch's children)."""
    if _PRCTL is None:
        return None
    prctl, parent, number = _PRCTL, os.getpid(), int(sig)

    def tie() -> None:
        prctl(PR_SET_PDEATHSIG, number, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request: no signal comes
            os._exit(128 + number)

    return tie


def spawn(
    cmd: list[str], *, death_signal: signal.Signals = signal.SIGKILL, **popen: Any
) -> subprocess.Popen[Any]:
    """``subprocess.Popen(cmd, **popen)``, the child tied to this process."""
    return subprocess.Popen(cmd, preexec_fn=die_with_parent(death_signal), **popen)


def run(
    cmd: list[str], *, capture_output: bool = False, **popen: Any
) -> subprocess.CompletedProcess[Any]:
    """``subprocess.run`` with the child tied to this process; an interrupt (or any error)
    while it runs kills and reaps it."""
    if capture_output:
        popen.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with spawn(cmd, **popen) as proc:
        try:
            out, err = proc.communicate()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


class ChildGroup:
    """The renders a batch started. Leaving the ``with`` block by an exception stops them
    all; once stopped, ``spawn`` starts nothing more and returns None."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: set[subprocess.Popen[Any]] = set()
        self.stopped = False

    def __enter__(self) -> ChildGroup:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is not None:
            self.stop()

    def spawn(self, cmd: list[str], **popen: Any) -> subprocess.Popen[Any] | None:
        """Start ``cmd`` in a process group of its own, SIGTERMed if this process dies."""
        with self._lock:
            if self.stopped:
                return None
            # Its own group: Ctrl-C in the terminal reaches this process alone, which stops
            # the children in order; and a stop reaches the child's own ffmpegs too.
            proc = spawn(cmd, death_signal=signal.SIGTERM, process_group=0, **popen)
            self._live.add(proc)
            return proc

    def done(self, proc: subprocess.Popen[Any]) -> None:
        """``proc`` has been waited for."""
        with self._lock:
            self._live.discard(proc)

    def stop(self) -> None:
        """SIGTERM every running child and reap it; SIGKILL the group of one still there
        after a grace period. Start no more."""
        with self._lock:
            self.stopped = True
            live = list(self._live)
        for proc in live:
            # The child alone: it stops its own ffmpegs (which die with it in any case).
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        for proc in live:
            try:
                proc.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                # Still running, so its group id (its pid) is still its own.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
