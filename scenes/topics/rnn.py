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

from explain.scenes.kit.base import LABEL_FONT_SIZE, MobjectT, TraceScene, shape_text, shrink_to_fit
from explain.scenes.kit.motion import fade_in, fade_out, move_to
from explain.scenes.kit.widgets.numbers import FONT_SIZE_PER_UNIT, format_number
from explain.scenes.kit.widgets.tensor_grid import DIGIT_HEIGHT, DIGIT_WIDTH, TensorGrid

TOP_RESERVED = 1.0  # title
BOTTOM_RESERVED = 0.85  # caption
SIDE_MARGIN = 0.45
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
        olds = []
        for (r, c), old in list(grid.numbers.items()):
            new = grid.make_number(r, c, values[r][c])
            grid.number_group.remove(old)
            olds.append(old)
            grid.number_group.add(new)
            grid.numbers[(r, c)] = new
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

    def epoch_table(self, epochs: list[dict[str, Any]], target: str) -> VGroup:
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
        trace, prm = self.trace, self.trace.params
        steps = trace.steps
        vocab = trace.extra["vocab"]
        w_ih = trace.array("weight_ih")  # (H, V)
        w_hh = trace.array("weight_hh")  # (H, H)
        b_ih = trace.array("bias_ih")  # (H,)
        b_hh = trace.array("bias_hh")  # (H,)
        hidden, v = w_ih.shape
        has_readout = "weight_out" in trace.tensors

        title = self.title(self.tr("rnn.unroll.title", input=prm["input"], target=prm["target"]))
        strip = self._unrolled_strip(steps)
        top = config.frame_height / 2 - TOP_RESERVED
        strip.move_to((0.0, top, 0.0), aligned_edge=UP)
        step_h = LABEL_FONT_SIZE / FONT_SIZE_PER_UNIT
        # What is left between the strip and the step line goes to the grids' rows.
        room = (
            strip.get_bottom()[1] - GAP - SMALL_GAP - (-config.frame_height / 2 + BOTTOM_RESERVED)
        )
        panel = self._equation_panel(w_ih, w_hh, b_ih, b_hh, steps[0], hidden, v, room - step_h)
        panel.next_to(strip, DOWN, buff=GAP).set_x(0.0)
        bottom = -config.frame_height / 2 + BOTTOM_RESERVED
        slack = panel.get_bottom()[1] - SMALL_GAP - step_h - bottom
        VGroup(strip, panel).shift(slack / 2 * DOWN)  # centred between title and caption
        self.step_y = panel.get_bottom()[1] - SMALL_GAP - step_h / 2
        self.step_line: Text | None = None
        self.play(fade_in(title), fade_in(strip), run_time=0.6)
        self.say(self.tr("rnn.unroll.intro", vocab=", ".join(vocab)), hold=0.8)
        self.play(fade_in(panel), run_time=0.6)
        self.say(self.tr("rnn.unroll.shared"), hold=0.8)
        self.say(self.tr("rnn.unroll.formula"), hold=0.6)

        self.predicted_chars: list[Text] = []
        marker = SurroundingRectangle(self.cells[0], color=self.theme.highlight, buff=0.05)
        for t, step in enumerate(steps):
            anims: list[Any] = []
            if t > 0:
                self.replace_numbers(self.x_grid, _col(step["x"]))
                self.replace_numbers(self.h_prev_grid, _col(step["h_prev"]))
                old_h = list(self.h_grid.numbers.values())
                for mob in old_h:
                    self.h_grid.number_group.remove(mob)
                self.h_grid.numbers.clear()
                if old_h:  # one removal from the scene, not one per number
                    anims.append(fade_out(*old_h))
                anims.append(move_to(marker, self.cells[t]))
            else:
                anims.append(fade_in(marker))
            self.play(*anims, run_time=0.5)
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
                scores_key = "rnn.unroll.scores_linear" if has_readout else "rnn.unroll.scores_h"
                self.say(self.tr(scores_key), hold=0.8)
            elif t == 1:
                self.say(self.tr("rnn.unroll.carry"), hold=0.5)
            else:
                self.wait(0.5)

        self.play(fade_out(marker), run_time=0.2)
        self.loss_line = self._loss_line()
        self.loss_line.set_y(self.step_y)
        assert self.step_line is not None  # set by the first time step
        self.play(fade_out(self.step_line), fade_in(self.loss_line), run_time=0.5)
        self.say(self.tr("rnn.unroll.loss"), hold=1.0)

        table = self.epoch_table(trace.extra["epochs"], prm["target"])
        table.move_to(panel).align_to(panel, UP)
        numbers = [m for g in self._panel_grids() for m in g.numbers.values()]
        self.play(fade_out(panel), fade_out(self.loss_line), *map(fade_out, numbers), run_time=0.4)
        self.say(self.tr("rnn.train", lr=f"{prm['lr']:g}"))
        self.play_epochs(table, self._epoch_chars)
        self.say(self._outro(), hold=1.5)

    # --- parts ------------------------------------------------------------------------
    def _unrolled_strip(self, steps: list[dict[str, Any]]) -> VGroup:
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

    def _equation_panel(
        self,
        w_ih: Any,
        w_hh: Any,
        b_ih: Any,
        b_hh: Any,
        first: dict[str, Any],
        hidden: int,
        v: int,
        height: float,
    ) -> VGroup:
        """W_ih · x_t + b_ih + W_hh · h_{t-1} + b_hh -> tanh -> h_t, all with numbers.

        Fits ``height`` (labels included) and the frame's width. The one-hot x_t shows only
        0 and 1, so its cells are narrow; every other cell is as wide as "−0.50" needs.
        """
        theme = self.theme
        ops = ["·", "+", "+", "·", "+"]
        op_mobs = [self.texts.text(op, OP_FONT_SIZE, theme.muted) for op in ops]
        op_mobs.append(self.texts.text(self.tr("rnn.tanh"), TANH_FONT_SIZE, theme.muted))
        label_h = LABEL_FONT_SIZE / FONT_SIZE_PER_UNIT + PANEL_LABEL_GAP
        row = max(PANEL_MIN_ROW, min(PANEL_ROW, (height - label_h) / max(hidden, v)))
        wide_cols = v + 1 + hidden + 1 + 1 + 1  # W_ih, b_ih, W_hh, h_{t-1}, b_hh, h_t
        gaps = 2 * len(op_mobs) * OP_GAP
        avail_w = config.frame_width - 2 * PANEL_MARGIN - sum(m.width for m in op_mobs) - gaps
        want = self.texts.text(WIDEST, row * DIGIT_HEIGHT * FONT_SIZE_PER_UNIT).width
        x_width = row * ONE_HOT_WIDTH
        width = max(row, min(want / DIGIT_WIDTH, (avail_w - x_width) / wide_cols))

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
            "weight_ih": grid(w_ih.tolist(), theme.weight_fill),
            "bias_ih": grid(_col(b_ih.tolist()), theme.weight_fill),
            "weight_hh": grid(w_hh.tolist(), theme.weight_fill),
            "bias_hh": grid(_col(b_hh.tolist()), theme.weight_fill),
        }
        # One-hot: "0" and "1" only, in narrow cells, in the same font size as the rest.
        self.x_grid = TensorGrid(
            v, 1, row, theme, self.texts, theme.input_fill, widest="1", cell_width=x_width
        )
        self.x_grid.font_size = self.weight_grids["bias_ih"].font_size
        for r, value in enumerate(first["x"]):
            self.x_grid.fill_in(r, 0, value)
        self.h_prev_grid = grid(_col(first["h_prev"]), theme.output_fill)
        self.h_grid = grid(None, theme.output_fill, rows=hidden)
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

    def _panel_grids(self) -> list[TensorGrid]:
        return [*self.weight_grids.values(), self.x_grid, self.h_prev_grid, self.h_grid]

    def _step_line(self, step: dict[str, Any], t: int) -> Text:
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

    def _predicted_char(self, step: dict[str, Any], t: int) -> Text:
        """The predicted character above the cell, replacing the target shown there."""
        ok = step["predicted"] == step["target"]
        colour = self.theme.output_ink if ok else self.theme.negative
        char = self.char(step["predicted"], CHAR_FONT_SIZE, colour)
        char.move_to((self.target_chars[t].get_x(), self.pred_label.get_y(), 0.0))
        self.predicted_chars.append(char)
        return char

    def _loss_line(self) -> Text:
        terms = " + ".join(format_number(s["loss"]) for s in self.trace.steps)
        text = self.tr(
            "rnn.loss_sum", terms=terms, total=format_number(self.trace.extra["total_loss"])
        )
        return self.texts.fitted(
            text, config.frame_width - 2 * SIDE_MARGIN, LABEL_FONT_SIZE, self.theme.accent
        )

    def _epoch_chars(self, n: int) -> list[Any]:
        """Animations writing epoch n's prediction above the unrolled cells."""
        record = self.trace.extra["epochs"][n]
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
        prm, epochs = self.trace.params, self.trace.extra["epochs"]
        first = next((e["epoch"] for e in epochs if e["prediction"] == prm["target"]), None)
        if first is not None and epochs[-1]["prediction"] == prm["target"]:
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
        trace = self.trace
        states = trace.array("states")  # (L, T, H)
        inputs = trace.array("inputs")  # (T, V)
        layers, steps, size = states.shape
        v = inputs.shape[1]
        shapes = trace.extra["shapes"]
        theme = self.theme

        # Left of each row: its name and, below it, the weights that row's cells share.
        rows_left = [self.label(self.tr("rnn.layer", layer=layer)) for layer in range(layers)]
        weight_labels = [
            self.label(
                self.tr("rnn.layer_weights", layer=layer), WEIGHT_LABEL_FONT_SIZE, theme.weight_ink
            )
            for layer in range(layers)
        ]
        label_w = max(m.width for m in [*rows_left, *weight_labels]) + LABEL_GAP
        per_col = (config.frame_width - 2 * SIDE_MARGIN - label_w) / steps
        cell = max(MIN_CELL, min(MAX_CELL * 0.85, (per_col - COL_PAD) / size))
        # States (|h| < 1, e.g. "−0.77") get cells as wide as the column allows.
        want = self.texts.text(WIDEST, cell * DIGIT_HEIGHT * FONT_SIZE_PER_UNIT).width
        cell_w = max(cell, min(want / DIGIT_WIDTH, (per_col - COL_PAD) / size))
        in_cell = min(cell, (per_col - COL_PAD) / v)
        col_w = per_col

        self.state_grids: list[list[TensorGrid]] = []
        self.layer_boxes: list[list[RoundedRectangle]] = []
        rows = VGroup()
        self.input_grids = []
        input_row = VGroup()
        for t in range(steps):
            # One-hot: only 0 and 1, so the digits may fill the cell's height.
            g = TensorGrid(
                1, v, in_cell, theme, self.texts, theme.input_fill, [inputs[t].tolist()], widest="1"
            )
            char = self.char(trace.params["input"][t], CHAR_FONT_SIZE, theme.input_ink).next_to(
                g, DOWN, buff=SMALL_GAP
            )
            self.input_grids.append(g)
            input_row.add(VGroup(g, char).set_x(t * col_w))  # grids level, whatever the glyph
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
            rows.add(row)
        stack = VGroup(input_row, *rows).arrange(UP, buff=0.55)
        # arrange() centres each row; rows hold the same columns, so columns stay aligned.
        for layer in range(layers):
            rows_left[layer].next_to(rows[layer], LEFT, buff=LABEL_GAP)
            weight_labels[layer].next_to(rows_left[layer], DOWN, buff=0.05)
            weight_labels[layer].align_to(rows_left[layer], RIGHT)
            VGroup(rows_left[layer], weight_labels[layer]).set_y(rows[layer].get_y())
        arrows = VGroup()
        for layer in range(layers):
            for t in range(steps):
                below = self.input_grids[t] if layer == 0 else self.layer_boxes[layer - 1][t]
                arrows.add(self.arrow(below, self.layer_boxes[layer][t], UP))
                if t > 0:
                    arrows.add(
                        self.arrow(
                            self.layer_boxes[layer][t - 1], self.layer_boxes[layer][t], RIGHT
                        )
                    )
        body = VGroup(stack, *rows_left, *weight_labels, arrows)
        self.fit_width(body)
        body.move_to((0.0, self.body_center_y() - 0.1, 0.0))

        title = self.title(self.tr("rnn.layers.title", layers=layers, input=trace.params["input"]))
        self.play(fade_in(title), fade_in(input_row), run_time=0.6)
        self.say(
            self.tr(
                "rnn.layers.intro",
                input_shape=shape_text(shapes["input"]),
                vocab=", ".join(trace.extra["vocab"]),
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
        for layer in range(layers):
            if layer == 1:
                self.say(self.tr("rnn.layers.stack"))
            run_time = 0.45 if layer == 0 else 0.3
            for t in range(steps):
                grid = self.state_grids[layer][t]
                new = [grid.fill_in(0, c, float(states[layer, t, c])) for c in range(size)]
                self.play(*[fade_in(m) for m in new], run_time=run_time)

        shared = [
            SurroundingRectangle(VGroup(*self.layer_boxes[layer]), color=theme.highlight, buff=0.08)
            for layer in range(layers)
        ]
        self.play(fade_in(shared[0]), *[fade_in(w) for w in weight_labels], run_time=0.5)
        self.say(self.tr("rnn.layers.shared", layer=0), hold=1.0)
        self.play(fade_out(shared[0]), run_time=0.3)

        top = VGroup(*self.layer_boxes[-1])
        # Two results, two colours: output (the top layer at every step) in the output
        # colour, hidden (every layer at the last step) in the highlight colour.
        out_mark = SurroundingRectangle(
            top, color=theme.output_ink, buff=0.1, stroke_width=MARK_STROKE
        )
        self.output_label = self.label(
            f"{self.tr('rnn.output')} {shape_text(shapes['output'])}", color=theme.output_ink
        )
        last = VGroup(*[self.layer_boxes[layer][-1] for layer in range(layers)])
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
        self.say(self.tr("rnn.layers.outro"), hold=1.0)


class EmbeddingScene(_RnnBase):
    """One-hot (T, V) x weight (V, E) = the looked-up rows, then Embedding -> RNN -> Linear."""

    def construct(self) -> None:
        trace, prm, theme = self.trace, self.trace.params, self.theme
        x = trace.array("inputs")  # (T, V)
        weight = trace.array("weight")  # (V, E)
        lookup = trace.array("lookup")  # (T, E)
        scores = trace.array("scores")  # (T, V)
        t_len, v = x.shape
        e = weight.shape[1]
        vocab = trace.extra["vocab"]

        cols = v + e + e
        avail_w = config.frame_width - 2 * SIDE_MARGIN - 2.4
        avail_h = config.frame_height - TOP_RESERVED - BOTTOM_RESERVED - 1.3
        cell = max(MIN_CELL, min(MAX_CELL, avail_w / cols, avail_h / max(t_len, v)))
        self.one_hot_grid = self.grid(x.tolist(), theme.input_fill, cell)
        self.weight_grid = self.grid(weight.tolist(), theme.weight_fill, cell)
        self.lookup_grid = TensorGrid(
            t_len, e, cell, theme, self.texts, theme.output_fill, None, widest=WIDEST
        )
        row_chars = VGroup(
            *[
                self.char(ch, CHAR_FONT_SIZE, theme.input_ink).next_to(
                    self.one_hot_grid.cell(t, 0), LEFT, buff=SMALL_GAP
                )
                for t, ch in enumerate(prm["input"])
            ]
        )
        vocab_chars = VGroup(
            *[
                self.char(ch, ROW_FONT_SIZE, theme.muted).next_to(
                    self.weight_grid.cell(r, 0), LEFT, buff=SMALL_GAP
                )
                for r, ch in enumerate(vocab)
            ]
        )
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

        self.play(fade_in(self.title(self.tr("rnn.emb.title"))), fade_in(row), run_time=0.7)
        self.say(self.tr("rnn.emb.intro"), hold=1.0)
        for step in trace.steps:
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
        self.say(self.tr("rnn.emb.same"), hold=1.0)

        # The improved model: the looked-up rows feed the RNN, a Linear layer scores them.
        lookup_block = VGroup(self.lookup_grid, labels[2])
        self.play(fade_out(row[:4]), run_time=0.4)
        boxes = self._model_boxes(v, e)
        self.scores_grid = self.grid(scores.tolist(), theme.output_fill, cell)
        scores_label = self.label(self.tr("rnn.emb.scores", shape=shape_text(scores.shape)))
        scores_label.next_to(self.scores_grid, UP, buff=SMALL_GAP)
        # Epoch 1's prediction is made with the initial weights: the scores shown here.
        before = trace.extra["epochs"][0]["prediction"]
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

        table = self.epoch_table(trace.extra["epochs"], prm["target"])
        table.move_to((0.0, self.body_center_y(), 0.0))
        self.play(fade_out(lookup_block), fade_out(boxes), fade_out(scores_block), run_time=0.4)
        self.say(self.tr("rnn.train", lr=f"{prm['lr']:g}"))
        self.play_epochs(table)
        self.say(
            self.tr(
                "rnn.emb.outro",
                epochs=len(trace.extra["epochs"]),
                prediction=trace.extra["final_prediction"],
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
