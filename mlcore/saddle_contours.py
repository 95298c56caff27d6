"""Contour lines and filled bands of the saddle surface, computed from the trace's grid.

Levels are fractions of the largest |f − f(saddle)| on the grid, measured from the
saddle's height, so that the zero level passes through the saddle. Lines and band
outlines come from contourpy (linear interpolation along the grid's edges); the
verifier checks every point independently: it lies on a grid line, and f interpolated
there is the level (or, for a band's corner, a grid value between the band's levels).
"""

from __future__ import annotations

from typing import Any, TypedDict

import contourpy
import numpy as np
import torch

# Contour levels, as fractions of the largest |f − f(saddle)| on the grid.
CONTOUR_FRACTIONS = (-0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75)
# Band edges: the contour levels and the grid's extremes.
BAND_FRACTIONS = (-1.0, *CONTOUR_FRACTIONS, 1.0)
ON_LEVEL_TOL = 1e-9  # relative to the scale


class ContourLevel(TypedDict):
    fraction: float  # of the scale; 0 is the saddle's height
    lines: list[list[list[float]]]  # polylines of [x, y] points, each at least 2 long


class Band(TypedDict):
    low: float  # fractions of the scale
    high: float
    # polygons, each a list of rings (outer first, then holes) of [x, y] points
    polygons: list[list[list[list[float]]]]


class SaddleContours(TypedDict):
    scale: float  # the largest |f − f(saddle)| on the grid (1 if f is flat)
    levels: list[ContourLevel]
    bands: list[Band]


def relative_grid(f: list[list[float]], value: float) -> tuple[np.ndarray, float]:
    """f − f(saddle) (G, G), and its largest absolute value (1 for a flat grid)."""
    rel = np.asarray(f, dtype=float) - value  # (G, G)
    return rel, float(np.abs(rel).max()) or 1.0


def saddle_contours(axis: list[float], f: list[list[float]], value: float) -> SaddleContours:
    """Contour lines at CONTOUR_FRACTIONS and the bands between BAND_FRACTIONS."""
    ax = np.asarray(axis, dtype=float)  # (G,)
    rel, scale = relative_grid(f, value)
    lines_gen = contourpy.contour_generator(ax, ax, rel, line_type="SeparateCode")
    levels = []
    for frac in CONTOUR_FRACTIONS:
        segments: list[Any] = list(lines_gen.lines(frac * scale)[0])
        kept = [seg.tolist() for seg in segments if len(seg) >= 2]
        levels.append(ContourLevel(fraction=frac, lines=kept))
    fill_gen = contourpy.contour_generator(ax, ax, rel, fill_type="OuterOffset")
    bands = []
    for lo, hi in zip(BAND_FRACTIONS, BAND_FRACTIONS[1:]):
        filled: Any = fill_gen.filled(lo * scale, hi * scale)  # OuterOffset: (points, offsets)
        polygons = [
            [points[a:b].tolist() for a, b in zip(offsets, offsets[1:])]
            for points, offsets in zip(filled[0], filled[1])
        ]
        bands.append(Band(low=lo, high=hi, polygons=polygons))
    return SaddleContours(scale=scale, levels=levels, bands=bands)


def _on_grid_lines(
    axis: torch.Tensor, f: torch.Tensor, points: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """For (N, 2) points: f linearly interpolated along the vertical grid line through
    each point and along the horizontal one, NaN where the point is on no such line."""
    x, y = points[:, 0].contiguous(), points[:, 1].contiguous()  # (N,) each
    last = len(axis) - 1
    node_x = (axis[None, :] - x[:, None]).abs().argmin(dim=1)  # (N,) nearest column
    node_y = (axis[None, :] - y[:, None]).abs().argmin(dim=1)  # (N,) nearest row
    iy = torch.searchsorted(axis, y).clamp(1, last)  # (N,) the row interval holding y
    ix = torch.searchsorted(axis, x).clamp(1, last)
    wy = (y - axis[iy - 1]) / (axis[iy] - axis[iy - 1])
    wx = (x - axis[ix - 1]) / (axis[ix] - axis[ix - 1])
    along_y = f[iy - 1, node_x] + wy * (f[iy, node_x] - f[iy - 1, node_x])  # x on a column
    along_x = f[node_y, ix - 1] + wx * (f[node_y, ix] - f[node_y, ix - 1])  # y on a row
    nan = torch.full_like(x, float("nan"))
    on_column = (axis[node_x] - x).abs() <= 1e-12
    on_row = (axis[node_y] - y).abs() <= 1e-12
    return torch.where(on_column, along_y, nan), torch.where(on_row, along_x, nan)


def _points(rings: list[list[list[float]]]) -> torch.Tensor:
    """(N, 2) all points of the rings or lines."""
    flat = [point for ring in rings for point in ring]
    return torch.tensor(flat, dtype=torch.float64).reshape(-1, 2)


def verify_saddle_contours(
    contours: SaddleContours, axis: list[float], f: list[list[float]], value: float
) -> None:
    """Raise AssertionError unless every line point lies on a grid line where f
    (interpolated) is its level, and every band point on one where f is within the band."""
    ax = torch.tensor(axis, dtype=torch.float64)  # (G,)
    rel = torch.tensor(f, dtype=torch.float64) - value  # (G, G)
    scale = float(rel.abs().max()) or 1.0
    if abs(contours["scale"] - scale) > ON_LEVEL_TOL * scale:
        raise AssertionError("contour scale is not the largest |f − f(saddle)|")
    tol = ON_LEVEL_TOL * scale
    if [lv["fraction"] for lv in contours["levels"]] != list(CONTOUR_FRACTIONS):
        raise AssertionError("contour levels are not CONTOUR_FRACTIONS")
    for level in contours["levels"]:
        target = level["fraction"] * scale
        along_y, along_x = _on_grid_lines(ax, rel, _points(level["lines"]))
        on = ((along_y - target).abs() <= tol) | ((along_x - target).abs() <= tol)
        if not bool(on.all()):
            raise AssertionError(f"a contour point is not on level {level['fraction']}")
    for band in contours["bands"]:
        lo, hi = band["low"] * scale - tol, band["high"] * scale + tol
        rings = [ring for polygon in band["polygons"] for ring in polygon]
        along_y, along_x = _on_grid_lines(ax, rel, _points(rings))
        within = ((along_y >= lo) & (along_y <= hi)) | ((along_x >= lo) & (along_x <= hi))
        if not bool(within.all()):
            raise AssertionError(f"a point of band {band['low']}..{band['high']} is outside it")
