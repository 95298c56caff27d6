"""A 2-D tensor drawn as a grid of cells (square unless asked wider) with its numbers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from manim import DOWN, UP, Rectangle, Square, Text, VGroup

from explain.scenes.kit.theme import Theme
from explain.scenes.kit.widgets.numbers import FONT_SIZE_PER_UNIT, TextFactory, format_number

# Digits fill this fraction of a cell's height; numbers wider than the cell shrink.
DIGIT_HEIGHT = 0.42
DIGIT_WIDTH = 0.86


class TensorGrid(VGroup):
    """Cells in row-major order, numbers in ``self.numbers[(r, c)]``.

    ``values`` may be None for a grid that fills in later (an output); then ``widest``
    (the longest number it will show) sizes its digits. All numbers of one grid share
    one font size, so that a long number does not look smaller than its neighbours.
    Cells whose ``muted`` flag is set (zero padding) use the theme's padding colour.
    ``cell_width`` (default ``cell_size``) makes cells wider than tall, so that numbers
    like −0.50 can be as tall as in a bigger square without crowding the grid's height.
    """

    def __init__(
        self,
        rows: int,
        cols: int,
        cell_size: float,
        theme: Theme,
        texts: TextFactory,
        fill: str,
        values: Sequence[Sequence[float]] | None = None,
        muted: Sequence[Sequence[bool]] | None = None,
        widest: str | None = None,
        cell_width: float | None = None,
    ) -> None:
        super().__init__()
        self.rows, self.cols, self.cell_size = rows, cols, cell_size
        self.cell_width = cell_size if cell_width is None else cell_width
        self.theme, self.texts, self.fill = theme, texts, fill
        shown = [format_number(v) for row in ([] if values is None else values) for v in row]
        self.font_size = self._font_size(max([*shown, widest or "0"], key=len))
        self.cells = VGroup()
        for r in range(rows):
            for c in range(cols):
                colour = theme.padding_fill if muted is not None and muted[r][c] else fill
                # Square when no width is given, exactly as before cell_width existed.
                square: Rectangle = (
                    Square(side_length=cell_size)
                    if cell_width is None
                    else Rectangle(width=self.cell_width, height=cell_size)
                )
                square.set_stroke(theme.grid_stroke, width=max(1.0, 2.5 * cell_size))
                square.set_fill(colour, opacity=theme.fill_opacity if values is not None else 0.12)
                square.move_to((c * self.cell_width, -r * cell_size, 0.0))
                self.cells.add(square)
        self.add(self.cells)
        self.numbers: dict[tuple[int, int], Text] = {}
        self.number_group = VGroup()
        self.add(self.number_group)
        if values is not None:
            for r in range(rows):
                for c in range(cols):
                    shade = theme.muted if muted is not None and muted[r][c] else None
                    self.number_group.add(self._place(r, c, values[r][c], shade))

    def _font_size(self, widest: str) -> float:
        """Digits DIGIT_HEIGHT of a cell tall, unless the widest number then overflows."""
        size = self.cell_size * DIGIT_HEIGHT * FONT_SIZE_PER_UNIT
        width = self.texts.text(widest, size).width
        limit = self.cell_width * DIGIT_WIDTH
        return size * min(1.0, limit / width) if width > 0 else size

    def cell(self, r: int, c: int) -> Square:
        """Cell (r, c); typed Square for existing callers, a Rectangle if ``cell_width`` is set."""
        return cast(Square, self.cells[r * self.cols + c])

    def make_number(self, r: int, c: int, value: float, color: str | None = None) -> Text:
        """A number sized for this grid, placed on cell (r, c) but not added."""
        mob = self.texts.number(value, self.font_size, color)
        if mob.width > self.cell_width * DIGIT_WIDTH:
            mob.scale_to_fit_width(self.cell_width * DIGIT_WIDTH)
        return mob.move_to(self.cell(r, c).get_center())

    def _place(self, r: int, c: int, value: float, color: str | None = None) -> Text:
        mob = self.make_number(r, c, value, color)
        self.numbers[(r, c)] = mob
        return mob

    def fill_in(self, r: int, c: int, value: float) -> Text:
        """Add the number of an output cell and colour the cell; returns the new number."""
        mob = self._place(r, c, value)
        self.number_group.add(mob)
        self.cell(r, c).set_fill(self.fill, opacity=self.theme.fill_opacity)
        return mob

    def number_at(self, r: int, c: int) -> Text:
        """The number shown on cell (r, c)."""
        return self.numbers[(r, c)]

    def replace_numbers(self, values: Sequence[Sequence[float]]) -> list[tuple[Text, Text]]:
        """Put ``values[r][c]`` on every cell that shows a number, in place of the old one;
        returns (old, new) pairs for the scene to animate or remove."""
        pairs = []
        for (r, c), old in list(self.numbers.items()):
            new = self.make_number(r, c, values[r][c])
            self.number_group.remove(old)
            self.number_group.add(new)
            self.numbers[(r, c)] = new
            pairs.append((old, new))
        return pairs

    def move_numbers(
        self,
        moves: Iterable[Sequence[Sequence[int]]],
        values: Sequence[Sequence[float]],
    ) -> list[tuple[Text, Text]]:
        """For each (from, to) cell pair, the number on ``from`` gives way to
        ``values`` at ``to``; returns (old, new) pairs, e.g. for a kernel turned 180°."""
        pairs = []
        moved: dict[tuple[int, int], Text] = {}
        for (r, c), (rr, cc) in moves:
            old, new = self.numbers[(r, c)], self.make_number(rr, cc, values[rr][cc])
            self.number_group.remove(old)
            moved[(rr, cc)] = new
            pairs.append((old, new))
        self.number_group.add(*moved.values())
        self.numbers = moved
        return pairs

    def clear_numbers(self) -> list[Text]:
        """Take every number off the grid (the cells stay); returns them."""
        olds = list(self.numbers.values())
        for mob in olds:
            self.number_group.remove(mob)
        self.numbers.clear()
        return olds

    def set_numbers_z_index(self, z_index: float) -> None:
        """Draw the numbers above marks placed over the cells."""
        self.number_group.set_z_index(z_index)

    def shown_values(self) -> dict[tuple[int, int], str]:
        """The text on each cell that has a number, for tests."""
        return {rc: mob.text for rc, mob in self.numbers.items()}

    def labelled(self, label: Text, above: bool = True) -> VGroup:
        """This grid with a label placed above (or below) it."""
        label.next_to(self, UP if above else DOWN, buff=0.15)
        return VGroup(label, self)
