"""Recurrent scenes: one RNNCell unrolled, a stacked nn.RNN grid, an embedding lookup.

Every number comes from the trace (mlcore.rnn): one-hot inputs, weights, hidden states,
scores, losses, and the per-epoch predictions. Layout is derived from the tensors' sizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Mobject,
    RoundedRectangle,
    SurroundingRectangle,
    Text,
    VGroup,
    config,
)

from explain.mlcore.rnn import (
    EmbeddingExtra,
    EmbeddingStep,
    EpochRecord,
    RnnLayersExtra,
    RnnUnrollExtra,
    RnnUnrollStep,
)
from explain.scenes.kit.base import LABEL_FONT_SIZE, MobjectT, TraceScene, shape_text, shrink_to_fit
from explain.scenes.kit.layout import SEQUENCE_BANDS
from explain.scenes.kit.motion import fade_in, fade_out, move_to
from explain.scenes.kit.widgets.numbers import FONT_SIZE_PER_UNIT, format_number
from explain.scenes.kit.widgets.tensor_grid import DIGIT_HEIGHT, DIGIT_WIDTH, TensorGrid

TOP_RESERVED, BOTTOM_RESERVED, SIDE_MARGIN = SEQUENCE_BANDS  # title, caption, sides
MAX_CELL = 0.78  # a vector cell; 2-decimal numbers need about this much at 480p
MIN_CELL = 0.36
# The unrolled equation: cells wider than tall so that "−0.50" is as tall as the row
# allows; operators small and close, since every unit of width goes to the numbers.
PANEL_ROW = 0.62  # row height of the equation's grids when there is room
PANEL_MIN_ROW = 0.3
PANEL_MARGIN = 0.15
OP_GAP = 0.08
TANH_FONT_SIZE = 18
PANEL_LABEL_GAP = 0.1
ONE_HOT_WIDTH = 0.7  # the one-hot column's width, in row heights: one digit
OP_FONT_SIZE = 30
CHAR_FONT_SIZE = 28
ROW_FONT_SIZE = 22
SMALL_GAP = 0.15
GAP = 0.3
BOX_HEIGHT = 0.55
BOX_OPACITY = 0.25
ARROW_STROKE = 3.0
WIDEST = "\u22120.00"  # the widest number a hidden state (tanh, |h| < 1) shows
EPOCH_ROWS_PER_COLUMN = 8
EPOCH_SECONDS = 0.3
CHAR_FONT = "DejaVu Sans Mono"
TABLE_GAP = 0.35
ROW_HEIGHT = 0.36
WEIGHT_LABEL_FONT_SIZE = 17
LABEL_GAP = 0.3
COL_PAD = 0.5  # per time step: the box around a state and the arrow to the next one
MARK_STROKE = 5.0


def _col(values: Sequence[float]) -> list[list[float]]:
    """A vector as an (n, 1) grid's rows."""
    return [[v] for v in values]


class _RnnBase(TraceScene):
    """Helpers shared by the three recurrent scenes."""

    def grid(
        self, values: Sequence[Sequence[float]] | None, fill: str, cell: float, rows: int = 0
    ) -> TensorGrid:
        n_rows = len(values) if values is not None else rows
        n_cols = len(values[0]) if values is not None else 1
        return TensorGrid(n_rows, n_cols, cell, self.theme, self.texts, fill, values, widest=WIDEST)

    def replace_numbers(self, grid: TensorGrid, values: Sequence[Sequence[float]]) -> None:
        """Swap every number of ``grid`` for ``values`` (same shape) at once.

        An instant swap, not a Transform: Manim deep-copies Text for each Transform, and
        that copying dominated these scenes' render time.
        """
        olds = [old for old, _ in grid.replace_numbers(values)]
        self.remove(*olds)  # one pass over the scene's mobjects, not one per number

    def box(self, content: str, width: float, color: str) -> VGroup:
        rect = RoundedRectangle(
            corner_radius=0.1, width=width, height=BOX_HEIGHT, stroke_color=self.theme.ink(color)
        )
        rect.set_fill(color, opacity=BOX_OPACITY)
        label = self.texts.fitted(content, width * 0.9, LABEL_FONT_SIZE, self.theme.text)
        return VGroup(rect, label.move_to(rect))

    def arrow(self, start: Mobject, end: Mobject, direction: Any) -> Arrow:
        return Arrow(
            start.get_edge_center(direction),
            end.get_edge_center(-direction),
            buff=0.06,
            stroke_width=ARROW_STROKE,
            max_tip_length_to_length_ratio=0.35,
            color=self.theme.muted,
        )

    def char(self, ch: str, font_size: float, color: str) -> Text:
        """A sequence character in a monospace font, where 'l' does not look like a bar."""
        return self.texts.text(ch, font_size, color, font=CHAR_FONT)

    def prediction_text(self, prediction: str, target: str, font_size: float) -> VGroup:
        """The predicted string, each character green if it matches the target, else red."""
        chars = [
            self.char(ch, font_size, self.theme.output_ink if ch == want else self.theme.negative)
            for ch, want in zip(prediction, target)
        ]
        return VGroup(*chars).arrange(RIGHT, buff=0.04, aligned_edge=DOWN)

    def epoch_table(self, epochs: list[EpochRecord], target: str) -> VGroup:
        """Columns epoch | prediction | loss, in blocks of EPOCH_ROWS_PER_COLUMN rows."""
        self.epoch_rows: list[VGroup] = []
        self.epoch_predictions: list[str] = []
        self.epoch_losses: list[Text] = []
        muted, text = self.theme.muted, self.theme.text
        headers = [
            self.label(self.tr(k)) for k in ("rnn.col.epoch", "rnn.col.prediction", "rnn.col.loss")
        ]
        preds = [self.prediction_text(r["prediction"], target, ROW_FONT_SIZE) for r in epochs]
        col_x = [0.0]  # left edge of each column inside one block
        col_x.append(col_x[0] + max(headers[0].width, 0.5) + TABLE_GAP)
        col_x.append(col_x[1] + max(headers[1].width, *(p.width for p in preds)) + TABLE_GAP)
        block_w = col_x[2] + max(headers[2].width, 0.9) + 2 * TABLE_GAP
        blocks = VGroup()
        header_copies: list[Text] = []
        for start in range(0, len(epochs), EPOCH_ROWS_PER_COLUMN):
            x0 = block_w * (start // EPOCH_ROWS_PER_COLUMN)
            block = VGroup()
            for x, h in zip(col_x, headers):
                header_copies.append(h.copy().move_to((x0 + x, 0.0, 0.0), aligned_edge=LEFT))
                block.add(header_copies[-1])
            for n in range(start, min(start + EPOCH_ROWS_PER_COLUMN, len(epochs))):
                y = -ROW_HEIGHT * (n - start + 1)
                record = epochs[n]
                number = self.texts.text(str(record["epoch"]), ROW_FONT_SIZE, muted)
                loss = self.texts.text(format_number(record["loss"]), ROW_FONT_SIZE, text)
                number.move_to((x0 + col_x[0], y, 0.0), aligned_edge=LEFT)
                preds[n].move_to((x0 + col_x[1], y, 0.0), aligned_edge=LEFT)
                loss.move_to((x0 + col_x[2], y, 0.0), aligned_edge=LEFT)
                row = VGroup(number, preds[n], loss)
                self.epoch_rows.append(row)
                self.epoch_predictions.append(record["prediction"])
                self.epoch_losses.append(loss)
                block.add(row)
            blocks.add(block)
        self.epoch_headers = VGroup(*header_copies)
        return self.fit_width(blocks)  # forty epochs make five blocks, too wide at full size

    def play_epochs(self, table: VGroup, on_epoch: Any = None) -> None:
        """Reveal the header then one row per epoch, each in a short play."""
        self.play(fade_in(self.epoch_headers), run_time=0.3)
        for n, row in enumerate(self.epoch_rows):
            extra = on_epoch(n) if on_epoch is not None else []
            self.play(fade_in(row), *extra, run_time=EPOCH_SECONDS)

    def fit_width(self, group: MobjectT) -> MobjectT:
        return shrink_to_fit(group, config.frame_width - 2 * SIDE_MARGIN)

    def body_center_y(self) -> float:
        return (BOTTOM_RESERVED - TOP_RESERVED) / 2


class RnnUnrollScene(_RnnBase):
    """The course's RNNCell on "hello" -> "ohlol": unrolled with numbers, then trained."""

    def construct(self) -> None:
        strip, panel = self._layout()
        self._introduce(strip, panel)
        self._unroll()
        self._sum_losses()
        self._train(panel)
        self.say(self._outro(), hold=1.5)

    # --- the steps --------------------------------------------------------------------
    def _layout(self) -> tuple[VGroup, VGroup]:
        """The unrolled strip under the title, the equation panel below, both centred
        between title and caption; the row for the step line under them."""
        steps = self.trace.steps_as(RnnUnrollStep)
        strip = self._unrolled_strip(steps)
        top = config.frame_height / 2 - TOP_RESERVED
        strip.move_to((0.0, top, 0.0), aligned_edge=UP)
        step_h = LABEL_FONT_SIZE / FONT_SIZE_PER_UNIT
        # What is left between the strip and the step line goes to the grids' rows.
        room = (
            strip.get_bottom()[1] - GAP - SMALL_GAP - (-config.frame_height / 2 + BOTTOM_RESERVED)
        )
        panel = self._equation_panel(steps[0], room - step_h)
        panel.next_to(strip, DOWN, buff=GAP).set_x(0.0)
        bottom = -config.frame_height / 2 + BOTTOM_RESERVED
        slack = panel.get_bottom()[1] - SMALL_GAP - step_h - bottom
        VGroup(strip, panel).shift(slack / 2 * DOWN)  # centred between title and caption
        self.step_y = panel.get_bottom()[1] - SMALL_GAP - step_h / 2
        self.step_line: Text | None = None
        return strip, panel

    def _introduce(self, strip: VGroup, panel: VGroup) -> None:
        prm, vocab = self.trace.params, self.trace.extra_as(RnnUnrollExtra)["vocab"]
        title = self.title(self.tr("rnn.unroll.title", input=prm["input"], target=prm["target"]))
        self.play(fade_in(title), fade_in(strip), run_time=0.6)
        self.say(self.tr("rnn.unroll.intro", vocab=", ".join(vocab)), hold=0.8)
        self.play(fade_in(panel), run_time=0.6)
        self.say(self.tr("rnn.unroll.shared"), hold=0.8)
        self.say(self.tr("rnn.unroll.formula"), hold=0.6)

    def _unroll(self) -> None:
        """A marker walks the cells; each step's x, h_{t-1} and h_t fill the equation."""
        self.predicted_chars: list[Text] = []
        marker = SurroundingRectangle(self.cells[0], color=self.theme.highlight, buff=0.05)
        for t, step in enumerate(self.trace.steps_as(RnnUnrollStep)):
            anims: list[Any] = []
            if t > 0:
                self.replace_numbers(self.x_grid, _col(step["x"]))
                self.replace_numbers(self.h_prev_grid, _col(step["h_prev"]))
                old_h = self.h_grid.clear_numbers()
                if old_h:  # one removal from the scene, not one per number
                    anims.append(fade_out(*old_h))
                anims.append(move_to(marker, self.cells[t]))
            else:
                anims.append(fade_in(marker))
            self.play(*anims, run_time=0.5)
            self._show_step(step, t)
        self.play(fade_out(marker), run_time=0.2)

    def _show_step(self, step: RnnUnrollStep, t: int) -> None:
        """h_t appears with its step line and predicted character, then a caption."""
        new_h = [self.h_grid.fill_in(r, 0, value) for r, value in enumerate(step["h"])]
        line = self._step_line(step, t)
        char = self._predicted_char(step, t)
        self.play(
            *[fade_in(mob) for mob in new_h],
            fade_in(line),
            *([fade_out(self.step_line)] if self.step_line else []),
            fade_in(char),
            run_time=0.6,
        )
        self.step_line = line
        if t == 0:
            has_readout = "weight_out" in self.trace.tensors
            scores_key = "rnn.unroll.scores_linear" if has_readout else "rnn.unroll.scores_h"
            self.say(self.tr(scores_key), hold=0.8)
        elif t == 1:
            self.say(self.tr("rnn.unroll.carry"), hold=0.5)
        else:
            self.wait(0.5)

    def _sum_losses(self) -> None:
        self.loss_line = self._loss_line()
        self.loss_line.set_y(self.step_y)
        assert self.step_line is not None  # set by the first time step
        self.play(fade_out(self.step_line), fade_in(self.loss_line), run_time=0.5)
        self.say(self.tr("rnn.unroll.loss"), hold=1.0)

    def _train(self, panel: VGroup) -> None:
        """The panel gives way to the epoch table; predictions update above the cells."""
        prm = self.trace.params
        table = self.epoch_table(self.trace.extra_as(RnnUnrollExtra)["epochs"], prm["target"])
        table.move_to(panel).align_to(panel, UP)
        numbers = [m for g in self._panel_grids() for m in g.numbers.values()]
        self.play(fade_out(panel), fade_out(self.loss_line), *map(fade_out, numbers), run_time=0.4)
        self.say(self.tr("rnn.train", lr=f"{prm['lr']:g}"))
        self.play_epochs(table, self._epoch_chars)

    # --- parts ------------------------------------------------------------------------
    def _unrolled_strip(self, steps: list[RnnUnrollStep]) -> VGroup:
        """Input characters, one RNNCell box per step (same colour: same weights), h arrows."""
        theme = self.theme
        n = len(steps)
        box_w = min(1.5, (config.frame_width - 2 * SIDE_MARGIN - 1.2) / n - 0.45)
        self.cells = [self.box(self.tr("rnn.cell"), box_w, theme.weight_fill) for _ in steps]
        row = VGroup(*self.cells).arrange(RIGHT, buff=0.45)
        h0 = self.label(self.tr("rnn.h0")).next_to(row, LEFT, buff=0.4)
        arrows = VGroup(self.arrow(h0, self.cells[0], RIGHT))
        arrows.add(*[self.arrow(a, b, RIGHT) for a, b in zip(self.cells, self.cells[1:])])
        self.input_chars = [
            self.char(step["char"], CHAR_FONT_SIZE, theme.input_ink).next_to(
                cell, DOWN, buff=SMALL_GAP
            )
            for step, cell in zip(steps, self.cells)
        ]
        self.target_chars = [
            self.char(step["target"], CHAR_FONT_SIZE, theme.muted).next_to(cell, UP, buff=SMALL_GAP)
            for step, cell in zip(steps, self.cells)
        ]
        row_labels = VGroup(
            self.label(self.tr("rnn.row.input")).set_y(self.input_chars[0].get_y()),
            self.label(self.tr("rnn.row.target")).set_y(self.target_chars[0].get_y()),
        )
        for lbl in row_labels:
            lbl.align_to(h0, RIGHT)
        # The predictions appear one row above the targets.
        self.pred_y = self.target_chars[0].get_y() + CHAR_FONT_SIZE / 96 + 2 * SMALL_GAP
        self.pred_label = self.label(self.tr("rnn.row.prediction")).set_y(self.pred_y)
        self.pred_label.align_to(h0, RIGHT)
        pred_label = self.pred_label
        row_labels.add(pred_label)
        return VGroup(row, h0, arrows, *self.input_chars, *self.target_chars, row_labels)

    def _equation_panel(self, first: RnnUnrollStep, height: float) -> VGroup:
        """W_ih · x_t + b_ih + W_hh · h_{t-1} + b_hh -> tanh -> h_t, all with numbers.

        Fits ``height`` (labels included) and the frame's width. The one-hot x_t shows only
        0 and 1, so its cells are narrow; every other cell is as wide as "−0.50" needs.
        """
        theme = self.theme
        ops = ["·", "+", "+", "·", "+"]
        op_mobs = [self.texts.text(op, OP_FONT_SIZE, theme.muted) for op in ops]
        op_mobs.append(self.texts.text(self.tr("rnn.tanh"), TANH_FONT_SIZE, theme.muted))
        self._make_panel_grids(first, *self._panel_cells(op_mobs, height))
        parts = [
            (self.weight_grids["weight_ih"], "rnn.w_ih"),
            (self.x_grid, "rnn.x_t"),
            (self.weight_grids["bias_ih"], "rnn.b_ih"),
            (self.weight_grids["weight_hh"], "rnn.w_hh"),
            (self.h_prev_grid, "rnn.h_prev"),
            (self.weight_grids["bias_hh"], "rnn.b_hh"),
            (self.h_grid, "rnn.h_t"),
        ]
        blocks = []
        for g, key in parts:
            label = self.label(self.tr(key))
            blocks.append(VGroup(label.next_to(g, UP, buff=PANEL_LABEL_GAP), g))
        eq = VGroup()
        for n, block in enumerate(blocks):
            eq.add(block)
            if n < len(op_mobs):
                eq.add(op_mobs[n])
        eq.arrange(RIGHT, buff=OP_GAP, aligned_edge=DOWN)
        for op in op_mobs:  # operators sit at the grids' middle, not the labelled block's
            op.set_y(self.weight_grids["weight_ih"].get_center()[1])
        # Only when even square cells do not fit (very large sizes).
        return shrink_to_fit(eq, config.frame_width - 2 * PANEL_MARGIN)

    def _panel_cells(self, op_mobs: list[Text], height: float) -> tuple[float, float, float]:
        """(row height, cell width, one-hot cell width) for the equation to fit."""
        hidden, v = self.trace.array("weight_ih").shape  # (H, V)
        label_h = LABEL_FONT_SIZE / FONT_SIZE_PER_UNIT + PANEL_LABEL_GAP
        row = max(PANEL_MIN_ROW, min(PANEL_ROW, (height - label_h) / max(hidden, v)))
        wide_cols = v + 1 + hidden + 1 + 1 + 1  # W_ih, b_ih, W_hh, h_{t-1}, b_hh, h_t
        gaps = 2 * len(op_mobs) * OP_GAP
        avail_w = config.frame_width - 2 * PANEL_MARGIN - sum(m.width for m in op_mobs) - gaps
        want = self.texts.text(WIDEST, row * DIGIT_HEIGHT * FONT_SIZE_PER_UNIT).width
        x_width = row * ONE_HOT_WIDTH
        width = max(row, min(want / DIGIT_WIDTH, (avail_w - x_width) / wide_cols))
        return row, width, x_width

    def _make_panel_grids(
        self, first: RnnUnrollStep, row: float, width: float, x_width: float
    ) -> None:
        """The weights, x_t and h_{t-1} of the first step, and an empty h_t."""
        trace, theme = self.trace, self.theme
        v = trace.array("weight_ih").shape[1]  # (H, V)

        def grid(values: list[list[float]] | None, fill: str, rows: int = 0) -> TensorGrid:
            n_rows = len(values) if values is not None else rows
            n_cols = len(values[0]) if values is not None else 1
            return TensorGrid(
                n_rows,
                n_cols,
                row,
                theme,
                self.texts,
                fill,
                values,
                widest=WIDEST,
                cell_width=width,
            )

        self.weight_grids = {
            "weight_ih": grid(trace.tensors["weight_ih"], theme.weight_fill),
            "bias_ih": grid(_col(trace.tensors["bias_ih"]), theme.weight_fill),
            "weight_hh": grid(trace.tensors["weight_hh"], theme.weight_fill),
            "bias_hh": grid(_col(trace.tensors["bias_hh"]), theme.weight_fill),
        }
        # One-hot: "0" and "1" only, in narrow cells, in the same font size as the rest.
        self.x_grid = TensorGrid(
            v, 1, row, theme, self.texts, theme.input_fill, widest="1", cell_width=x_width
        )
        self.x_grid.font_size = self.weight_grids["bias_ih"].font_size
        for r, value in enumerate(first["x"]):
            self.x_grid.fill_in(r, 0, value)
        self.h_prev_grid = grid(_col(first["h_prev"]), theme.output_fill)
        self.h_grid = grid(None, theme.output_fill, rows=len(first["h"]))

    def _panel_grids(self) -> list[TensorGrid]:
        return [*self.weight_grids.values(), self.x_grid, self.h_prev_grid, self.h_grid]

    def _step_line(self, step: RnnUnrollStep, t: int) -> Text:
        text = self.tr(
            "rnn.step_line",
            t=t + 1,
            char=step["char"],
            predicted=step["predicted"],
            target=step["target"],
            loss=format_number(step["loss"]),
        )
        line = self.texts.fitted(
            text, config.frame_width - 2 * SIDE_MARGIN, LABEL_FONT_SIZE, self.theme.text
        )
        return line.move_to((0.0, self.step_y, 0.0))

    def _predicted_char(self, step: RnnUnrollStep, t: int) -> Text:
        """The predicted character above the cell, replacing the target shown there."""
        ok = step["predicted"] == step["target"]
        colour = self.theme.output_ink if ok else self.theme.negative
        char = self.char(step["predicted"], CHAR_FONT_SIZE, colour)
        char.move_to((self.target_chars[t].get_x(), self.pred_label.get_y(), 0.0))
        self.predicted_chars.append(char)
        return char

    def _loss_line(self) -> Text:
        terms = " + ".join(format_number(s["loss"]) for s in self.trace.steps_as(RnnUnrollStep))
        total = self.trace.extra_as(RnnUnrollExtra)["total_loss"]
        text = self.tr("rnn.loss_sum", terms=terms, total=format_number(total))
        return self.texts.fitted(
            text, config.frame_width - 2 * SIDE_MARGIN, LABEL_FONT_SIZE, self.theme.accent
        )

    def _epoch_chars(self, n: int) -> list[Any]:
        """Animations writing epoch n's prediction above the unrolled cells."""
        record = self.trace.extra_as(RnnUnrollExtra)["epochs"][n]
        anims: list[Any] = []
        pairs = list(zip(record["prediction"], self.trace.params["target"]))
        old = self.predicted_chars[: len(pairs)]
        for t, (ch, want) in enumerate(pairs):
            colour = self.theme.output_ink if ch == want else self.theme.negative
            self.predicted_chars[t] = self.char(ch, CHAR_FONT_SIZE, colour).move_to(old[t])
        # An instant swap (see replace_numbers); one pass over the scene each way.
        self.remove(*old)
        self.add(*self.predicted_chars[: len(pairs)])
        return anims

    def _outro(self) -> str:
        prm, extra = self.trace.params, self.trace.extra_as(RnnUnrollExtra)
        epochs, first = extra["epochs"], extra["first_match_epoch"]
        if first is not None and extra["final_matches"]:
            return self.tr("rnn.reached", epoch=first, target=prm["target"])
        return self.tr(
            "rnn.not_reached",
            epochs=len(epochs),
            prediction=epochs[-1]["prediction"],
            target=prm["target"],
        )


class RnnLayersScene(_RnnBase):
    """A stacked nn.RNN as a time x layer grid of hidden states, with output and hidden."""

    def construct(self) -> None:
        layers = self.trace.array("states").shape[0]  # (L, T, H)
        rows_left, weight_labels = self._row_labels(layers)
        cell, cell_w, in_cell, col_w = self._cell_sizes(rows_left, weight_labels)
        input_row = self._input_row(in_cell, col_w)
        rows = self._state_rows(cell, cell_w, col_w)
        arrows = self._place(input_row, rows, rows_left, weight_labels)
        self._introduce(input_row, rows_left, arrows)
        self._fill_states()
        self._show_shared_weights(weight_labels)
        self._show_results()
        self.say(self.tr("rnn.layers.outro"), hold=1.0)

    # --- the steps --------------------------------------------------------------------
    def _row_labels(self, layers: int) -> tuple[list[Text], list[Text]]:
        """Left of each row: its name and, below it, the weights that row's cells share."""
        rows_left = [self.label(self.tr("rnn.layer", layer=layer)) for layer in range(layers)]
        weight_labels = [
            self.label(
                self.tr("rnn.layer_weights", layer=layer),
                WEIGHT_LABEL_FONT_SIZE,
                self.theme.weight_ink,
            )
            for layer in range(layers)
        ]
        return rows_left, weight_labels

    def _cell_sizes(
        self, rows_left: list[Text], weight_labels: list[Text]
    ) -> tuple[float, float, float, float]:
        """(state cell height, state cell width, one-hot cell, column width)."""
        _, steps, size = self.trace.array("states").shape  # (L, T, H)
        v = self.trace.array("inputs").shape[1]  # (T, V)
        label_w = max(m.width for m in [*rows_left, *weight_labels]) + LABEL_GAP
        per_col = (config.frame_width - 2 * SIDE_MARGIN - label_w) / steps
        cell = max(MIN_CELL, min(MAX_CELL * 0.85, (per_col - COL_PAD) / size))
        # States (|h| < 1, e.g. "−0.77") get cells as wide as the column allows.
        want = self.texts.text(WIDEST, cell * DIGIT_HEIGHT * FONT_SIZE_PER_UNIT).width
        cell_w = max(cell, min(want / DIGIT_WIDTH, (per_col - COL_PAD) / size))
        in_cell = min(cell, (per_col - COL_PAD) / v)
        return cell, cell_w, in_cell, per_col

    def _input_row(self, in_cell: float, col_w: float) -> VGroup:
        """One one-hot row per time step, its character beneath."""
        theme, inputs = self.theme, self.trace.tensors["inputs"]  # (T, V)
        self.input_grids = []
        input_row = VGroup()
        for t, one_hot in enumerate(inputs):
            # One-hot: only 0 and 1, so the digits may fill the cell's height.
            v = len(one_hot)
            g = TensorGrid(
                1, v, in_cell, theme, self.texts, theme.input_fill, [one_hot], widest="1"
            )
            char = self.char(self.trace.params["input"][t], CHAR_FONT_SIZE, theme.input_ink)
            char.next_to(g, DOWN, buff=SMALL_GAP)
            self.input_grids.append(g)
            input_row.add(VGroup(g, char).set_x(t * col_w))  # grids level, whatever the glyph
        return input_row

    def _state_rows(self, cell: float, cell_w: float, col_w: float) -> list[VGroup]:
        """One row per layer: an empty state grid per time step, boxed in the weights' colour."""
        theme = self.theme
        layers, steps, size = self.trace.array("states").shape  # (L, T, H)
        self.state_grids: list[list[TensorGrid]] = []
        self.layer_boxes: list[list[RoundedRectangle]] = []
        rows = []
        for _layer in range(layers):
            boxes = []
            row = VGroup()
            grids = [
                TensorGrid(
                    1,
                    size,
                    cell,
                    theme,
                    self.texts,
                    theme.output_fill,
                    None,
                    widest=WIDEST,
                    cell_width=cell_w,
                )
                for _ in range(steps)
            ]
            for t, g in enumerate(grids):
                g.move_to((t * col_w, 0.0, 0.0))
                box = RoundedRectangle(
                    corner_radius=0.08,
                    width=g.width + 0.2,
                    height=g.height + 0.2,
                    stroke_color=theme.weight_ink,
                    stroke_width=3,
                ).move_to(g)
                boxes.append(box)
                row.add(box, g)
            self.state_grids.append(grids)
            self.layer_boxes.append(boxes)
            rows.append(row)
        return rows

    def _place(
        self,
        input_row: VGroup,
        rows: list[VGroup],
        rows_left: list[Text],
        weight_labels: list[Text],
    ) -> VGroup:
        """Rows stacked upwards from the inputs, labelled, joined by arrows; returns them."""
        stack = VGroup(input_row, *rows).arrange(UP, buff=0.55)
        # arrange() centres each row; rows hold the same columns, so columns stay aligned.
        for layer, row in enumerate(rows):
            rows_left[layer].next_to(row, LEFT, buff=LABEL_GAP)
            weight_labels[layer].next_to(rows_left[layer], DOWN, buff=0.05)
            weight_labels[layer].align_to(rows_left[layer], RIGHT)
            VGroup(rows_left[layer], weight_labels[layer]).set_y(row.get_y())
        arrows = VGroup()
        for layer, boxes in enumerate(self.layer_boxes):
            for t, box in enumerate(boxes):
                below = self.input_grids[t] if layer == 0 else self.layer_boxes[layer - 1][t]
                arrows.add(self.arrow(below, box, UP))
                if t > 0:
                    arrows.add(self.arrow(boxes[t - 1], box, RIGHT))
        body = VGroup(stack, *rows_left, *weight_labels, arrows)
        self.fit_width(body)
        body.move_to((0.0, self.body_center_y() - 0.1, 0.0))
        return arrows

    def _introduce(self, input_row: VGroup, rows_left: list[Text], arrows: VGroup) -> None:
        trace, layers = self.trace, len(self.layer_boxes)
        extra = trace.extra_as(RnnLayersExtra)
        title = self.title(self.tr("rnn.layers.title", layers=layers, input=trace.params["input"]))
        self.play(fade_in(title), fade_in(input_row), run_time=0.6)
        self.say(
            self.tr(
                "rnn.layers.intro",
                input_shape=shape_text(extra["shapes"]["input"]),
                vocab=", ".join(extra["vocab"]),
            ),
            hold=0.8,
        )
        self.play(
            *[fade_in(b) for boxes in self.layer_boxes for b in boxes],
            *[fade_in(g) for grids in self.state_grids for g in grids],
            *[fade_in(lbl) for lbl in rows_left],
            fade_in(arrows),
            run_time=0.6,
        )
        self.say(self.tr("rnn.layers.recurrence"))

    def _fill_states(self) -> None:
        """Layer by layer, time step by time step, as nn.RNN computes them."""
        for layer, row in enumerate(self.trace.tensors["states"]):  # (L, T, H)
            if layer == 1:
                self.say(self.tr("rnn.layers.stack"))
            run_time = 0.45 if layer == 0 else 0.3
            for t, state in enumerate(row):
                grid = self.state_grids[layer][t]
                new = [grid.fill_in(0, c, value) for c, value in enumerate(state)]
                self.play(*[fade_in(m) for m in new], run_time=run_time)

    def _show_shared_weights(self, weight_labels: list[Text]) -> None:
        shared = SurroundingRectangle(
            VGroup(*self.layer_boxes[0]), color=self.theme.highlight, buff=0.08
        )
        self.play(fade_in(shared), *[fade_in(w) for w in weight_labels], run_time=0.5)
        self.say(self.tr("rnn.layers.shared", layer=0), hold=1.0)
        self.play(fade_out(shared), run_time=0.3)

    def _show_results(self) -> None:
        """Output (the top layer at every step) and hidden (every layer's last state)."""
        theme, shapes = self.theme, self.trace.extra_as(RnnLayersExtra)["shapes"]
        top = VGroup(*self.layer_boxes[-1])
        # Two results, two colours: output in the output colour, hidden in the highlight.
        out_mark = SurroundingRectangle(
            top, color=theme.output_ink, buff=0.1, stroke_width=MARK_STROKE
        )
        self.output_label = self.label(
            f"{self.tr('rnn.output')} {shape_text(shapes['output'])}", color=theme.output_ink
        )
        last = VGroup(*[boxes[-1] for boxes in self.layer_boxes])
        hid_mark = SurroundingRectangle(
            last, color=theme.highlight, buff=0.18, stroke_width=MARK_STROKE
        )
        self.hidden_label = self.label(
            f"{self.tr('rnn.hidden')} {shape_text(shapes['hidden'])}", color=theme.highlight
        )
        # Both names above the grid: output over the top row, hidden over the last column.
        self.hidden_label.next_to(hid_mark, UP, buff=0.08).align_to(hid_mark, RIGHT)
        self.output_label.next_to(out_mark, UP, buff=0.08).align_to(out_mark, LEFT)
        self.output_label.set_y(self.hidden_label.get_y())
        self.play(fade_in(out_mark), fade_in(self.output_label), run_time=0.5)
        self.say(self.tr("rnn.layers.output", shape=shape_text(shapes["output"])), hold=1.2)
        self.play(fade_in(hid_mark), fade_in(self.hidden_label), run_time=0.5)
        self.say(self.tr("rnn.layers.hidden", shape=shape_text(shapes["hidden"])), hold=1.2)


class EmbeddingScene(_RnnBase):
    """One-hot (T, V) x weight (V, E) = the looked-up rows, then Embedding -> RNN -> Linear."""

    def construct(self) -> None:
        row, lookup_block = self._lookup_row()
        self.play(fade_in(self.title(self.tr("rnn.emb.title"))), fade_in(row), run_time=0.7)
        self.say(self.tr("rnn.emb.intro"), hold=1.0)
        self._look_up()
        self.say(self.tr("rnn.emb.same"), hold=1.0)
        self.play(fade_out(row[:4]), run_time=0.4)
        boxes, scores_block = self._model_flow(lookup_block)
        self._train(lookup_block, boxes, scores_block)

    # --- the steps --------------------------------------------------------------------
    def _lookup_row(self) -> tuple[VGroup, VGroup]:
        """one-hot (T, V) × weight (V, E) = lookup (T, E), labelled; returns the row and
        the labelled lookup grid."""
        trace, prm, theme = self.trace, self.trace.params, self.theme
        x = trace.array("inputs")  # (T, V)
        weight = trace.array("weight")  # (V, E)
        lookup = trace.array("lookup")  # (T, E)
        t_len, v = x.shape
        e = weight.shape[1]
        cols = v + e + e
        avail_w = config.frame_width - 2 * SIDE_MARGIN - 2.4
        avail_h = config.frame_height - TOP_RESERVED - BOTTOM_RESERVED - 1.3
        self.cell = cell = max(MIN_CELL, min(MAX_CELL, avail_w / cols, avail_h / max(t_len, v)))
        self.one_hot_grid = self.grid(x.tolist(), theme.input_fill, cell)
        self.weight_grid = self.grid(weight.tolist(), theme.weight_fill, cell)
        self.lookup_grid = TensorGrid(
            t_len, e, cell, theme, self.texts, theme.output_fill, None, widest=WIDEST
        )
        row_chars = self._chars_left_of(self.one_hot_grid, prm["input"], CHAR_FONT_SIZE)
        vocab = self.trace.extra_as(EmbeddingExtra)["vocab"]
        vocab_chars = self._chars_left_of(self.weight_grid, vocab, ROW_FONT_SIZE, theme.muted)
        blocks = [
            VGroup(self.one_hot_grid, row_chars),
            VGroup(self.weight_grid, vocab_chars),
            self.lookup_grid,
        ]
        labels = [
            self.label(self.tr("rnn.emb.one_hot", shape=shape_text(x.shape))),
            self.label(self.tr("rnn.emb.weight", shape=shape_text(weight.shape))),
            self.label(self.tr("rnn.emb.lookup", shape=shape_text(lookup.shape))),
        ]
        for block, label in zip(blocks, labels):
            label.next_to(block, UP, buff=SMALL_GAP)
        ops = [self.texts.text(op, OP_FONT_SIZE, theme.muted) for op in ("×", "=")]
        row = VGroup(
            VGroup(blocks[0], labels[0]),
            ops[0],
            VGroup(blocks[1], labels[1]),
            ops[1],
            VGroup(blocks[2], labels[2]),
        ).arrange(RIGHT, buff=GAP * 1.5, aligned_edge=DOWN)
        for op in ops:
            op.set_y(self.weight_grid.get_center()[1])
        self.fit_width(row)
        row.move_to((0.0, self.body_center_y(), 0.0))
        return row, VGroup(self.lookup_grid, labels[2])

    def _chars_left_of(
        self, grid: TensorGrid, chars: Sequence[str], font_size: float, color: str | None = None
    ) -> VGroup:
        """One character left of each row of ``grid``."""
        colour = color or self.theme.input_ink
        return VGroup(
            *[
                self.char(ch, font_size, colour).next_to(grid.cell(r, 0), LEFT, buff=SMALL_GAP)
                for r, ch in enumerate(chars)
            ]
        )

    def _look_up(self) -> None:
        """Row t of the one-hot picks row index of the table: the lookup fills row by row."""
        theme = self.theme
        v, e = self.one_hot_grid.cols, self.weight_grid.cols
        for step in self.trace.steps_as(EmbeddingStep):
            t, idx = step["t"], step["index"]
            marks = VGroup(
                SurroundingRectangle(
                    VGroup(*[self.one_hot_grid.cell(t, c) for c in range(v)]),
                    color=theme.highlight,
                    buff=0.02,
                ),
                SurroundingRectangle(
                    VGroup(*[self.weight_grid.cell(idx, c) for c in range(e)]),
                    color=theme.highlight,
                    buff=0.02,
                ),
            )
            new = [self.lookup_grid.fill_in(t, c, value) for c, value in enumerate(step["row"])]
            detailed = t < 2
            # The caption names a row only while that row is highlighted.
            if t == 0:
                self.say(self.tr("rnn.emb.product", char=step["char"], index=idx), hold=0.5)
            elif t == 1:
                self.say(self.tr("rnn.emb.product_rest"), run_time=0.1)
            self.play(fade_in(marks), run_time=0.3 if detailed else 0.15)
            self.play(*[fade_in(m) for m in new], run_time=0.5 if detailed else 0.25)
            self.wait(0.4 if detailed else 0.1)
            self.play(fade_out(marks), run_time=0.2 if detailed else 0.1)

    def _model_flow(self, lookup_block: VGroup) -> tuple[VGroup, VGroup]:
        """The improved model: the looked-up rows feed the RNN, a Linear layer scores them."""
        trace, prm, theme = self.trace, self.trace.params, self.theme
        scores = trace.array("scores")  # (T, V)
        v, e = self.one_hot_grid.cols, self.weight_grid.cols
        boxes = self._model_boxes(v, e)
        self.scores_grid = self.grid(scores.tolist(), theme.output_fill, self.cell)
        scores_label = self.label(self.tr("rnn.emb.scores", shape=shape_text(scores.shape)))
        scores_label.next_to(self.scores_grid, UP, buff=SMALL_GAP)
        # Epoch 1's prediction is made with the initial weights: the scores shown here.
        before = trace.extra_as(EmbeddingExtra)["epochs"][0]["prediction"]
        self.before_prediction = self.prediction_text(before, prm["target"], CHAR_FONT_SIZE)
        for t, ch in enumerate(self.before_prediction):
            ch.next_to(self.scores_grid.cell(t, v - 1), RIGHT, buff=GAP)
        scores_block = VGroup(self.scores_grid, scores_label, self.before_prediction)
        placeholder = lookup_block.copy()
        flow = VGroup(placeholder, boxes, scores_block).arrange(RIGHT, buff=GAP * 2)
        self.fit_width(flow)
        flow.move_to((0.0, self.body_center_y(), 0.0))
        self.play(move_to(lookup_block, placeholder), run_time=0.6)
        self.play(fade_in(boxes), run_time=0.5)
        self.say(self.tr("rnn.emb.model"), hold=0.6)
        self.play(fade_in(scores_block), run_time=0.5)
        self.say(self.tr("rnn.emb.before", prediction=before), hold=1.0)
        return boxes, scores_block

    def _train(self, lookup_block: VGroup, boxes: VGroup, scores_block: VGroup) -> None:
        prm, extra = self.trace.params, self.trace.extra_as(EmbeddingExtra)
        table = self.epoch_table(extra["epochs"], prm["target"])
        table.move_to((0.0, self.body_center_y(), 0.0))
        self.play(fade_out(lookup_block), fade_out(boxes), fade_out(scores_block), run_time=0.4)
        self.say(self.tr("rnn.train", lr=f"{prm['lr']:g}"))
        self.play_epochs(table)
        self.say(
            self.tr(
                "rnn.emb.outro",
                epochs=len(extra["epochs"]),
                prediction=extra["final_prediction"],
                target=prm["target"],
            ),
            hold=1.5,
        )

    def _model_boxes(self, v: int, e: int) -> VGroup:
        prm, theme = self.trace.params, self.theme
        texts = [
            self.tr("rnn.emb.box_embedding", v=v, e=e),
            self.tr("rnn.emb.box_rnn", e=e, h=prm["hidden_size"], layers=prm["num_layers"]),
            self.tr("rnn.emb.box_linear", h=prm["hidden_size"], v=v),
        ]
        boxes = [self.box(t, 2.6, theme.weight_fill) for t in texts]
        group = VGroup(*boxes).arrange(DOWN, buff=0.45)
        arrows = [self.arrow(a, b, DOWN) for a, b in zip(boxes, boxes[1:])]
        return VGroup(group, *arrows)
