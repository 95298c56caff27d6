"""PNG stills cut out of a finished video."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from explain.scenes.output.files import write_atomic


def still_paths(out: Path, times: list[float]) -> list[Path]:
    if len(times) == 1:
        return [out]
    return [out.with_name(f"{out.stem}-{t:05.2f}s{out.suffix}") for t in times]


def cut_stills(video: Path, times: list[float], dest: list[Path]) -> None:
    """Decode the video once and save the frame shown at each time as a PNG."""
    import av

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        rate = float(stream.average_rate or 1)
        wanted = {int(round(t * rate)): i for i, t in enumerate(times)}
        last = None
        for index, frame in enumerate(container.decode(stream)):
            last = frame
            for want, i in list(wanted.items()):
                if want == index:
                    _save_png(frame.to_image(), dest[i])
                    del wanted[want]
        for i in wanted.values():  # times rounded past the last decoded frame
            if last is not None:
                _save_png(last.to_image(), dest[i])


def frame_shown_at(video: Path, seconds: float) -> bytes:
    """The frame on screen ``seconds`` into the video (the last one that started by then),
    as PNG bytes: a page's poster, or a check of what a player shows."""
    import av

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        wanted = math.floor(seconds * float(stream.average_rate or 1) + 1e-6)
        shown = None
        for index, frame in enumerate(container.decode(stream)):
            shown = frame
            if index >= wanted:
                break
    if shown is None:
        raise ValueError(f"{video.name} has no frames")
    return _png_bytes(shown.to_image())


def _save_png(image: Any, dest: Path) -> None:
    write_atomic(dest, _png_bytes(image))


def _png_bytes(image: Any) -> bytes:
    import io

    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
