"""A network over several features, drawn from a multi-feature trace.

Top, the model and the chain of shapes its matrix products make; then the BCE loss of
every epoch with the accuracy; then the trained network on the first samples, one layer at
a time as (S×in)·(in×out) → S×out with every number; last, the probabilities beside the
labels. Every number is the trace's.
"""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Create, Text, VGroup, config

from explain.mlcore.logistic import snapshot_epochs
from explain.mlcore.multi_feature import MultiFeatureExtra
from explain.scenes.kit.base import LABEL_FONT_SIZE, TraceScene, shrink_to_fit
from explain.scenes.kit.motion import fade_in, fade_out
from explain.scenes.kit.widgets.line_axes import PlotAxes
from explain.scenes.kit.widgets.numbers import format_number
from explain.scenes.kit.widgets.tensor_grid import TensorGrid

CHAIN_FONT_SIZE = 20
CHAIN_GAP = 0.12
CHAIN_TOP = 0.85  # below the frame's top edge, under the title
BODY_TOP = 1.9  # below the title and the two chain lines
BODY_BOTTOM = -2.9  # above the caption
PLOT_WIDTH = 6.2
PLOT_HEIGHT = 3.2
CELL_HEIGHT = 0.38
CELL_WIDTH = 0.66
GRID_GAP = 0.35
# A row of three matrices shrunk below this scale has numbers too small to read at 480p.
MIN_ROW_SCALE = 0.7
SYMBOL_FONT_SIZE = 44
SNAPSHOTS = 8
SNAPSHOT_SECONDS = 0.6
LAYER_HOLD = 1.2
DECIMALS = 3


def fmt(value: float) -> str:
    return format_number(value, DECIMALS)


class MultiFeatureScene(TraceScene):
    """Linear layers as matrix products over a batch, trained with BCE."""

    def construct(self) -> None:
        t, p = self.trace.tensors, self.trace.params
        data = self.trace.extra_as(MultiFeatureExtra)["data"]
        n, sizes = data["samples"], p["sizes"]
        title = self.title(self.tr("multi.title"))
        self.chain = self._chain(n, sizes, p["activation"])
        self.play(fade_in(title), fade_in(self.chain), run_time=0.8)
        if data["source"].startswith("sklearn"):
            self.say(self.tr("multi.data.default", n=n, f=sizes[0]), hold=1.0)
        else:
            self.say(self.tr("multi.data.file", n=n, f=sizes[0], file=data["source"]), hold=1.0)
        self.say(self.tr("multi.shapes"), hold=1.0)
        self._training(t["loss"], t["accuracy"], n)
        self.shown_layers: list[int] = []
        for i in range(1, len(sizes)):
            self._layer(i)
        acc = format_number(t["accuracy"][-1], 3)
        self.say(self.tr("multi.outro", epochs=p["epochs"], acc=acc, n=n), hold=2.0)

    # --- the model and its shapes -----------------------------------------------------
    def _chain(self, n: int, sizes: list[int], act: str) -> VGroup:
        layers, shapes = [], [f"{n}×{sizes[0]}"]
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            last = i == len(sizes) - 2
            layers.append(f"Linear({a}, {b}) → {'sigmoid' if last else act}")
            shapes.append(f"({n}×{a})·({a}×{b}) → {n}×{b}")
        lines = VGroup(
            self.texts.text(" → ".join(layers), CHAIN_FONT_SIZE, self.theme.text),
            self.texts.text("   ".join(shapes[1:]), CHAIN_FONT_SIZE, self.theme.muted),
        ).arrange(DOWN, buff=CHAIN_GAP)
        shrink_to_fit(lines, config.frame_width - 0.6)
        return lines.move_to((0, config.frame_height / 2 - CHAIN_TOP, 0), aligned_edge=UP)

    # --- training ---------------------------------------------------------------------
    def _training(self, losses: list[float], accuracy: list[float], n: int) -> None:
        epochs = len(losses)
        self.plot = PlotAxes.loss_per_epoch(
            losses,
            (PLOT_WIDTH, PLOT_HEIGHT),
            self.theme,
            self.texts,
            (self.tr("multi.axis.epoch"), self.tr("multi.axis.loss")),
        )
        self.plot.move_to((-6.4, BODY_TOP - 0.3, 0), aligned_edge=UP + LEFT)
        self.status = self._status(0)
        self.say(self.tr("multi.train", lr=f"{self.trace.params['lr']:g}", n=n))
        self.play(fade_in(self.plot), fade_in(self.status), run_time=0.6)
        curves, done = VGroup(), 0
        for e in [e for e in snapshot_epochs(epochs - 1, SNAPSHOTS) if e > 0] or [0]:
            self.remove(self.status)
            self.status = self._status(e)
            self.add(self.status)
            xs = list(range(done, e + 1))
            curve = self.plot.polyline(xs, losses[done : e + 1], self.theme.negative, 3)
            curves.add(curve)
            self.play(Create(curve), run_time=SNAPSHOT_SECONDS)
            done = e
        self.wait(1.0)
        self.play(fade_out(self.plot), fade_out(curves), fade_out(self.status), run_time=0.5)

    def _status(self, epoch: int) -> VGroup:
        t = self.trace.tensors
        rows = [
            self.tr("multi.status.epoch", epoch=epoch),
            self.tr("multi.status.loss", loss=fmt(t["loss"][epoch])),
            self.tr("multi.status.accuracy", acc=fmt(t["accuracy"][epoch])),
        ]
        group = VGroup(*[self.label(r, LABEL_FONT_SIZE, self.theme.text) for r in rows])
        group.arrange(DOWN, aligned_edge=LEFT, buff=0.25)
        return group.next_to(self.plot, RIGHT, buff=0.9).align_to(self.plot, UP)

    # --- the forward pass, one layer at a time ----------------------------------------
    def _grid(self, values: list[list[float]], fill: str, name: str) -> VGroup:
        rows, cols = len(values), len(values[0])
        grid = TensorGrid(
            rows,
            cols,
            CELL_HEIGHT,
            self.theme,
            self.texts,
            fill,
            values=values,
            cell_width=CELL_WIDTH,
        )
        label = self.label(f"{name}  {rows}×{cols}", 18, self.theme.text)
        return grid.labelled(label)

    def _layer(self, i: int) -> None:
        """Input (S×in) · W_iᵀ (in×out) → output (S×out) after the activation."""
        t, p = self.trace.tensors, self.trace.params
        sizes = p["sizes"]
        last = i == len(sizes) - 1
        inputs = t["x"] if i == 1 else t[f"layer{i - 1}.output"]
        act = "sigmoid" if last else p["activation"]
        outputs = [
            self._grid(t[f"layer{i}.output"], self.theme.output_fill, f"a{i} = {act}(…)"),
        ]
        if last:
            label = self.tr("multi.label.y")
            outputs.append(self._grid([[y] for y in t["y"]], self.theme.padding_fill, label))
        source = self._grid(inputs, self.theme.input_fill, "X" if i == 1 else f"a{i - 1}")
        body = self._product_row(i, source, outputs)
        width, height = config.frame_width - 0.6, BODY_TOP - BODY_BOTTOM
        if min(width / body.width, height / body.height) < MIN_ROW_SCALE:
            body = self._product_column(i, source, outputs)
        shrink_to_fit(body, width, height)
        body.move_to((0, (BODY_TOP + BODY_BOTTOM) / 2, 0))
        rows = len(inputs)
        self.say(self.tr("multi.layer", i=i, s=rows, a=sizes[i - 1], b=sizes[i], act=act))
        self.play(fade_in(body), run_time=0.5)
        self.wait(LAYER_HOLD)
        self.shown_layers.append(i)
        if not last:
            self.play(fade_out(body), run_time=0.4)

    def _product_row(self, i: int, source: VGroup, outputs: list[VGroup]) -> VGroup:
        """source · W_iᵀ → outputs, side by side, every weight shown."""
        weight_t = [list(col) for col in zip(*self.trace.tensors[f"layer{i}.weight"])]  # (in, out)
        dot, arrow = self._symbol("·"), self._symbol("→")
        parts = [source, dot, self._grid(weight_t, self.theme.weight_fill, f"W{i}ᵀ"), arrow]
        body = VGroup(*parts, *outputs).arrange(RIGHT, buff=GRID_GAP, aligned_edge=UP)
        for symbol in (dot, arrow):
            symbol.set_y(source[1].get_center()[1])
        return body

    def _product_column(self, i: int, source: VGroup, outputs: list[VGroup]) -> VGroup:
        """Wide layers: source above the outputs, the weight named by its shape between
        them; a row of every weight would shrink all numbers below reading size."""
        weight = self.trace.tensors[f"layer{i}.weight"]
        shape = f"· W{i}ᵀ  {len(weight[0])}×{len(weight)}   ↓"
        middle = self.texts.text(shape, LABEL_FONT_SIZE, self.theme.weight_ink)
        bottom = VGroup(*outputs).arrange(RIGHT, buff=GRID_GAP, aligned_edge=UP)
        return VGroup(source, middle, bottom).arrange(DOWN, buff=0.25)

    def _symbol(self, content: str) -> Text:
        return self.texts.text(content, SYMBOL_FONT_SIZE, self.theme.text)
