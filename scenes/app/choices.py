"""The values the render options take: one table each, read by the renderer, its checks and
the CLI's help (kept free of heavy imports, so `explain --help` stays fast)."""

from __future__ import annotations

QUALITIES: dict[str, str] = {
    "low": "low_quality",  # 854x480, 15 fps: for iterating, tests and notes
    "medium": "medium_quality",  # 1280x720, 30 fps
    "high": "high_quality",  # 1920x1080, 60 fps: lectures
    "4k": "fourk_quality",  # 3840x2160, 60 fps
}
FORMATS: tuple[str, ...] = ("mp4", "gif", "png", "webm")


def metavar(choices: object) -> str:
    """How the help shows a choice: ``[low|medium|high|4k]``."""
    return "[" + "|".join(str(c) for c in choices) + "]"  # type: ignore[attr-defined]
