"""Rendering many scenes at once: parallel processes, a progress line each, a summary.

Each scene renders in its own process (Manim's configuration is global per process) and
its own temporary media folder, so parallel renders never clobber each other. The renders
are tied to this process (scenes/output/children.py): interrupted or terminated, the batch
stops them; killed, they get SIGTERM from the kernel. On a terminal each line shows the
scene's frames as its render reports them (scenes/app/progress.py), with a bar.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from explain.scenes.app.progress import PROGRESS_LINES_ENV, parse_progress_line
from explain.scenes.output.children import ChildGroup

FrameListener = Callable[[int, int | None], None]  # (frames drawn, total or None)


@dataclass(frozen=True)
class BatchItem:
    name: str
    out: Path
    args: tuple[str, ...]  # further `explain render` options
    label: str = ""  # shown in the progress line instead of the name (a lecture's chapter)


@dataclass(frozen=True)
class BatchResult:
    name: str
    out: Path
    seconds: float
    ok: bool
    message: str  # the first line the render printed (its error when it failed)
    frames: int = 0  # the frames it reported drawing (0: none reported, off a terminal)

    @property
    def size_kb(self) -> float:
        return self.out.stat().st_size / 1024 if self.ok and self.out.exists() else 0.0


def render_command(item: BatchItem) -> list[str]:
    # -P: the working folder is not put first on the import path, so a lecturer's own
    # `scenes/` or `explain.py` there can never stand in for the installed package.
    return [
        sys.executable,
        "-P",
        "-m",
        "explain.scenes.cli",
        "render",
        item.name,
        "--out",
        str(item.out),
        *item.args,
    ]


def _run(item: BatchItem, children: ChildGroup, on_frames: FrameListener | None) -> BatchResult:
    """Render ``item`` in a child; its progress lines go to ``on_frames`` (when given),
    its other stderr lines make the message of a failure."""
    start = time.perf_counter()
    env = {**os.environ, PROGRESS_LINES_ENV: "1"} if on_frames else None
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "stdin": subprocess.DEVNULL}
    text = {"encoding": "utf-8", "errors": "replace"}
    proc = children.spawn(render_command(item), env=env, **pipes, **text)
    if proc is None:  # the batch was stopped before this one's turn
        return BatchResult(item.name, item.out, 0.0, False, "not started: the batch was stopped")
    errors: list[str] = []
    assert proc.stdout is not None and proc.stderr is not None
    reader = threading.Thread(target=_read_stderr, args=(proc.stderr, errors, on_frames))
    reader.start()
    out = proc.stdout.read()
    reader.join()
    code = proc.wait()
    children.done(proc)
    seconds = time.perf_counter() - start
    message = failure_line(errors) if code else (out.strip().splitlines() or [""])[0]
    return BatchResult(item.name, item.out, seconds, code == 0, message)


def failure_line(stderr_lines: list[str]) -> str:
    """The line that says why a render failed: its one-line error, else the last line it
    wrote (a crash's exception comes last, after the traceback), else nothing."""
    lines = [line.strip() for line in stderr_lines if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    return errors[0] if errors else (lines[-1] if lines else "")


def _read_stderr(stream: IO[str], errors: list[str], on_frames: FrameListener | None) -> None:
    for line in stream:
        frames = parse_progress_line(line)
        if frames is None:
            errors.append(line)
        elif on_frames is not None:
            on_frames(*frames)


def _columns(console: Console) -> tuple[ProgressColumn, ...]:
    if not console.is_terminal:  # a log: the lines it always had, no bars
        return (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    frames = TextColumn("{task.fields[frames]}")
    return (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        frames,
        TimeElapsedColumn(),
    )


def render_many(
    items: list[BatchItem], jobs: int, console: Console, children: ChildGroup | None = None
) -> list[BatchResult]:
    """Render ``items`` with at most ``jobs`` processes at once, showing progress. An
    exception here (Ctrl-C, SIGTERM) stops the renders; so does stopping ``children``."""
    group = children or ChildGroup()
    show_frames = console.is_terminal
    with Progress(*_columns(console), console=console, transient=False) as progress:
        # By position: a lecture may render the same scene twice with other parameters.
        tasks = [
            progress.add_task(f"{_label(item)}: waiting", total=None, frames="") for item in items
        ]

        def work(index: int) -> BatchResult:
            item, task = items[index], tasks[index]
            progress.update(task, description=f"{_label(item)}: rendering")
            drawn = [0]

            def on_frames(done: int, total: int | None) -> None:
                drawn[0] = done
                shown = f"{done}/{total} frames" if total else f"{done} frames"
                progress.update(task, completed=done, total=total, frames=shown)

            result = _run(item, group, on_frames if show_frames else None)
            state = "done" if result.ok else "FAILED"
            end = max(drawn[0], 1)  # a full bar, whatever the count
            progress.update(task, description=f"{_label(item)}: {state}", total=end, completed=end)
            return replace(result, frames=drawn[0])

        # The pool's exit waits for its threads, and they for their renders: the group is
        # left first, so that an exception stops the renders before that wait.
        with ThreadPoolExecutor(max_workers=jobs) as pool, group:
            return list(pool.map(work, range(len(items))))


def _label(item: BatchItem) -> str:
    return item.label or item.name


def summary_table(results: list[BatchResult]) -> Table:
    table = Table(title="explain render --all")
    for column in ("scene", "seconds", "file", "size"):
        table.add_column(column)
    for r in results:
        size = f"{r.size_kb:.0f} KB" if r.ok else r.message
        table.add_row(r.name, f"{r.seconds:.1f}", str(r.out) if r.ok else "-", size)
    return table
