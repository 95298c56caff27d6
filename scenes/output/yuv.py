"""RGBA frames to the encoder's YUV 4:2:0, converting only the part that changed.

Converting a whole 480p frame (swscale, RGBA to yuv420p) takes about 2.5 ms, as long as
x264 takes to encode it, and the encoder thread, not the drawing, was what a render
waited for. Between consecutive frames of a scene only the animated area changes (the
median frame of conv-stride changes under 1 % of its pixels), so ``YuvConverter`` keeps the
last frame and its YUV planes, finds the rectangle of pixels that differ, converts that
rectangle with a margin, and copies the converted pixels back into the planes.

swscale's chroma filter reaches a couple of pixels beyond each 2×2 block, so the copied
rectangle is grown by ``SPREAD`` pixels, and the converted one by ``MARGIN`` more, so that
every copied pixel was computed from the same neighbourhood as in a whole-frame
conversion. Crops start at multiples of ``ALIGN`` columns, as the whole frame's rows do,
so that swscale processes them in the same chunks. The planes are the same as a
whole-frame conversion's (``tests/test_yuv.py`` compares them on real scenes' frames),
and so is the video.
"""

from __future__ import annotations

import av
import numpy as np

SPREAD = 4  # pixels around a change whose chroma it can alter (2 chroma samples)
MARGIN = 16  # pixels converted around those, so that each copied pixel sees its neighbours
ALIGN = 16  # crops start on this column grid
# Past this share of the frame changed, converting all of it is as quick.
MAX_PARTIAL_SHARE = 0.5


class YuvConverter:
    """Frames (H, W, 4) uint8 RGBA in, yuv420p VideoFrames out, in order."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        # 4:2:0 needs even sizes for the partial copy's chroma arithmetic.
        self.partial = width % 2 == 0 and height % 2 == 0
        self._rgba: np.ndarray | None = None  # (H, W, 4) the last frame
        self._yuv: np.ndarray | None = None  # (H * 3 / 2, W) its planes: Y, then U, then V
        self.partial_frames = 0  # frames converted in part (for tests and measurement)

    def convert(self, rgba: np.ndarray) -> av.VideoFrame:
        """``rgba`` as a new yuv420p frame; ``rgba`` is kept (not copied) until the next
        call, so the caller must not change it."""
        if self.partial and self._rgba is not None and rgba.flags.c_contiguous:
            box = changed_box(self._rgba, rgba)
            yuv = None
            if box is None:
                yuv = self._yuv  # nothing changed
            elif self._small(box):
                yuv = self._patched(self._yuv, rgba, box)
                self.partial_frames += 1
            if yuv is not None:
                self._rgba, self._yuv = rgba, yuv
                # No copy: a plane array is never written after it is made (a patch
                # starts from a copy), and the frame keeps it alive.
                return av.VideoFrame.from_numpy_buffer(yuv, format="yuv420p")
        frame = av.VideoFrame.from_numpy_buffer(rgba, format="rgba").reformat(format="yuv420p")
        if self.partial and rgba.flags.c_contiguous:
            self._rgba, self._yuv = rgba, frame.to_ndarray()
        return frame

    def _small(self, box: tuple[int, int, int, int]) -> bool:
        y0, y1, x0, x1 = box
        return (y1 - y0) * (x1 - x0) <= MAX_PARTIAL_SHARE * self.width * self.height

    def _patched(
        self, previous: np.ndarray | None, rgba: np.ndarray, box: tuple[int, int, int, int]
    ) -> np.ndarray:
        assert previous is not None  # set with _rgba
        h, w = self.height, self.width
        y0, y1, x0, x1 = box
        # The pixels to copy: the change grown by SPREAD, on the 2×2 chroma grid.
        cy0, cy1 = max(0, (y0 - SPREAD) // 2 * 2), min(h, -(-(y1 + SPREAD) // 2) * 2)
        cx0, cx1 = max(0, (x0 - SPREAD) // 2 * 2), min(w, -(-(x1 + SPREAD) // 2) * 2)
        # The pixels to convert: those and MARGIN more, starting on the ALIGN grid.
        ry0, ry1 = max(0, (cy0 - MARGIN) // 2 * 2), min(h, cy1 + MARGIN)
        rx0, rx1 = max(0, (cx0 - MARGIN) // ALIGN * ALIGN), min(w, cx1 + MARGIN)
        crop = np.ascontiguousarray(rgba[ry0:ry1, rx0:rx1])  # (rh, rw, 4)
        part = av.VideoFrame.from_numpy_buffer(crop, format="rgba").reformat(format="yuv420p")
        converted = part.to_ndarray()  # (rh * 3 / 2, rw)
        yuv = previous.copy()
        for plane, source, scale in zip(
            planes(yuv, h, w), planes(converted, ry1 - ry0, rx1 - rx0), (1, 2, 2)
        ):
            plane[cy0 // scale : cy1 // scale, cx0 // scale : cx1 // scale] = source[
                (cy0 - ry0) // scale : (cy1 - ry0) // scale,
                (cx0 - rx0) // scale : (cx1 - rx0) // scale,
            ]
        return yuv


def changed_box(before: np.ndarray, after: np.ndarray) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1), the smallest rectangle holding every pixel that differs between
    two (H, W, 4) uint8 frames; None if none does."""
    differs = before.view(np.uint32)[..., 0] != after.view(np.uint32)[..., 0]  # (H, W)
    rows = np.flatnonzero(differs.any(axis=1))
    if not len(rows):
        return None
    y0, y1 = int(rows[0]), int(rows[-1]) + 1
    cols = np.flatnonzero(differs[y0:y1].any(axis=0))
    return y0, y1, int(cols[0]), int(cols[-1]) + 1


def planes(yuv: np.ndarray, height: int, width: int) -> tuple[np.ndarray, ...]:
    """Views of the Y (H, W), U and V (H/2, W/2) planes of PyAV's (H * 3 / 2, W) layout."""
    flat = yuv.reshape(-1)
    luma = height * width
    chroma = luma // 4
    return (
        flat[:luma].reshape(height, width),
        flat[luma : luma + chroma].reshape(height // 2, width // 2),
        flat[luma + chroma :].reshape(height // 2, width // 2),
    )
