"""The convolution scene: one class for the whole conv family, drawn from a conv2d trace.

Every number comes from the trace: the input (with its padding), the kernels, each
window's products and the output. Positions are derived from the grids' sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    Mobject,
    ReplacementTransform,
    Square,
    Text,
    TransformFromCopy,
    VGroup,
    Write,
    config,
)

from explain.mlcore.conv import ConvExtra, ConvStep
from explain.scenes.kit.base import LABEL_FONT_SIZE, TraceScene, shape_text, shrink_to_fit
from explain.scenes.kit.layout import GRID_BANDS
from explain.scenes.kit.motion import fade_in, fade_out
from explain.scenes.kit.widgets.numbers import format_number
from explain.scenes.kit.widgets.sliding_window import cell_outline, move_window, window_marks
from explain.scenes.kit.widgets.tensor_grid import TensorGrid

# Room kept free for the title (top) and for the product line and caption (bottom).
TOP_RESERVED, BOTTOM_RESERVED, SIDE_MARGIN = GRID_BANDS  # title, caption, sides
MAX_CELL = 0.72
GAP_CELLS = 0.6  # between grids of one group, in cells
COLUMN_GAP = 0.9  # between input, kernel and output groups, in scene units
OPERATOR_FONT_SIZE = 36  # the "∗" and "=" between input, kernel and output
OPERATOR_WIDTH = 0.35
DETAILED_STEPS = 2  # windows whose products are written out
FAST_PART_SECONDS = 6.0  # the remaining windows share about this much time
PRODUCT_TERMS_MAX = 9  # longer multiply-accumulates are shown per channel


@dataclass(frozen=True)
class ConvLayout:
    """Cell size and arrangement for a trace's tensors."""

    cell: float
    channels_in_row: bool  # several input channels: side by side, kernels beneath


def conv_layout(channels: int, out_channels: int, padded: int, kernel: int, out: int) -> ConvLayout:
    """The largest cell size at which every grid fits between title and captions."""
    avail_w = config.frame_width - 2 * SIDE_MARGIN
    avail_h = config.frame_height - TOP_RESERVED - BOTTOM_RESERVED - 0.5  # labels
    out_h = out_channels * out + (out_channels - 1) * GAP_CELLS
    if channels == 1:
        width_cells = padded + kernel + out
        w_cell = (avail_w - 2 * COLUMN_GAP - 2 * OPERATOR_WIDTH) / width_cells
        h_cell = avail_h / max(padded, out_h, kernel)
        return ConvLayout(min(w_cell, h_cell, MAX_CELL), channels_in_row=False)
    row_cells = channels * padded + (channels - 1) * GAP_CELLS
    w_cell = (avail_w - COLUMN_GAP) / (row_cells + out)
    h_cell = (avail_h - 0.45) / max(padded + kernel + 2 * GAP_CELLS, out_h)
    return ConvLayout(min(w_cell, h_cell, MAX_CELL), channels_in_row=True)


class ConvScene(TraceScene):
    """Input (padding marked), kernel, the sliding window, and the output filling in."""

    def construct(self) -> None:
        self._make_grids()
        self._introduce(*self._arrange())
        self._slide_window()
        self.play(fade_out(self.window), fade_out(self.out_mark), run_time=0.3)
        self._show_formula()
        output_shape = shape_text(self.trace.array("output").shape)
        self.say(self.tr("conv.outro", output_shape=output_shape), hold=1.5)

    # --- the steps --------------------------------------------------------------------
    def _make_grids(self) -> None:
        """Input channels (padding muted), the first kernel set and empty outputs."""
        trace, theme = self.trace, self.theme
        padded = trace.array("padded")  # (C, Hp, Wp)
        weight = trace.array("weight")  # (O, C, k, k)
        output = trace.array("output")  # (O, Ho, Wo)
        c_in, hp, wp = padded.shape
        c_out, _, k, _ = weight.shape
        _, ho, wo = output.shape
        self.layout = conv_layout(c_in, c_out, hp, k, ho)
        cell = self.layout.cell
        muted = trace.tensors["padding_mask"]  # (Hp, Wp)
        self.inputs = [
            TensorGrid(hp, wp, cell, theme, self.texts, theme.input_fill, padded[ch], muted)
            for ch in range(c_in)
        ]
        self.kernels = [
            TensorGrid(
                k,
                k,
                cell,
                theme,
                self.texts,
                theme.weight_fill,
                weight[0, ch],
                widest=max((format_number(v) for v in weight.flat), key=len),
            )
            for ch in range(c_in)
        ]
        steps = trace.steps_as(ConvStep)
        widest_out = max((format_number(s["value"]) for s in steps), key=len)
        self.outputs = [
            TensorGrid(ho, wo, cell, theme, self.texts, theme.output_fill, widest=widest_out)
            for _ in range(c_out)
        ]

    def _arrange(self) -> tuple[VGroup, list[VGroup], list[VGroup], list[VGroup], VGroup]:
        """Labelled grids laid out in the body band: (operators, inputs, kernels, outputs,
        body)."""
        c_in, c_out, cell = len(self.inputs), len(self.outputs), self.layout.cell
        input_label = self.tr("conv.padded_input" if self.trace.params["padding"] else "conv.input")
        # Side by side, a channel's label is no wider than its grid and the gap after it,
        # so that neighbouring labels do not run into each other.
        room = (
            self.inputs[0].width + GAP_CELLS * cell
            if self.layout.channels_in_row
            else config.frame_width
        )
        in_blocks = [
            g.labelled(self._grid_label(self._channel_label(input_label, ch, c_in), room))
            for ch, g in enumerate(self.inputs)
        ]
        self.kernel_labels = [
            self._grid_label(self._kernel_label(0, ch, c_in), room) for ch in range(c_in)
        ]
        k_blocks = [g.labelled(lbl) for g, lbl in zip(self.kernels, self.kernel_labels)]
        out_blocks = [
            g.labelled(self.label(self._out_label(o, c_out))) for o, g in enumerate(self.outputs)
        ]
        operators = VGroup()  # "∗" and "=" between the grids, in the one-channel layout
        outputs_group = VGroup(*out_blocks).arrange(DOWN, buff=GAP_CELLS * cell)
        if self.layout.channels_in_row:
            inputs_group = VGroup(*in_blocks).arrange(RIGHT, buff=GAP_CELLS * cell)
            for kb, ib in zip(k_blocks, in_blocks):
                kb.next_to(ib, DOWN, buff=GAP_CELLS * cell)
            left = VGroup(inputs_group, *k_blocks)
            body = VGroup(left, outputs_group).arrange(RIGHT, buff=COLUMN_GAP)
        else:
            star, equals = (
                self.label(op, OPERATOR_FONT_SIZE, self.theme.text) for op in ("∗", "=")
            )
            operators.add(star, equals)
            body = VGroup(in_blocks[0], star, k_blocks[0], equals, outputs_group)
            body.arrange(RIGHT, buff=COLUMN_GAP / 2)
        # conv_layout sizes the cells from the grids alone; the labels above them ("input,
        # padded, channel 0") can be wider than a small grid, and several channels side
        # by side then ran off both edges of the frame.
        shrink_to_fit(
            body,
            config.frame_width - 2 * SIDE_MARGIN,
            config.frame_height - TOP_RESERVED - BOTTOM_RESERVED,
        )
        body.move_to((0.0, (BOTTOM_RESERVED - TOP_RESERVED) / 2, 0.0))
        return operators, in_blocks, k_blocks, out_blocks, body

    def _introduce(
        self,
        operators: VGroup,
        in_blocks: list[VGroup],
        k_blocks: list[VGroup],
        out_blocks: list[VGroup],
        body: VGroup,
    ) -> None:
        """Title and grids fade in; the shapes and the padding are named."""
        trace = self.trace
        weight, c_in, c_out = trace.array("weight"), len(self.inputs), len(self.outputs)
        weight_shape: Mobject = VGroup()
        if c_out > 1 or c_in > 1:
            weight_shape = self.label(f"{self.tr('conv.weight')} {shape_text(weight.shape)}")
            anchor = k_blocks[-1] if self.layout.channels_in_row else k_blocks[0]
            weight_shape.next_to(anchor, DOWN, buff=0.15)
        title = self.title(self._title())
        self.play(
            fade_in(title),
            *[fade_in(b) for b in (*in_blocks, *k_blocks, *out_blocks)],
            fade_in(operators),
            fade_in(weight_shape),
            run_time=0.8,
        )
        shapes = {
            "input_shape": shape_text(trace.array("input").shape),
            "weight_shape": shape_text(weight.shape),
            "output_shape": shape_text(trace.array("output").shape),
        }
        self.say(self.tr("conv.intro", **shapes), hold=1.2)
        if trace.params["padding"]:
            self.say(self.tr("conv.intro.padding", padding=trace.params["padding"]), hold=1.0)

    def _slide_window(self) -> None:
        """The window visits every output cell: the first few written out, then fast."""
        steps, stride = self.trace.steps_as(ConvStep), self.trace.params["stride"]
        c_in = len(self.inputs)
        self.window = self._window_marks(steps[0]["taps"])
        self.out_mark = self._out_mark(0, 0, 0)
        self.play(fade_in(self.window), fade_in(self.out_mark), run_time=0.4)
        first_caption = "conv.step.channels" if c_in > 1 else "conv.step.mac"
        self.say(self.tr(first_caption, channels=c_in))
        fast_time = float(
            np.clip(FAST_PART_SECONDS / max(1, len(steps) - DETAILED_STEPS), 0.1, 0.45)
        )
        kernel_set = 0
        for n, step in enumerate(steps):
            o, i, j = step["out"]
            if o != kernel_set:
                kernel_set = o
                self._swap_kernels(o, self.kernel_labels)
            if n == DETAILED_STEPS and stride > 1:
                self.say(self.tr("conv.step.stride", stride=stride))
            elif n == DETAILED_STEPS:
                self.say(self.tr("conv.step.fast"))
            self._move_marks(step)
            if n < DETAILED_STEPS:
                self._show_products(step)
            else:
                number = self.outputs[o].fill_in(i, j, step["value"])
                self.play(fade_in(number), run_time=fast_time)

    # --- labels -----------------------------------------------------------------------
    def _title(self) -> str:
        prm = self.trace.params
        parts = [self.tr("conv.title")]
        if prm["in_channels"] > 1:
            parts = [self.tr("conv.title.multichannel", channels=prm["in_channels"])]
        for key in ("stride", "padding", "dilation"):
            default = 0 if key == "padding" else 1
            if prm[key] != default:
                parts.append(self.tr(f"conv.opt.{key}", **{key: prm[key]}))
        return " · ".join(parts)

    def _grid_label(self, content: str, room: float) -> Text:
        return self.texts.fitted(content, room, LABEL_FONT_SIZE, self.theme.muted)

    def _channel_label(self, name: str, ch: int, channels: int) -> str:
        return f"{name}, {self.tr('conv.channel', c=ch)}" if channels > 1 else name

    def _kernel_label(self, o: int, ch: int, channels: int) -> str:
        name = self.tr("conv.kernel")
        if channels > 1 or self.trace.params["out_channels"] > 1:
            return f"{name} [{o}, {ch}]"
        return name

    def _out_label(self, o: int, out_channels: int) -> str:
        name = self.tr("conv.output")
        return f"{name}, {self.tr('conv.channel', c=o)}" if out_channels > 1 else name

    # --- marks ------------------------------------------------------------------------
    def _window_marks(self, taps: list[list[int]]) -> VGroup:
        """Outlines on every input cell under the kernel, in every input channel."""
        return window_marks(self.inputs, taps, self.theme.highlight)

    def _outline(self, target: Square, size: float) -> Square:
        return cell_outline(target, size, self.theme.highlight)

    def _out_mark(self, o: int, i: int, j: int) -> Square:
        grid = self.outputs[o]
        return self._outline(grid.cell(i, j), grid.cell_size)

    def _move_marks(self, step: ConvStep) -> None:
        o, i, j = step["out"]
        anims = move_window(
            self.window, self.out_mark, self.inputs[0], step["taps"][0], self.outputs[o], (i, j)
        )
        self.play(*anims, run_time=0.25)

    def _swap_kernels(self, o: int, labels: list[Text]) -> None:
        """Show kernel set ``o`` of the weight: it produces output channel ``o``."""
        weight = self.trace.array("weight")  # (O, C, k, k)
        anims = []
        for ch, grid in enumerate(self.kernels):
            for old, new in grid.replace_numbers(weight[o, ch].tolist()):
                anims.append(ReplacementTransform(old, new))
            new_label = self.label(self._kernel_label(o, ch, len(self.kernels))).move_to(labels[ch])
            anims.append(ReplacementTransform(labels[ch], new_label))
            labels[ch] = new_label
        self.play(*anims, run_time=0.6)
        self.say(self.tr("conv.step.next_kernel", o=o))

    # --- the arithmetic ---------------------------------------------------------------
    def _product_line(self, step: ConvStep) -> str:
        inputs, products = step["inputs"], step["products"]  # (C, k*k) each
        weight = self.trace.array("weight")[step["out"][0]].reshape(len(inputs), -1)  # (C, k*k)
        n_terms = sum(len(row) for row in products)
        if n_terms <= PRODUCT_TERMS_MAX:
            terms = [
                f"{format_number(x)}·{_paren(format_number(w))}"
                for ch in range(len(inputs))
                for x, w in zip(inputs[ch], weight[ch])
            ]
        else:
            terms = [
                f"Σ{self.tr('conv.channel', c=ch)} {_paren(format_number(s))}"
                for ch, s in enumerate(step["channel_sums"])
            ]
        if self.trace.params["bias"]:
            terms.append(f"b {_paren(format_number(step['bias']))}")
        return " + ".join(terms) + " = " + format_number(step["value"])

    def _show_products(self, step: ConvStep) -> None:
        o, i, j = step["out"]
        line = self.texts.fitted(
            self._product_line(step),
            config.frame_width - 2 * SIDE_MARGIN,
            LABEL_FONT_SIZE,
            self.theme.text,
        )
        self.caption.place_above(line, 0.3)
        result_glyphs = len(format_number(step["value"]))  # the line ends with the value
        self.play(Write(line), run_time=0.9)
        number = self.outputs[o].fill_in(i, j, step["value"])
        self.play(TransformFromCopy(line[-result_glyphs:], number), run_time=0.6)
        self.wait(0.4)
        self.play(fade_out(line), run_time=0.25)

    def _show_formula(self) -> None:
        size = self.trace.extra_as(ConvExtra)["size"]
        general = self.label(self.tr("conv.formula"), color=self.theme.text)
        values = self.label(
            self.tr(
                "conv.formula.values",
                i=size["input"],
                p=size["padding"],
                d=size["dilation"],
                k=size["kernel"],
                s=size["stride"],
                o=size["output"],
            ),
            color=self.theme.accent,
        )
        formula = VGroup(general, values).arrange(RIGHT, buff=0.2)
        if formula.width > config.frame_width - 2 * SIDE_MARGIN:
            formula.arrange(DOWN, aligned_edge=LEFT, buff=0.1)
            formula.scale_to_fit_width(min(formula.width, config.frame_width - 2 * SIDE_MARGIN))
        self.caption.place_above(formula, 0.3)
        self.play(fade_in(formula), run_time=0.6)


def _paren(number: str) -> str:
    """Negative factors in parentheses so that '3·(−1)' reads as a product."""
    return f"({number})" if number.startswith("\u2212") else number
