"""stdout as Unix tools treat it, for every command in one place (the CLI's ``main``).

- stdout full or unwritable (``> /dev/full``) or closed (``>&-``): one line on stderr,
  ``error: cannot write to stdout: <reason>``, and exit code 1.
- a broken pipe (``explain trace conv-stride | head -c 10``): a quiet exit, code 1.

A closed descriptor 0, 1 or 2 is given /dev/null first, so that no file the command opens
takes its number (a render's output would then receive what is printed, or a child's
messages). Descriptor 1 gets it read-only: every write to it fails, as it did closed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO

STDOUT_FAILED = 1  # the exit code when stdout failed (a broken pipe included)


class StdoutFailed(BaseException):
    """Writing to stdout failed. A BaseException, so that a command's broad
    ``except Exception`` cannot take it for a failure of its own work."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


class GuardedStdout:
    """``stream``, with any OSError of a write or flush raised as StdoutFailed."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self._guarded(self.stream.write, text)

    def writelines(self, lines: Any) -> None:
        self._guarded(self.stream.writelines, lines)

    def flush(self) -> None:
        self._guarded(self.stream.flush)

    def _guarded(self, call: Callable[..., Any], *args: Any) -> Any:
        try:
            return call(*args)
        except OSError as err:
            raise StdoutFailed(err) from None

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno, buffer...
        return getattr(self.stream, name)


def fill_closed_descriptors() -> None:
    """/dev/null on each of 0, 1, 2 that is closed (1 read-only: writes fail with EBADF)."""
    for fd, mode in ((0, os.O_RDONLY), (1, os.O_RDONLY), (2, os.O_WRONLY)):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, mode)  # the lowest free number: ``fd`` itself
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)
    if sys.stdout is None:  # Python found descriptor 1 closed at its start
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115


@contextlib.contextmanager
def guarded_stdout() -> Iterator[None]:
    """Run the block with stdout guarded; flush it at the end, and restore it."""
    fill_closed_descriptors()
    previous = sys.stdout
    sys.stdout = GuardedStdout(previous)
    try:
        yield
    finally:  # SystemExit too (shell completion ends so)
        try:
            sys.stdout.flush()  # the last output: a failure here is reported like any other
        finally:
            sys.stdout = previous


def report_failure(failed: StdoutFailed, process_ends: bool) -> int:
    """Say why stdout failed (nothing for a broken pipe); the exit code.

    What is still buffered for stdout would fail again when Python flushes it at exit
    ("Exception ignored ... BrokenPipeError"): when ``process_ends``, /dev/null takes
    descriptor 1's place first.
    """
    error = failed.error
    if error.errno != errno.EPIPE:
        reason = error.strerror or type(error).__name__
        with contextlib.suppress(OSError):
            sys.stderr.write(f"error: cannot write to stdout: {reason}\n")
            sys.stderr.flush()
    if not process_ends:
        return STDOUT_FAILED
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    return STDOUT_FAILED
