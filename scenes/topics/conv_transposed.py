"""Transposed convolution drawn from its trace: zeros go in, the kernel turns, a convolution runs.

As in the convolution-arithmetic figures: the input cells move apart onto a grid of
zeros (inserted between them for stride > 1 and around them for the border), the kernel
is turned by 180°, and an ordinary stride-1 convolution over that grid fills the output.
"""

from __future__ import annotations

from typing import Any

from manim import (
    RIGHT,
    Animation,
    ReplacementTransform,
    TransformFromCopy,
    VGroup,
    VMobject,
    Write,
    config,
)

from explain.mlcore.conv import ConvStep
from explain.mlcore.conv_transposed import ConvTransposedExtra
from explain.scenes.kit.base import LABEL_FONT_SIZE, TraceScene, shape_text
from explain.scenes.kit.layout import GRID_BANDS
from explain.scenes.kit.motion import fade_in, fade_out
from explain.scenes.kit.widgets.numbers import format_number
from explain.scenes.kit.widgets.sliding_window import cell_outline, move_window, window_marks
from explain.scenes.kit.widgets.tensor_grid import TensorGrid

TOP_RESERVED, BOTTOM_RESERVED, SIDE_MARGIN = GRID_BANDS  # title, caption, sides
MAX_CELL = 0.72
COLUMN_GAP = 0.8  # between input, zero-stuffed grid, kernel and output, in scene units
LABEL_ROOM = 0.5
DETAILED_STEPS = 2  # windows whose products are written out
FAST_PART_SECONDS = 6.0  # the remaining windows share about this much time


class ConvTransposedScene(TraceScene):
    """Input → zero-stuffed grid, kernel → turned kernel, then the sliding window."""

    def construct(self) -> None:
        blocks = self._make_grids()
        self._introduce(blocks)
        self._stuff_zeros(blocks[1])
        self._flip_kernel(self.kernel_label)
        self.say(self.tr("convt.flip"), hold=0.8)
        self._slide_window()
        self.play(fade_out(self.window), fade_out(self.out_mark), run_time=0.3)
        self._show_formula()
        output_shape = shape_text(self.trace.array("output").shape)
        self.say(self.tr("convt.outro", output_shape=output_shape), hold=1.5)

    # --- the steps ----------------------------------------------------------------------
    def _make_grids(self) -> VGroup:
        """Input, the (still empty) zero-stuffed grid, kernel and output, labelled in a row."""
        trace, theme = self.trace, self.theme
        x = trace.array("input")[0]  # (H, W)
        w = trace.array("weight")[0, 0]  # (k, k)
        s_n = trace.array("stretched").shape[0]  # Hs
        n, k, o = x.shape[0], w.shape[0], trace.array("output").shape[-1]
        avail_w = config.frame_width - 2 * SIDE_MARGIN - 3 * COLUMN_GAP
        avail_h = config.frame_height - TOP_RESERVED - BOTTOM_RESERVED - LABEL_ROOM
        self.cell = cell = min(MAX_CELL, avail_w / (n + s_n + k + o), avail_h / max(s_n, o))
        self.input = TensorGrid(n, n, cell, theme, self.texts, theme.input_fill, x)
        self.stretched = TensorGrid(s_n, s_n, cell, theme, self.texts, theme.input_fill)
        self.kernel = TensorGrid(k, k, cell, theme, self.texts, theme.weight_fill, w)
        self.output = TensorGrid(o, o, cell, theme, self.texts, theme.output_fill)
        self.kernel_label = self.label(self.tr("convt.kernel"))
        blocks = VGroup(
            self.input.labelled(self.label(self.tr("convt.input"))),
            self.stretched.labelled(self.label(self.tr("convt.stretched"))),
            self.kernel.labelled(self.kernel_label),
            self.output.labelled(self.label(self.tr("convt.output"))),
        ).arrange(RIGHT, buff=COLUMN_GAP)
        blocks.move_to((0.0, (BOTTOM_RESERVED - TOP_RESERVED) / 2, 0.0))
        return blocks

    def _introduce(self, blocks: VGroup) -> None:
        prm, trace = self.trace.params, self.trace
        title = self.title(self._title())
        self.play(
            fade_in(title), fade_in(blocks[0]), fade_in(blocks[2]), fade_in(blocks[3]), run_time=0.8
        )
        self.say(
            self.tr(
                "convt.intro",
                input_shape=shape_text(trace.array("input").shape),
                k=self.kernel.rows,
                stride=prm["stride"],
                output_shape=shape_text(trace.array("output").shape),
            ),
            hold=1.2,
        )

    def _stuff_zeros(self, stretched_block: VMobject) -> None:
        """The input cells move onto the zero grid; the zeros (grey) appear around them."""
        prm, theme = self.trace.params, self.theme
        extra = self.trace.extra_as(ConvTransposedExtra)
        stretched = self.trace.tensors["stretched"]  # (Hs, Ws)
        is_input = self.trace.tensors["is_input"]  # (Hs, Ws) bools
        if prm["stride"] > 1:
            self.say(self.tr("convt.insert", stride=prm["stride"], gap=prm["stride"] - 1))
        else:
            self.say(self.tr("convt.insert.none"))
        moves: list[Animation] = [fade_in(stretched_block[0]), fade_in(self.stretched.cells)]
        zeros = VGroup()
        for r, row in enumerate(stretched):
            for c, value in enumerate(row):
                number = self.stretched.fill_in(r, c, value)
                if not is_input[r][c]:
                    self.stretched.cell(r, c).set_fill(theme.padding_fill)
                    number.set_color(theme.muted)
                    zeros.add(number)
        for (r, c), (row, col) in extra["arrivals"]:
            target = self.stretched.number_at(row, col)
            moves.append(TransformFromCopy(self.input.number_at(r, c), target))
        self.play(*moves, run_time=1.0)
        self.play(fade_in(zeros), run_time=0.6)
        edge, k = extra["size"]["edge"], self.kernel.rows
        self.say(self.tr("convt.edge", edge=edge, k=k, p=prm["padding"]), hold=1.0)
        if prm["output_padding"]:
            self.say(self.tr("convt.output_padding", op=prm["output_padding"]), hold=1.0)

    def _slide_window(self) -> None:
        """The stride-1 window visits every output cell: two written out, then fast."""
        steps, theme = self.trace.steps_as(ConvStep), self.theme
        self.window = window_marks([self.stretched], steps[0]["taps"], theme.highlight)
        self.out_mark = cell_outline(self.output.cell(0, 0), self.cell, theme.highlight)
        self.play(fade_in(self.window), fade_in(self.out_mark), run_time=0.4)
        self.say(self.tr("convt.step"))
        self.lines: list[str] = []
        fast_time = min(0.45, max(0.12, FAST_PART_SECONDS / max(1, len(steps) - DETAILED_STEPS)))
        for m, step in enumerate(steps):
            _, i, j = step["out"]
            if m == DETAILED_STEPS:
                self.say(self.tr("convt.step.fast"))
            anims = move_window(
                self.window, self.out_mark, self.stretched, step["taps"][0], self.output, (i, j)
            )
            if m < DETAILED_STEPS:
                self.play(*anims, run_time=0.3)
                self._show_products(step)
            else:
                number = self.output.fill_in(i, j, step["value"])
                self.play(*anims, fade_in(number), run_time=fast_time)

    def _show_formula(self) -> None:
        size = self.trace.extra_as(ConvTransposedExtra)["size"]
        formula = self.texts.fitted(
            self.tr(
                "convt.formula",
                i=size["input"],
                s=size["stride"],
                p=size["padding"],
                k=size["kernel"],
                op=size["output_padding"],
                o=size["output"],
            ),
            config.frame_width - 2 * SIDE_MARGIN,
            LABEL_FONT_SIZE,
            self.theme.accent,
        )
        self.caption.place_above(formula, 0.3)
        self.formula = formula
        self.play(fade_in(formula), run_time=0.5)

    # --- pieces -------------------------------------------------------------------------
    def _title(self) -> str:
        prm = self.trace.params
        parts = [self.tr("convt.title", stride=prm["stride"])]
        for key in ("padding", "output_padding"):
            if prm[key]:
                parts.append(self.tr(f"convt.opt.{key}", **{key: prm[key]}))
        return " · ".join(parts)

    def _flip_kernel(self, label: Any) -> None:
        """Each kernel number moves to the cell opposite the centre: the recorded flipped kernel."""
        flipped = self.trace.tensors["flipped"]  # (k, k)
        moves = self.trace.extra_as(ConvTransposedExtra)["flip"]
        anims: list[Animation] = [
            ReplacementTransform(old, new, path_arc=3.14159)
            for old, new in self.kernel.move_numbers(moves, flipped)
        ]
        new_label = self.label(self.tr("convt.flipped")).move_to(label)
        anims.append(ReplacementTransform(label, new_label))
        self.play(*anims, run_time=1.2)

    def _product_line(self, step: ConvStep) -> str:
        """Products of the window's non-zero input cells (the zeros add nothing)."""
        flipped = [v for row in self.trace.tensors["flipped"] for v in row]  # (k*k,)
        terms = [
            f"{format_number(x)}·{_paren(format_number(w))}"
            for x, w in zip(step["inputs"][0], flipped)  # the one channel's (k*k,)
            if x != 0
        ]
        body = " + ".join(terms) if terms else "0"
        return f"{body} = {format_number(step['value'])}"

    def _show_products(self, step: ConvStep) -> None:
        _, i, j = step["out"]
        text = self._product_line(step)
        self.lines.append(text)
        line = self.texts.fitted(
            text, config.frame_width - 2 * SIDE_MARGIN, LABEL_FONT_SIZE, self.theme.text
        )
        self.caption.place_above(line, 0.3)
        glyphs = len(format_number(step["value"]))
        self.play(Write(line), run_time=0.8)
        number = self.output.fill_in(i, j, step["value"])
        self.play(TransformFromCopy(line[-glyphs:], number), run_time=0.5)
        self.wait(0.3)
        self.play(fade_out(line), run_time=0.25)


def _paren(number: str) -> str:
    return f"({number})" if number.startswith("\u2212") else number
