"""A stand-in for ``render_trace`` that draws nothing but commits a small file through the
real commit protocol (stamp and all), for CLI tests that check what is rendered again."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from explain.scenes.app import render as render_module
from explain.scenes.output.commit import Staged, commit_set
from explain.scenes.output.stamp import stamp_path


def committing_fake(calls: list[Path], data: bytes = b"video") -> Callable[..., Any]:
    """A render_trace that records ``out`` in ``calls`` and commits ``data`` there."""

    def fake(entry: Any, trace: Any, out: Path, options: Any, key: str = "") -> Any:
        calls.append(out)
        with tempfile.TemporaryDirectory() as media:
            src = Path(media) / "scene"
            src.write_bytes(data)
            commit_set([Staged(src, out)], stamp_path(out), key)
        return render_module.RenderResult([out])

    return fake
