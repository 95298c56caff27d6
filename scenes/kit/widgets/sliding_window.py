"""A window sliding over input grids and the output cell it fills: outlines and their moves.

Shared by every sliding-window scene (convolution, pooling, transposed convolution):
the window is an outline on each input cell under it, the output mark an outline on
the cell being computed; moving both is one animation per step.
"""

from __future__ import annotations

from collections.abc import Sequence

from manim import Animation, Square, VGroup

from explain.scenes.engine.tweens import move_to, shift_by
from explain.scenes.kit.widgets.tensor_grid import TensorGrid

WINDOW_FILL_OPACITY = 0.18


def cell_outline(target: Square, size: float, color: str) -> Square:
    """A highlighted outline the size of a cell, on top of ``target``."""
    sq = Square(side_length=size, stroke_color=color, stroke_width=5 * size + 2)
    sq.set_fill(color, opacity=WINDOW_FILL_OPACITY)
    return sq.move_to(target.get_center())


def window_marks(grids: Sequence[TensorGrid], taps: Sequence[Sequence[int]], color: str) -> VGroup:
    """Outlines on every (row, col) in ``taps``, in each of ``grids`` (one per channel)."""
    marks = VGroup()
    for grid in grids:
        for r, c in taps:
            marks.add(cell_outline(grid.cell(r, c), grid.cell_size, color))
    return marks


def move_window(
    window: VGroup,
    out_mark: Square,
    in_grid: TensorGrid,
    first_tap: Sequence[int],
    out_grid: TensorGrid,
    out_cell: tuple[int, int],
) -> list[Animation]:
    """Animations taking the window to ``first_tap`` of ``in_grid`` and the mark to ``out_cell``.

    The window keeps its shape: it is shifted so that its first outline lands on the
    first tap, whichever grid it was on before.
    """
    r0, c0 = first_tap
    step = in_grid.cell(r0, c0).get_center() - window[0].get_center()
    target = out_grid.cell(*out_cell).get_center()
    return [shift_by(window, step), move_to(out_mark, target)]
