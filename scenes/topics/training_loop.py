"""The course's training loop, drawn from a training-loop trace.

Top, the loop's code with the live value of each line beside it (y_pred, loss, the cleared
and then computed gradients, the updated w and b); below, the loss of every epoch as a
curve, and finally the trained model's prediction for x_test. Every number is the trace's.
"""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Create, Rectangle, Text, VGroup, config

from explain.mlcore.logistic import snapshot_epochs
from explain.scenes.kit.base import LABEL_FONT_SIZE, TraceScene, shrink_to_fit
from explain.scenes.kit.motion import fade_in, move_to
from explain.scenes.kit.widgets.line_axes import PlotAxes
from explain.scenes.kit.widgets.numbers import format_number

CODE_FONT = "DejaVu Sans Mono"
CODE_FONT_SIZE = 20
CODE_LEFT = -6.6
CODE_TOP = 2.75
LINE_GAP = 0.42
VALUE_GAP = 0.5  # between the longest code line and the values
INDENT = 0.5  # of the loop body
PLOT_WIDTH = 6.0
PLOT_HEIGHT = 2.3
PLOT_TOP = 0.05
DECIMALS = 3
SNAPSHOTS = 8  # epochs of the run shown after the detailed first one
SNAPSHOT_SECONDS = 0.7
# The loop body, one line per step of the cycle, as the course writes it.
CODE = (
    "y_pred = model(x_data)",
    "loss = criterion(y_pred, y_data)",
    "optimizer.zero_grad()",
    "loss.backward()",
    "optimizer.step()",
)
STEP_KEYS = ("forward", "loss", "zero", "backward", "step")


def fmt(value: float) -> str:
    return format_number(value, DECIMALS)


def fmt_loss(value: float) -> str:
    """Three significant digits: the loss falls by orders of magnitude, and 0.000 at the
    end of a run would hide that it is still falling."""
    if value == 0 or abs(value) >= 10**-DECIMALS:
        return fmt(value)
    return f"{value:.2e}".replace("-", "−")


class TrainingLoopScene(TraceScene):
    """forward → loss → zero_grad → backward → step on x = 1, 2, 3, then the whole run."""

    def construct(self) -> None:
        t, p = self.trace.tensors, self.trace.params
        title = self.title(self.tr("loop.title"))
        self.code = self._code(p["epochs"])
        self.values: list[Text | None] = [None] * len(CODE)
        self.play(fade_in(title), fade_in(self.code), run_time=0.8)
        self.say(self.tr("loop.intro", w=fmt(t["w"][0]), b=fmt(t["b"][0])), hold=1.0)
        self.marker = self._marker(1)
        self.add(self.marker)
        for line, key in enumerate(STEP_KEYS, start=1):
            self.play(move_to(self.marker, self._line_centre(line)), run_time=0.3)
            self._show_value(line, self._value_text(line, 0, cleared=True))
            caption = f"loop.step.{key}.{p['loss']}" if key == "loss" else f"loop.step.{key}"
            self.say(self.tr(caption, lr=f"{p['lr']:g}"), hold=1.0)
        self._run(t["loss"])
        self.remove(self.marker)
        self.prediction = self._prediction()
        self.play(fade_in(self.prediction), run_time=0.5)
        outro = self.tr(
            "loop.outro",
            w=fmt(t["w"][-1]),
            b=fmt(t["b"][-1]),
            x=format_number(p["x_test"], 2),
            y=fmt(t["y_test"]),
        )
        self.say(outro, hold=2.0)

    # --- the code and its values -------------------------------------------------------
    def _code(self, epochs: int) -> VGroup:
        lines = [f"for epoch in range({epochs}):", *CODE]
        group = VGroup()
        for i, line in enumerate(lines):
            mob = self.texts.text(line, CODE_FONT_SIZE, self.theme.text, font=CODE_FONT)
            # Pango drops leading spaces, so the loop body is indented by position.
            left = CODE_LEFT + (INDENT if i else 0.0)
            mob.move_to((left, CODE_TOP - i * LINE_GAP, 0), aligned_edge=LEFT)
            group.add(mob)
        self.value_left = group.get_right()[0] + VALUE_GAP
        return group

    def _line_centre(self, line: int) -> tuple[float, float, float]:
        return (0.0, CODE_TOP - line * LINE_GAP, 0.0)

    def _marker(self, line: int) -> Rectangle:
        """The band behind the line being run."""
        band = Rectangle(width=config.frame_width - 0.6, height=LINE_GAP * 0.95)
        band.set_stroke(width=0).set_fill(self.theme.highlight, opacity=0.18)
        return band.move_to(self._line_centre(line))

    def _value_text(self, line: int, epoch: int, cleared: bool = False) -> str:
        """What line ``line`` (1..5) computed in ``epoch``, formatted from the trace."""
        t = self.trace.tensors
        if line == 1:
            return "y_pred = [" + ", ".join(fmt(v) for v in t["y_pred"][epoch]) + "]"
        if line == 2:
            return f"loss = {fmt_loss(t['loss'][epoch])}"
        if line == 3 and cleared:
            return "w.grad = 0, b.grad = 0"
        if line in (3, 4):
            return f"w.grad = {fmt(t['grad_w'][epoch])}, b.grad = {fmt(t['grad_b'][epoch])}"
        return f"w = {fmt(t['w'][epoch + 1])}, b = {fmt(t['b'][epoch + 1])}"

    def _show_value(self, line: int, content: str) -> None:
        """Put ``content`` beside code line ``line`` (1..5), replacing what was there."""
        width = config.frame_width / 2 - 0.3 - self.value_left
        mob = self.texts.fitted(content, width, CODE_FONT_SIZE, self.theme.accent)
        mob.move_to((self.value_left, CODE_TOP - line * LINE_GAP, 0), aligned_edge=LEFT)
        old = self.values[line - 1]
        if old is not None:
            self.remove(old)
        self.values[line - 1] = mob
        self.add(mob)

    # --- the run of epochs -------------------------------------------------------------
    def _run(self, losses: list[float]) -> None:
        epochs = len(losses)
        self.plot = PlotAxes.loss_per_epoch(
            losses,
            (PLOT_WIDTH, PLOT_HEIGHT),
            self.theme,
            self.texts,
            (self.tr("loop.axis.epoch"), self.tr("loop.axis.loss")),
            tick_decimals=3,
        )
        self.plot.move_to((CODE_LEFT, PLOT_TOP, 0), aligned_edge=UP + LEFT)
        shrink_to_fit(self.plot, config.frame_width / 2, PLOT_HEIGHT + 1.0)
        self.status = self._status(0)
        self.say(self.tr("loop.run", epochs=epochs))
        self.play(fade_in(self.plot), fade_in(self.status), run_time=0.6)
        self.shown_epochs: list[int] = []
        done = 0
        for e in [e for e in snapshot_epochs(epochs - 1, SNAPSHOTS) if e > 0] or [0]:
            for line in range(1, len(CODE) + 1):
                self._show_value(line, self._value_text(line, e, cleared=line == 3))
            self.remove(self.status)
            self.status = self._status(e)
            self.add(self.status)
            xs = list(range(done, e + 1))
            curve = self.plot.polyline(xs, losses[done : e + 1], self.theme.negative, 3)
            self.play(Create(curve), run_time=SNAPSHOT_SECONDS)
            self.shown_epochs.append(e)
            done = e

    def _prediction(self) -> Text:
        """model(x_test) after training, under the status column."""
        t, p = self.trace.tensors, self.trace.params
        content = f"model({format_number(p['x_test'], 2)}) = {fmt(t['y_test'])}"
        mob = self.texts.text(content, LABEL_FONT_SIZE, self.theme.output_ink, font=CODE_FONT)
        return mob.next_to(self.status, DOWN, buff=0.35, aligned_edge=LEFT)

    def _status(self, epoch: int) -> VGroup:
        """Epoch, w, b and loss of ``epoch`` in a column right of the plot."""
        t = self.trace.tensors
        rows = [
            self.tr("loop.status.epoch", epoch=epoch),
            f"w = {fmt(t['w'][epoch])}",
            f"b = {fmt(t['b'][epoch])}",
            self.tr("loop.status.loss", loss=fmt_loss(t["loss"][epoch])),
        ]
        group = VGroup(*[self.label(r, LABEL_FONT_SIZE, self.theme.text) for r in rows])
        group.arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        group.next_to(self.plot, RIGHT, buff=0.8).align_to(self.plot, UP)
        return group
