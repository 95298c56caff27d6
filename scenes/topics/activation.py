"""Activation functions and why a network needs one, drawn from an activation trace.

First sigmoid, tanh and ReLU as curves through the traced values; then two stacked
linear layers, whose output is the straight line of one layer with the composed weight
and bias (both read from the trace), beside the same layers with an activation between
them, whose output bends.
"""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    DashedVMobject,
    Text,
    VGroup,
    config,
)

from explain.mlcore.activation import ActivationStep
from explain.scenes.kit.base import LABEL_FONT_SIZE, TraceScene, shrink_to_fit
from explain.scenes.kit.layout import CURVE_BANDS
from explain.scenes.kit.motion import fade_in, fade_out
from explain.scenes.kit.widgets.line_axes import PlotAxes, nice_range
from explain.scenes.kit.widgets.numbers import format_number

TOP_RESERVED, BOTTOM_RESERVED, SIDE_MARGIN = CURVE_BANDS  # title, caption, sides
PLOT_GAP = 0.7
SMALL_PLOT = (3.6, 2.8)  # width, height of each activation plot
WIDE_PLOT = (5.6, 2.8)  # the two network plots
Y_PAD = 0.1  # fraction of a curve's value range added above and below
CURVE_NAMES = ("sigmoid", "tanh", "relu")
DASHES = 28


def _range(values: list[float]) -> tuple[float, float]:
    """A plot's y range: the values (and 0) with a little room."""
    lo, hi = min(min(values), 0.0), max(max(values), 0.0)
    pad = (hi - lo) * Y_PAD or 1.0
    return lo - pad, hi + pad


class ActivationScene(TraceScene):
    """Three activation curves, then the collapse of two linear layers into one."""

    def construct(self) -> None:
        title = self.title(self.tr("activation.title"))
        self.play(fade_in(title), run_time=0.5)
        self._curves()
        self._collapse()

    def _plot(self, ys: list[list[float]], size: tuple[float, float], y_key: str) -> PlotAxes:
        xs = self.trace.tensors["x"]
        lo, hi = _range([v for y in ys for v in y])
        return PlotAxes(
            nice_range(xs[0], xs[-1], 4),
            nice_range(lo, hi, 4),
            size[0],
            size[1],
            self.theme,
            self.texts,
            x_label=self.tr("activation.axis.x"),
            y_label=self.tr(y_key),
        )

    def _row(self, blocks: list[VGroup]) -> VGroup:
        row = VGroup(*blocks).arrange(RIGHT, buff=PLOT_GAP, aligned_edge=UP)
        row.move_to((0.0, (BOTTOM_RESERVED - TOP_RESERVED) / 2, 0.0))
        return shrink_to_fit(row, config.frame_width - 2 * SIDE_MARGIN)

    # --- part 1: the three functions ------------------------------------------------------
    def _curves(self) -> None:
        t = self.trace.tensors
        xs = t["x"]
        plots = [self._plot([t[name]], SMALL_PLOT, "activation.axis.f") for name in CURVE_NAMES]
        names = [
            self.label(self.tr(f"activation.name.{name}"), color=self.theme.text)
            for name in CURVE_NAMES
        ]
        blocks = [VGroup(n.next_to(p, UP, buff=0.2), p) for n, p in zip(names, plots)]
        self._row(blocks)
        curves = [
            p.polyline(xs, t[name], self.theme.output_ink) for p, name in zip(plots, CURVE_NAMES)
        ]
        self.play(*[fade_in(b) for b in blocks], run_time=0.6)
        self.say(self.tr("activation.intro", n=len(xs)))
        self.play(*[Create(c) for c in curves], run_time=1.5)
        # One traced value on each curve, written beside its dot.
        self.probe_texts: dict[str, Text] = {}
        marks = VGroup()
        for plot, step in zip(plots, self.trace.steps_as(ActivationStep)):
            dot = plot.dot(step["x"], step["value"], self.theme.highlight)
            text = self.label(
                self.tr(
                    f"activation.probe.{step['name']}",
                    x=format_number(step["x"]),
                    value=format_number(step["value"]),
                ),
                color=self.theme.highlight,
            )
            text.next_to(plot, DOWN, buff=0.25)
            self.probe_texts[step["name"]] = text
            marks.add(dot, text)
        self.play(fade_in(marks), run_time=0.6)
        self.say(self.tr("activation.step.ranges"), hold=2.0)
        self.play(*[fade_out(m) for m in (*blocks, *curves, marks)], run_time=0.5)

    # --- part 2: linear layers collapse -----------------------------------------------------
    def _collapse(self) -> None:
        t = self.trace.tensors
        xs = t["x"]
        between = self.trace.params["between"]
        curves = [t["stacked"], t["composed"], t["bent"]]
        # Each plot scaled to its own curves, so that the bends on the right are visible.
        left = self._plot(curves[:2], WIDE_PLOT, "activation.axis.out")
        right = self._plot(curves[2:], WIDE_PLOT, "activation.axis.out")
        left_name = self.label(self.tr("activation.net.linear"), color=self.theme.text)
        right_name = self.label(
            self.tr("activation.net.between", act=self.tr(f"activation.short.{between}")),
            color=self.theme.text,
        )
        blocks = [
            VGroup(left_name.next_to(left, UP, buff=0.2), left),
            VGroup(right_name.next_to(right, UP, buff=0.2), right),
        ]
        row = self._row(blocks)
        weights = self._weights_line()
        weights.next_to(row, UP, buff=0.3)
        self.weights_text = weights
        self.play(*[fade_in(b) for b in blocks], fade_in(weights), run_time=0.6)
        self.say(self.tr("activation.step.layers", h=len(t["b1"])))

        stacked = left.polyline(xs, t["stacked"], self.theme.output_ink)
        self.play(Create(stacked), run_time=1.0)
        composed = DashedVMobject(
            left.polyline(xs, t["composed"], self.theme.highlight), num_dashes=DASHES
        )
        self.composed_texts = [
            self.label(
                self.tr("activation.composed.w", w=format_number(t["composed_weight"][0][0])),
                color=self.theme.highlight,
            ),
            self.label(
                self.tr("activation.composed.b", b=format_number(t["composed_bias"][0])),
                color=self.theme.highlight,
            ),
        ]
        formula = VGroup(*self.composed_texts).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        formula.next_to(left, DOWN, buff=0.2)
        self.play(Create(composed), fade_in(formula), run_time=1.2)
        self.say(self.tr("activation.step.collapse"), hold=2.0)

        bent = right.polyline(xs, t["bent"], self.theme.output_ink)
        self.play(Create(bent), run_time=1.2)
        note = self.label(self.tr("activation.bent.note"), color=self.theme.muted)
        note.next_to(right, DOWN, buff=0.2)
        self.play(fade_in(note), run_time=0.4)
        self.say(self.tr("activation.outro", act=self.tr(f"activation.short.{between}")), hold=2.0)

    def _weights_line(self) -> Text:
        t = self.trace.tensors

        def vec(values: list[float]) -> str:
            return "[" + ", ".join(format_number(v) for v in values) + "]"

        content = self.tr(
            "activation.weights",
            w1=vec([row[0] for row in t["w1"]]),
            b1=vec(t["b1"]),
            w2=vec(t["w2"][0]),
            b2=format_number(t["b2"][0]),
        )
        return self.texts.fitted(
            content, config.frame_width - 2 * SIDE_MARGIN, LABEL_FONT_SIZE, self.theme.weight_ink
        )
