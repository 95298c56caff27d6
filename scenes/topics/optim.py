"""The optimisation scenes: exhaustive search over w, batch gradient descent, mini-batch SGD.

Every dot, curve and number comes from the trace (``mlcore.optim``): the MSE curve,
the weights visited, the gradients and the (smoothed) costs. Layout only places them.
"""

from __future__ import annotations

from collections.abc import Sequence

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    Line,
    MoveAlongPath,
    Text,
    Transform,
    VGroup,
    VMobject,
    config,
    linear,
)

from explain.mlcore.optim import (
    GradientDescentStep,
    LinearLossExtra,
    LinearLossStep,
    SgdExtra,
    SgdRun,
)
from explain.scenes.kit.base import LABEL_FONT_SIZE, TraceScene
from explain.scenes.kit.motion import fade_in, move_to
from explain.scenes.kit.widgets.line_axes import AXIS_LABEL_FONT_SIZE, PlotAxes, nice_range
from explain.scenes.kit.widgets.numbers import format_number

PANEL_WIDTH = 5.4
PANEL_HEIGHT = 3.8
PANEL_GAP = 1.3
BODY_BUFF = 0.45  # between title and the panels
READOUT_BUFF = 0.3  # between the panels and the readout line
SEARCH_STEP_SECONDS = 0.15
DETAILED_EPOCHS = 3  # epochs whose gradient step is shown one by one
FAST_CHUNKS = 8  # the remaining epochs are drawn in this many plays
CHUNK_SECONDS = 0.6
READOUT_FONT_SIZE = LABEL_FONT_SIZE


def fmt(value: float) -> str:
    return format_number(value, 2)


def fmt4(value: float) -> str:
    return format_number(value, 4)


def fmt_param(value: float) -> str:
    """A parameter as the user typed it: 0.01, not 0.0100."""
    return f"{value:g}".replace("-", "\u2212")


def _range(
    values: Sequence[float], include_zero: bool = True, max_ticks: int = 5
) -> tuple[float, float, float]:
    low, high = min(values), max(values)
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    return nice_range(low, high, max_ticks)


class _PlotScene(TraceScene):
    """Shared layout: a title, two panels side by side, a readout line, captions."""

    readout_mob: Text
    title_mob: Text
    curve_plot: PlotAxes

    def panels(self, left: VGroup, right: VGroup) -> VGroup:
        body = VGroup(left, right).arrange(RIGHT, buff=PANEL_GAP)
        body.next_to(self.title_mob, DOWN, buff=BODY_BUFF)
        return body

    def make_title(self, key: str) -> Text:
        self.title_mob = self.title(self.tr(key))
        return self.title_mob

    def mse_plot(self) -> PlotAxes:
        """The left panel of gradient-descent and sgd: the MSE over the weights traced."""
        tens = self.trace.tensors
        return PlotAxes(
            _range(tens["curve_w"], include_zero=False),
            _range(tens["curve_mse"]),
            PANEL_WIDTH,
            PANEL_HEIGHT,
            self.theme,
            self.texts,
            self.tr("optim.axis.w"),
            self.tr("optim.axis.mse"),
        )

    def traced_mse_curve(self) -> VMobject:
        """The traced MSE curve on ``mse_plot``'s axes (``self.curve_plot``)."""
        tens = self.trace.tensors
        return self.curve_plot.polyline(
            tens["curve_w"], tens["curve_mse"], self.theme.negative, 2.5
        )

    def readout(self, content: str, anchor: VGroup) -> Text:
        max_width = config.frame_width - 1.0
        mob = self.texts.fitted(content, max_width, READOUT_FONT_SIZE, self.theme.text)
        return mob.next_to(anchor, DOWN, buff=READOUT_BUFF)

    def swap_readout(self, content: str, anchor: VGroup) -> None:
        new = self.readout(content, anchor)
        self.remove(self.readout_mob)
        self.add(new)
        self.readout_mob = new


class LinearLossScene(_PlotScene):
    """Data with the line of the current w (left), MSE against w growing point by point."""

    def construct(self) -> None:
        body = self._introduce()
        line, residuals = self._search(body)
        self._show_minimum(body, line, residuals)

    # --- the steps --------------------------------------------------------------------
    def _introduce(self) -> VGroup:
        """The data (left) and an empty MSE-against-w plot (right)."""
        theme, tens = self.theme, self.trace.tensors
        xs, ys = tens["x"], tens["y"]
        preds = [v for s in self.trace.steps_as(LinearLossStep) for v in s["pred"]]
        title = self.make_title("optim.linear.title")
        self.data_plot = PlotAxes(
            _range(xs),
            _range([*ys, *preds]),
            PANEL_WIDTH,
            PANEL_HEIGHT,
            theme,
            self.texts,
            self.tr("optim.axis.x"),
            self.tr("optim.axis.y"),
        )
        self.loss_plot = PlotAxes(
            _range(tens["w"]),
            _range(tens["mse"]),
            PANEL_WIDTH,
            PANEL_HEIGHT,
            theme,
            self.texts,
            self.tr("optim.axis.w"),
            self.tr("optim.axis.mse"),
        )
        body = self.panels(self.data_plot, self.loss_plot)
        points = VGroup(*[self.data_plot.dot(x, y, theme.input_ink, 0.09) for x, y in zip(xs, ys)])
        self.play(fade_in(title), fade_in(body), fade_in(points), run_time=0.8)
        self.say(self.tr("optim.linear.intro", n=len(xs)), hold=1.0)
        return body

    def _search(self, body: VGroup) -> tuple[VMobject, VGroup]:
        """Every candidate w: its line and errors on the left, its MSE as a dot on the right."""
        steps, ws, mses = (
            self.trace.steps_as(LinearLossStep),
            self.trace.tensors["w"],
            self.trace.tensors["mse"],
        )
        line, residuals = self._model(steps[0])
        self.readout_mob = self.readout(self._readout(steps[0]), body)
        dots = VGroup()
        self.play(fade_in(line), fade_in(residuals), fade_in(self.readout_mob), run_time=0.4)
        self.say(
            self.tr(
                "optim.linear.search",
                w_min=fmt(ws[0]),
                w_max=fmt(ws[-1]),
                step=fmt(self.trace.params["w_step"]),
            )
        )
        for k, step in enumerate(steps):
            new_line, new_res = self._model(step)
            dot = self.loss_plot.dot(ws[k], mses[k], self.theme.negative, 0.05)
            dots.add(dot)
            self.swap_readout(self._readout(step), body)
            self.play(
                Transform(line, new_line),
                Transform(residuals, new_res),
                fade_in(dot),
                run_time=SEARCH_STEP_SECONDS,
            )
        return line, residuals

    def _show_minimum(self, body: VGroup, line: VMobject, residuals: VGroup) -> None:
        """The MSE curve through the dots, its minimum marked, the best line on the data."""
        theme, tens = self.theme, self.trace.tensors
        steps = self.trace.steps_as(LinearLossStep)
        self.mse_curve = self.loss_plot.polyline(tens["w"], tens["mse"], theme.negative, 2.0)
        best = self.trace.extra_as(LinearLossExtra)["minimum"]
        self.min_dot = self.loss_plot.dot(best["w"], best["mse"], theme.highlight, 0.1)
        self.min_label = self.label(
            self.tr("optim.linear.min_label", w=fmt(best["w"]), mse=fmt(best["mse"])),
            color=theme.highlight,
        )
        self.min_label.next_to(self.min_dot, UP, buff=0.25)
        best_line, best_res = self._model(steps[best["index"]])
        self.swap_readout(self._readout(steps[best["index"]]), body)
        self.play(
            Create(self.mse_curve),
            fade_in(self.min_dot),
            fade_in(self.min_label),
            Transform(line, best_line),
            Transform(residuals, best_res),
            run_time=0.8,
        )
        self.say(self.tr("optim.linear.outro", w=fmt(best["w"]), mse=fmt(best["mse"])), hold=2.0)

    def _model(self, step: LinearLossStep) -> tuple[VMobject, VGroup]:
        """The line through the predictions of this w, and the errors to each target (red)."""
        xs, ys = self.trace.tensors["x"], self.trace.tensors["y"]
        order = sorted(range(len(xs)), key=lambda i: xs[i])
        line = self.data_plot.polyline(
            [xs[i] for i in order], [step["pred"][i] for i in order], self.theme.weight_ink, 4
        )
        residuals = VGroup(
            *[
                Line(
                    self.data_plot.point(x, y),
                    self.data_plot.point(x, p),
                    stroke_color=self.theme.negative,
                    stroke_width=3,
                )
                for x, y, p in zip(xs, ys, step["pred"])
            ]
        )
        return line, residuals

    def _readout(self, step: LinearLossStep) -> str:
        return self.tr("optim.linear.readout", w=fmt(step["w"]), mse=fmt(step["mse"]))


class GradientDescentScene(_PlotScene):
    """w slides down the MSE curve (tangent = gradient); cost per epoch with its EWMA."""

    def construct(self) -> None:
        trace, theme = self.trace, self.theme
        prm, tens = trace.params, trace.tensors
        ws, losses, smoothed = tens["w"], tens["loss"], tens["smoothed"]
        epochs = list(range(len(ws)))
        title = self.make_title("optim.gd.title")
        self.curve_plot = self.mse_plot()
        self.cost_plot = PlotAxes(
            _range(epochs),
            _range([*losses, *smoothed]),
            PANEL_WIDTH,
            PANEL_HEIGHT,
            theme,
            self.texts,
            self.tr("optim.axis.epoch"),
            self.tr("optim.axis.cost"),
        )
        body = self.panels(self.curve_plot, self.cost_plot)
        curve = self.traced_mse_curve()
        self.play(fade_in(title), fade_in(body), Create(curve), run_time=0.9)
        self.say(self.tr("optim.gd.intro", lr=fmt_param(prm["lr"])), hold=0.8)

        self.dot = self.curve_plot.dot(ws[0], losses[0], theme.weight_ink, 0.1)
        self.readout_mob = self.readout(self._readout(0), body)
        self.play(fade_in(self.dot), fade_in(self.readout_mob), run_time=0.4)
        steps = trace.steps_as(GradientDescentStep)
        detailed = min(DETAILED_EPOCHS, len(steps))
        for e in range(detailed):
            step = steps[e]
            tangent = self._tangent(step)
            if e == 0:
                self.say(self.tr("optim.gd.tangent"))
            self.play(Create(tangent), run_time=0.4)
            self.swap_readout(self._readout(e, with_step=True), body)
            self.play(
                move_to(self.dot, self.curve_plot.point(ws[e + 1], losses[e + 1])),
                Create(self._segment(self.cost_plot, epochs, losses, e, e + 1, theme.negative)),
                run_time=0.6,
            )
            self.remove(tangent)
            if e == 0:
                self.say(self.tr("optim.gd.first", w=fmt4(ws[1])), hold=0.6)
        rest = len(ws) - 1 - detailed
        if rest > 0:
            self.say(self.tr("optim.gd.fast", epochs=len(ws) - 1))
            bounds = _chunks(detailed, len(ws) - 1, FAST_CHUNKS)
            for a, b in bounds:
                path = self.curve_plot.polyline(ws[a : b + 1], losses[a : b + 1], theme.weight_ink)
                self.swap_readout(self._readout(b), body)
                self.play(
                    MoveAlongPath(self.dot, path),
                    Create(self._segment(self.cost_plot, epochs, losses, a, b, theme.negative)),
                    run_time=CHUNK_SECONDS,
                    rate_func=linear,
                )
        self.smoothed_line = self.cost_plot.polyline(epochs, smoothed, theme.accent, 3)
        self.legend = self._legend()
        self.play(Create(self.smoothed_line), fade_in(self.legend), run_time=1.0)
        self.say(self.tr("optim.gd.smooth", beta=fmt(prm["beta"])), hold=1.2)
        self.say(self.tr("optim.gd.outro", w=fmt4(ws[-1]), loss=fmt4(losses[-1])), hold=1.5)

    def _segment(
        self, plot: PlotAxes, xs: Sequence[float], ys: Sequence[float], a: int, b: int, color: str
    ) -> VMobject:
        return plot.polyline(xs[a : b + 1], ys[a : b + 1], color, 3)

    def _tangent(self, step: GradientDescentStep) -> Line:
        """The trace's tangent at (w, cost): the gradient as its slope."""
        (w0, c0), (w1, c1) = step["tangent"]
        return Line(
            self.curve_plot.point(w0, c0),
            self.curve_plot.point(w1, c1),
            stroke_color=self.theme.highlight,
            stroke_width=4,
        )

    def _readout(self, e: int, with_step: bool = False) -> str:
        tens = self.trace.tensors
        if with_step:
            step = self.trace.steps_as(GradientDescentStep)[e]
            return self.tr(
                "optim.gd.readout_step",
                epoch=e,
                w=fmt4(step["w"]),
                grad=fmt4(step["grad"]),
                lr=fmt_param(self.trace.params["lr"]),
                w_next=fmt4(step["w_next"]),
            )
        return self.tr(
            "optim.gd.readout", epoch=e, w=fmt4(tens["w"][e]), loss=fmt4(tens["loss"][e])
        )

    def _legend(self) -> VGroup:
        raw = self.label(self.tr("optim.legend.cost"), color=self.theme.negative)
        smooth = self.label(
            self.tr("optim.legend.smoothed", beta=fmt(self.trace.params["beta"])),
            color=self.theme.accent,
        )
        legend = VGroup(raw, smooth).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        return legend.move_to(self.cost_plot.axes.get_corner(UP + RIGHT), aligned_edge=UP + RIGHT)


def _chunks(start: int, end: int, count: int) -> list[tuple[int, int]]:
    """Split entries start..end into at most ``count`` consecutive (a, b) ranges."""
    total = end - start
    count = max(1, min(count, total))
    cuts = [start + round(i * total / count) for i in range(count + 1)]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


RUN_ORDER = ("batch", "minibatch", "sgd")


class SGDScene(_PlotScene):
    """Batch GD, mini-batch and SGD side by side: paths on the MSE curve, cost per epoch."""

    def construct(self) -> None:
        extra = self.trace.extra_as(SgdExtra)
        self.runs = [(k, extra["runs"][k]) for k in RUN_ORDER if k in extra["runs"]]
        self.colours = {
            "batch": self.theme.output_ink,
            "minibatch": self.theme.input_ink,
            "sgd": self.theme.weight_ink,
        }
        self._introduce()
        self._run_epochs()
        self._smooth()
        self.say(self.tr("optim.sgd.outro"), hold=1.5)

    # --- the steps --------------------------------------------------------------------
    def _introduce(self) -> None:
        """The MSE curve (left) and one cost plot per run (right), a dot per run at w0."""
        prm, tens, runs = self.trace.params, self.trace.tensors, self.runs
        title = self.make_title("optim.sgd.title")
        self.curve_plot = self.mse_plot()
        all_costs = [c for _, r in runs for c in (*r["loss"], *r["smoothed"])]
        small_h = (PANEL_HEIGHT + 0.4) / len(runs) - 0.55
        self.cost_plots = {
            name: PlotAxes(
                _range([0, prm["epochs"]]),
                _range(all_costs, max_ticks=2),
                PANEL_WIDTH,
                small_h,
                self.theme,
                self.texts,
                "",
                self._run_name(name, run),
            )
            for name, run in runs
        }
        stack = VGroup(*self.cost_plots.values()).arrange(DOWN, buff=0.35)
        epoch_label = self.label(self.tr("optim.axis.epoch"), font_size=AXIS_LABEL_FONT_SIZE)
        epoch_label.next_to(stack, DOWN, buff=0.05)
        body = self.panels(self.curve_plot, VGroup(stack, epoch_label))
        for name, _ in runs:
            self.cost_plots[name].y_label.set_color(self.colours[name])
        curve = self.traced_mse_curve()
        self.play(fade_in(title), fade_in(body), Create(curve), run_time=0.9)
        self.say(self.tr("optim.sgd.intro", n=len(tens["x"]), lr=fmt_param(prm["lr"])), hold=1.0)
        self.dots = {
            name: self.curve_plot.dot(run["w"][0], run["loss"][0], self.colours[name], 0.1)
            for name, run in runs
        }
        self.play(*[fade_in(d) for d in self.dots.values()], run_time=0.4)
        self.say(self.tr("optim.sgd.noise"))

    def _run_epochs(self) -> None:
        """Epoch by epoch, every run's updates together: paths on the curve, cost lines."""
        epochs = self.trace.params["epochs"]
        for e in range(epochs):
            anims = []
            for name, run in self.runs:
                a, b = run["epoch_starts"][e], run["epoch_starts"][e + 1]
                colour = self.colours[name]
                path = self.curve_plot.polyline(run["w"][a : b + 1], run["loss"][a : b + 1], colour)
                cost = self.cost_plots[name].polyline(
                    run["progress"][a : b + 1], run["loss"][a : b + 1], colour, 2
                )
                anims += [MoveAlongPath(self.dots[name], path), Create(cost)]
            if e == 1:
                self.say(self.tr("optim.sgd.updates"))
            self.play(*anims, run_time=_epoch_seconds(epochs), rate_func=linear)

    def _smooth(self) -> None:
        """Each run's EWMA over its cost line, and its final w and cost."""
        smoothed = [
            self.cost_plots[name].polyline(run["progress"], run["smoothed"], self.theme.accent, 3)
            for name, run in self.runs
        ]
        self.finals = {
            name: self.label(
                self.tr("optim.sgd.final", w=fmt(run["w"][-1]), loss=fmt(run["loss"][-1])),
                font_size=18,
                color=self.colours[name],
            )
            for name, run in self.runs
        }
        for name, mob in self.finals.items():
            axes = self.cost_plots[name].axes
            mob.move_to(axes.get_corner(UP + RIGHT), aligned_edge=UP + RIGHT)
        self.play(*[Create(s) for s in smoothed], *map(fade_in, self.finals.values()), run_time=1.0)
        self.say(self.tr("optim.sgd.smooth", beta=fmt(self.trace.params["beta"])), hold=1.2)

    def _run_name(self, name: str, run: SgdRun) -> str:
        return self.tr(f"optim.run.{name}", b=run["batch_size"])


def _epoch_seconds(epochs: int) -> float:
    """Each epoch gets an equal share of about eight seconds, within readable bounds."""
    return min(0.8, max(0.15, 8.0 / epochs))
