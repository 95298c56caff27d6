"""A 2-D array from a trace drawn as a small image through a colormap, pixels kept sharp.

Manim 0.22 draws images with ``Image.fromarray(..., mode="RGBA")`` on float arrays, which
Pillow 12 refuses; pyproject.toml keeps Pillow below 12 for that reason.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import ImageMobject
from manim.constants import RESAMPLING_ALGORITHMS

# Sequential for values that are never negative (an image, after ReLU); diverging, centred
# on zero, for signed values (a convolution's raw output) so that the sign reads as hue.
SEQUENTIAL_CMAP = "magma"
DIVERGING_CMAP = "RdBu_r"


def heatmap_rgba(
    values: Sequence[Sequence[float]] | np.ndarray,
    signed: bool | None = None,
    bounds: tuple[float, float] | None = None,
) -> np.ndarray:
    """(H, W) values -> (H, W, 4) uint8 colours (colour only); the range is the array's own,
    or ``bounds`` (low, high) so that several maps of one layer share one scale."""
    from matplotlib import colormaps  # deferred: matplotlib is slow to import

    arr = np.asarray(values, dtype=np.float64)  # (H, W)
    if arr.ndim != 2:
        raise ValueError("a heat map needs a 2-D array")
    low, high = bounds if bounds is not None else (float(arr.min()), float(arr.max()))
    if signed is None:
        signed = low < 0
    if signed:
        bound = max(abs(low), abs(high)) or 1.0
        unit = np.clip((arr / bound + 1.0) / 2.0, 0.0, 1.0)
        cmap = colormaps[DIVERGING_CMAP]
    else:
        unit = np.clip((arr - low) / (high - low), 0.0, 1.0) if high > low else np.zeros_like(arr)
        cmap = colormaps[SEQUENTIAL_CMAP]
    rgba: np.ndarray = (cmap(unit) * 255).round().astype(np.uint8)  # (H, W, 4)
    return rgba


class HeatMap(ImageMobject):
    """``values`` (H, W) as an image ``height`` units tall, one sharp square per value."""

    def __init__(
        self,
        values: Sequence[Sequence[float]] | np.ndarray,
        height: float,
        signed: bool | None = None,
        bounds: tuple[float, float] | None = None,
    ) -> None:
        self.values = np.asarray(values, dtype=np.float64)
        super().__init__(heatmap_rgba(self.values, signed, bounds))
        self.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
        self.height = height
