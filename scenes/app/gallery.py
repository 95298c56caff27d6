"""The gallery: one small looping GIF per registered scene and a Markdown page of them."""

from __future__ import annotations

from collections.abc import Sequence

from explain.scenes.output.paths import DEFAULT_OUTPUT_DIR
from explain.scenes.registry import SceneEntry

GALLERY_DIR = DEFAULT_OUTPUT_DIR / "gallery"
GALLERY_PAGE = DEFAULT_OUTPUT_DIR / "README.md"
# Small enough to commit and embed in notes, large enough that every number reads.
GALLERY_WIDTH = 640
GALLERY_FPS = 10


def gallery_args() -> tuple[str, ...]:
    """The `explain render` options every gallery GIF is made with."""
    return (
        "--format",
        "gif",
        "--quality",
        "low",
        "--width",
        str(GALLERY_WIDTH),
        "--fps",
        str(GALLERY_FPS),
    )


def gallery_markdown(entries: Sequence[SceneEntry], sizes_kb: dict[str, float]) -> str:
    """The gallery page: each scene's GIF, its description and the command that made it."""
    lines = [
        "# Gallery",
        "",
        "Every scene of `explain` with its default parameters, as the GIFs for notes are made.",
        "Each number in them is a tensor computed with torch and checked against it.",
        f"Made by `explain gallery` ({GALLERY_WIDTH} px wide, {GALLERY_FPS} fps).",
        "",
    ]
    command_args = " ".join(gallery_args())
    for entry in entries:
        gif = f"gallery/{entry.name}.gif"
        size = f" ({sizes_kb[entry.name]:.0f} KB)" if entry.name in sizes_kb else ""
        lines += [
            f"## {entry.name}",
            "",
            entry.description + ".",
            "",
            f"![{entry.name}]({gif})",
            "",
            f"`explain render {entry.name} {command_args}`{size}",
            "",
        ]
    return "\n".join(lines)
