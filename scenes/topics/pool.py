"""Max and average pooling drawn from a pooling trace: the window slides, the output fills in.

For max pooling the cell that wins each window (the recorded argmax, ties as torch
breaks them) is ringed in the output colour and its number travels to the output; its
flat index fills a third grid, as ``return_indices=True`` would return it.
"""

from __future__ import annotations

from typing import Any

from manim import (
    DOWN,
    RIGHT,
    UP,
    Animation,
    Square,
    Text,
    TransformFromCopy,
    VGroup,
    Write,
    config,
)

from explain.mlcore.pool import PoolExtra, PoolStep
from explain.scenes.kit.base import LABEL_FONT_SIZE, TraceScene, shape_text
from explain.scenes.kit.layout import GRID_BANDS
from explain.scenes.kit.motion import fade_in, fade_out, move_to
from explain.scenes.kit.widgets.numbers import format_number
from explain.scenes.kit.widgets.sliding_window import cell_outline, move_window, window_marks
from explain.scenes.kit.widgets.tensor_grid import TensorGrid

TOP_RESERVED, BOTTOM_RESERVED, SIDE_MARGIN = GRID_BANDS  # title, caption, sides
MAX_CELL = 0.9
COLUMN_GAP = 0.9  # between input, output and index grids, in scene units
ROW_GAP_CELLS = 0.6  # between channels, in cells
LABEL_ROOM = 0.5  # height of a grid's label
DETAILED_STEPS = 2  # windows whose arithmetic is written out
FAST_PART_SECONDS = 5.0  # the remaining windows share about this much time
ARGMAX_SCALE = 0.78  # the winner's ring sits inside the window's outline
WINNER_FILL_OPACITY = 0.8
WINNER_Z = 1  # above cells and window, below the numbers (NUMBER_Z)
NUMBER_Z = 2


def pool_cell(channels: int, n: int, o: int, show_indices: bool) -> float:
    """The largest cell at which all grids fit: one row for one channel, else a column each."""
    results_w = o * (2 if show_indices else 1) + (ROW_GAP_CELLS if show_indices else 0)
    avail_w = config.frame_width - 2 * SIDE_MARGIN
    avail_h = config.frame_height - TOP_RESERVED - BOTTOM_RESERVED
    if channels == 1:
        w_cell = (avail_w - COLUMN_GAP * (2 if show_indices else 1)) / (n + results_w)
        h_cell = (avail_h - LABEL_ROOM) / n
    else:
        w_cell = (avail_w - COLUMN_GAP * (channels - 1)) / (channels * max(n, results_w))
        h_cell = (avail_h - 2 * LABEL_ROOM) / (n + o + ROW_GAP_CELLS)
    return min(MAX_CELL, w_cell, h_cell)


class PoolScene(TraceScene):
    """Input, output (and for max pooling the argmax indices), window by window."""

    def construct(self) -> None:
        extra = self.trace.extra_as(PoolExtra)
        self.mode: str = extra["mode"]
        self.show_indices = self.mode == "max"
        self._introduce(self._layout())
        self._slide_window()
        self._show_formula()
        output_shape = shape_text(self.trace.array("output").shape)
        self.say(self.tr(f"pool.outro.{self.mode}", output_shape=output_shape), hold=1.5)

    # --- the steps ----------------------------------------------------------------------
    def _layout(self) -> VGroup:
        """Grids sized to fit; if their labels are wider, the cells shrink once."""
        x = self.trace.array("input")  # (C, H, W)
        channels, n, _ = x.shape
        o = self.trace.array("output").shape[1]  # (C, Ho, Wo)
        self.cell = pool_cell(channels, n, o, self.show_indices)
        blocks = self._build(x, o, self.cell, self.show_indices)
        avail_w = config.frame_width - 2 * SIDE_MARGIN
        if blocks.width > avail_w:  # labels wider than their grids: shrink the cells once
            self.cell *= avail_w / blocks.width
            blocks = self._build(x, o, self.cell, self.show_indices)
        blocks.move_to((0.0, (BOTTOM_RESERVED - TOP_RESERVED) / 2, 0.0))
        return blocks

    def _introduce(self, blocks: VGroup) -> None:
        prm = self.trace.params
        title = self.title(
            self.tr(f"pool.title.{self.mode}", kernel=prm["kernel_size"], stride=prm["stride"])
        )
        self.play(fade_in(title), fade_in(blocks), run_time=0.8)
        self.say(
            self.tr(
                f"pool.intro.{self.mode}",
                input_shape=shape_text(self.trace.array("input").shape),
                output_shape=shape_text(self.trace.array("output").shape),
                kernel=prm["kernel_size"],
                stride=prm["stride"],
            ),
            hold=1.2,
        )

    def _slide_window(self) -> None:
        """The window visits every output cell: two written out, then fast; the first
        tie of equal maxima is named."""
        steps, theme = self.trace.steps_as(PoolStep), self.theme
        first = steps[0]
        self.window = window_marks([self.inputs[0]], first["taps"], theme.highlight)
        self.out_mark = cell_outline(self.outputs[0].cell(0, 0), self.cell, theme.highlight)
        self.winner = self._winner_ring(self.cell).move_to(self._winner_cell(first).get_center())
        marks = [fade_in(self.window), fade_in(self.out_mark)]
        if self.show_indices:
            marks.append(fade_in(self.winner))
        self.play(*marks, run_time=0.4)
        self.say(self.tr(f"pool.step.{self.mode}"))
        self.lines: list[Text] = []
        fast_time = min(0.45, max(0.15, FAST_PART_SECONDS / max(1, len(steps) - DETAILED_STEPS)))
        tie_told = False
        for k, step in enumerate(steps):
            if k == DETAILED_STEPS:
                self.say(self.tr("pool.step.fast", stride=self.trace.params["stride"]))
            if self.show_indices and step["ties"] > 1 and not tie_told:
                tie_told = True
                self._tell_tie(step)
            self._move_marks(step, 0.3 if k < DETAILED_STEPS or tie_told else fast_time)
            if k < DETAILED_STEPS:
                self._show_line(step)
            else:
                self._fill(step, fast_time)
            if tie_told and step["ties"] > 1 and k >= DETAILED_STEPS:
                self.wait(0.6)
        fades = [fade_out(self.window), fade_out(self.out_mark)]
        if self.show_indices:
            fades.append(fade_out(self.winner))
        self.play(*fades, run_time=0.3)

    def _tell_tie(self, step: PoolStep) -> None:
        self.say(
            self.tr(
                "pool.tie",
                value=format_number(step["value"]),
                count=step["ties"],
                row=step["argmax"][0],
                col=step["argmax"][1],
            )
        )

    def _move_marks(self, step: PoolStep, run_time: float) -> None:
        c, i, j = step["out"]
        moves: list[Any] = move_window(
            self.window, self.out_mark, self.inputs[c], step["taps"][0], self.outputs[c], (i, j)
        )
        if self.show_indices:
            moves.append(move_to(self.winner, self._winner_cell(step).get_center()))
        self.play(*moves, run_time=run_time)

    def _show_formula(self) -> None:
        size = self.trace.extra_as(PoolExtra)["size"]
        formula = self.label(
            self.tr(
                "pool.formula",
                i=size["input"],
                k=size["kernel"],
                s=size["stride"],
                o=size["output"],
            ),
            color=self.theme.accent,
        )
        self.caption.place_above(formula, 0.3)
        self.formula = formula
        self.play(fade_in(formula), run_time=0.5)

    # --- pieces -------------------------------------------------------------------------
    def _build(self, x: Any, o: int, cell: float, show_indices: bool) -> VGroup:
        """Grids for input, output (and indices) of every channel, arranged; not added."""
        theme = self.theme
        channels, n, _ = x.shape  # (C, H, W)
        self.inputs = [
            TensorGrid(n, n, cell, theme, self.texts, theme.input_fill, x[c])
            for c in range(channels)
        ]
        self.outputs = [
            TensorGrid(o, o, cell, theme, self.texts, theme.output_fill) for _ in range(channels)
        ]
        self.indices = [
            TensorGrid(o, o, cell, theme, self.texts, theme.padding_fill) for _ in range(channels)
        ]
        for grid in self.inputs:
            grid.set_numbers_z_index(NUMBER_Z)
        blocks = VGroup()
        for c in range(channels):
            # With several channels each column is one channel: only the input says which.
            results = [self.outputs[c].labelled(self.label(self.tr("pool.output")))]
            if show_indices:
                results.append(self.indices[c].labelled(self.label(self.tr("pool.indices"))))
            source = self.inputs[c].labelled(self.label(self._name("pool.input", c, channels)))
            if channels == 1:
                block = VGroup(source, *results).arrange(RIGHT, buff=COLUMN_GAP, aligned_edge=UP)
            else:  # one column per channel: input above its results
                below = VGroup(*results).arrange(RIGHT, buff=ROW_GAP_CELLS * cell)
                block = VGroup(source, below).arrange(DOWN, buff=ROW_GAP_CELLS * cell)
            blocks.add(block)
        blocks.arrange(RIGHT, buff=COLUMN_GAP, aligned_edge=UP)
        return blocks

    def _name(self, key: str, c: int, channels: int) -> str:
        name = self.tr(key)
        return f"{name}, {self.tr('conv.channel', c=c)}" if channels > 1 else name

    def _winner_ring(self, cell: float) -> Square:
        ring = Square(
            side_length=cell * ARGMAX_SCALE,
            stroke_color=self.theme.output_ink,
            stroke_width=6 * cell + 3,
            fill_color=self.theme.output_fill,
            fill_opacity=WINNER_FILL_OPACITY,
        )
        return ring.set_z_index(WINNER_Z)

    def _winner_cell(self, step: PoolStep) -> Square:
        c = step["out"][0]
        if self.mode == "max":
            r, q = step["argmax"]
        else:
            r, q = step["taps"][0]
        return self.inputs[c].cell(r, q)

    def _line_text(self, step: PoolStep) -> str:
        values = ", ".join(format_number(v) for v in step["inputs"])
        if self.mode == "max":
            return f"max({values}) = {format_number(step['value'])}"
        terms = " + ".join(format_number(v) for v in step["inputs"])
        return f"({terms}) / {step['count']} = {format_number(step['value'])}"

    def _fill(self, step: PoolStep, run_time: float) -> None:
        c, i, j = step["out"]
        number = self.outputs[c].fill_in(i, j, step["value"])
        anims: list[Animation] = []
        if self.mode == "max":
            r, q = step["argmax"]
            anims.append(TransformFromCopy(self.inputs[c].number_at(r, q), number))
            index = self.indices[c].fill_in(i, j, self.trace.tensors["indices"][c][i][j])
            anims.append(fade_in(index))
        else:
            anims.append(fade_in(number))
        self.play(*anims, run_time=run_time)

    def _show_line(self, step: PoolStep) -> None:
        line = self.texts.fitted(
            self._line_text(step),
            config.frame_width - 2 * SIDE_MARGIN,
            LABEL_FONT_SIZE,
            self.theme.text,
        )
        self.caption.place_above(line, 0.3)
        self.lines.append(line)
        self.play(Write(line), run_time=0.7)
        self._fill(step, 0.6)
        self.wait(0.4)
        self.play(fade_out(line), run_time=0.25)
