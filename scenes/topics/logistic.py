"""Logistic regression, drawn from a logistic trace: the sigmoid curve moving as it trains.

Left, the data (x, y) with the curve p = σ(w·x + b) of a few recorded epochs, the line
p = 0.5 and the decision boundary; right, the weight, bias and loss of that epoch and
each sample's probability and binary cross-entropy.
"""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    UP,
    Create,
    DashedLine,
    Mobject,
    ReplacementTransform,
    Text,
    VGroup,
    VMobject,
    config,
)

from explain.mlcore.logistic import LogisticStep
from explain.scenes.kit.base import LABEL_FONT_SIZE, TraceScene
from explain.scenes.kit.layout import PLOT_BANDS
from explain.scenes.kit.motion import fade_in
from explain.scenes.kit.widgets.line_axes import PlotAxes, nice_range
from explain.scenes.kit.widgets.numbers import format_number

TOP_RESERVED, BOTTOM_RESERVED, SIDE_MARGIN = PLOT_BANDS  # title, caption, sides
PLOT_WIDTH = 5.8  # leaves the header its full font size at 480p
PLOT_HEIGHT = 4.2
Y_RANGE = (0.0, 1.0, 0.5)  # probabilities: ticks at 0, 0.5 and 1
COLUMN_GAP = 0.6
TABLE_FONT_SIZE = 22
TABLE_COL = 1.25  # width of one table column
ROW_GAP = 0.42
LOSS_DECIMALS = 3
TABLE_COLS = ("x", "y", "p", "bce")
SNAPSHOT_SECONDS = 1.1


class LogisticScene(TraceScene):
    """Training p = σ(w·x + b) on the course's pass/fail data, epoch snapshots as curves."""

    def construct(self) -> None:
        self._introduce()
        self._place_formula()
        self._show_first_snapshot()
        self._train()
        self._conclude()

    # --- the steps --------------------------------------------------------------------
    def _introduce(self) -> None:
        """Axes with the samples and the p = 0.5 line."""
        theme, t = self.theme, self.trace.tensors
        curve_x = t["curve_x"]
        self.axes = PlotAxes(
            nice_range(curve_x[0], curve_x[-1], 6),
            Y_RANGE,
            PLOT_WIDTH,
            PLOT_HEIGHT,
            theme,
            self.texts,
            x_label=self.tr("logistic.axis.x"),
            y_label=self.tr("logistic.axis.p"),
        )
        mid_y = (BOTTOM_RESERVED - TOP_RESERVED) / 2
        self.axes.move_to((0, mid_y, 0)).to_edge(LEFT, buff=SIDE_MARGIN)
        x_lo, x_hi, _ = self.axes.axes.x_range
        self.x_span = (float(x_lo), float(x_hi))
        half = self._dashed((self.x_span[0], 0.5), (self.x_span[1], 0.5), theme.muted)
        dots = VGroup(*[self.axes.dot(x, y, theme.input_ink, 0.1) for x, y in zip(t["x"], t["y"])])
        title = self.title(self.tr("logistic.title"))
        self.play(
            fade_in(title),
            fade_in(self.axes),
            fade_in(half),
            fade_in(dots),
            run_time=0.8,
        )
        self.say(self.tr("logistic.intro", n=len(t["x"])), hold=1.0)

    def _place_formula(self) -> None:
        """p = σ(w·x + b) and the BCE, top of the column right of the plot (not yet shown)."""
        right_left = self.axes.get_right()[0] + COLUMN_GAP
        self.column_left = right_left
        formula = VGroup(
            self.label(self.tr("logistic.formula.p"), color=self.theme.text),
            self.label(self.tr("logistic.formula.bce"), color=self.theme.text),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        width = config.frame_width / 2 - SIDE_MARGIN - right_left
        if formula.width > width:
            formula.scale_to_fit_width(width)
        formula.move_to(
            (right_left, config.frame_height / 2 - TOP_RESERVED, 0), aligned_edge=UP + LEFT
        )
        self.column_width = width
        self.formula = formula

    def _show_first_snapshot(self) -> None:
        first = self.trace.steps_as(LogisticStep)[0]
        # On-screen texts of the current snapshot, for tests.
        self.header: Text = self._header(first)
        self.table: dict[tuple[int, str], Text] = {}
        self.table_group = self._table(first)
        self.curve = self._curve(0)
        self.probs = self._prob_dots(first)
        self.boundary = self._boundary(first)
        self.play(
            fade_in(self.formula),
            Create(self.curve),
            fade_in(self.header),
            fade_in(self.table_group),
            fade_in(self.probs),
            fade_in(self.boundary),
            run_time=1.2,
        )
        self.say(self.tr("logistic.step.start"), hold=1.2)
        self.say(self.tr("logistic.step.bce"), hold=1.0)
        self.say(self.tr("logistic.step.train", lr=format_number(self.trace.params["lr"])))
        self.shown_epochs: list[int] = [first["epoch"]]

    def _train(self) -> None:
        """Snapshot by snapshot: numbers swap at once (a Transform between two Texts
        garbles the digits mid-way); the curve, dots and boundary glide to the epoch."""
        steps = self.trace.steps_as(LogisticStep)
        for s, step in enumerate(steps[1:], start=1):
            self._swap_numbers(step)
            new_curve = self._curve(s)
            new_probs = self._prob_dots(step)
            new_boundary = self._boundary(step)
            self.play(
                ReplacementTransform(self.curve, new_curve),
                ReplacementTransform(self.probs, new_probs),
                ReplacementTransform(self.boundary, new_boundary),
                run_time=SNAPSHOT_SECONDS,
            )
            self.curve, self.probs, self.boundary = new_curve, new_probs, new_boundary
            self.shown_epochs.append(step["epoch"])

    def _conclude(self) -> None:
        last = self.trace.steps_as(LogisticStep)[-1]
        if last["boundary"] is not None:
            self.say(
                self.tr(
                    "logistic.outro",
                    boundary=format_number(last["boundary"]),
                    correct=last["correct"],
                    n=len(self.trace.tensors["x"]),
                ),
                hold=2.0,
            )
        else:
            self.say(self.tr("logistic.outro.none"), hold=2.0)
        self.wait(0.5)

    # --- pieces -----------------------------------------------------------------------
    def _curve(self, snapshot: int) -> VMobject:
        t = self.trace.tensors
        return self.axes.polyline(t["curve_x"], t["curve_p"][snapshot], self.theme.output_ink)

    def _prob_dots(self, step: LogisticStep) -> VGroup:
        xs = self.trace.tensors["x"]
        return VGroup(
            *[self.axes.dot(x, p, self.theme.output_ink, 0.06) for x, p in zip(xs, step["probs"])]
        )

    def _dashed(self, start: tuple[float, float], end: tuple[float, float], color: str) -> Mobject:
        return DashedLine(self.axes.point(*start), self.axes.point(*end), color=color)

    def _boundary(self, step: LogisticStep) -> Mobject:
        """The line p = 0.5 crosses: x = −b/w, drawn only when it lies on the plot."""
        x0, x1 = self.x_span
        b = step["boundary"]
        if b is None or not x0 <= b <= x1:
            return VGroup()
        return self._dashed((b, Y_RANGE[0]), (b, Y_RANGE[1]), self.theme.highlight)

    def _header(self, step: LogisticStep) -> Text:
        content = self.tr(
            "logistic.header",
            epoch=step["epoch"],
            w=format_number(step["weight"]),
            b=format_number(step["bias"]),
            loss=format_number(step["loss"], LOSS_DECIMALS),
        )
        mob = self.texts.fitted(content, self.column_width, LABEL_FONT_SIZE, self.theme.accent)
        return mob.next_to(self.formula, DOWN, buff=0.4, aligned_edge=LEFT)

    def _table(self, step: LogisticStep) -> VGroup:
        """Columns x, y, p, BCE; one row per sample, all numbers from the step."""
        t = self.trace.tensors
        head = VGroup()
        top = self.header.get_bottom()[1] - 0.45
        for c, name in enumerate(TABLE_COLS):
            label = self.label(self.tr(f"logistic.col.{name}"), TABLE_FONT_SIZE)
            head.add(label.move_to((self._col_x(c), top, 0)))
        self.table_top = top
        rows = VGroup(head)
        for r, (x, y) in enumerate(zip(t["x"], t["y"])):
            for c, (name, text) in enumerate(zip(TABLE_COLS[:2], (x, y))):
                rows.add(self._cell(r, c, name, format_number(text), self.theme.text))
            rows.add(*self._step_cells(r, step))
        return rows

    def _step_cells(self, r: int, step: LogisticStep) -> list[Text]:
        """Row r's p and BCE of this step (the columns that change while training)."""
        p = format_number(step["probs"][r], LOSS_DECIMALS)
        bce = format_number(step["sample_loss"][r], LOSS_DECIMALS)
        return [
            self._cell(r, 2, "p", p, self.theme.output_ink),
            self._cell(r, 3, "bce", bce, self.theme.text),
        ]

    def _cell(self, r: int, c: int, name: str, text: str, colour: str) -> Text:
        mob = self.texts.text(text, TABLE_FONT_SIZE, colour)
        mob.move_to((self._col_x(c), self.table_top - (r + 1) * ROW_GAP, 0))
        self.table[(r, name)] = mob
        return mob

    def _swap_numbers(self, step: LogisticStep) -> None:
        """Show this step's header and p / BCE columns: remove the old Texts, add the new."""
        self.remove(self.header)
        self.header = self._header(step)
        self.add(self.header)
        for r in range(len(self.trace.tensors["x"])):
            old = [self.table[(r, "p")], self.table[(r, "bce")]]
            self.table_group.remove(*old)
            self.remove(*old)
            new = self._step_cells(r, step)
            self.table_group.add(*new)
            self.add(*new)

    def _col_x(self, c: int) -> float:
        return self.column_left + (c + 0.5) * TABLE_COL
