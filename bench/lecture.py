"""Lecture benchmark: a lecture of three default scenes against rendering them alone.

Issue 19's target: the lecture costs at most 1.2 x the sum of rendering its scenes alone,
plus 2 s. Each measurement runs in fresh processes with --force (nothing cached), in
turns, so that the shared machine's slow spells fall on all alike; wall time and the CPU
time of every process (the fairer figure on a loaded machine) are reported as medians.

    python bench/lecture.py            # two rounds
    python bench/lecture.py --runs 3
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENES = ("conv-stride", "maxpool", "softmax")
CLI = [sys.executable, "-P", "-m", "explain.scenes.cli"]


def timed(commands: list[list[str]], cwd: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system of the children) of the commands in turn."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    for command in commands:
        subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        chapters = "".join(f'[[chapter]]\ntitle = "{s}"\nscene = "{s}"\n' for s in SCENES)
        (tmp / "three.toml").write_text(f'title = "Three scenes"\n{chapters}', encoding="utf-8")
        alone = [[*CLI, "render", s, "--out", f"{s}.mp4", "--force"] for s in SCENES]
        lecture = [*CLI, "lecture", "three.toml", "--out", "three.mp4", "--force"]
        runs: dict[str, list[tuple[float, float]]] = {"alone": [], "video": [], "notes": []}
        for _ in range(args.runs):
            runs["alone"].append(timed(alone, tmp))
            runs["video"].append(timed([[*lecture, "--no-notes"]], tmp))
            runs["notes"].append(timed([lecture], tmp))
    base_wall = statistics.median(w for w, _ in runs["alone"])
    base_cpu = statistics.median(c for _, c in runs["alone"])
    lines = ["| run | wall s | CPU s | wall / (1.2 x alone + 2 s) |", "|---|---|---|---|"]
    for label, values in runs.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        lines.append(f"| {label} | {wall:.1f} | {cpu:.1f} | {wall / (1.2 * base_wall + 2):.2f} |")
    lines.append(f"\nthe three scenes alone: {base_wall:.1f} s wall, {base_cpu:.1f} s CPU")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
