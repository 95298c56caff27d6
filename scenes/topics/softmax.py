"""Softmax with cross-entropy, drawn from a softmax trace.

Bars turn from logits into shifted logits, exponentials and probabilities; a panel
beside them writes each stage with the trace's numbers filled in, then shows that
CrossEntropyLoss equals LogSoftmax + NLLLoss, that a one-hot target and a class index
give the same loss, and why the maximum is subtracted before exp().
"""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Line,
    Rectangle,
    ReplacementTransform,
    Text,
    VGroup,
    config,
)

from explain.mlcore.softmax import SoftmaxExtra
from explain.scenes.kit.base import LABEL_FONT_SIZE, TraceScene
from explain.scenes.kit.layout import CHART_BANDS
from explain.scenes.kit.motion import fade_in, fade_out
from explain.scenes.kit.widgets.numbers import format_number

TOP_RESERVED, BOTTOM_RESERVED, SIDE_MARGIN = CHART_BANDS  # title, caption, sides
CHART_WIDTH = 6.2  # bars and their labels
CHART_HALF_HEIGHT = 1.35  # tallest bar above (or below) the baseline
BAR_FILL = 0.75  # fraction of a class's slot the bar covers
PANEL_GAP = 0.5
VALUE_FONT_SIZE = 20
PANEL_FONT_SIZE = LABEL_FONT_SIZE
SUM_TERMS_MAX = 4  # longer sums are written as Σ only
LOSS_DECIMALS = 4
STAGE_SECONDS = 0.9


class SoftmaxScene(TraceScene):
    """Logits -> shifted -> exp -> probabilities -> −log p[target], then the equivalences."""

    def construct(self) -> None:
        self._place_chart()
        bars, values = self._introduce()
        self.panel = VGroup()
        bars, values = self._shift(bars, values)
        bars, values = self._exponentiate(bars, values)
        bars, values = self._normalise(bars, values)
        self._take_loss(bars, values)
        self._equivalences()
        self._overflow()

    # --- the steps --------------------------------------------------------------------
    def _place_chart(self) -> None:
        """The chart's baseline, centred between title and caption on the left; the panel
        to its right."""
        self.k = len(self.trace.tensors["logits"])
        self.target = int(self.trace.params["target"])
        self.slot = CHART_WIDTH / self.k
        self.baseline_y = (BOTTOM_RESERVED - TOP_RESERVED) / 2
        self.chart_left = -config.frame_width / 2 + SIDE_MARGIN
        self.panel_left = self.chart_left + CHART_WIDTH + PANEL_GAP
        self.panel_width = config.frame_width / 2 - SIDE_MARGIN - self.panel_left
        self.panel_top = config.frame_height / 2 - TOP_RESERVED - 0.1
        # On-screen numbers by stage, for tests: stage -> one Text per class.
        self.bar_values: dict[str, list[Text]] = {}
        self.panel_lines: dict[str, Text] = {}

    def _introduce(self) -> tuple[VGroup, VGroup]:
        """Title, baseline, class labels and the logits' bars."""
        left_x, mid_y = self.chart_left, self.baseline_y
        title = self.title(self.tr("softmax.title"))
        baseline = Line(
            (left_x, mid_y, 0.0),
            (left_x + CHART_WIDTH, mid_y, 0.0),
            stroke_color=self.theme.grid_stroke,
            stroke_width=2,
        )
        # As wide as a class's slot at most: eight labels at full size ran into each other.
        self.class_labels = VGroup(
            *[
                self.texts.fitted(
                    self.tr("softmax.class", i=i),
                    self.slot * BAR_FILL,
                    LABEL_FONT_SIZE,
                    self.theme.highlight if i == self.target else self.theme.muted,
                ).move_to((self._slot_x(i), mid_y - CHART_HALF_HEIGHT - 0.55, 0.0))
                for i in range(self.k)
            ]
        )
        bars, values = self._bars(self.trace.tensors["logits"], self.theme.input_fill, "logits")
        self.stage_label = self._stage_label(self.tr("softmax.stage.logits"))
        self.play(
            fade_in(title),
            fade_in(baseline),
            fade_in(self.class_labels),
            fade_in(bars),
            fade_in(values),
            fade_in(self.stage_label),
            run_time=0.8,
        )
        self.say(self.tr("softmax.intro", k=self.k, target=self.target), hold=1.0)
        return bars, values

    def _shift(self, bars: VGroup, values: VGroup) -> tuple[VGroup, VGroup]:
        z_max = self.trace.extra_as(SoftmaxExtra)["max"]
        self._panel_add("max", self.tr("softmax.panel.max", max=format_number(z_max)))
        shifted = self.trace.tensors["shifted"]
        bars, values = self._stage(
            bars, values, shifted, self.theme.input_fill, "shifted", "softmax.stage.shifted"
        )
        self.say(self.tr("softmax.step.shift"), hold=1.0)
        return bars, values

    def _exponentiate(self, bars: VGroup, values: VGroup) -> tuple[VGroup, VGroup]:
        t = self.trace.tensors
        exp_terms = " + ".join(format_number(v) for v in t["exp"])
        sum_text = format_number(t["sum_exp"][0])
        if self.k <= SUM_TERMS_MAX:
            self._panel_add("sum", self.tr("softmax.panel.sum", terms=exp_terms, total=sum_text))
        else:
            self._panel_add("sum", self.tr("softmax.panel.sum_short", total=sum_text))
        bars, values = self._stage(
            bars, values, t["exp"], self.theme.input_fill, "exp", "softmax.stage.exp"
        )
        self.say(self.tr("softmax.step.exp"), hold=1.0)
        return bars, values

    def _normalise(self, bars: VGroup, values: VGroup) -> tuple[VGroup, VGroup]:
        t, tgt = self.trace.tensors, self.target
        self._panel_add(
            "prob",
            self.tr(
                "softmax.panel.prob",
                t=tgt,
                exp=format_number(t["exp"][tgt]),
                total=format_number(t["sum_exp"][0]),
                p=format_number(t["probs"][tgt]),
            ),
        )
        bars, values = self._stage(
            bars, values, t["probs"], self.theme.output_fill, "probs", "softmax.stage.probs"
        )
        self.say(self.tr("softmax.step.probs"), hold=1.0)
        return bars, values

    def _take_loss(self, bars: VGroup, values: VGroup) -> None:
        t, tgt = self.trace.tensors, self.target
        self.target_mark = self._target_mark(bars, values)
        self._panel_add(
            "loss",
            self.tr(
                "softmax.panel.loss",
                t=tgt,
                p=format_number(t["probs"][tgt]),
                loss=format_number(t["loss"][0], LOSS_DECIMALS),
            ),
            color=self.theme.accent,
            animate=False,
        )
        self.play(fade_in(self.target_mark), fade_in(self.panel_lines["loss"]), run_time=0.6)
        self.say(self.tr("softmax.step.loss", t=tgt), hold=1.2)

    # --- layout -----------------------------------------------------------------------
    def _slot_x(self, i: int) -> float:
        return self.chart_left + (i + 0.5) * self.slot

    def _stage_label(self, content: str) -> Text:
        label = self.label(content, color=self.theme.text)
        return label.move_to(
            (self.chart_left + CHART_WIDTH / 2, self.baseline_y + CHART_HALF_HEIGHT + 0.65, 0.0)
        )

    def _bars(self, values: list[float], fill: str, stage: str) -> tuple[VGroup, VGroup]:
        """One bar per class scaled to the stage's largest magnitude, with its value."""
        top = max(abs(v) for v in values)
        scale = CHART_HALF_HEIGHT / top if top > 0 else 0.0
        bars, labels = VGroup(), VGroup()
        shown: list[Text] = []
        for i, v in enumerate(values):
            height = max(abs(v) * scale, 0.02)  # a hairline for zero, so the bar exists
            bar = Rectangle(
                width=self.slot * BAR_FILL,
                height=height,
                stroke_color=self.theme.grid_stroke,
                stroke_width=1.5,
                fill_color=fill,
                fill_opacity=self.theme.fill_opacity + 0.2,
            )
            edge = DOWN if v >= 0 else UP
            bar.move_to((self._slot_x(i), self.baseline_y, 0.0), aligned_edge=edge)
            number = self.texts.number(v, VALUE_FONT_SIZE)
            if number.width > self.slot * 0.95:
                number.scale_to_fit_width(self.slot * 0.95)
            number.next_to(bar, UP if v >= 0 else DOWN, buff=0.08)
            bars.add(bar)
            labels.add(number)
            shown.append(number)
        self.bar_values[stage] = shown
        return bars, labels

    def _stage(
        self,
        bars: VGroup,
        values: VGroup,
        data: list[float],
        fill: str,
        stage: str,
        label_key: str,
    ) -> tuple[VGroup, VGroup]:
        """Morph the bars into the next stage, write its panel line at the same time."""
        new_bars, new_values = self._bars(data, fill, stage)
        new_label = self._stage_label(self.tr(label_key))
        line = self.panel[-1]
        self.play(
            ReplacementTransform(bars, new_bars),
            ReplacementTransform(values, new_values),
            ReplacementTransform(self.stage_label, new_label),
            fade_in(line, shift=0.1 * RIGHT),
            run_time=STAGE_SECONDS,
        )
        self.stage_label = new_label
        return new_bars, new_values

    def _panel_add(
        self, key: str, content: str, color: str | None = None, animate: bool = False
    ) -> Text:
        """A line of the panel right of the chart, below the previous one (not yet shown)."""
        line = self.texts.fitted(
            content, self.panel_width, PANEL_FONT_SIZE, color or self.theme.text
        )
        if len(self.panel) == 0:
            line.move_to((self.panel_left, self.panel_top, 0.0), aligned_edge=UP + LEFT)
        else:
            line.next_to(self.panel[-1], DOWN, buff=0.3, aligned_edge=LEFT)
        self.panel.add(line)
        self.panel_lines[key] = line
        if animate:
            self.play(fade_in(line, shift=0.1 * RIGHT), run_time=0.5)
        return line

    def _target_mark(self, bars: VGroup, values: VGroup) -> Rectangle:
        """A frame around the target's bar and its value: around the bar alone, its top
        edge ran through the value written just above the bar."""
        marked = VGroup(bars[self.target], values[self.target])
        mark = Rectangle(
            width=marked.width + 0.12,
            height=marked.height + 0.12,
            stroke_color=self.theme.highlight,
            stroke_width=5,
        )
        return mark.move_to(marked.get_center())

    # --- the equivalences and the overflow ----------------------------------------------
    def _clear_panel(self) -> None:
        self.play(*[fade_out(m) for m in self.panel], run_time=0.4)
        self.panel = VGroup()

    def _equivalences(self) -> None:
        losses = self.trace.extra_as(SoftmaxExtra)["losses"]
        tgt = self.target
        onehot = ", ".join(format_number(v) for v in self.trace.tensors["onehot"])
        self._clear_panel()
        self._panel_add(
            "ce",
            self.tr(
                "softmax.panel.ce",
                t=tgt,
                loss=format_number(losses["cross_entropy_loss"], LOSS_DECIMALS),
            ),
            animate=True,
        )
        self._panel_add(
            "nll",
            self.tr(
                "softmax.panel.nll",
                t=tgt,
                loss=format_number(losses["nll_log_softmax"], LOSS_DECIMALS),
            ),
            animate=True,
        )
        self.say(self.tr("softmax.step.ce_nll"), hold=1.2)
        self._panel_add(
            "onehot",
            self.tr(
                "softmax.panel.onehot",
                onehot=onehot,
                loss=format_number(losses["onehot"], LOSS_DECIMALS),
            ),
            animate=True,
        )
        self._panel_add(
            "index",
            self.tr(
                "softmax.panel.index",
                t=tgt,
                loss=format_number(losses["manual"], LOSS_DECIMALS),
            ),
            animate=True,
        )
        self.say(self.tr("softmax.step.onehot"), hold=1.5)

    def _overflow(self) -> None:
        over = self.trace.extra_as(SoftmaxExtra)["overflow"]
        self._clear_panel()
        big = ", ".join(format_number(v) for v in over["logits"])
        key = "softmax.panel.big_given" if over["offset"] == 0 else "softmax.panel.big"
        self._panel_add(
            "big", self.tr(key, offset=format_number(over["offset"]), logits=big), animate=True
        )
        if over["naive_overflows"]:
            self._panel_add(
                "naive",
                self.tr(
                    "softmax.panel.naive",
                    max=format_number(over["max"]),
                    dtype=over["dtype"],
                ),
                color=self.theme.negative,
                animate=True,
            )
        probs = ", ".join(format_number(v) for v in over["probs"])
        self._panel_add(
            "stable",
            self.tr("softmax.panel.stable", probs=probs),
            color=self.theme.accent,
            animate=True,
        )
        self.say(self.tr("softmax.outro"), hold=2.0)
