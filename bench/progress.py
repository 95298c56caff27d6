"""What the single-render progress bar costs (issue 20: under 2 %).

Two measurements, both through ``script`` so that every render has a pseudo-terminal and
only whether stderr is that terminal differs (the bar is drawn only then):

- wall and CPU time of whole renders with the bar and without, fresh processes with
  ``--force``, taking turns so that the shared machine's slow spells fall on both alike;
- the bar's own cost inside one render: the time spent in its per-frame callback
  (``FrameBar.on_frame``) and in rich's refreshes (its own thread), counted with
  ``time.perf_counter_ns`` and ``time.thread_time_ns``, as a fraction of the render's wall
  time. This one is not drowned by the load of other work on the machine.

    python bench/progress.py                          # conv-stride and rnn-unroll, low and medium
    python bench/progress.py --runs 7 conv-stride
    python bench/progress.py --own-only               # only the counted cost (quicker)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUALITIES = ("low", "medium")


def _in_terminal(command: list[str], bar: bool) -> list[str]:
    """``command`` in a pseudo-terminal; without ``bar`` its stderr goes to /dev/null."""
    text = shlex.join(command) + ("" if bar else " 2>/dev/null")
    return ["script", "-qec", text, "/dev/null"]


def _render_command(name: str, quality: str, out: Path) -> list[str]:
    cli = [sys.executable, "-P", "-m", "explain.scenes.cli"]
    return [*cli, "render", name, "--quality", quality, "--force", "--out", str(out)]


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the process and its children)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def whole_renders(names: list[str], runs: int, tmp: Path) -> list[str]:
    """Markdown rows: median wall and CPU with and without the bar, and their spread."""
    times: dict[tuple[str, str, bool], list[tuple[float, float]]] = {}
    for name in names:  # a first render fills the trace cache and the remembered length
        timed(_in_terminal(_render_command(name, "low", tmp / f"{name}.mp4"), True))
    for run in range(runs):
        for name in names:
            for quality in QUALITIES:
                order = (True, False) if run % 2 == 0 else (False, True)
                for bar in order:
                    command = _render_command(name, quality, tmp / f"{name}.mp4")
                    times.setdefault((name, quality, bar), []).append(
                        timed(_in_terminal(command, bar))
                    )
    rows = []
    for name in names:
        for quality in QUALITIES:
            on, off = times[(name, quality, True)], times[(name, quality, False)]
            rows.append(_row(name, quality, on, off))
    return rows


def _row(
    name: str, quality: str, on: list[tuple[float, float]], off: list[tuple[float, float]]
) -> str:
    def spread(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"

    wall_on, wall_off = [w for w, _ in on], [w for w, _ in off]
    cpu_on, cpu_off = [c for _, c in on], [c for _, c in off]
    wall_ratio = statistics.median(wall_on) / statistics.median(wall_off) - 1
    cpu_ratio = statistics.median(cpu_on) / statistics.median(cpu_off) - 1
    return (
        f"| {name} | {quality} | {spread(wall_on)} | {spread(wall_off)} | {wall_ratio:+.1%} "
        f"| {spread(cpu_on)} | {spread(cpu_off)} | {cpu_ratio:+.1%} |"
    )


def counted_render(name: str, quality: str, out: Path, report: Path) -> None:
    """One render in this process with the bar's two code paths counted (run in a terminal)."""
    from rich.live import Live

    from explain.scenes import cli
    from explain.scenes.app import progress

    counts: dict[str, Any] = dict.fromkeys(
        ("frames", "refreshes", "callback_ns", "callback_cpu_ns", "refresh_ns", "refresh_cpu_ns"),
        0,
    )
    counts["in_callback"] = False
    on_frame, refresh = progress.FrameBar.on_frame, Live.refresh

    def counted_on_frame(self: Any, frame: Any, repeats: int) -> None:
        start, cpu = time.perf_counter_ns(), time.thread_time_ns()
        counts["in_callback"] = True
        on_frame(self, frame, repeats)
        counts["in_callback"] = False
        counts["callback_ns"] += time.perf_counter_ns() - start
        counts["callback_cpu_ns"] += time.thread_time_ns() - cpu
        counts["frames"] += 1

    def counted_refresh(self: Any) -> None:
        start, cpu = time.perf_counter_ns(), time.thread_time_ns()
        refresh(self)
        counts["refreshes"] += 1
        if not counts["in_callback"]:  # a redraw inside the callback is counted there
            counts["refresh_ns"] += time.perf_counter_ns() - start
            counts["refresh_cpu_ns"] += time.thread_time_ns() - cpu

    progress.FrameBar.on_frame = counted_on_frame  # type: ignore[method-assign]
    Live.refresh = counted_refresh  # type: ignore[method-assign]
    start, cpu = time.perf_counter_ns(), time.process_time_ns()
    with contextlib.suppress(SystemExit):  # main() ends with sys.exit, as a console script
        cli.main(["render", name, "--quality", quality, "--force", "--out", str(out)])
    counts["render_ns"] = time.perf_counter_ns() - start
    counts["render_cpu_ns"] = time.process_time_ns() - cpu
    report.write_text(json.dumps(counts))


def own_cost(names: list[str], runs: int, tmp: Path) -> list[str]:
    """Markdown rows: the bar's counted time as a share of the render (median of ``runs``)."""
    rows = []
    for name in names:
        for quality in QUALITIES:
            runs_counts = []
            for _ in range(runs):
                report = tmp / "counts.json"
                inner = [sys.executable, str(Path(__file__).resolve()), "--counted", name, quality]
                timed(_in_terminal([*inner, str(tmp / f"{name}.mp4"), str(report)], True))
                runs_counts.append(json.loads(report.read_text()))
            rows.append(_cost_row(name, quality, runs_counts))
    return rows


def _cost_row(name: str, quality: str, runs: list[dict[str, Any]]) -> str:
    """Wall: time in the bar's code over the render's wall time. CPU: the CPU time the bar's
    code used (the drawing thread's, and any refresh thread's) over the process's CPU time."""

    def median_and_range(values: list[float]) -> str:
        return f"{statistics.median(values):.2%} ({min(values):.2%}-{max(values):.2%})"

    walls = [(c["callback_ns"] + c["refresh_ns"]) / c["render_ns"] for c in runs]
    cpus = [(c["callback_cpu_ns"] + c["refresh_cpu_ns"]) / c["render_cpu_ns"] for c in runs]
    last = runs[-1]
    return (
        f"| {name} | {quality} | {last['frames']} | {last['refreshes']} "
        f"| {statistics.median(c['render_ns'] for c in runs) / 1e9:.2f} "
        f"| {median_and_range(walls)} | {median_and_range(cpus)} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*", default=["conv-stride", "rnn-unroll"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--own-only", action="store_true", help="only the bar's own cost")
    parser.add_argument("--counted", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.counted:  # the inner process of own_cost: NAME QUALITY OUT REPORT
        sys.path.insert(0, str(ROOT))
        counted_render(args.names[0], args.names[1], Path(args.names[2]), Path(args.names[3]))
        return
    lines = [f"load average before: {os.getloadavg()}"]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if not args.own_only:
            lines += [
                "| scene | quality | wall with bar s | wall without s | bar | CPU with s "
                "| CPU without s | bar |",
                "|---|---|---|---|---|---|---|---|",
                *whole_renders(args.names, args.runs, tmp),
                f"\nload average: {os.getloadavg()}\n",
            ]
        lines += [
            "| scene | quality | frames | redraws | render s | bar's share of wall time "
            "| bar's share of CPU time |",
            "|---|---|---|---|---|---|---|",
            *own_cost(args.names, args.runs, tmp),
            f"\nload average after: {os.getloadavg()}",
        ]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
