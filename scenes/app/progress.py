"""A progress bar on stderr while one scene draws, when stderr is a terminal: frames done of
the total, the animation being drawn, and the time left. Nothing at all otherwise.

Manim learns a scene's length only by playing it, so the total is remembered from the last
render of the same scene, parameters and speed (a few bytes under the cache folder); the
first render shows the frames drawn without a total.

A render started by a batch (``render --all``, gallery, lecture) has no terminal of its own:
with ``EXPLAIN_PROGRESS_LINES=1`` in its environment the same count goes to stderr as lines
(``explain-progress: frames 120/480``), which the batch reads and shows per scene.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from typing import Any

from explain.scenes.output.cache_store import CacheFolder

# Redraw the bar at most this often, from the drawing thread itself. rich's own refresh
# thread (10 a second) cost 2 to 4 % of a render's wall time on a loaded machine: a redraw
# takes 0.5 ms of CPU but up to 13 ms of the drawing thread's time at 720p (waiting, most
# likely for the GIL after writing to the terminal). Twice a second: under 2 %, measured
# in bench/RESULTS.md.
REFRESH_SECONDS = 0.5
PROGRESS_LINES_ENV = "EXPLAIN_PROGRESS_LINES"  # "1": report the frame count as lines
_LINE = re.compile(r"explain-progress: frames (\d{1,9})/(\d{1,9}|\?)")


def progress_line(done: int, total: int | None) -> str:
    """The line a batch's render writes: frames drawn, of the total when it is known."""
    return f"explain-progress: frames {done}/{'?' if total is None else total}\n"


def parse_progress_line(line: str) -> tuple[int, int | None] | None:
    """``(done, total)`` from a progress line; None for any other line (an error message)."""
    match = _LINE.fullmatch(line.strip())
    if match is None:
        return None
    done, total = match.groups()
    return int(done), None if total == "?" else int(total)


# The seconds are a short decimal; a sealed entry holding more is not one of ours.
MAX_LENGTH_BYTES = 64
LENGTH_FORM = "seconds 1"  # the fingerprint of an entry: bump if the body changes


def _length_entry(name: str, params: dict[str, Any], speed: float) -> str:
    key = json.dumps({"scene": name, "params": params, "speed": speed}, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()


def remembered_seconds(name: str, params: dict[str, Any], speed: float) -> float | None:
    """How long the scene lasted last time; None when unknown or the entry is damaged."""
    body = CacheFolder.named("lengths").load(
        _length_entry(name, params, speed), LENGTH_FORM, MAX_LENGTH_BYTES
    )
    try:
        seconds = float(body.decode("ascii")) if body is not None else None
    except ValueError:  # not a number, not ASCII
        return None
    return seconds if seconds is not None and 0 < seconds < 24 * 3600 else None


def remember_seconds(name: str, params: dict[str, Any], speed: float, seconds: float) -> None:
    """Keep the scene's length for the next render's total; a failure only loses the total."""
    body = f"{seconds:.6f}".encode()
    CacheFolder.named("lengths").store(_length_entry(name, params, speed), LENGTH_FORM, body)


class FrameBar:
    """Counts the frames a renderer writes and shows them with rich, throttled."""

    def __init__(self, scene: Any, label: str, total: int | None, progress: Any) -> None:
        self.scene, self.label, self.progress = scene, label, progress
        self.task = progress.add_task(label, total=total)
        self.done, self.shown_at = 0, 0.0

    def on_frame(self, frame: Any, repeats: int) -> None:
        self.done += repeats
        now = time.monotonic()
        if now - self.shown_at >= REFRESH_SECONDS:
            self.shown_at = now
            animations = getattr(self.scene, "animations", None) or []
            drawing = type(animations[0]).__name__ if animations else ""
            description = f"{self.label} · {drawing}" if drawing else self.label
            self.progress.update(
                self.task, completed=self.done, description=description, refresh=True
            )


class ProgressLines:
    """FrameBar's display in a batch's render: each update a line on ``stream``."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.total: int | None = None

    def add_task(self, label: str, total: int | None) -> int:
        self.total = total
        return 0

    def update(self, task: int, completed: int, **fields: Any) -> None:
        # A batch gone (a closed pipe) loses the count only, never the render.
        with contextlib.suppress(OSError, ValueError):
            self.stream.write(progress_line(completed, self.total))
            self.stream.flush()


@contextlib.contextmanager
def frame_progress(scene: Any, label: str, total: int | None) -> Iterator[None]:
    """Show the bar while the block draws ``scene``, if stderr is a terminal; report the
    count as lines instead when a batch asked for them."""
    from rich.console import Console

    from explain.scenes.engine.frame_hook import add_frame_listener

    if os.environ.get(PROGRESS_LINES_ENV) == "1":
        lines = ProgressLines(sys.stderr)
        counter = FrameBar(scene, label, total, lines)
        add_frame_listener(scene.renderer, counter.on_frame)
        yield
        lines.update(counter.task, completed=counter.done)  # the last count, unthrottled
        return

    console = Console(stderr=True)
    if not console.is_terminal or not sys.stderr.isatty():
        yield
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(
        *columns, TimeRemainingColumn(), console=console, transient=True, auto_refresh=False
    ) as bar:
        add_frame_listener(scene.renderer, FrameBar(scene, label, total, bar).on_frame)
        yield
