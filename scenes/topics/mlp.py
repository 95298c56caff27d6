"""The course's MNIST MLP on real digits, drawn from an mlp trace.

Four parts: ``x.view(-1, 784)`` (the image's rows laid end to end, a few of the numbers
the network reads), the layers, the training run (loss and test accuracy per epoch) and
a few test images with their softmax bars and predicted digit. Every number is read from
the trace; the scene only lays things out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Group,
    Line,
    Mobject,
    Rectangle,
    ReplacementTransform,
    VGroup,
    config,
)

from explain.mlcore.mlp import MlpExtra
from explain.scenes.kit.base import TraceScene, shape_text, shrink_to_fit
from explain.scenes.kit.motion import fade_in, fade_out
from explain.scenes.kit.widgets.heatmap import HeatMap
from explain.scenes.kit.widgets.line_axes import PlotAxes, nice_range
from explain.scenes.kit.widgets.numbers import format_number

SIDE_MARGIN = 0.45
MIDDLE_Y = -0.05  # centre of the space between the title and the caption
IMAGE_HEIGHT = 2.4
STRIP_WIDTH = 12.4  # the 784 numbers in one row
STRIP_HEIGHT = 0.32
ZOOM_ROW, ZOOM_FROM, ZOOM_COUNT = 14, 10, 8  # which pixels' numbers are written out
ZOOM_FONT = 20
LABEL_FONT = 20
SMALL_FONT = 16
LAYER_BOX_HEIGHT = 0.7
PLOT_WIDTH, PLOT_HEIGHT = 5.0, 2.9
TEST_IMAGE_HEIGHT = 1.45
BAR_WIDTH, BAR_GAP, BAR_MAX = 0.16, 0.07, 1.3  # the ten softmax bars of one test image
PART_HOLD = 1.6


class MlpScene(TraceScene):
    """Image -> row of 784 numbers -> Linear/ReLU stack -> training curves -> predictions."""

    def construct(self) -> None:
        title = self.title(self.tr("mlp.title"))
        source = self.label(self._data_text(), SMALL_FONT).next_to(title, DOWN, buff=0.08)
        self.play(fade_in(title), fade_in(source), run_time=0.6)
        for part in (self._view_part, self._layers_part, self._curves_part):
            shown = part()
            self.play(fade_out(shown), run_time=0.5)
        self._tests_part()  # stays for the last caption
        right = sum(
            int(p == y)
            for p, y in zip(self.trace.tensors["predicted"], self.trace.tensors["labels"])
        )
        self.say(self.tr("mlp.outro", right=right, n=len(self.trace.tensors["labels"])), hold=1.5)

    def _data_text(self) -> str:
        info = self.trace.extra_as(MlpExtra)["data"]
        if info["source"] == "mnist":
            return self.tr("mlp.data.mnist", **info)
        return self.tr("mlp.data.digits", train=info["train"], test=info["test"])

    # --- x.view(-1, 784) ------------------------------------------------------------------

    def _view_part(self) -> Mobject:
        image = self.trace.array("images")[0]  # (28, 28) in 0..1
        flat = self.trace.array("flat")  # (784,) normalised, as the network reads it
        side = image.shape[0]
        picture = HeatMap(image, IMAGE_HEIGHT, signed=False)
        picture.move_to((-3.2, MIDDLE_Y + 1.15, 0.0))
        pic_label = self.label(shape_text([1, side, side]), LABEL_FONT, self.theme.input_ink)
        pic_label.next_to(picture, LEFT, buff=0.2)
        strip = HeatMap(flat.reshape(1, -1), STRIP_HEIGHT, signed=False)
        strip.stretch_to_fit_width(STRIP_WIDTH).move_to((0.0, MIDDLE_Y - 0.95, 0.0))
        strip_label = self.label(shape_text([1, flat.size]), LABEL_FONT, self.theme.input_ink)
        strip_label.next_to(strip, UP, buff=0.12).align_to(strip, LEFT)
        below = np.array([picture.get_x(), strip.get_top()[1], 0.0])
        arrow = Arrow(picture.get_bottom(), below, buff=0.05, color=self.theme.muted)
        code = self.texts.text("x.view(-1, 784)", LABEL_FONT + 4, self.theme.accent)
        code.next_to(picture, RIGHT, buff=0.8)
        self.play(fade_in(picture), fade_in(pic_label), run_time=0.6)
        self.say(self.tr("mlp.image", label=int(self.trace.tensors["labels"][0])), hold=0.6)
        self.play(fade_in(code), fade_in(arrow), fade_in(strip), fade_in(strip_label), run_time=0.8)
        self.say(self.tr("mlp.view", n=flat.size, side=side), hold=1.2)
        row_box, segment = self._row_marks(picture, strip, side)
        self.play(fade_in(row_box), run_time=0.4)
        # The row's outline travels to its 28 numbers in the strip and stretches over them.
        self.play(ReplacementTransform(row_box.copy(), segment), run_time=1.0)
        marks = VGroup(row_box, segment)
        zoom = self._zoom(flat, strip, side)
        self.play(fade_in(zoom), run_time=0.6)
        norm = self.trace.extra_as(MlpExtra)["normalize"]
        first = ZOOM_ROW * side + ZOOM_FROM
        self.say(
            self.tr(
                "mlp.numbers",
                a=first,
                b=first + ZOOM_COUNT - 1,
                row=ZOOM_ROW,
                mean=norm["mean"],
                std=norm["std"],
            ),
            hold=PART_HOLD,
        )
        return Group(picture, pic_label, strip, strip_label, code, arrow, marks, zoom)

    def _row_marks(
        self, picture: Mobject, strip: Mobject, side: int
    ) -> tuple[Rectangle, Rectangle]:
        """Row ZOOM_ROW of the image and its 28 numbers in the strip, outlined alike."""
        px = picture.height / side
        row_box = Rectangle(width=picture.width, height=px, color=self.theme.highlight)
        row_box.move_to(picture.get_top() + DOWN * px * (ZOOM_ROW + 0.5))
        unit = strip.width / (side * side)
        seg = Rectangle(width=unit * side, height=strip.height + 0.08, color=self.theme.highlight)
        seg.move_to(strip.get_left() + RIGHT * unit * side * (ZOOM_ROW + 0.5))
        return row_box, seg

    def _zoom(self, flat: np.ndarray, strip: Mobject, side: int) -> VGroup:
        first = ZOOM_ROW * side + ZOOM_FROM
        cells = VGroup()
        for k in range(first, first + ZOOM_COUNT):
            value = self.texts.text(format_number(float(flat[k])), ZOOM_FONT, self.theme.text)
            index = self.texts.text(str(k), SMALL_FONT - 2, self.theme.muted)
            box = Rectangle(width=1.0, height=0.5, color=self.theme.input_ink, stroke_width=2)
            cells.add(VGroup(box, value.move_to(box), index.next_to(box, DOWN, buff=0.06)))
        cells.arrange(RIGHT, buff=0.08).next_to(strip, DOWN, buff=0.45)
        unit = strip.width / (side * side)
        anchor = (
            strip.get_left() + RIGHT * unit * (first + ZOOM_COUNT / 2) + DOWN * strip.height / 2
        )
        link = Line(anchor, cells.get_top(), color=self.theme.highlight, stroke_width=2)
        return VGroup(cells, link)

    # --- the layers -----------------------------------------------------------------------

    def _layers_part(self) -> Mobject:
        sizes: list[int] = self.trace.params["sizes"]
        boxes = VGroup()
        for i, n in enumerate(sizes):
            fill = self.theme.input_fill if i == 0 else self.theme.output_fill
            fill = fill if i in (0, len(sizes) - 1) else self.theme.weight_fill
            text = self.texts.text(str(n), LABEL_FONT + 2, self.theme.text)
            box = Rectangle(
                width=max(text.width + 0.4, 1.0),
                height=LAYER_BOX_HEIGHT,
                stroke_color=self.theme.ink(fill),
                fill_color=fill,
                fill_opacity=0.35,
            )
            boxes.add(VGroup(box, text.move_to(box)))
        boxes.arrange(RIGHT, buff=1.0)
        ops = VGroup()
        for k, (a, b) in enumerate(zip(boxes[:-1], boxes[1:])):
            arrow = Arrow(a.get_right(), b.get_left(), buff=0.06, color=self.theme.muted)
            op = VGroup(self.label(self.tr("mlp.op.linear"), SMALL_FONT).next_to(arrow, UP, 0.08))
            if k < len(sizes) - 2:  # ReLU between layers, none after the last
                op.add(self.label("ReLU", SMALL_FONT).next_to(arrow, DOWN, buff=0.08))
            ops.add(VGroup(arrow, op))
        diagram = VGroup(boxes, ops)
        shrink_to_fit(diagram, config.frame_width - 2 * SIDE_MARGIN)
        diagram.move_to((0.0, MIDDLE_Y + 0.9, 0.0))
        self.play(fade_in(boxes), run_time=0.6)
        self.play(fade_in(ops), run_time=0.6)
        code = self._training_code().next_to(diagram, DOWN, buff=0.8)
        self.play(fade_in(code), run_time=0.5)
        arrows = " → ".join(str(n) for n in sizes)
        count = self.trace.extra_as(MlpExtra)["parameters"]
        self.say(self.tr("mlp.layers", sizes=arrows, n=f"{count:,}"), hold=1)
        p, info = self.trace.params, self.trace.extra_as(MlpExtra)["data"]
        self.say(
            self.tr(
                "mlp.train",
                lr=f"{p['lr']:g}",
                m=f"{p['momentum']:g}",
                b=p["batch_size"],
                e=p["epochs"],
                n=info["train"],
            ),
            hold=PART_HOLD,
        )
        return VGroup(diagram, code)

    def _training_code(self) -> VGroup:
        """The course's two lines that choose the loss and the optimiser, with this run's values."""
        p = self.trace.params
        sgd = f"lr={p['lr']:g}, momentum={p['momentum']:g}"
        lines = [
            "criterion = nn.CrossEntropyLoss()",
            f"optimizer = optim.SGD(model.parameters(), {sgd})",
            f"train_loader = DataLoader(train_set, batch_size={p['batch_size']}, shuffle=True)",
        ]
        code = VGroup(*[self.texts.text(line, SMALL_FONT + 2, self.theme.text) for line in lines])
        code.arrange(DOWN, aligned_edge=LEFT, buff=0.14)
        return shrink_to_fit(code, config.frame_width - 2 * SIDE_MARGIN)

    # --- the training run -----------------------------------------------------------------

    def _curves_part(self) -> Mobject:
        acc = [float(a) for a in self.trace.tensors["accuracy"]]
        loss = [float(v) for v in self.trace.tensors["loss"]]
        epochs = list(range(1, len(acc) + 1))
        x_range = nice_range(0, len(acc), 5)
        acc_plot = self._plot(epochs, acc, (0.0, 1.0, 0.2), "mlp.axis.accuracy", x_range)
        loss_plot = self._plot(epochs, loss, nice_range(0, max(loss), 4), "mlp.axis.loss", x_range)
        plots = Group(loss_plot, acc_plot).arrange(RIGHT, buff=1.2)
        shrink_to_fit(plots, config.frame_width - 2 * SIDE_MARGIN)
        plots.move_to((0.0, MIDDLE_Y - 0.1, 0.0))
        self.play(fade_in(plots), run_time=0.8)
        self.say(self.tr("mlp.curves", t=self.trace.extra_as(MlpExtra)["data"]["test"]), hold=1.0)
        self.say(
            self.tr(
                "mlp.final", e=len(acc), acc=f"{100 * acc[-1]:.1f}%", first=f"{100 * acc[0]:.1f}%"
            ),
            hold=PART_HOLD,
        )
        return plots

    def _plot(
        self,
        xs: list[int],
        ys: list[float],
        y_range: tuple[float, float, float],
        y_key: str,
        x_range: tuple[float, float, float],
    ) -> VGroup:
        axes = PlotAxes(
            x_range,
            y_range,
            PLOT_WIDTH,
            PLOT_HEIGHT,
            self.theme,
            self.texts,
            x_label=self.tr("mlp.axis.epoch"),
            y_label=self.tr(y_key),
            tick_decimals=1,
        )
        colour = self.theme.output_ink if y_key.endswith("accuracy") else self.theme.negative
        curve = axes.polyline(xs, ys, colour)
        dots = VGroup(*[axes.dot(x, y, colour, radius=0.05) for x, y in zip(xs, ys)])
        return VGroup(axes, curve, dots)

    # --- test images and their softmax ----------------------------------------------------

    def _tests_part(self) -> Mobject:
        t = self.trace.tensors
        columns = Group(
            *[
                self._test_column(np.asarray(img), probs, int(label), int(pred))
                for img, probs, label, pred in zip(
                    t["images"], t["probs"], t["labels"], t["predicted"]
                )
            ]
        ).arrange(RIGHT, buff=0.7, aligned_edge=DOWN)
        shrink_to_fit(columns, config.frame_width - 2 * SIDE_MARGIN, 5.2)
        columns.move_to((0.0, MIDDLE_Y - 0.1, 0.0))
        self.play(fade_in(columns), run_time=0.8)
        self.say(self.tr("mlp.tests", n=len(t["labels"])), hold=PART_HOLD)
        return columns

    def _test_column(self, image: np.ndarray, probs: Any, label: int, pred: int) -> Group:
        picture = HeatMap(image, TEST_IMAGE_HEIGHT, signed=False)
        bars = VGroup()
        for d, p in enumerate(probs):
            colour = self.theme.output_ink if d == pred else self.theme.input_ink
            bar = Rectangle(
                width=BAR_WIDTH,
                height=max(float(p) * BAR_MAX, 0.01),
                stroke_width=0,
                fill_color=colour,
                fill_opacity=0.9,
            )
            digit = self.texts.text(str(d), SMALL_FONT - 2, self.theme.muted)
            x = d * (BAR_WIDTH + BAR_GAP)
            bar.move_to((x, 0.0, 0.0), aligned_edge=DOWN)
            digit.move_to((x, -0.16, 0.0))
            bars.add(VGroup(bar, digit))
        base = Line(
            bars.get_left() + LEFT * 0.05, bars.get_right() + RIGHT * 0.05, stroke_width=1.5
        ).set_color(self.theme.grid_stroke)
        base.set_y(0.0)
        chart = VGroup(base, bars)
        # The baseline sits a full bar's height below the image, whatever the tallest bar.
        baseline = picture.get_bottom() + DOWN * (BAR_MAX + 0.25)
        chart.shift(baseline - base.get_center())
        top_p = self.texts.text(format_number(float(probs[pred])), SMALL_FONT, self.theme.text)
        top_p.next_to(bars[pred][0].get_top(), UP, buff=0.05)
        right = pred == label
        verdict = self.texts.text(
            self.tr("mlp.verdict", label=label, pred=pred),
            LABEL_FONT - 2,
            self.theme.output_ink if right else self.theme.negative,
        ).next_to(chart, DOWN, buff=0.15)
        return Group(picture, chart, top_p, verdict)
