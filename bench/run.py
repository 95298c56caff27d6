"""Render-time benchmark: every registered scene against an empty-scene floor.

Each render runs in a fresh process (imports included, as a user pays them), three times,
taking turns with the renders it is compared with (the floor, the GIF), so that the noisy
machine's slow spells fall on all alike; the median wall time is reported with the peak
memory. The floor is an empty Manim scene of the same duration and quality, rendered the
same way in the same run, so ratios rather than the noisy machine's absolute seconds are
the figures to quote.

    python bench/run.py                 # every scene, low quality
    python bench/run.py conv-stride     # some scenes
    python bench/run.py --high          # also conv-stride at 1080p60 against a PyAV floor
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explain.scenes.registry import SCENES  # noqa: E402

EXPLAIN = [str(Path(sys.executable).parent / "explain")]
RUNS = 3
ANALYSIS = "## Analysis"
HELPERS = Path(__file__).resolve().parent / "helpers.py"


@dataclass
class Timing:
    seconds: float  # median wall time
    peak_mb: float  # peak resident memory of the median run's process


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process (and the children it waited for)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, env=env
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise RuntimeError(f"{' '.join(cmd)} failed: {err.strip()[-300:]}")
    return wall, usage.ru_maxrss / 1024


def median_of(cmd: list[str], runs: int) -> Timing:
    return in_turns({"only": cmd}, runs)["only"]


def in_turns(cmds: dict[str, list[str]], runs: int) -> dict[str, Timing]:
    """Each command ``runs`` times, taking turns, so that the machine's slow spells fall
    on all of them alike; the median wall time of each, and its highest peak memory."""
    results: dict[str, list[tuple[float, float]]] = {key: [] for key in cmds}
    for _ in range(runs):
        for key, cmd in cmds.items():
            results[key].append(timed(cmd))
    timings = {}
    for key, runs_of_key in results.items():
        ordered = sorted(runs_of_key)
        timings[key] = Timing(ordered[len(ordered) // 2][0], max(p for _, p in ordered))
    return timings


def probe(path: Path) -> tuple[float, int]:
    """Duration (s) and frame count of a video."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        rate = float(stream.average_rate or 15)
    return frames / rate, frames


def render_cmd(name: str, out: Path, quality: str = "low", *extra: str) -> list[str]:
    # --force: a re-render of the same scene would otherwise be an instant cache hit.
    return [*EXPLAIN, "render", name, "--quality", quality, "--out", str(out), "--force", *extra]


def floor_cmd(duration: float, quality: str) -> list[str]:
    return [sys.executable, str(HELPERS), "floor", f"{duration:.3f}", quality]


def bench_scene(name: str, tmp: Path, runs: int) -> dict[str, object]:
    mp4 = tmp / f"{name}.mp4"
    timed(render_cmd(name, mp4))  # not counted: gives the duration, warms the caches
    duration, frames = probe(mp4)
    gif = tmp / f"{name}.gif"
    cmds = {
        "scene": render_cmd(name, mp4),
        "floor": floor_cmd(duration, "low"),
        "gif": render_cmd(name, gif, "low", "--format", "gif"),
    }
    timings = in_turns(cmds, runs)
    scene, floor, gif_time = timings["scene"], timings["floor"], timings["gif"]
    return {
        "scene": name,
        "duration": duration,
        "frames": frames,
        "seconds": scene.seconds,
        "peak_mb": scene.peak_mb,
        "floor": floor.seconds,
        "ratio": scene.seconds / floor.seconds,
        "mp4_kb": mp4.stat().st_size / 1024,
        "gif_kb": gif.stat().st_size / 1024,
        "gif_extra": gif_time.seconds - scene.seconds,
    }


def bench_defaults(tmp: Path, runs: int) -> tuple[float, float]:
    """conv-stride with our settings against Manim's default settings (caching on, ...)."""
    cmd = [sys.executable, str(HELPERS), "manim-defaults", "conv-stride", str(tmp / "def.mp4")]
    timings = in_turns({"ours": render_cmd("conv-stride", tmp / "ours.mp4"), "defaults": cmd}, runs)
    return timings["ours"].seconds, timings["defaults"].seconds


def bench_cold(tmp: Path, runs: int) -> float:
    """conv-stride as a first render: empty caches, so torch is imported and text built."""
    walls = []
    for n in range(runs):
        env = dict(os.environ, EXPLAIN_CACHE_DIR=str(tmp / f"empty-cache-{n}"))
        walls.append(timed(render_cmd("conv-stride", tmp / "cold.mp4"), env)[0])
    return sorted(walls)[len(walls) // 2]


def bench_high(tmp: Path) -> dict[str, float]:
    out = tmp / "high.mp4"
    scene = median_of(render_cmd("conv-stride", out, "high"), 1)
    duration, frames = probe(out)
    encode = median_of([sys.executable, str(HELPERS), "pyav-encode", str(frames)], 1)
    return {
        "frames": frames,
        "seconds": scene.seconds,
        "peak_mb": scene.peak_mb,
        "pyav": encode.seconds,
        "ratio": scene.seconds / encode.seconds,
    }


def table(rows: list[dict[str, object]]) -> str:
    head = (
        "| scene | duration s | frames | wall s (median) | peak MB | floor s | ratio "
        "| MP4 KB | GIF KB | GIF extra s |\n|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = [
        f"| {r['scene']} | {r['duration']:.1f} | {r['frames']} | {r['seconds']:.2f} "
        f"| {r['peak_mb']:.0f} | {r['floor']:.2f} | **{r['ratio']:.2f}** | {r['mp4_kb']:.0f} "
        f"| {r['gif_kb']:.0f} | {r['gif_extra']:.2f} |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n"


def compile_bytecode() -> None:
    """Write explain's bytecode before measuring, as scripts/setup.sh does and as Python
    does on a user's first import. An editable install has none, and where
    PYTHONDONTWRITEBYTECODE is set (as on this machine) every render would compile
    explain's modules again."""
    for package in ("mlcore", "scenes"):
        compileall.compile_dir(ROOT / package, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenes", nargs="*", help="scene names (default: all)")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--high", action="store_true", help="also 1080p60 against PyAV")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    names = args.scenes or [e.name for e in SCENES]
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="explain-bench-") as tmp_name:
        tmp = Path(tmp_name)
        rows = []
        for name in names:
            rows.append(bench_scene(name, tmp, args.runs))
            r = rows[-1]
            sys.stderr.write(f"{name}: {r['seconds']:.2f} s, floor {r['floor']:.2f} s\n")
        ours, defaults = bench_defaults(tmp, args.runs)
        cold = bench_cold(tmp, args.runs)
        high = bench_high(tmp) if args.high else None
    report = [
        "# Render benchmark\n",
        f"Machine: {os.cpu_count()} cores. `python bench/run.py` "
        f"({args.runs} runs each, fresh process per render, imports included).\n",
        "Ratio = scene wall time / an empty Manim scene of the same duration and quality.\n",
        table(rows),
        f"\nconv-stride with explain's settings: {ours:.2f} s; with Manim's default settings "
        f"(caching on, one encoder in flight, default preset, Manim's own redraw rule): "
        f"{defaults:.2f} s (**{defaults / ours:.2f}x** faster).\n",
        f"\nconv-stride as a first render (empty trace and text caches: torch imported, "
        f"every string built): {cold:.2f} s.\n",
    ]
    if high:
        report.append(
            f"\nconv-stride at 1080p60: {high['frames']:.0f} frames in {high['seconds']:.2f} s, "
            f"peak {high['peak_mb']:.0f} MB; PyAV encoding the same number of frames: "
            f"{high['pyav']:.2f} s (ratio **{high['ratio']:.2f}**).\n"
        )
    text = "".join(report)
    sys.stdout.write(text)
    # The hand-written analysis below the figures survives a re-run.
    kept = ""
    if args.out.exists():
        old = args.out.read_text()
        if ANALYSIS in old:
            kept = "\n" + old[old.index(ANALYSIS) :]
    args.out.write_text(text + kept)


if __name__ == "__main__":
    main()
