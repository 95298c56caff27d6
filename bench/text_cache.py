"""The text cache's point, measured: building a Text with Pango against loading it back from
the plain-JSON cache (scenes/kit/widgets/text_cache.py), per string, median of several.

CPU time of this thread, not wall time: on the shared 2-core machine a wall clock mostly
measures the other processes (a 2.6 ms load showed medians of 25 ms at a load of 12).

    python bench/text_cache.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# What scenes draw: short numbers (most of the strings), labels, a caption in each language.
STRINGS = [
    "−0.25",
    "12",
    "3.75",
    "W_ih",
    "stride 2",
    "Each output is the sum of the window times the kernel, checked against torch.",
    "每个输出都是窗口与卷积核的逐元素乘积之和，并与 torch 的结果核对。",
]
ROUNDS = 11


def median_ms(run: object, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        start = time.thread_time()
        run()  # type: ignore[operator]
        times.append(time.thread_time() - start)
    return statistics.median(times) * 1000


def main() -> None:
    from manim import Text, tempconfig

    from explain.scenes.kit.theme import DARK
    from explain.scenes.kit.widgets.numbers import drop_svg_sources
    from explain.scenes.kit.widgets.text_cache import TextDiskCache

    with tempfile.TemporaryDirectory() as folder:
        disk = TextDiskCache(Path(folder) / "text")
        rows = ["| string | glyphs | built ms | loaded ms | entry KB |", "|---|---|---|---|---|"]
        for content in STRINGS:
            key = (content, 24.0, DARK.text, "NORMAL", DARK.font)

            def build(content: str = content) -> Text:
                # A fresh media folder, as every render has: Manim's own SVG files are
                # kept there, and a render never finds them from an earlier one.
                with tempfile.TemporaryDirectory() as media, tempconfig({"media_dir": media}):
                    made = Text(content, font=DARK.font, font_size=24, color=DARK.text)
                return drop_svg_sources(made)

            built_ms = median_ms(build)
            disk.put(key, build())
            loaded_ms = median_ms(lambda key=key: disk.get(key))
            glyphs = len(build().family_members_with_points())
            size_kb = (disk.folder / disk.entry_name(key)).stat().st_size / 1000
            label = content if len(content) < 24 else content[:21] + "..."
            cells = [label, str(glyphs), f"{built_ms:.1f}", f"{loaded_ms:.2f}", f"{size_kb:.0f}"]
            rows.append("| " + " | ".join(cells) + " |")
    sys.stdout.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
