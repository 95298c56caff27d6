"""Rendering many scenes at once: parallel processes, a progress line each, a summary.

Each scene renders in its own process (Manim's configuration is global per process) and
its own temporary media folder, so parallel renders never clobber each other.
"""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table


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
    message: str  # the last line the render printed (its error when it failed)

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


def _run(item: BatchItem) -> BatchResult:
    start = time.perf_counter()
    proc = subprocess.run(render_command(item), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    text = (proc.stderr if proc.returncode else proc.stdout).strip().splitlines()
    return BatchResult(item.name, item.out, seconds, proc.returncode == 0, text[0] if text else "")


def render_many(items: list[BatchItem], jobs: int, console: Console) -> list[BatchResult]:
    """Render ``items`` with at most ``jobs`` processes at once, showing progress."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        # By position: a lecture may render the same scene twice with other parameters.
        tasks = [progress.add_task(f"{_label(item)}: waiting", total=1) for item in items]

        def work(index: int) -> BatchResult:
            item = items[index]
            progress.update(tasks[index], description=f"{_label(item)}: rendering")
            result = _run(item)
            state = "done" if result.ok else "FAILED"
            progress.update(tasks[index], description=f"{_label(item)}: {state}", completed=1)
            return result

        with ThreadPoolExecutor(max_workers=jobs) as pool:
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
